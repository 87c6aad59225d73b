//! Unit tests of `pallet-aggregators`: every call, every error, origin checks, and the
//! hand-over of the registry to `pallet-session`.

use crate::{
	mock::*, Aggregators as AggregatorSet, Error, Event, HalfSlotDurationMs, LastRotation,
	PendingChange, SlotDuration, SlotDurationMs,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{Get, Hooks},
};
use sp_runtime::DispatchError;

fn add(who: AccountId) -> sp_runtime::DispatchResult {
	let keys = keys_of(who);
	let proof = proof_for(&keys, who);
	Aggregators::add_aggregator(RuntimeOrigin::root(), who, keys, proof)
}

#[test]
fn genesis_registers_aggregators_as_validators() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Aggregators::aggregators(), vec![1, 2, 3]);
		assert_eq!(Session::validators(), vec![1, 2, 3]);
		assert!(Aggregators::is_aggregator(&2));
		assert!(!Aggregators::is_aggregator(&4));
		assert!(!PendingChange::<Test>::get());
	});
}

#[test]
fn genesis_set_is_sorted() {
	ExtBuilder::default().aggregators(vec![3, 1, 2]).build_and_execute(|| {
		assert_eq!(AggregatorSet::<Test>::get().into_inner(), vec![1, 2, 3]);
	});
}

#[test]
#[should_panic(expected = "fewer genesis aggregators than MinAggregators")]
fn genesis_below_minimum_panics() {
	ExtBuilder::default().aggregators(vec![1]).build();
}

#[test]
fn add_aggregator_works_and_takes_effect_two_sessions_later() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(add(4));
		System::assert_last_event(Event::AggregatorAdded { who: 4 }.into());
		assert_eq!(Aggregators::aggregators(), vec![1, 2, 3, 4]);
		assert!(PendingChange::<Test>::get());
		// The keys are registered in pallet-session on behalf of 4.
		assert_eq!(pallet_session::NextKeys::<Test>::get(4), Some(keys_of(4)));

		// Session 1 starts: the new set is planned (queued), not yet active.
		run_to_session(1);
		System::assert_has_event(
			Event::NewSetPlanned { session: 2, aggregators: vec![1, 2, 3, 4] }.into(),
		);
		assert!(!PendingChange::<Test>::get());
		assert_eq!(Session::validators(), vec![1, 2, 3]);
		assert_eq!(
			Session::queued_keys().into_iter().map(|(v, _)| v).collect::<Vec<_>>(),
			vec![1, 2, 3, 4]
		);

		// Session 2: the new aggregator is a validator.
		run_to_session(2);
		assert_eq!(Session::validators(), vec![1, 2, 3, 4]);
	});
}

#[test]
fn unchanged_registry_plans_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_session(3);
		assert!(!System::events()
			.iter()
			.any(|r| matches!(r.event, RuntimeEvent::Aggregators(Event::NewSetPlanned { .. }))));
		assert_eq!(Session::validators(), vec![1, 2, 3]);
	});
}

#[test]
fn add_aggregator_requires_admin_origin() {
	ExtBuilder::default().build_and_execute(|| {
		let keys = keys_of(4);
		let proof = proof_for(&keys, 4);
		assert_noop!(
			Aggregators::add_aggregator(RuntimeOrigin::signed(4), 4, keys.clone(), proof.clone()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Aggregators::add_aggregator(RuntimeOrigin::none(), 4, keys, proof),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn add_aggregator_rejects_existing_member() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(add(2), Error::<Test>::AlreadyAggregator);
	});
}

#[test]
fn add_aggregator_rejects_when_full() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(add(4));
		assert_noop!(add(5), Error::<Test>::TooManyAggregators);
	});
}

#[test]
fn add_aggregator_rejects_a_proof_for_another_account() {
	ExtBuilder::default().build_and_execute(|| {
		let keys = keys_of(4);
		// The key holder agreed to act for account 5, not 4.
		let proof = proof_for(&keys, 5);
		assert_noop!(
			Aggregators::add_aggregator(RuntimeOrigin::root(), 4, keys, proof),
			pallet_session::Error::<Test>::InvalidProof
		);
		assert_noop!(
			Aggregators::add_aggregator(RuntimeOrigin::root(), 4, keys_of(4), vec![1, 2, 3]),
			pallet_session::Error::<Test>::InvalidProof
		);
	});
}

#[test]
fn add_aggregator_rejects_keys_of_another_aggregator() {
	ExtBuilder::default().build_and_execute(|| {
		// Account 4 presents aggregator 1's keys (with a valid proof for 4).
		let keys = keys_of(1);
		let proof = proof_for(&keys, 4);
		assert_noop!(
			Aggregators::add_aggregator(RuntimeOrigin::root(), 4, keys, proof),
			pallet_session::Error::<Test>::DuplicatedKey
		);
	});
}

#[test]
fn add_aggregator_rejects_a_nonexistent_account() {
	ExtBuilder::default().build_and_execute(|| {
		// Account 99 holds no balance, so it cannot hold the session keys' consumer reference.
		assert_noop!(add(99), pallet_session::Error::<Test>::NoAccount);
	});
}

