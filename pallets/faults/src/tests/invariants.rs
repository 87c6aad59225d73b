//! Tests: invariants, configuration, weights.

use super::*;

#[test]
fn try_state_detects_broken_invariants() {
	ExtBuilder::default().build().execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		assert_ok!(Faults::do_try_state());
		// An indexed fault that does not await a resolution.
		FaultStore::<Test>::mutate(REGION, PERIOD, |r| {
			r.as_mut().unwrap().status = FaultStatus::Resolved {
				named: named(&[(3, 2)], 2, 0, 0),
				aggregate: Some(1),
				contributors: 3,
				blame: Blame::Meters,
			}
		});
		assert!(Faults::do_try_state().is_err());
		OpenFaults::<Test>::kill();
		assert_ok!(Faults::do_try_state());
		// Named meters out of order; counts that do not add up.
		for bad in [named(&[(4, 2), (3, 2)], 4, 0, 0), named(&[(3, 2)], 1, 0, 0)] {
			FaultStore::<Test>::mutate(REGION, PERIOD, |r| {
				r.as_mut().unwrap().status = FaultStatus::Checking(bad)
			});
			assert!(Faults::do_try_state().is_err());
		}
	});
}

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build().execute_with(|| {
		<Faults as Hooks<u64>>::integrity_test();
	});
}

#[test]
fn weights_grow_with_the_lists() {
	type W = ();
	assert!(W::submit_resolution(MAX_PART).all_gt(W::submit_resolution(1)));
	assert!(W::on_check_done_resolved(MAX_NAMED).all_gt(W::on_check_done_resolved(0)));
}
