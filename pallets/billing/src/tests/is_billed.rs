//! Tests: is_billed.

use super::*;

#[test]
fn is_billed_is_set_by_the_first_bill_of_a_region() {
	ExtBuilder::default().build_and_execute(|| {
		assert!(!Billing::is_billed(R1, C));
		assert_ok!(post(1, C, 1, None));
		assert!(Billing::is_billed(R1, C));
		assert!(!Billing::is_billed(R1, C - 1));
		assert!(!Billing::is_billed(R1, C + 1));
		assert!(!Billing::is_billed(R2, C));
		// Further bills of the region and cycle change nothing.
		assert_ok!(post(2, C, 2, None));
		assert_ok!(post(1, C, 3, Some(1)));
		assert!(Billing::is_billed(R1, C));
		assert_eq!(BilledCycles::<Test>::iter().count(), 1);
		// A refused bill does not mark the cycle.
		assert_noop!(post(3, 5, 1, None), Error::<Test>::CycleNotFinished);
		assert!(!Billing::is_billed(R2, 5));
	});
}

#[test]
fn a_cycle_is_settled_dispute_cycles_after_its_latest_bill() {
	ExtBuilder::default().build_and_execute(|| {
		// Cycle C billed in cycle 5 (the current one); DisputeCycles = 2.
		assert!(!Billing::is_settled(R1, C));
		assert_ok!(post(1, C, 1, None));
		assert_eq!(BilledCycles::<Test>::get(R1, C), Some(5));
		CurrentCycle::set(Some(6));
		assert!(!Billing::is_settled(R1, C));
		// A superseding bill in cycle 6 opens a new window.
		assert_ok!(post(1, C, 2, Some(1)));
		assert_eq!(BilledCycles::<Test>::get(R1, C), Some(6));
		CurrentCycle::set(Some(7));
		assert!(!Billing::is_settled(R1, C));
		CurrentCycle::set(Some(8));
		assert!(Billing::is_settled(R1, C));
		// Another region's cycle is not billed, so not settled.
		assert!(!Billing::is_settled(R2, C));
	});
}
