//! Tests: invariants and hooks.

use super::*;

#[test]
fn try_state_detects_broken_invariants() {
	let broken = |corrupt: fn()| {
		ExtBuilder::default().build().execute_with(|| {
			assert_ok!(post(1, C, 1, None));
			assert_ok!(post(1, C, 2, Some(1)));
			assert_ok!(post(3, C, 3, None));
			assert_ok!(Billing::do_try_state());
			corrupt();
			assert!(Billing::do_try_state().is_err());
		})
	};
	// A bill without its latest-version entry.
	broken(|| LatestBill::<Test>::remove(3, C));
	// The latest version points past the stored ones, or is 0.
	broken(|| LatestBill::<Test>::insert(1, C, 3));
	broken(|| LatestBill::<Test>::insert(1, C, 0));
	// A version above the latest.
	broken(|| LatestBill::<Test>::insert(1, C, 1));
	// A missing old version.
	broken(|| Bills::<Test>::remove((1, C, 1)));
	// An old version not superseded, or the latest superseded.
	broken(|| {
		Bills::<Test>::mutate((1, C, 1), |r| r.as_mut().unwrap().status = BillStatus::Posted)
	});
	broken(|| {
		Bills::<Test>::mutate((1, C, 2), |r| r.as_mut().unwrap().status = BillStatus::Superseded)
	});
	// A digest that differs from the CID.
	broken(|| Bills::<Test>::mutate((3, C, 1), |r| r.as_mut().unwrap().digest = [0; 32]));
	// A bill without a region, or with regions out of order.
	broken(|| Bills::<Test>::mutate((1, C, 2), |r| r.as_mut().unwrap().regions = regions(&[])));
	broken(|| {
		Bills::<Test>::mutate((1, C, 2), |r| r.as_mut().unwrap().regions = regions(&[R2, R1]))
	});
	// A region of a bill not marked billed.
	broken(|| {
		Bills::<Test>::mutate((1, C, 1), |r| r.as_mut().unwrap().regions = regions(&[R1, 30]))
	});
	// Billed cycles missing or extra.
	broken(|| BilledCycles::<Test>::remove(R2, C));
	broken(|| BilledCycles::<Test>::insert(R2, C + 1, 5));
	broken(|| BilledCycles::<Test>::mutate(R1, C, |p| *p = Some(C)));
	// A bill of an unfinished cycle, a bill from the future, a stopped clock.
	broken(|| CurrentCycle::set(Some(C)));
	broken(|| CurrentCycle::set(None));
	broken(|| System::set_block_number(0));
}

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build().execute_with(|| {
		<Billing as Hooks<u64>>::integrity_test();
	});
}
