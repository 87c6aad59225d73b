//! Tests: meters: registration, membership, retirement.

use super::*;

#[test]
fn register_meters_works() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		System::assert_last_event(
			Event::MetersRegistered { region: R1, meters: vec![1, 2, 3] }.into(),
		);
		assert_eq!(Meters::active_meters(R1), 3);
		assert_eq!(Meters::active_meters(R2), 0);
		let m = MeterRecords::get(2).unwrap();
		assert_eq!(
			(m.region, m.owner, m.owner_key, m.status, m.faults),
			(R1, 102, key(2), MeterStatus::Active, 0)
		);
		assert_eq!(MetersByRegion::<Test>::iter_key_prefix(R1).count(), 3);
	});
}

#[test]
fn membership_epochs_record_who_was_active_where() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		// Registration: one new epoch for the batch.
		let e1 = Meters::region_epoch(R1);
		assert_eq!(e1, 1);
		assert!(Meters::was_active_in(1, R1, e1) && Meters::was_active_in(3, R1, e1));
		assert!(!Meters::was_active_in(1, R1, 0), "not before registration");
		// Suspension, move, reinstatement, retirement: each changes the active sets.
		assert_ok!(Meters::suspend_meter(kgc(), 1));
		let e2 = Meters::region_epoch(R1);
		assert_eq!(e2, e1 + 1);
		assert!(Meters::was_active_in(1, R1, e1) && !Meters::was_active_in(1, R1, e2));
		assert_ok!(Meters::move_meter(kgc(), 2, R2));
		let (e3, f1) = (Meters::region_epoch(R1), Meters::region_epoch(R2));
		assert_eq!((e3, f1), (e2 + 1, 1));
		assert!(Meters::was_active_in(2, R1, e2) && !Meters::was_active_in(2, R1, e3));
		assert!(Meters::was_active_in(2, R2, f1) && !Meters::was_active_in(2, R2, 0));
		// A suspended meter moves without changing either active set.
		assert_ok!(Meters::move_meter(kgc(), 1, R2));
		assert_eq!((Meters::region_epoch(R1), Meters::region_epoch(R2)), (e3, f1));
		assert_ok!(Meters::reinstate_meter(kgc(), 1));
		let f2 = Meters::region_epoch(R2);
		assert_eq!(f2, f1 + 1);
		assert!(Meters::was_active_in(1, R2, f2) && !Meters::was_active_in(1, R2, f1));
		assert!(Meters::was_active_in(1, R1, e1), "its old span stays");
		assert_ok!(Meters::retire_meter(kgc(), 3));
		let e4 = Meters::region_epoch(R1);
		assert!(Meters::was_active_in(3, R1, e3) && !Meters::was_active_in(3, R1, e4));
		assert!(!Meters::was_active_in(99, R1, e1), "unknown meter");
		let spans = |m| MeterRecords::get(m).unwrap().memberships.to_vec();
		assert_eq!(
			spans(1),
			vec![
				Membership { region: R1, from: e1, until: Some(e2) },
				Membership { region: R2, from: f2, until: None },
			]
		);
	});
}

#[test]
fn a_meter_keeps_its_latest_memberships() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		for _ in 0..MAX_MEMBERSHIPS {
			assert_ok!(Meters::suspend_meter(kgc(), 1));
			assert_ok!(Meters::reinstate_meter(kgc(), 1));
		}
		let spans = MeterRecords::get(1).unwrap().memberships;
		assert_eq!(spans.len() as u32, MAX_MEMBERSHIPS);
		// The first span (from registration, epoch 1) was dropped: no longer provable.
		assert!(!Meters::was_active_in(1, R1, 1));
		assert!(Meters::was_active_in(1, R1, Meters::region_epoch(R1)));
	});
}

