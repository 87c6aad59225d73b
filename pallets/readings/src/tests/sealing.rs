//! Tests: sealing.

use super::*;

#[test]
fn ten_meters_in_two_regions_seal_to_the_true_consumption() {
	ExtBuilder::default().build_and_execute(|| {
		let (m1, m2) = (meters(1, 5), meters(2, 5));
		publish(&period_setup(1, 1, &m1, 30));
		publish(&period_setup(2, 1, &m2, 30));
		advance_to(end_of(1) + 1_000);
		let c1 = report(&m1, 1, 1, &[]);
		let c2 = report(&m2, 2, 1, &[]);
		assert_eq!(
			Readings::api_period_state(1, 1).phase,
			PeriodPhase::Open { closes_at_ms: end_of(1) + WINDOW_MS }
		);
		advance_to(end_of(1) + WINDOW_MS);
		// The block at the close does not seal yet (on_initialize saw the previous time).
		assert_eq!(outcome(1, 1), None);
		assert_eq!(Readings::api_period_state(1, 1).phase, PeriodPhase::Closed);
		next_block();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c1)], 10)));
		assert_eq!(outcome(2, 1), Some(sealed(&[Some(c2)], 10)));
		System::assert_has_event(
			Event::PeriodSealed { region: 1, period: 1, aggregates: vec![Some(c1)], count: 10 }
				.into(),
		);
		System::assert_has_event(
			Event::PeriodSealed { region: 2, period: 1, aggregates: vec![Some(c2)], count: 10 }
				.into(),
		);
		assert_eq!(
			Readings::api_period_state(2, 1).phase,
			PeriodPhase::Done(sealed(&[Some(c2)], 10))
		);
		// The outcome hook heard each pair once, in sealing order.
		assert_eq!(
			RecordOutcomes::take(),
			vec![(1, 1, Heard::Sealed(Some(c1))), (2, 1, Heard::Sealed(Some(c2)))]
		);
		// A period without setup is never in the queue.
		assert_eq!(outcome(1, 0), None);
		assert_eq!(NextSeal::<Test>::get(), SealPosition { period: 2, next_region: 0 });
	});
}

#[test]
fn an_absent_meter_faults_the_period() {
	ExtBuilder::default().build_and_execute(|| {
		reported(5, 30, &[3]);
		close_and_seal();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 8 }));
		System::assert_has_event(
			Event::AggregationFault { region: 1, period: 1, expected: 10, received: 8 }.into(),
		);
		assert_eq!(
			RecordOutcomes::take(),
			vec![(1, 1, Heard::Faulted { expected: 10, received: 8 })]
		);
	});
}

#[test]
fn a_setup_without_readings_faults() {
	ExtBuilder::default().build_and_execute(|| {
		publish(&period_setup(1, 1, &meters(1, 5), 30));
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 0 }));
	});
}

#[test]
fn a_forged_prid_through_a_tiny_filter_is_caught_by_t() {
	ExtBuilder::default().build_and_execute(|| {
		// fp rate 2^-1: 2 bits per entry, k = 1, one block.
		let (s, c, _) = reported(5, 1, &[]);
		assert_eq!(s.bf1.params(), Bf1Params { num_blocks: 1, k: 1 });
		// The forgery passes every check of the authorization...
		let forged = forged_reading(&s.bf1, 1_000_000);
		assert_eq!(submit(&forged), Ok(Ok(())));
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 11);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		// ...but T does not match: no aggregate (which would have been off by the forged value).
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 11 }));
		let _ = c;
	});
}

#[test]
fn a_forgery_replacing_an_absent_share_is_caught_with_equal_counts() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let s = period_setup(1, 1, &ms, 1);
		publish(&s);
		advance_to(end_of(1) + 1_000);
		report(&ms[..4], 1, 1, &[]);
		let [a, _] = readings_of(&ms[4], 1, 1, 9);
		assert_eq!(submit(&a), Ok(Ok(())));
		let forged = forged_reading(&s.bf1, a.payload.masked[0]);
		assert_eq!(submit(&forged), Ok(Ok(())));
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 10 }));
	});
}