#[test]
fn remove_aggregator_works_and_takes_effect_two_sessions_later() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(add(4));
		run_to_session(2);
		assert_eq!(Session::validators(), vec![1, 2, 3, 4]);

		assert_ok!(Aggregators::remove_aggregator(RuntimeOrigin::root(), 4));
		System::assert_last_event(Event::AggregatorRemoved { who: 4 }.into());
		assert_eq!(Aggregators::aggregators(), vec![1, 2, 3]);
		assert_eq!(pallet_session::NextKeys::<Test>::get(4), None);
		// The removed aggregator's account may now hold other keys again.
		assert_eq!(frame_system::Pallet::<Test>::consumers(&4), 0);

		run_to_session(3);
		assert_eq!(Session::validators(), vec![1, 2, 3, 4]);
		run_to_session(4);
		assert_eq!(Session::validators(), vec![1, 2, 3]);
	});
}

#[test]
fn removed_aggregator_can_be_added_again() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Aggregators::remove_aggregator(RuntimeOrigin::root(), 3));
		assert_ok!(add(3));
		assert_eq!(Aggregators::aggregators(), vec![1, 2, 3]);
	});
}

#[test]
fn remove_aggregator_requires_admin_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Aggregators::remove_aggregator(RuntimeOrigin::signed(1), 3),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn remove_aggregator_rejects_unknown_account() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Aggregators::remove_aggregator(RuntimeOrigin::root(), 7),
			Error::<Test>::NotAggregator
		);
	});
}

#[test]
fn remove_aggregator_refuses_to_go_below_minimum() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Aggregators::remove_aggregator(RuntimeOrigin::root(), 1));
		assert_eq!(Aggregators::aggregators(), vec![2, 3]);
		assert_noop!(
			Aggregators::remove_aggregator(RuntimeOrigin::root(), 2),
			Error::<Test>::TooFewAggregators
		);
		// The minimum also counts when the named account is not a member: NotAggregator wins
		// because membership is checked first.
		assert_noop!(
			Aggregators::remove_aggregator(RuntimeOrigin::root(), 9),
			Error::<Test>::NotAggregator
		);
	});
}

#[test]
fn try_state_detects_broken_invariants() {
	ExtBuilder::default().build().execute_with(|| {
		assert!(Aggregators::do_try_state().is_ok());
		// An aggregator without session keys.
		AggregatorSet::<Test>::mutate(|s| s.try_push(9).unwrap());
		assert!(Aggregators::do_try_state().is_err());
		// Below the minimum.
		AggregatorSet::<Test>::put(frame_support::BoundedVec::truncate_from(vec![1]));
		assert!(Aggregators::do_try_state().is_err());
		// Unsorted.
		AggregatorSet::<Test>::put(frame_support::BoundedVec::truncate_from(vec![2, 1]));
		assert!(Aggregators::do_try_state().is_err());
		// An odd slot duration.
		AggregatorSet::<Test>::put(frame_support::BoundedVec::truncate_from(vec![1, 2, 3]));
		assert!(Aggregators::do_try_state().is_ok());
		SlotDuration::<Test>::put(2_001);
		assert!(Aggregators::do_try_state().is_err());
	});
}

#[test]
fn slot_duration_defaults_when_genesis_names_none() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(SlotDuration::<Test>::get(), DEFAULT_SLOT_MS);
		assert_eq!(<SlotDurationMs<Test> as Get<u64>>::get(), DEFAULT_SLOT_MS);
		assert_eq!(<HalfSlotDurationMs<Test> as Get<u64>>::get(), DEFAULT_SLOT_MS / 2);
	});
}

#[test]
fn genesis_slot_duration_is_the_chains() {
	ExtBuilder::default().slot_duration_ms(2_000).build_and_execute(|| {
		assert_eq!(<SlotDurationMs<Test> as Get<u64>>::get(), 2_000);
		assert_eq!(<HalfSlotDurationMs<Test> as Get<u64>>::get(), 1_000);
	});
}

#[test]
#[should_panic(expected = "the genesis slot duration must be even and at least 1000 ms")]
fn genesis_slot_duration_below_minimum_panics() {
	ExtBuilder::default().slot_duration_ms(500).build();
}

#[test]
#[should_panic(expected = "the genesis slot duration must be even and at least 1000 ms")]
fn odd_genesis_slot_duration_panics() {
	ExtBuilder::default().slot_duration_ms(2_001).build();
}

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build_and_execute(|| {
		<Aggregators as Hooks<u64>>::integrity_test();
	});
}

#[test]
fn empty_genesis_leaves_the_session_keys_in_charge() {
	// The `Default` genesis (no aggregators) must build; the registry stays empty and the
	// session pallet falls back to its own genesis keys.
	ExtBuilder::default().aggregators(vec![]).build().execute_with(|| {
		assert!(Aggregators::aggregators().is_empty());
		assert!(Session::validators().is_empty());
	});
}

#[test]
fn a_session_rotates_only_at_a_quiet_time() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(SESSION_PERIOD);
		assert_eq!((Session::current_index(), LastRotation::<Test>::get()), (1, SESSION_PERIOD));
		// Due at 2 × SESSION_PERIOD, but not quiet: the session goes on.
		MockQuiet::set(false);
		run_to_block(2 * SESSION_PERIOD + 2);
		assert_eq!(Session::current_index(), 1);
		// The first quiet block rotates, and the next rotation is a whole period later.
		MockQuiet::set(true);
		run_to_block(2 * SESSION_PERIOD + 3);
		assert_eq!(Session::current_index(), 2);
		assert_eq!(LastRotation::<Test>::get(), 2 * SESSION_PERIOD + 3);
		run_to_block(3 * SESSION_PERIOD + 2);
		assert_eq!(Session::current_index(), 2);
		run_to_block(3 * SESSION_PERIOD + 3);
		assert_eq!(Session::current_index(), 3);
	});
}
