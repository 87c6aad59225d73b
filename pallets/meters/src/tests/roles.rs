//! Tests: the KGC and CC roles.

use super::*;

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