#[test]
fn register_meters_is_all_or_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		assert_noop!(Meters::register_meters(kgc(), batch(vec![])), Error::<Test>::EmptyBatch);
		assert_noop!(
			Meters::register_meters(kgc(), batch(vec![reg(4, R1), reg(5, R2)])),
			Error::<Test>::MixedRegions
		);
		assert_noop!(
			Meters::register_meters(kgc(), batch(vec![reg(4, R1), reg(4, R1)])),
			Error::<Test>::DuplicateInBatch
		);
		assert_noop!(
			Meters::register_meters(kgc(), batch(vec![reg(4, R1), reg(2, R1)])),
			Error::<Test>::MeterExists
		);
		assert_noop!(
			Meters::register_meters(kgc(), batch(vec![reg(4, 9)])),
			Error::<Test>::UnknownRegion
		);
		assert_noop!(
			Meters::register_meters(RuntimeOrigin::signed(CC), batch(vec![reg(4, R1)])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_meters_refuses_counter_overflow() {
	// The counter is forced to its maximum, which breaks the count invariant on purpose.
	ExtBuilder::default().build().execute_with(|| {
		create(R1);
		Regions::<Test>::mutate(R1, |r| r.as_mut().unwrap().active_meters = u32::MAX);
		assert_noop!(
			Meters::register_meters(kgc(), batch(vec![reg(1, R1)])),
			Error::<Test>::TooManyMeters
		);
	});
}

#[test]
fn batch_size_is_bounded_by_the_type() {
	let too_many: Vec<_> = (0..=MAX_BATCH as u64).map(|i| reg(i, R1)).collect();
	assert!(BoundedVec::<_, ConstU32Batch>::try_from(too_many).is_err());
}

#[test]
fn retired_ids_are_not_reused() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		assert_ok!(Meters::retire_meter(kgc(), 1));
		assert_noop!(
			Meters::register_meters(kgc(), batch(vec![reg(1, R1)])),
			Error::<Test>::MeterExists
		);
	});
}

#[test]
fn move_meter_works_and_keeps_counts() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		assert_ok!(Meters::move_meter(kgc(), 1, R2));
		System::assert_last_event(Event::MeterMoved { meter: 1, from: R1, to: R2 }.into());
		assert_eq!((Meters::active_meters(R1), Meters::active_meters(R2)), (2, 1));
		assert_eq!(MeterRecords::get(1).unwrap().region, R2);
		// A suspended meter moves without changing active counts.
		assert_ok!(Meters::suspend_meter(kgc(), 2));
		assert_ok!(Meters::move_meter(kgc(), 2, R2));
		assert_eq!((Meters::active_meters(R1), Meters::active_meters(R2)), (1, 1));
	});
}

#[test]
fn move_meter_errors() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		assert_noop!(Meters::move_meter(kgc(), 9, R2), Error::<Test>::UnknownMeter);
		assert_noop!(Meters::move_meter(kgc(), 1, R1), Error::<Test>::SameRegion);
		assert_noop!(Meters::move_meter(kgc(), 1, 9), Error::<Test>::UnknownRegion);
		assert_ok!(Meters::retire_meter(kgc(), 3));
		assert_noop!(Meters::move_meter(kgc(), 3, R2), Error::<Test>::MeterRetired);
		assert_noop!(Meters::move_meter(RuntimeOrigin::signed(1), 1, R2), DispatchError::BadOrigin);
	});
}

