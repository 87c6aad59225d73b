//! Tests: channels (PROTOCOL.md §3a): one value per channel in every share, `Z` and the
//! aggregate per channel, k-anonymity per channel, the shape checked everywhere a share or a
//! `Z` arrives.

use super::recheck::{entries, finish_rechecks, kgc_view, minus};
use super::*;
use crate::mock::{bundle_call, channel_readings_of, collector};
use sp_core::Pair;

/// Meter `i`'s import (Wh) in the tests of this module.
fn import_of(i: usize) -> u64 {
	100 * (i as u64 + 1) + 1
}

/// Meter `i`'s export (Wh): non-zero only for the prosumers.
fn export_of(i: usize, prosumers: &[usize]) -> u64 {
	if prosumers.contains(&i) {
		37 * (i as u64 + 1)
	} else {
		0
	}
}

/// Both readings `[import, export]` of meter `i` of `ms` (region 1, period 1).
fn two_channel_readings(ms: &[MasterSecret], i: usize, prosumers: &[usize]) -> [SignedReading; 2] {
	channel_readings_of(&ms[i], 1, 1, &[import_of(i), export_of(i, prosumers)])
}

/// Region 1 with channels [import, export]: `n` meters, `registered` of them registered as
/// prosumers (the export channel's possible contributors); period 1's setup published (one `Z`
/// per channel) and its window open.
fn two_channel_period(n: usize, registered: u32) -> (PeriodSetup, Vec<MasterSecret>) {
	MockRegions::set_channels(1, vec![registered]);
	let ms = meters(1, n);
	let s = period_setup(1, 1, &ms, 30);
	assert_eq!(s.z.len(), 2, "one Z per channel");
	publish(&s);
	let info = Setups::<Test>::get(1, 1).unwrap();
	assert_eq!(info.contributors.to_vec(), vec![n as u32, registered]);
	assert_eq!(info.z, s.z);
	advance_to(end_of(1) + 1_000);
	(s, ms)
}

/// Every meter of `ms` but the `silent` sends both shares `[import, export]` (prosumers
/// export); returns the totals `(import, export)` of the meters that sent.
fn report_two_channels(ms: &[MasterSecret], prosumers: &[usize], silent: &[usize]) -> (u64, u64) {
	let (mut import, mut export) = (0u64, 0u64);
	for i in (0..ms.len()).filter(|i| !silent.contains(i)) {
		for r in two_channel_readings(ms, i, prosumers) {
			assert_eq!(r.payload.masked.len(), 2);
			assert_eq!(submit(&r), Ok(Ok(())));
		}
		import += import_of(i);
		export += export_of(i, prosumers);
	}
	(import, export)
}

#[test]
fn import_and_export_are_sealed_per_channel() {
	ExtBuilder::default().build_and_execute(|| {
		let prosumers = [2, 5, 9];
		let (s, ms) = two_channel_period(10, 3);
		let (import, export) = report_two_channels(&ms, &prosumers, &[]);
		assert_eq!(import, (1..=10).map(|i| 100 * i + 1).sum::<u64>());
		assert_eq!(export, 37 * (3 + 6 + 10));
		// Each share is stored with its two values; the accumulator sums per channel.
		let [a, _] = two_channel_readings(&ms, 5, &prosumers);
		assert_eq!(
			Shares::<Test>::get((1, 1), a.payload.prid),
			Some(Share { masked: a.payload.masked.clone(), timestamp_ms: a.payload.timestamp_ms })
		);
		let acc = Accumulators::<Test>::get(1, 1);
		assert_eq!(acc.count, 20);
		assert_eq!(acc.sums.len(), 2);
		assert_eq!(acc.sums[0].wrapping_sub(s.z[0]), import);
		assert_eq!(acc.sums[1].wrapping_sub(s.z[1]), export);
		close_and_seal();
		// Exactly MinRegionMeters registered prosumers: export is published.
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(import), Some(export)], 20)));
		let o = outcome(1, 1).unwrap();
		assert_eq!(
			(o.aggregate(), o.aggregate_of(1), o.aggregate_of(2)),
			(Some(import), Some(export), None)
		);
		System::assert_has_event(
			Event::PeriodSealed {
				region: 1,
				period: 1,
				aggregates: vec![Some(import), Some(export)],
				count: 20,
			}
			.into(),
		);
		// The outcome hook hears the import total (what prices the period).
		assert_eq!(RecordOutcomes::take(), vec![(1, 1, Heard::Sealed(Some(import)))]);
		assert_eq!(
			Readings::api_period_state(1, 1).phase,
			PeriodPhase::Done(sealed(&[Some(import), Some(export)], 20))
		);
	});
}

