//! Tests: submit_bundle (a collector's bundle of readings).

use super::*;
use crate::mock::{bundle_call, collector, MAX_BUNDLE_SHARES};
use sp_core::Pair;

/// Both readings of each of `ms` (region 1, period 1), consumption `100 (i + 1) + 1` as
/// [`report`] sends them; and the total.
fn readings(ms: &[MasterSecret]) -> (Vec<SignedReading>, u64) {
	let mut total = 0;
	let mut out = Vec::new();
	for (i, m) in ms.iter().enumerate() {
		let consumption = 100 * (i as u64 + 1) + 1;
		out.extend(readings_of(m, 1, 1, consumption));
		total += consumption;
	}
	(out, total)
}

fn bundle_rejected(
	r: BundleRejection,
) -> Result<sp_runtime::DispatchResult, TransactionValidityError> {
	Err(r.into())
}

/// Region 1's period 1 for 5 meters, published, its window open.
fn open_period() -> Vec<MasterSecret> {
	let ms = meters(1, 5);
	publish(&period_setup(1, 1, &ms, 30));
	advance_to(end_of(1) + 1_000);
	ms
}

fn applied(collector: CollectorKey, seq: u64, stored: u32, skipped: BundleSkips) -> RuntimeEvent {
	Event::BundleApplied { collector, seq, stored, skipped }.into()
}

#[test]
fn a_bundle_stores_every_share_and_the_period_seals_with_the_meters_total() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = open_period();
		let agg = collector(1, true);
		let (rs, total) = readings(&ms);
		let call = bundle_call(&agg, 0, vec![(1, 1, rs.clone())]);
		let valid = validate(call.clone()).unwrap();
		assert_eq!(valid.provides, vec![("gridmask-bundle", agg.public(), 0u64).encode()]);
		assert!(valid.requires.is_empty());
		assert_eq!(valid.longevity, 16);
		assert_eq!(apply(call), Ok(Ok(())));
		System::assert_last_event(applied(agg.public(), 0, 10, BundleSkips::default()));
		assert_eq!(BundleSeqs::<Test>::get(agg.public()), 1);
		for r in &rs {
			assert_eq!(
				Shares::<Test>::get((1, 1), r.payload.prid),
				Some(Share {
					masked: r.payload.masked.clone(),
					timestamp_ms: r.payload.timestamp_ms
				})
			);
		}
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 10);
		close_and_seal();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(total)], 10)));
	});
}

#[test]
fn a_bundle_skips_and_counts_what_a_lone_reading_would_be_refused_for() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let s = period_setup(1, 1, &ms, 1);
		publish(&s);
		advance_to(end_of(1) + 1_000);
		let agg = collector(1, true);
		let (rs, _) = readings(&ms);
		// Meter 0's share A was sent alone (and to this collector too): stored once.
		assert_eq!(submit(&rs[0]), Ok(Ok(())));
		// Meter 1's share A forged (value changed after signing).
		let mut forged = rs[2].clone();
		forged.payload.masked[0] += 1;
		// A PRID of another region's meter: not in this filter (a coarse filter lets some
		// through; find one it refuses).
		let stranger = meters(9, 40)
			.iter()
			.flat_map(|m| readings_of(m, 1, 1, 7))
			.find(|r| !s.bf1.contains(&r.payload.prid))
			.expect("a PRID outside the filter");
		// A PRID the filter lets through but that no meter has: passes every check, stored
		// (sealing will fault the pair, as for a lone forgery).
		let lucky = forged_reading(&s.bf1, 5);
		let group = vec![
			rs[0].clone(),
			rs[1].clone(),
			forged.clone(),
			rs[3].clone(),
			stranger.clone(),
			lucky.clone(),
			rs[3].clone(),
		];
		// The next period's window has not opened; period 9 has no setup.
		let later = readings_of(&ms[4], 1, 2, 1).to_vec();
		let call =
			bundle_call(&agg, 0, vec![(1, 1, group), (1, 2, later), (1, 0, vec![rs[4].clone()])]);
		assert_eq!(apply(call), Ok(Ok(())));
		let skipped =
			BundleSkips { window: 3, setup: 0, duplicate: 2, not_in_filter: 1, bad_signature: 1 };
		System::assert_last_event(applied(agg.public(), 0, 3, skipped));
		assert_eq!(skipped.total(), 7);
		assert!(Shares::<Test>::contains_key((1, 1), lucky.payload.prid));
		assert!(!Shares::<Test>::contains_key((1, 1), forged.payload.prid));
		assert!(!Shares::<Test>::contains_key((1, 1), stranger.payload.prid));
		let acc = Accumulators::<Test>::get(1, 1);
		assert_eq!(acc.count, 4);
		let sum = [&rs[0], &rs[1], &rs[3], &lucky]
			.iter()
			.fold(0u64, |a, r| a.wrapping_add(r.payload.masked[0]));
		assert_eq!(acc.sums, vals(&[sum]));
	});
}