#[test]
fn suspend_and_reinstate() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		MeterRecords::mutate(1, |m| m.as_mut().unwrap().faults = 4);
		assert_ok!(Meters::suspend_meter(kgc(), 1));
		System::assert_last_event(Event::MeterSuspended { meter: 1 }.into());
		assert_eq!(Meters::active_meters(R1), 2);
		assert_noop!(Meters::suspend_meter(kgc(), 1), Error::<Test>::AlreadySuspended);
		assert_ok!(Meters::reinstate_meter(kgc(), 1));
		System::assert_last_event(Event::MeterReinstated { meter: 1 }.into());
		let m = MeterRecords::get(1).unwrap();
		assert_eq!((m.status, m.faults), (MeterStatus::Active, 0));
		assert_eq!(Meters::active_meters(R1), 3);
		assert_noop!(Meters::reinstate_meter(kgc(), 1), Error::<Test>::NotSuspended);
		assert_noop!(Meters::suspend_meter(kgc(), 9), Error::<Test>::UnknownMeter);
		assert_noop!(Meters::reinstate_meter(kgc(), 9), Error::<Test>::UnknownMeter);
		assert_noop!(Meters::suspend_meter(RuntimeOrigin::signed(CC), 1), DispatchError::BadOrigin);
		assert_noop!(
			Meters::reinstate_meter(RuntimeOrigin::signed(CC), 1),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn retire_meter_works_and_is_final() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		assert_ok!(Meters::suspend_meter(kgc(), 2));
		assert_ok!(Meters::retire_meter(kgc(), 2));
		assert_ok!(Meters::retire_meter(kgc(), 3));
		System::assert_last_event(Event::MeterRetired { meter: 3 }.into());
		assert_eq!(Meters::active_meters(R1), 1);
		assert_eq!(MetersByRegion::<Test>::iter_key_prefix(R1).collect::<Vec<_>>(), vec![1]);
		assert_eq!(MeterRecords::get(3).unwrap().status, MeterStatus::Retired);
		assert_noop!(Meters::retire_meter(kgc(), 3), Error::<Test>::MeterRetired);
		assert_noop!(Meters::suspend_meter(kgc(), 3), Error::<Test>::MeterRetired);
		assert_noop!(Meters::reinstate_meter(kgc(), 3), Error::<Test>::MeterRetired);
		assert_noop!(Meters::set_owner_key(kgc(), 3, key(9)), Error::<Test>::MeterRetired);
		assert_noop!(Meters::retire_meter(kgc(), 9), Error::<Test>::UnknownMeter);
		assert_noop!(Meters::retire_meter(RuntimeOrigin::signed(1), 1), DispatchError::BadOrigin);
	});
}

#[test]
fn set_owner_key_works_and_errors() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		assert_ok!(Meters::set_owner_key(kgc(), 1, key(0xaa)));
		System::assert_last_event(Event::OwnerKeySet { meter: 1, key: key(0xaa) }.into());
		assert_eq!(MeterRecords::get(1).unwrap().owner_key, key(0xaa));
		assert_noop!(Meters::set_owner_key(kgc(), 9, key(1)), Error::<Test>::UnknownMeter);
		// The owner cannot change it; the KGC registers keys.
		assert_noop!(
			Meters::set_owner_key(RuntimeOrigin::signed(101), 1, key(1)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn small_order_owner_keys_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		// A point of order 8 (libsodium's blocklist).
		let order_8 = [
			0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
			0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
			0x5f, 0x49, 0xb8, 0x00,
		];
		for bad in [HpkePublicKey([0; 32]), HpkePublicKey(order_8)] {
			assert_noop!(Meters::set_owner_key(kgc(), 1, bad), Error::<Test>::InvalidOwnerKey);
			let mut r = reg(50, R1);
			r.owner_key = bad;
			assert_noop!(
				Meters::register_meters(kgc(), batch(vec![reg(51, R1), r])),
				Error::<Test>::InvalidOwnerKey
			);
		}
		assert_eq!(MeterRecords::get(1).unwrap().owner_key, key(1));
	});
}

#[test]
fn do_suspend_is_usable_by_other_pallets() {
	ExtBuilder::default().build_and_execute(|| {
		setup();
		assert_ok!(Meters::do_suspend(1));
		assert_eq!(Meters::active_meters(R1), 2);
		assert_noop!(Meters::do_suspend(1), Error::<Test>::AlreadySuspended);
	});
}

#[test]
fn try_state_detects_a_wrong_count() {
	ExtBuilder::default().build().execute_with(|| {
		setup();
		assert!(Meters::do_try_state().is_ok());
		Regions::<Test>::mutate(R1, |r| r.as_mut().unwrap().active_meters = 7);
		assert!(Meters::do_try_state().is_err());
	});
}