#[test]
fn export_of_fewer_prosumers_than_the_floor_is_withheld() {
	ExtBuilder::default().build_and_execute(|| {
		// Two registered prosumers < MIN_REGION_METERS (3).
		let prosumers = [3, 7];
		let (s, ms) = two_channel_period(10, 2);
		let (import, export) = report_two_channels(&ms, &prosumers, &[]);
		assert_eq!(export, 37 * (4 + 8));
		close_and_seal();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(import), None], 20)));
		assert_eq!(outcome(1, 1).unwrap().aggregate_of(1), None);
		System::assert_has_event(
			Event::PeriodSealed {
				region: 1,
				period: 1,
				aggregates: vec![Some(import), None],
				count: 20,
			}
			.into(),
		);
		assert_eq!(RecordOutcomes::take(), vec![(1, 1, Heard::Sealed(Some(import)))]);
		// Withheld, not wrong: the chain holds the masked sum, which only the KGC's Z unmasks.
		let acc = Accumulators::<Test>::get(1, 1);
		assert_eq!(acc.sums[1].wrapping_sub(s.z[1]), export);
	});
}

#[test]
fn a_reading_of_the_wrong_shape_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let prosumers = [0, 1, 2];
		MockRegions::set_channels(1, vec![3]);
		let ms = meters(1, 5);
		// One value, and three, each correctly signed by the meter's PRID key.
		let [one, _] = readings_of(&ms[0], 1, 1, 5);
		let [three, _] = channel_readings_of(&ms[0], 1, 1, &[5, 1, 2]);
		assert_eq!((one.payload.masked.len(), three.payload.masked.len()), (1, 3));
		// Without a setup the setup is what is missing (the shape is checked after it).
		advance_to(end_of(1) + 1_000);
		assert_eq!(submit(&one), rejected(ReadingRejection::NoSetup));
		// Period 2's setup (the region has two channels): its window opens later.
		let s = period_setup(1, 2, &ms, 30);
		publish(&s);
		let end = end_of(2);
		advance_to(end + 1_000);
		let [one, _] = readings_of(&ms[0], 1, 2, 5);
		let [three, _] = channel_readings_of(&ms[0], 1, 2, &[5, 1, 2]);
		let empty = {
			let key = ms[0].cycle_seeds(0).period_keys(dev_time().leaf_of(2)).key_a;
			let payload = ReadingPayload { masked: vals(&[]), ..one.payload.clone() };
			payload.sign(&key).unwrap()
		};
		for r in [&one, &three, &empty] {
			assert!(r.verify(), "a genuine signature");
			assert_eq!(validate(reading_call(r)), Err(ReadingRejection::WrongShape.into()));
			assert_eq!(submit(r), rejected(ReadingRejection::WrongShape));
			assert_eq!(Readings::api_check_reading(r.clone()), Err(ReadingRejection::WrongShape));
		}
		assert_eq!(Accumulators::<Test>::get(1, 2), Accumulator::default());
		// The right shape under the same PRID is accepted; the wrong one is then still refused
		// for its shape (checked before replay).
		let [good, _] = channel_readings_of(&ms[0], 1, 2, &[5, export_of(0, &prosumers)]);
		assert_eq!(good.payload.prid, one.payload.prid);
		assert_eq!(submit(&good), Ok(Ok(())));
		assert_eq!(submit(&one), rejected(ReadingRejection::WrongShape));
		assert_eq!(submit(&good), rejected(ReadingRejection::DuplicatePrid));
		let acc = Accumulators::<Test>::get(1, 2);
		assert_eq!((acc.count, acc.sums.clone()), (1, good.payload.masked.clone()));
	});
}

