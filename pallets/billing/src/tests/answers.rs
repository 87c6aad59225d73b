//! Tests: acknowledge and dispute.

use super::*;

#[test]
fn acknowledge_works_once() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1));
		System::assert_last_event(
			Event::BillAcknowledged { meter: 1, cycle: C, version: 1 }.into(),
		);
		assert_eq!(status(1, C, 1), BillStatus::Acknowledged);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::AlreadyAcknowledged
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("too high")),
			Error::<Test>::AlreadyAcknowledged
		);
	});
}

#[test]
fn acknowledge_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		// Not the owner (another meter's owner, the KGC), unsigned.
		for who in [OWNER2, KGC] {
			assert_noop!(
				Billing::acknowledge(RuntimeOrigin::signed(who), 1, C, 1),
				Error::<Test>::NotOwner
			);
		}
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::root(), 1, C, 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::none(), 1, C, 1),
			DispatchError::BadOrigin
		);
		// No bill for this cycle, or for this meter.
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C + 1, 1),
			Error::<Test>::NoBill
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER2), 2, C, 1),
			Error::<Test>::NoBill
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 99, C, 1),
			Error::<Test>::UnknownMeter
		);
		// A version that does not exist is not the latest.
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 2),
			Error::<Test>::WrongVersion
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 0),
			Error::<Test>::WrongVersion
		);
		MockMeters::remove(1);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::UnknownMeter
		);
	});
}

#[test]
fn dispute_works_once() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("period 7")));
		System::assert_last_event(
			Event::BillDisputed { meter: 1, cycle: C, version: 1, reason: reason("period 7") }
				.into(),
		);
		assert_eq!(status(1, C, 1), BillStatus::Disputed { reason: reason("period 7") });
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("again")),
			Error::<Test>::AlreadyDisputed
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::AlreadyDisputed
		);
	});
}

#[test]
fn dispute_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("")),
			Error::<Test>::EmptyReason
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER2), 1, C, 1, reason("not mine")),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::root(), 1, C, 1, reason("x")),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C - 1, 1, reason("x")),
			Error::<Test>::NoBill
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 99, C, 1, reason("x")),
			Error::<Test>::UnknownMeter
		);
		// The reason is bounded by its type.
		assert!(BoundedVec::<u8, frame_support::traits::ConstU32<MAX_REASON>>::try_from(vec![
			b'x';
			MAX_REASON as usize + 1
		])
		.is_err());
	});
}

#[test]
fn a_dispute_is_answered_by_a_superseding_bill() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("period 7")));
		// The owner may not dispute twice, but the KGC answers with version 2.
		assert_ok!(post(1, C, 2, Some(1)));
		System::assert_last_event(
			Event::BillSuperseded {
				meter: 1,
				cycle: C,
				superseded: 1,
				version: 2,
				regions: home(1),
				cid: cid(2),
			}
			.into(),
		);
		assert_eq!(status(1, C, 1), BillStatus::Superseded);
		assert_eq!(status(1, C, 2), BillStatus::Posted);
		// An answer to the superseded version is refused: the owner has not seen version 2.
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::WrongVersion
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("again")),
			Error::<Test>::WrongVersion
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 3),
			Error::<Test>::WrongVersion
		);
		// The owner answers the new version.
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 2));
		System::assert_last_event(
			Event::BillAcknowledged { meter: 1, cycle: C, version: 2 }.into(),
		);
		assert_eq!(status(1, C, 1), BillStatus::Superseded);
		assert_eq!(status(1, C, 2), BillStatus::Acknowledged);
	});
}

#[test]
fn an_acknowledged_bill_can_be_corrected() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1));
		assert_ok!(post(1, C, 2, Some(1)));
		assert_eq!(status(1, C, 1), BillStatus::Superseded);
		assert_eq!(status(1, C, 2), BillStatus::Posted);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 2, reason("why?")));
	});
}