#[test]
fn a_group_without_a_complete_setup_is_skipped_whole() {
	ExtBuilder::default().build_and_execute(|| {
		// Region 2: its setup published without its filter's chunks. Region 3: no setup.
		let region2 = meters(2, 5);
		let s2 = period_setup(2, 1, &region2, 30);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&s2)])));
		let _ = open_period();
		let agg = collector(1, true);
		let call = bundle_call(
			&agg,
			0,
			vec![
				(2, 1, readings_of(&region2[0], 2, 1, 1).to_vec()),
				(3, 1, readings_of(&meters(3, 1)[0], 3, 1, 1).to_vec()),
			],
		);
		assert_eq!(apply(call), Ok(Ok(())));
		let skipped = BundleSkips { setup: 4, ..Default::default() };
		System::assert_last_event(applied(agg.public(), 0, 0, skipped));
		assert_eq!(BundleSeqs::<Test>::get(agg.public()), 1);
	});
}

#[test]
fn bundle_authorization_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = open_period();
		let agg = collector(1, true);
		let outsider = collector(2, false);
		let (rs, _) = readings(&ms);
		let one = || vec![(1, 1, vec![rs[0].clone()])];
		// Not an aggregator's key.
		assert_eq!(
			validate(bundle_call(&outsider, 0, one())),
			Err(BundleRejection::NotCollector.into())
		);
		// Signed by another key than the collector it names.
		let RuntimeCall::Readings(crate::Call::submit_bundle { groups, .. }) =
			bundle_call(&agg, 0, one())
		else {
			unreachable!()
		};
		let wrong = bundle_call(&outsider, 0, one());
		let RuntimeCall::Readings(crate::Call::submit_bundle { signature, .. }) = wrong else {
			unreachable!()
		};
		let forged = RuntimeCall::Readings(crate::Call::submit_bundle {
			collector: agg.public(),
			seq: 0,
			groups: groups.clone(),
			signature,
		});
		assert_eq!(validate(forged.clone()), Err(BundleRejection::BadCollectorSignature.into()));
		assert_eq!(apply(forged), bundle_rejected(BundleRejection::BadCollectorSignature));
		// Contents changed after signing.
		let RuntimeCall::Readings(crate::Call::submit_bundle { signature, .. }) =
			bundle_call(&agg, 0, one())
		else {
			unreachable!()
		};
		let swapped = RuntimeCall::Readings(crate::Call::submit_bundle {
			collector: agg.public(),
			seq: 0,
			groups: bundle_groups(vec![(1, 1, vec![rs[1].clone()])]),
			signature,
		});
		assert_eq!(validate(swapped), Err(BundleRejection::BadCollectorSignature.into()));
		// Empty, and groups without shares.
		assert_eq!(
			validate(bundle_call(&agg, 0, vec![])),
			Err(BundleRejection::EmptyBundle.into())
		);
		assert_eq!(
			validate(bundle_call(&agg, 0, vec![(1, 1, vec![]), (1, 2, vec![])])),
			Err(BundleRejection::EmptyBundle.into())
		);
		// More shares in all than MaxBundleShares, each group within its own bound.
		let many: Vec<SignedReading> =
			meters(1, 40).iter().flat_map(|m| readings_of(m, 1, 1, 1)).take(40).collect();
		assert!(2 * many.len() as u32 > MAX_BUNDLE_SHARES);
		assert_eq!(
			validate(bundle_call(&agg, 0, vec![(1, 1, many.clone()), (1, 2, many)])),
			Err(BundleRejection::OversizeBundle.into())
		);
		// Too far ahead (MaxBundlesAhead = 2).
		assert_eq!(
			validate(bundle_call(&agg, 3, one())),
			Err(BundleRejection::FutureBundle.into())
		);
	});
}