#[test]
fn a_bundled_share_of_the_wrong_shape_is_skipped_as_a_setup_mismatch() {
	ExtBuilder::default().build_and_execute(|| {
		let prosumers = [0, 3, 4];
		let (s, ms) = two_channel_period(5, 3);
		let agg = collector(1, true);
		let good: Vec<SignedReading> =
			(0..4).flat_map(|i| two_channel_readings(&ms, i, &prosumers)).collect();
		let [one, _] = readings_of(&ms[4], 1, 1, 5);
		let [_, three] = channel_readings_of(&ms[4], 1, 1, &[5, 6, 7]);
		let mut group = good.clone();
		group.insert(3, one.clone());
		group.push(three.clone());
		assert_eq!(apply(bundle_call(&agg, 0, vec![(1, 1, group)])), Ok(Ok(())));
		let skipped = BundleSkips { setup: 2, ..Default::default() };
		System::assert_last_event(
			Event::BundleApplied { collector: agg.public(), seq: 0, stored: 8, skipped }.into(),
		);
		assert!(!Shares::<Test>::contains_key((1, 1), one.payload.prid));
		assert!(!Shares::<Test>::contains_key((1, 1), three.payload.prid));
		let acc = Accumulators::<Test>::get(1, 1);
		assert_eq!(acc.count, 8);
		let (import, export) =
			(0..4).fold((0, 0), |(a, b), i| (a + import_of(i), b + export_of(i, &prosumers)));
		assert_eq!(acc.sums.len(), 2);
		// Meter 4's masks are missing from the sums: take them out of Z to see the totals.
		let (_, masks) = kgc_view(&ms[4], 1);
		let z = minus(&s.z, &masks);
		assert_eq!(acc.sums[0].wrapping_sub(z[0]), import);
		assert_eq!(acc.sums[1].wrapping_sub(z[1]), export);
		// Meter 4's right-shaped shares then go through.
		let rest = two_channel_readings(&ms, 4, &prosumers).to_vec();
		assert_eq!(apply(bundle_call(&agg, 1, vec![(1, 1, rest)])), Ok(Ok(())));
		System::assert_last_event(
			Event::BundleApplied {
				collector: agg.public(),
				seq: 1,
				stored: 2,
				skipped: BundleSkips::default(),
			}
			.into(),
		);
		close_and_seal();
		assert_eq!(
			outcome(1, 1),
			Some(sealed(
				&[Some(import + import_of(4)), Some(export + export_of(4, &prosumers))],
				10
			))
		);
	});
}

#[test]
fn a_setup_without_one_z_per_channel_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		MockRegions::set_channels(1, vec![3]);
		let ms = meters(1, 5);
		let s = period_setup(1, 3, &ms, 30);
		let e = entry(&s);
		assert_eq!(e.z.len(), 2);
		for z in [vals(&[]), vals(&[e.z[0]]), vals(&[e.z[0], e.z[1], 0])] {
			assert_noop!(
				Readings::publish_setup(kgc(), batch(vec![SetupEntry { z, ..e.clone() }])),
				Error::<Test>::WrongShape
			);
		}
		// A one-channel setup (built for another shape) is refused the same way.
		let one = gridmask_primitives::setup::build_period(&dev_time(), 1, 3, &ms, 30, 1).unwrap();
		assert_eq!(one.t, s.t);
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { z: one.z.clone(), ..e.clone() }])
			),
			Error::<Test>::WrongShape
		);
		// All or nothing: a good entry before a bad one is not published either.
		let other = entry(&period_setup(2, 3, &meters(2, 5), 30));
		assert_eq!(other.z.len(), 1);
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![other.clone(), SetupEntry { z: vals(&[e.z[0]]), ..e.clone() }])
			),
			Error::<Test>::WrongShape
		);
		// Region 2 has one channel: two Z are one too many.
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { z: vals(&[1, 2]), ..other.clone() }])
			),
			Error::<Test>::WrongShape
		);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![other, e.clone()])));
		assert_eq!(Setups::<Test>::get(1, 3).unwrap().z, e.z);
		assert_eq!(Setups::<Test>::get(1, 3).unwrap().contributors.to_vec(), vec![5, 3]);
	});
}

/// Region 1 with [import, export], 10 meters of which `registered` are registered prosumers
/// (`prosumers` export); every meter but `silent` reports; sealed, faulted. Returns the setup,
/// the meters and the reporters' totals.
fn faulted_two_channel_period(
	registered: u32,
	prosumers: &[usize],
	silent: &[usize],
) -> (PeriodSetup, Vec<MasterSecret>, (u64, u64)) {
	let (s, ms) = two_channel_period(10, registered);
	let totals = report_two_channels(&ms, prosumers, silent);
	close_and_seal();
	let received = 20 - 2 * silent.len() as u32;
	assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 20, received }));
	RecordOutcomes::take();
	(s, ms, totals)
}

