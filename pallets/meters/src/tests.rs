//! Unit tests of the role accounts.

use crate::{self as pallet_meters, Cc, EnsureCc, EnsureKgc, Event, Kgc, Role};
use frame_support::{assert_noop, assert_ok, derive_impl, traits::EnsureOrigin};
use sp_runtime::{BuildStorage, DispatchError};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Meters: pallet_meters,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_meters::Config for Test {
	type RoleAdminOrigin = frame_system::EnsureRoot<u64>;
	type WeightInfo = ();
}

const KGC: u64 = 2;
const CC: u64 = 3;

fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_meters::GenesisConfig::<Test> { kgc: Some(KGC), cc: Some(CC) }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

#[test]
fn genesis_sets_roles() {
	new_test_ext().execute_with(|| {
		assert_eq!(Kgc::<Test>::get(), Some(KGC));
		assert_eq!(Cc::<Test>::get(), Some(CC));
	});
}

#[test]
fn role_origins_accept_only_the_holder() {
	new_test_ext().execute_with(|| {
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
	new_test_ext().execute_with(|| {
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
	new_test_ext().execute_with(|| {
		assert_noop!(
			Meters::set_role(RuntimeOrigin::signed(KGC), Role::Kgc, KGC),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn without_holder_nobody_has_the_role() {
	let t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(t).execute_with(|| {
		assert!(EnsureCc::<Test>::try_origin(RuntimeOrigin::signed(CC)).is_err());
	});
}