#[test]
fn bundles_are_ordered_by_sequence_and_never_replayed() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = open_period();
		let agg = collector(1, true);
		let (rs, _) = readings(&ms);
		let first = bundle_call(&agg, 0, vec![(1, 1, rs[..4].to_vec())]);
		let second = bundle_call(&agg, 1, vec![(1, 1, rs[4..].to_vec())]);
		// In the pool the second waits for the first.
		let valid = validate(second.clone()).unwrap();
		assert_eq!(valid.requires, vec![("gridmask-bundle", agg.public(), 0u64).encode()]);
		assert_eq!(valid.provides, vec![("gridmask-bundle", agg.public(), 1u64).encode()]);
		// In a block it cannot come first.
		assert_eq!(apply(second.clone()), bundle_rejected(BundleRejection::FutureBundle));
		assert_eq!(apply(first.clone()), Ok(Ok(())));
		// Replayed: refused in the pool and in a block.
		assert_eq!(validate(first.clone()), Err(BundleRejection::StaleBundle.into()));
		assert_eq!(apply(first), bundle_rejected(BundleRejection::StaleBundle));
		assert_eq!(apply(second), Ok(Ok(())));
		assert_eq!(BundleSeqs::<Test>::get(agg.public()), 2);
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 10);
		// Each collector has its own sequence.
		let other = collector(3, true);
		assert!(validate(bundle_call(&other, 0, vec![(1, 1, vec![rs[0].clone()])])).is_ok());
	});
}

#[test]
fn submit_bundle_requires_authorization_and_is_weighed_per_share() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = open_period();
		let agg = collector(1, true);
		let (rs, _) = readings(&ms);
		assert_noop!(
			Readings::submit_bundle(
				RuntimeOrigin::signed(KGC),
				agg.public(),
				0,
				bundle_groups(vec![(1, 1, rs.clone())]),
				agg.sign(b"anything"),
			),
			DispatchError::BadOrigin
		);
		let info =
			general(bundle_call(&agg, 0, vec![(1, 1, rs[..3].to_vec()), (1, 2, rs[3..].to_vec())]))
				.get_dispatch_info();
		// Charged up front as if the batch verification failed.
		assert_eq!(
			info.call_weight,
			<() as WeightInfo>::submit_bundle(10, 2)
				.saturating_add(<() as WeightInfo>::verify_one_by_one(10))
		);
		assert_eq!(info.extension_weight, <() as WeightInfo>::authorize_submit_bundle(10));
		// A bundle as large as the runtime allows fits into a block.
		let capacity = Readings::bundle_capacity();
		assert!(capacity >= 1 && capacity <= MAX_BUNDLE_SHARES);
		let limits = Readings::api_collection_limits();
		assert_eq!((limits.max_shares, limits.max_groups, limits.max_ahead), (capacity, 4, 2));
		// A block takes at least one whole bundle's worth once refunds are counted.
		assert!(limits.block_shares >= capacity, "{} < {capacity}", limits.block_shares);
	});
}

/// The groups of a bundle call.
fn bundle_groups(groups: Vec<(RegionId, PeriodIndex, Vec<SignedReading>)>) -> BundleGroupsOf<Test> {
	let RuntimeCall::Readings(crate::Call::submit_bundle { groups, .. }) =
		bundle_call(&collector(99, false), 0, groups)
	else {
		unreachable!()
	};
	groups
}

#[test]
fn a_bundle_is_refunded_the_one_by_one_verification_it_did_not_need() {
	use frame_support::traits::UnfilteredDispatchable;
	ExtBuilder::default().build_and_execute(|| {
		let ms = open_period();
		let agg = collector(1, true);
		let (rs, _) = readings(&ms);
		let actual = |call: RuntimeCall| {
			let RuntimeCall::Readings(call) = call else { unreachable!("a readings call") };
			call.dispatch_bypass_filter(frame_system::RawOrigin::Authorized.into())
				.expect("the bundle applies")
				.actual_weight
		};
		// Every signature good: one batch per group, no one-by-one verification paid.
		let good = bundle_call(&agg, 0, vec![(1, 1, rs[..4].to_vec()), (1, 2, Vec::new())]);
		assert_eq!(actual(good), Some(<() as WeightInfo>::submit_bundle(4, 2)));
		// One forged share in a group of three: that group's batch fails, its three candidates
		// are verified one by one (the other group's batch passes).
		let mut forged = rs[5].clone();
		forged.payload.masked[0] += 1;
		let mixed = bundle_call(
			&agg,
			1,
			vec![(1, 1, vec![rs[4].clone(), forged, rs[6].clone()]), (1, 1, rs[7..].to_vec())],
		);
		assert_eq!(
			actual(mixed),
			Some(
				<() as WeightInfo>::submit_bundle(6, 2)
					.saturating_add(<() as WeightInfo>::verify_one_by_one(3))
			)
		);
		System::assert_last_event(applied(
			agg.public(),
			1,
			5,
			BundleSkips { bad_signature: 1, ..Default::default() },
		));
	});
}