#[test]
fn a_faulted_two_channel_period_is_resolved_per_channel() {
	ExtBuilder::default().build_and_execute(|| {
		// Four registered prosumers, one of them silent: 4 − 1 missing ≥ 3 possible exporters
		// among the complete readings, so export is published.
		let prosumers = [1, 4, 6, 8];
		let (s, ms, (import, export)) = faulted_two_channel_period(4, &prosumers, &[4]);
		assert_eq!(export, 37 * (2 + 7 + 9));
		let (prids, masks) = kgc_view(&ms[4], 1);
		// Z'_j = Z_j − H3(z, j) − H3(z', j) of the silent meter.
		assert_eq!(masks.len(), 2);
		let time = dev_time();
		let keys = ms[4].cycle_seeds(time.cycle_of(1)).period_keys(time.leaf_of(1));
		let (masks_a, masks_b) = keys.masks(2);
		let z_prime = vals(&[
			s.z[0].wrapping_sub(masks_a[0]).wrapping_sub(masks_b[0]),
			s.z[1].wrapping_sub(masks_a[1]).wrapping_sub(masks_b[1]),
		]);
		assert_eq!(z_prime, minus(&s.z, &masks));
		// A Z' not of one value per channel is refused.
		for wrong in [vals(&[z_prime[0]]), vals(&[z_prime[0], z_prime[1], 0]), vals(&[])] {
			assert_noop!(
				Readings::add_resolution_part(1, 1, 0, entries(&prids, &[], &[]), Some(wrong)),
				Error::<Test>::WrongShape
			);
		}
		assert_ok!(Readings::add_resolution_part(
			1,
			1,
			0,
			entries(&prids, &[], &[]),
			Some(z_prime.clone())
		));
		assert_eq!(Rechecks::<Test>::get(1, 1).unwrap().z_prime, Some(z_prime));
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(import), Some(export)], 18)));
		System::assert_has_event(
			Event::FaultResolved {
				region: 1,
				period: 1,
				aggregates: vec![Some(import), Some(export)],
				count: 18,
			}
			.into(),
		);
		assert_eq!(
			RecordOutcomes::take(),
			vec![(
				1,
				1,
				Heard::Resolved(RecheckResult::Sealed {
					aggregates: Aggregates::truncate_from(vec![Some(import), Some(export)]),
					contributors: 9,
				})
			)]
		);
	});
}

#[test]
fn a_resolution_withholds_export_when_a_missing_meter_may_have_been_a_prosumer() {
	ExtBuilder::default().build_and_execute(|| {
		// Three registered prosumers, a (non-exporting) meter silent: the chain cannot tell
		// whether it was a prosumer, so only 3 − 1 exporters are certain: export withheld.
		let prosumers = [1, 6, 8];
		let (s, ms, (import, _)) = faulted_two_channel_period(3, &prosumers, &[4]);
		let (prids, masks) = kgc_view(&ms[4], 1);
		assert_ok!(Readings::add_resolution_part(
			1,
			1,
			0,
			entries(&prids, &[], &[]),
			Some(minus(&s.z, &masks))
		));
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(import), None], 18)));
		System::assert_has_event(
			Event::FaultResolved {
				region: 1,
				period: 1,
				aggregates: vec![Some(import), None],
				count: 18,
			}
			.into(),
		);
	});
}

#[test]
fn a_lone_two_channel_share_is_left_out_of_both_sums() {
	ExtBuilder::default().build_and_execute(|| {
		let prosumers = [0, 2, 5, 7];
		let (s, ms) = two_channel_period(10, 4);
		let (import, export) = report_two_channels(&ms, &prosumers, &[5]);
		// Meter 5 (a prosumer) sends only its first share.
		let [first, second] = two_channel_readings(&ms, 5, &prosumers);
		assert_eq!(submit(&first), Ok(Ok(())));
		close_and_seal();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 20, received: 19 }));
		let (_, masks) = kgc_view(&ms[5], 1);
		assert_ok!(Readings::add_resolution_part(
			1,
			1,
			0,
			entries(&[second.payload.prid], &[first.payload.prid], &[]),
			Some(minus(&s.z, &masks))
		));
		assert_eq!(Rechecks::<Test>::get(1, 1).unwrap().excluded_sums, first.payload.masked);
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(import), Some(export)], 18)));
		assert_eq!(export, 37 * (1 + 3 + 8));
	});
}
