//! Tests: pruning.

use super::*;

#[test]
fn pruning_removes_old_shares_and_chunks_in_bounded_steps() {
	ExtBuilder::default().build_and_execute(|| {
		PruneSteps::set(3);
		let (m1, m2) = (meters(1, 5), meters(2, 5));
		publish(&period_setup(1, 1, &m1, 30));
		publish(&period_setup(2, 1, &m2, 30));
		publish(&period_setup(1, 12, &m1, 30));
		advance_to(end_of(1) + 1_000);
		let c1 = report(&m1, 1, 1, &[]);
		report(&m2, 2, 1, &[]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		// Cycle 1 (periods 10..19): period 1 (cycle 0) is retained (RetainCycles = 1).
		advance_to(START + 19 * PERIOD_MS + 5_000);
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 10);
		// Cycle 2 starts at period 20: cycle 0 may go.
		advance_to(START + 20 * PERIOD_MS);
		// One block's budget is 3 keys.
		let left = Shares::<Test>::iter_prefix((1, 1)).count()
			+ Shares::<Test>::iter_prefix((2, 1)).count();
		assert!(left > 0 && left < 20, "{left} shares left");
		for _ in 0..20 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 0);
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 0);
		assert_eq!(Bf1Chunks::<Test>::iter_prefix((1, 1)).count(), 0);
		assert_eq!(Bf1Chunks::<Test>::iter_prefix((2, 1)).count(), 0);
		// Outcomes, accumulators and setups stay; period 12 (cycle 1) is untouched.
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c1)], 10)));
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 10);
		assert!(Setups::<Test>::get(1, 1).is_some());
		assert_eq!(Bf1Chunks::<Test>::iter_prefix((1, 12)).count(), 1);
		assert!(Readings::api_period_state(1, 1).pruned);
		assert!(!Readings::api_period_state(1, 12).pruned);
		assert!(NextPrune::<Test>::get().period >= 2);
		assert!(NextPrune::<Test>::get().period <= 10);
		assert!(!PeriodRegions::<Test>::contains_key(1));
	});
}

#[test]
fn pruning_waits_for_billing_up_to_max_retain_cycles() {
	ExtBuilder::default().build_and_execute(|| {
		AllSettled::set(false);
		let (m1, m2) = (meters(1, 5), meters(2, 5));
		publish(&period_setup(1, 1, &m1, 30));
		publish(&period_setup(2, 1, &m2, 30));
		advance_to(end_of(1) + 1_000);
		report(&m1, 1, 1, &[]);
		report(&m2, 2, 1, &[]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		// Cycle 2: past RetainCycles (1), but region 1's cycle 0 is not billed yet.
		advance_to(START + 20 * PERIOD_MS);
		for _ in 0..5 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 10);
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 10);
		let wait = Readings::api_retention().waiting_for;
		assert_eq!(
			wait,
			Some(RetentionWait { region: 1, cycle: 0, pruned_anyway_in_cycle: 4 }),
			"status says what pruning waits for"
		);
		// Region 1's cycle 0 settles: its shares go; region 2's wait (the cursor stops there).
		Settled::set(vec![(1, 0)]);
		for _ in 0..5 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 0);
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 10);
		assert_eq!(Readings::api_retention().waiting_for.map(|w| w.region), Some(2));
		// Past MaxRetainCycles (3): cycle 4 prunes cycle 0 whether it is billed or not.
		advance_to(START + 39 * PERIOD_MS);
		next_block();
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 10);
		advance_to(START + 40 * PERIOD_MS);
		for _ in 0..5 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 0);
		assert_eq!(Readings::api_retention().waiting_for, None);
		assert!(Readings::api_retention().kept_from_period >= 2);
	});
}

#[test]
fn pruning_respects_the_weight_left() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		advance_to(end_of(1) + 1_000);
		report(&ms, 1, 1, &[]);
		advance_to(START + 19 * PERIOD_MS);
		// Jump into cycle 2 in a block with no idle weight: nothing is pruned.
		let n = System::block_number() + 1;
		System::set_block_number(n);
		Readings::on_initialize(n);
		Timestamp::set_timestamp(START + 20 * PERIOD_MS);
		assert_eq!(Readings::on_idle(n, Weight::zero()), Weight::zero());
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 10);
		let used = Readings::on_idle(n, Weight::MAX);
		assert!(used.ref_time() > 0);
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 0);
	});
}