#[test]
fn many_pairs_closing_together_are_sealed_in_order_over_several_blocks() {
	let regions: Vec<(RegionId, u32)> = (1..=8).map(|r| (r, 3)).collect();
	ExtBuilder::default().regions(regions).build_and_execute(|| {
		SealSteps::set(5);
		let mut totals = vec![];
		for region in 1..=8 {
			let ms = meters(region, 3);
			publish(&period_setup(region, 1, &ms, 30));
			totals.push(ms);
		}
		advance_to(end_of(1) + 1_000);
		let sums: Vec<u64> =
			totals.iter().zip(1..=8).map(|(ms, region)| report(ms, region, 1, &[])).collect();
		advance_to(end_of(1) + WINDOW_MS);
		// Each pair costs 6 PRIDs + 2 steps; 5 steps per block; 8 pairs plus period skips.
		let mut sealed_order = vec![];
		let mut blocks = 0;
		while sealed_order.len() < 8 {
			next_block();
			blocks += 1;
			for e in events() {
				if let Event::PeriodSealed { region, aggregates, count, .. } = e {
					assert_eq!(count, 6);
					assert_eq!(aggregates, vec![Some(sums[region as usize - 1])]);
					sealed_order.push(region);
				}
			}
			Readings::do_try_state().unwrap();
			assert!(blocks < 100);
		}
		assert_eq!(sealed_order, (1..=8).collect::<Vec<_>>());
		assert!(blocks >= 8 * 8 / 5, "took {blocks} blocks");
		for region in 1..=8 {
			assert!(matches!(outcome(region, 1), Some(PeriodOutcome::Sealed { .. })));
		}
	});
}

/// 10,000 shares under random PRIDs stored in (1, 1) with a setup committing to them; returns
/// the expected aggregate.
fn ten_thousand_shares() -> u64 {
	let prids: Vec<Prid> =
		(0u32..10_000).map(|i| Prid(sp_io::hashing::blake2_256(&i.to_le_bytes()))).collect();
	let t: TCommitment = t_commitment(1, 1, prids.iter().copied()).unwrap();
	let z = 0xdead_beef_u64;
	MockRegions::set(1, 5_000);
	assert_ok!(Readings::publish_setup(
		kgc(),
		batch(vec![SetupEntry {
			region: 1,
			period: 1,
			bf1: Bf1Params { num_blocks: 1, k: 1 },
			t,
			z: vals(&[z]),
			expected: 10_000,
			epoch: MockRegions::epoch(1),
		}])
	));
	advance_to(end_of(1) + 1_000);
	let mut sum = 0u64;
	for (i, prid) in prids.iter().enumerate() {
		let value = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
		Shares::<Test>::insert((1, 1), prid, Share { masked: vals(&[value]), timestamp_ms: 0 });
		sum = sum.wrapping_add(value);
	}
	Accumulators::<Test>::insert(1, 1, Accumulator { sums: vals(&[sum]), count: 10_000 });
	advance_to(end_of(1) + WINDOW_MS);
	sum.wrapping_sub(z)
}

#[test]
fn ten_thousand_shares_are_sealed_across_blocks_as_in_one_shot() {
	let one_shot = ExtBuilder::default().build().execute_with(|| {
		SealSteps::set(100_000);
		let aggregate = ten_thousand_shares();
		assert_eq!(seal_all(), 1);
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(aggregate)], 10_000)));
		outcome(1, 1)
	});
	ExtBuilder::default().build_and_execute(|| {
		SealSteps::set(2_000);
		let aggregate = ten_thousand_shares();
		next_block();
		// After the first block: sealing is under way, resumable from the last PRID hashed.
		let cursor = Sealing::<Test>::get().expect("sealing in progress");
		assert_eq!((cursor.region, cursor.period), (1, 1));
		assert!(cursor.builder.count() > 0 && cursor.builder.count() < 10_000);
		assert_eq!(
			Readings::api_period_state(1, 1).phase,
			PeriodPhase::Sealing { hashed: cursor.builder.count() }
		);
		let blocks = 1 + seal_all();
		assert!(blocks >= 5, "10,000 shares at 2,000 steps per block took {blocks} blocks");
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(aggregate)], 10_000)));
		assert_eq!(outcome(1, 1), one_shot);
	});
}

#[test]
fn sealing_catches_up_after_a_long_gap() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		publish(&period_setup(1, 5, &ms, 30));
		advance_to(end_of(1) + 1_000);
		let c = report(&ms, 1, 1, &[]);
		// The chain stalls for 1,000 periods.
		block_at(end_of(1000));
		SealSteps::set(50);
		let blocks = seal_all();
		assert!(blocks >= 1000 / 50);
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c)], 10)));
		assert_eq!(outcome(1, 5), Some(PeriodOutcome::Faulted { expected: 10, received: 0 }));
	});
}
