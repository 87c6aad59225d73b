//! Unit tests of the meters pallet: roles, regions, meters; every call, every error.

use crate::{
	mock::*, Cc, ChannelKind, EnsureCc, EnsureKgc, Error, Event, HpkePublicKey, Kgc, Membership,
	MeterId, MeterRegistration, MeterStatus, MetersByRegion, RegionId, Regions, Role, Shape,
	MAX_MEMBERSHIPS,
};

/// The meters storage map (the mock names the pallet `Meters` too).
type MeterRecords = crate::Meters<Test>;
use frame_support::{assert_noop, assert_ok, traits::EnsureOrigin, BoundedVec};
use sp_runtime::DispatchError;

const R1: RegionId = 1;
const R2: RegionId = 2;

fn kgc() -> RuntimeOrigin {
	RuntimeOrigin::signed(KGC)
}

/// An acceptable owner key per byte (never all-zero).
fn key(b: u8) -> HpkePublicKey {
	let mut k = [b; 32];
	k[31] = 9;
	HpkePublicKey(k)
}

fn reg(meter: MeterId, region: RegionId) -> MeterRegistration<u64> {
	MeterRegistration {
		meter,
		region,
		owner: 100 + meter,
		owner_key: key(meter as u8),
		prosumer: false,
	}
}

fn prosumer(meter: MeterId, region: RegionId) -> MeterRegistration<u64> {
	MeterRegistration { prosumer: true, ..reg(meter, region) }
}

fn batch(v: Vec<MeterRegistration<u64>>) -> BoundedVec<MeterRegistration<u64>, ConstU32Batch> {
	BoundedVec::try_from(v).unwrap()
}
type ConstU32Batch = frame_support::traits::ConstU32<MAX_BATCH>;

fn create(region: RegionId) {
	assert_ok!(Meters::create_region(
		kgc(),
		region,
		BoundedVec::truncate_from(b"north".to_vec()),
		BoundedVec::truncate_from(vec![10, 11]),
	));
}

/// Regions 1 and 2; meters 1..=3 in region 1.
fn setup() {
	create(R1);
	create(R2);
	assert_ok!(Meters::register_meters(kgc(), batch(vec![reg(1, R1), reg(2, R1), reg(3, R1)])));
}

// -- roles

#[test]
fn genesis_sets_roles() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Kgc::<Test>::get(), Some(KGC));
		assert_eq!(Cc::<Test>::get(), Some(CC));
	});
}

#[test]
fn role_origins_accept_only_the_holder() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(EnsureKgc::<Test>::try_origin(RuntimeOrigin::signed(KGC)).ok(), Some(KGC));
		assert!(EnsureKgc::<Test>::try_origin(RuntimeOrigin::signed(CC)).is_err());
		assert!(EnsureKgc::<Test>::try_origin(RuntimeOrigin::root()).is_err());
		assert!(EnsureKgc::<Test>::try_origin(RuntimeOrigin::none()).is_err());
		assert_eq!(EnsureCc::<Test>::try_origin(RuntimeOrigin::signed(CC)).ok(), Some(CC));
		assert!(EnsureCc::<Test>::try_origin(RuntimeOrigin::signed(KGC)).is_err());
	});
}

#[test]
fn set_role_by_root_moves_the_role() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Meters::set_role(RuntimeOrigin::root(), Role::Kgc, 7));
		System::assert_last_event(Event::RoleAssigned { role: Role::Kgc, who: 7 }.into());
		assert!(EnsureKgc::<Test>::try_origin(RuntimeOrigin::signed(KGC)).is_err());
		assert_eq!(EnsureKgc::<Test>::try_origin(RuntimeOrigin::signed(7)).ok(), Some(7));
		assert_ok!(Meters::set_role(RuntimeOrigin::root(), Role::Cc, 8));
		assert_eq!(Cc::<Test>::get(), Some(8));
	});
}

#[test]
fn set_role_requires_root() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Meters::set_role(RuntimeOrigin::signed(KGC), Role::Kgc, KGC),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn without_holder_nobody_has_the_role() {
	ExtBuilder::default().without_roles().build_and_execute(|| {
		assert!(EnsureCc::<Test>::try_origin(RuntimeOrigin::signed(CC)).is_err());
		assert_noop!(
			Meters::create_region(kgc(), R1, Default::default(), Default::default()),
			DispatchError::BadOrigin
		);
	});
}

// -- regions

#[test]
fn create_region_works() {
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		System::assert_last_event(Event::RegionCreated { region: R1 }.into());
		let r = Regions::<Test>::get(R1).unwrap();
		assert_eq!(r.name.to_vec(), b"north".to_vec());
		assert_eq!(r.aggregators.to_vec(), vec![10, 11]);
		assert_eq!(r.active_meters, 0);
		assert_eq!(r.shape.to_vec(), vec![ChannelKind::ImportWh]);
		assert!(Meters::region_exists(R1));
		assert!(!Meters::region_exists(R2));
	});
}

