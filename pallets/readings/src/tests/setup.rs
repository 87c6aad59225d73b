//! Tests: publish_setup.

use super::*;

#[test]
fn publish_setup_works() {
	ExtBuilder::default().build_and_execute(|| {
		let a = period_setup(2, 3, &meters(2, 5), 30);
		let b = period_setup(1, 3, &meters(1, 5), 30);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&a), entry(&b)])));
		System::assert_has_event(
			Event::SetupPublished {
				region: 2,
				period: 3,
				expected: 10,
				chunks: 1,
				replaced: false,
			}
			.into(),
		);
		assert_eq!(PeriodRegions::<Test>::get(3).into_inner(), vec![1, 2]);
		let info = Setups::<Test>::get(1, 3).unwrap();
		assert_eq!(info.t, b.t);
		assert_eq!(info.z, b.z);
		assert_eq!(info.expected, 10);
		assert_eq!((info.chunks, info.chunks_present, info.generation), (1, 0, 0));
		assert!(!info.is_complete());
	});
}

#[test]
fn publish_setup_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		let s = period_setup(1, 3, &meters(1, 5), 30);
		let e = entry(&s);
		assert_noop!(
			Readings::publish_setup(RuntimeOrigin::signed(2), batch(vec![e.clone()])),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Readings::publish_setup(RuntimeOrigin::root(), batch(vec![e.clone()])),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![e.clone(), e.clone()])),
			Error::<Test>::DuplicateEntry
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { region: 9, ..e.clone() }])),
			Error::<Test>::UnknownRegion
		);
		// Region 3 has 2 active meters, fewer than MIN_REGION_METERS = 3.
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { region: 3, ..e.clone() }])),
			Error::<Test>::TooFewMeters
		);
		// Built for another epoch than the region's, or not for all its active meters.
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { epoch: e.epoch - 1, ..e.clone() }])
			),
			Error::<Test>::StaleEpoch
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { expected: 8, ..e.clone() }])),
			Error::<Test>::ExpectedMismatch
		);
		// The region's active meters change after the setup was built: it is stale.
		MockRegions::set(1, 6);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { expected: 12, ..e.clone() }])),
			Error::<Test>::StaleEpoch
		);
		MockRegions::set(1, 5);
		let e = SetupEntry { epoch: MockRegions::epoch(1), ..e.clone() };
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { bf1: Bf1Params { num_blocks: 1, k: 0 }, ..e.clone() }])
			),
			Error::<Test>::InvalidBf1Params
		);
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { bf1: Bf1Params { num_blocks: 4097, k: 22 }, ..e.clone() }])
			),
			Error::<Test>::Bf1TooLarge
		);
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { period: u32::MAX, ..e.clone() }])
			),
			Error::<Test>::PeriodOutOfRange
		);
		// The batch is all or nothing: a bad second entry leaves the first unpublished.
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![e.clone(), SetupEntry { region: 9, ..e.clone() }])
			),
			Error::<Test>::UnknownRegion
		);
		// Window of period 0 opens at end_of(0): then period 0 is frozen, period 1 is not.
		advance_to(end_of(0));
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { period: 0, ..e.clone() }])),
			Error::<Test>::WindowOpened
		);
		assert_ok!(Readings::publish_setup(
			kgc(),
			batch(vec![SetupEntry { period: 1, ..e.clone() }])
		));
		advance_to(end_of(0) + WINDOW_MS);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { period: 0, ..e.clone() }])),
			Error::<Test>::PeriodClosed
		);
	});
}

#[test]
fn too_many_regions_in_one_period() {
	let regions: Vec<(RegionId, u32)> = (1..=9).map(|r| (r, 5)).collect();
	ExtBuilder::default().regions(regions).build_and_execute(|| {
		let e = |r| entry(&period_setup(r, 3, &meters(r, 3), 30));
		let entries: Vec<SetupEntry> = (1..=8).map(e).collect();
		assert_ok!(Readings::publish_setup(kgc(), batch(entries)));
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![e(9)])),
			Error::<Test>::TooManyRegions
		);
		// Replacing one of the eight is fine.
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![e(8)])));
	});
}

#[test]
fn kgc_may_replace_a_future_setup_but_not_an_open_or_sealed_one() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let old = period_setup(1, 1, &ms[..4], 30);
		publish(&old);
		assert!(Setups::<Test>::get(1, 1).unwrap().is_complete());
		// A meter was added: replace.
		let new = period_setup(1, 1, &ms, 30);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&new)])));
		System::assert_last_event(
			Event::SetupPublished { region: 1, period: 1, expected: 10, chunks: 1, replaced: true }
				.into(),
		);
		let info = Setups::<Test>::get(1, 1).unwrap();
		assert_eq!((info.generation, info.chunks_present), (1, 0));
		assert_eq!(PeriodRegions::<Test>::get(1).into_inner(), vec![1]);
		// The old generation's chunk does not count and is not used.
		advance_to(end_of(1));
		let r = readings_of(&ms[0], 1, 1, 7);
		assert_eq!(submit(&r[0]), rejected(ReadingRejection::SetupIncomplete));
		assert_noop!(
			Readings::publish_bf1_chunks(kgc(), 1, 1, BoundedVec::truncate_from(chunks_of(&new))),
			Error::<Test>::WindowOpened
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![entry(&new)])),
			Error::<Test>::WindowOpened
		);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert!(outcome(1, 1).is_some());
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![entry(&new)])),
			Error::<Test>::PeriodClosed
		);
	});
}