#[test]
fn create_region_errors() {
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		assert_noop!(
			Meters::create_region(kgc(), R1, Default::default(), Default::default()),
			Error::<Test>::RegionExists
		);
		assert_noop!(
			Meters::create_region(
				RuntimeOrigin::signed(CC),
				R2,
				Default::default(),
				Default::default()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Meters::create_region(
				RuntimeOrigin::root(),
				R2,
				Default::default(),
				Default::default()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn set_region_aggregators_works_and_errors() {
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		assert_ok!(Meters::set_region_aggregators(kgc(), R1, BoundedVec::truncate_from(vec![12])));
		System::assert_last_event(
			Event::RegionAggregatorsSet { region: R1, aggregators: vec![12] }.into(),
		);
		assert_eq!(Regions::<Test>::get(R1).unwrap().aggregators.to_vec(), vec![12]);
		assert_noop!(
			Meters::set_region_aggregators(kgc(), R2, Default::default()),
			Error::<Test>::UnknownRegion
		);
		assert_noop!(
			Meters::set_region_aggregators(RuntimeOrigin::signed(1), R1, Default::default()),
			DispatchError::BadOrigin
		);
	});
}

// -- meters

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

// -- channels and prosumers

fn shape(kinds: &[ChannelKind]) -> Shape {
	Shape::truncate_from(kinds.to_vec())
}

#[test]
fn set_region_shape_works_and_errors() {
	use ChannelKind::*;
	ExtBuilder::default().build_and_execute(|| {
		setup();
		let epoch = Meters::region_epoch(R1);
		assert_ok!(Meters::set_region_shape(kgc(), R1, shape(&[ImportWh, ExportWh])));
		System::assert_last_event(
			Event::RegionShapeSet { region: R1, shape: vec![ImportWh, ExportWh] }.into(),
		);
		assert_eq!(Meters::region_shape(R1), Some(shape(&[ImportWh, ExportWh])));
		assert_eq!(Meters::region_epoch(R1), epoch + 1, "setups must be rebuilt");
		assert_eq!(Meters::channel_contributors(R1), vec![3, 0]);
		for bad in [&[][..], &[ExportWh, ImportWh], &[ImportWh, MaxDemandW, MaxDemandW]] {
			assert_noop!(Meters::set_region_shape(kgc(), R1, shape(bad)), Error::<Test>::BadShape);
		}
		assert_noop!(
			Meters::set_region_shape(kgc(), 9, shape(&[ImportWh])),
			Error::<Test>::UnknownRegion
		);
		assert_noop!(
			Meters::set_region_shape(RuntimeOrigin::signed(CC), R1, shape(&[ImportWh])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn prosumers_are_counted_per_region_as_they_come_and_go() {
	use ChannelKind::*;
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		create(R2);
		assert_ok!(Meters::set_region_shape(kgc(), R1, shape(&[ImportWh, ExportWh])));
		assert_ok!(Meters::register_meters(
			kgc(),
			batch(vec![reg(1, R1), prosumer(2, R1), prosumer(3, R1)])
		));
		let prosumers = |r| Regions::<Test>::get(r).unwrap().active_prosumers;
		assert_eq!(prosumers(R1), 2);
		assert_eq!(Meters::channel_contributors(R1), vec![3, 2]);
		// Becoming a prosumer changes the active set's epoch (setups say how many can export).
		let epoch = Meters::region_epoch(R1);
		assert_ok!(Meters::set_prosumer(kgc(), 1, true));
		System::assert_last_event(Event::ProsumerSet { meter: 1, prosumer: true }.into());
		assert_eq!((prosumers(R1), Meters::region_epoch(R1) > epoch), (3, true));
		assert_ok!(Meters::suspend_meter(kgc(), 2));
		assert_eq!(prosumers(R1), 2);
		// A suspended meter's flag changes without touching the counts.
		assert_ok!(Meters::set_prosumer(kgc(), 2, false));
		assert_eq!(prosumers(R1), 2);
		assert_ok!(Meters::reinstate_meter(kgc(), 2));
		assert_eq!(prosumers(R1), 2);
		assert_ok!(Meters::move_meter(kgc(), 3, R2));
		assert_eq!((prosumers(R1), prosumers(R2)), (1, 1));
		assert_ok!(Meters::retire_meter(kgc(), 3));
		assert_eq!(prosumers(R2), 0);
		assert_noop!(Meters::set_prosumer(kgc(), 3, false), Error::<Test>::MeterRetired);
		assert_noop!(Meters::set_prosumer(kgc(), 99, true), Error::<Test>::UnknownMeter);
		assert!(Meters::do_try_state().is_ok());
		Regions::<Test>::mutate(R1, |r| r.as_mut().unwrap().active_prosumers = 0);
		assert!(Meters::do_try_state().is_err());
		Regions::<Test>::mutate(R1, |r| r.as_mut().unwrap().active_prosumers = 1);
	});
}

#[test]
fn try_state_detects_a_stale_index() {
	ExtBuilder::default().build().execute_with(|| {
		setup();
		MetersByRegion::<Test>::remove(R1, 2);
		assert!(Meters::do_try_state().is_err());
	});
}
