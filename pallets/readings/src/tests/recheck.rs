//! Tests: re-checking resolved faults.

use super::*;

/// Meter `m`'s PRIDs and per-channel mask sums `H3(z, j) + H3(z', j)` for `period` of region
/// 1, one per channel of the region (what only the KGC can compute).
pub(super) fn kgc_view(m: &MasterSecret, period: PeriodIndex) -> ([Prid; 2], Values) {
	let time = dev_time();
	let keys = m.cycle_seeds(time.cycle_of(period)).period_keys(time.leaf_of(period));
	let (a, b) = keys.prids();
	([a, b], keys.mask_sums(MockRegions::channel_contributors(1).len()))
}

/// The PRIDs of silent meters `ms` in `period` and the per-channel sums of their masks (what
/// the KGC names absent and takes out of Z).
fn silent_view<'a>(
	ms: impl IntoIterator<Item = &'a MasterSecret>,
	period: PeriodIndex,
) -> (Vec<Prid>, Values) {
	let mut absent = vec![];
	let mut masks = vals(&vec![0; MockRegions::channel_contributors(1).len()]);
	for m in ms {
		let (p, k) = kgc_view(m, period);
		absent.extend(p);
		masks = plus(&masks, &k);
	}
	(absent, masks)
}

/// `a + b` channel by channel (mod 2^64).
fn plus(a: &[u64], b: &[u64]) -> Values {
	Values::truncate_from(a.iter().zip(b).map(|(x, y)| x.wrapping_add(*y)).collect())
}

/// `z − masks` channel by channel (mod 2^64): `Z'` without the named meters' masks.
pub(super) fn minus(z: &[u64], masks: &[u64]) -> Values {
	assert_eq!(z.len(), masks.len(), "one mask sum per channel");
	Values::truncate_from(z.iter().zip(masks).map(|(x, y)| x.wrapping_sub(*y)).collect())
}

/// The entries of a resolution naming these PRIDs, ascending.
pub(super) fn entries(absent: &[Prid], lone: &[Prid], forged: &[Prid]) -> Vec<(Prid, EntryKind)> {
	let mut v: Vec<(Prid, EntryKind)> = absent
		.iter()
		.map(|p| (*p, EntryKind::Absent))
		.chain(lone.iter().map(|p| (*p, EntryKind::Lone)))
		.chain(forged.iter().map(|p| (*p, EntryKind::Forged)))
		.collect();
	v.sort_by(|a, b| a.0 .0.cmp(&b.0 .0));
	v
}

/// The KGC resolves (1, 1) in one part.
fn resolve(
	absent: &[Prid],
	lone: &[Prid],
	forged: &[Prid],
	z_prime: Values,
) -> sp_runtime::DispatchResult {
	Readings::add_resolution_part(1, 1, 0, entries(absent, lone, forged), Some(z_prime))
}

/// Runs blocks until no re-check is left.
pub(super) fn finish_rechecks() {
	for _ in 0..200 {
		if RecheckQueue::<Test>::get().is_empty() {
			return;
		}
		next_block();
	}
	panic!("re-checks do not finish");
}

/// Meter 3 of 5 is silent in period 1: the period faults. Returns (setup, Σ consumption sent).
fn faulted_by_a_silent_meter() -> (PeriodSetup, u64, Vec<MasterSecret>) {
	let (s, c, ms) = reported(5, 30, &[3]);
	close_and_seal();
	assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 8 }));
	RecordOutcomes::take();
	(s, c, ms)
}

#[test]
fn a_correct_resolution_seals_the_faulted_period_with_the_reporters_sum() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let z_prime = minus(&s.z, &masks);
		assert_ok!(resolve(&prids, &[], &[], z_prime.clone()));
		System::assert_last_event(
			Event::RecheckQueued { region: 1, period: 1, absent: 2, lone: 0, forged: 0 }.into(),
		);
		next_block();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c)], 8)));
		System::assert_has_event(
			Event::FaultResolved { region: 1, period: 1, aggregates: vec![Some(c)], count: 8 }
				.into(),
		);
		assert_eq!(
			RecordOutcomes::take(),
			vec![(
				1,
				1,
				Heard::Resolved(RecheckResult::Sealed {
					aggregates: Aggregates::truncate_from(vec![Some(c)]),
					contributors: 4
				})
			)]
		);
		assert!(RecheckQueue::<Test>::get().is_empty());
		assert_eq!(Rechecks::<Test>::get(1, 1), None);
		assert_eq!(RecheckParts::<Test>::iter().count(), 0, "parts cleaned up");
		// Sealed now: nothing more to re-check.
		assert_noop!(resolve(&prids, &[], &[], z_prime), Error::<Test>::NotFaulted);
	});
}

#[test]
fn a_lone_share_is_kept_in_t_and_left_out_of_the_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		// Meter 2 sends only its first share (one dropped transaction).
		let (s, c, ms) = reported(5, 30, &[2]);
		let [first, _] = readings_of(&ms[2], 1, 1, 777);
		assert_eq!(submit(&first), Ok(Ok(())));
		close_and_seal();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 9 }));
		let (prids, masks) = kgc_view(&ms[2], 1);
		let (stored, missing) = if prids[0] == first.payload.prid {
			(prids[0], prids[1])
		} else {
			(prids[1], prids[0])
		};
		// The v1 resolution (the missing share absent, the other kept in the sum) matches T but
		// would publish the true sum plus that meter's random split: it is not what the KGC
		// sends; the lone entry leaves the stored share out of the sum and both masks out of Z'.
		assert_ok!(resolve(&[missing], &[stored], &[], minus(&s.z, &masks)));
		System::assert_last_event(
			Event::RecheckQueued { region: 1, period: 1, absent: 1, lone: 1, forged: 0 }.into(),
		);
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c)], 8)));
	});
}

#[test]
fn lone_and_absent_names_are_checked_against_the_stored_shares() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, _, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let (reporter, _) = kgc_view(&ms[0], 1);
		assert_noop!(
			resolve(&[prids[0]], &[prids[1]], &[], minus(&s.z, &masks)),
			Error::<Test>::PridNotStored
		);
		assert_noop!(
			resolve(&[prids[0], prids[1], reporter[0]], &[], &[], vals(&[0])),
			Error::<Test>::AbsentPridStored
		);
	});
}

#[test]
fn too_few_complete_readings_publish_no_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		// 5 meters, 3 silent: 2 complete readings < MIN_REGION_METERS (3).
		let (s, _, ms) = reported(5, 30, &[0, 2, 4]);
		close_and_seal();
		RecordOutcomes::take();
		let (absent, masks) = silent_view([&ms[0], &ms[2], &ms[4]], 1);
		assert_ok!(resolve(&absent, &[], &[], minus(&s.z, &masks)));
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Withheld { count: 4 }));
		System::assert_has_event(
			Event::FaultResolved { region: 1, period: 1, aggregates: vec![], count: 4 }.into(),
		);
		assert_eq!(
			RecordOutcomes::take(),
			vec![(1, 1, Heard::Resolved(RecheckResult::Withheld { contributors: 2 }))]
		);
	});
}

#[test]
fn a_whole_region_silent_is_resolved_in_parts() {
	ExtBuilder::default().build_and_execute(|| {
		// An outage: no meter of 40 reports. The resolution names all 80 PRIDs in 4 parts.
		let (s, _, ms) = reported(40, 30, &Vec::from_iter(0..40));
		close_and_seal();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 80, received: 0 }));
		let (absent, masks) = silent_view(&ms, 1);
		let all = entries(&absent, &[], &[]);
		let parts: Vec<_> = all.chunks(20).map(|c| c.to_vec()).collect();
		// Parts must come in order; part 0 starts over.
		assert_noop!(
			Readings::add_resolution_part(1, 1, 1, parts[1].clone(), None),
			Error::<Test>::WrongPart
		);
		assert_ok!(Readings::add_resolution_part(1, 1, 0, parts[0].clone(), None));
		assert_ok!(Readings::add_resolution_part(1, 1, 1, parts[1].clone(), None));
		// A part must continue above the ones before.
		assert_noop!(
			Readings::add_resolution_part(1, 1, 2, parts[0].clone(), None),
			Error::<Test>::PridsNotSorted
		);
		Readings::do_try_state().expect("a resolution in parts is consistent");
		// Starting over discards the first submission's parts.
		assert_ok!(Readings::add_resolution_part(1, 1, 0, parts[0].clone(), None));
		assert_eq!(RecheckParts::<Test>::iter().count(), 1);
		for (i, part) in parts.iter().enumerate().skip(1) {
			let z = (i == 3).then(|| minus(&s.z, &masks));
			assert_ok!(Readings::add_resolution_part(1, 1, i as u32, part.clone(), z));
		}
		// Complete: no part may be added, and it cannot be voided while queued.
		assert_noop!(
			Readings::add_resolution_part(1, 1, 0, parts[0].clone(), None),
			Error::<Test>::RecheckPending
		);
		assert_noop!(Readings::void_period(1, 1), Error::<Test>::RecheckPending);
		SealSteps::set(7);
		finish_rechecks();
		// Nobody reported: T matched, but no aggregate from zero meters.
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Withheld { count: 0 }));
		assert_eq!(RecheckParts::<Test>::iter().count(), 0);
	});
}

#[test]
fn resolution_parts_are_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, _, ms) = reported(40, 30, &Vec::from_iter(0..40));
		close_and_seal();
		let absent: Vec<Prid> = ms.iter().flat_map(|m| kgc_view(m, 1).0).collect();
		let all = entries(&absent, &[], &[]);
		for i in 0..4 {
			assert_ok!(Readings::add_resolution_part(1, 1, i, vec![all[i as usize]], None));
		}
		assert_noop!(
			Readings::add_resolution_part(1, 1, 4, vec![all[4]], None),
			Error::<Test>::TooManyParts
		);
		// A setup expecting more shares than 4 parts can name is refused.
		assert_eq!(Readings::max_resolution_entries(), 4 * MAX_RESOLUTION_PART);
	});
}

#[test]
fn a_faulted_period_can_be_closed_void() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, _, ms) = faulted_by_a_silent_meter();
		let (prids, _) = kgc_view(&ms[3], 1);
		// An unfinished resolution is discarded.
		assert_ok!(Readings::add_resolution_part(1, 1, 0, entries(&prids, &[], &[]), None));
		assert_ok!(Readings::void_period(1, 1));
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Void));
		System::assert_last_event(Event::PeriodVoided { region: 1, period: 1 }.into());
		assert_eq!(Rechecks::<Test>::get(1, 1), None);
		assert_eq!(RecheckParts::<Test>::iter().count(), 0);
		assert_noop!(Readings::void_period(1, 1), Error::<Test>::NotFaulted);
		assert_noop!(resolve(&prids, &[], &[], vals(&[0])), Error::<Test>::NotFaulted);
	});
}

#[test]
fn a_resolution_missing_a_prid_is_rejected_and_may_be_corrected() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let z_prime = minus(&s.z, &masks);
		// Only one of the two absent PRIDs: T differs.
		assert_ok!(resolve(&[prids[0]], &[], &[], z_prime.clone()));
		next_block();
		System::assert_has_event(Event::ResolutionRejected { region: 1, period: 1 }.into());
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 8 }));
		assert_eq!(RecordOutcomes::take(), vec![(1, 1, Heard::Resolved(RecheckResult::Mismatch))]);
		// An extra PRID (another meter's, which did report) is refused before queueing.
		let (other, _) = kgc_view(&ms[0], 1);
		let mut extra = prids.to_vec();
		extra.push(other[0]);
		assert_noop!(resolve(&extra, &[], &[], z_prime.clone()), Error::<Test>::AbsentPridStored);
		// The right one then seals.
		assert_ok!(resolve(&prids, &[], &[], z_prime));
		next_block();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c)], 8)));
	});
}

#[test]
fn a_forgery_is_excluded_from_the_resolved_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = reported(5, 1, &[2]);
		let forged = forged_reading(&s.bf1, 1_000_000);
		assert_eq!(submit(&forged), Ok(Ok(())));
		close_and_seal();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 9 }));
		let (prids, masks) = kgc_view(&ms[2], 1);
		// Without naming the forgery, T cannot match.
		assert_ok!(resolve(&prids, &[], &[], minus(&s.z, &masks)));
		next_block();
		System::assert_has_event(Event::ResolutionRejected { region: 1, period: 1 }.into());
		assert_ok!(resolve(&prids, &[], &[forged.payload.prid], minus(&s.z, &masks)));
		next_block();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c)], 8)));
	});
}

#[test]
fn a_recheck_is_charged_for_the_resolution_parts_it_reads() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let mut first = entries(&prids, &[], &[]);
		let second = first.split_off(1);
		assert_ok!(Readings::add_resolution_part(1, 1, 0, first, None));
		assert_ok!(Readings::add_resolution_part(1, 1, 1, second, Some(minus(&s.z, &masks))));
		let part = <() as WeightInfo>::recheck_load_part();
		// 10 PRIDs to merge, 3 steps a block: a block that does not finish the re-check adds
		// nothing but the parts it read, at least the cursor's (read again when resuming).
		for _ in 0..2 {
			let work = Readings::recheck(3);
			assert!(work.hashed > 0 && Rechecking::<Test>::get().is_some());
			let reads = work.reported;
			assert!(reads == part || reads == part.saturating_mul(2), "{reads:?}");
		}
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c)], 8)));
	});
}

#[test]
fn a_recheck_resumes_across_blocks_with_the_same_result() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = reported(40, 30, &[0, 17, 39]);
		close_and_seal();
		let (absent, masks) = silent_view([&ms[0], &ms[17], &ms[39]], 1);
		SealSteps::set(7);
		assert_ok!(resolve(&absent, &[], &[], minus(&s.z, &masks)));
		let mut blocks = 0;
		while Rechecks::<Test>::get(1, 1).is_some() {
			next_block();
			blocks += 1;
			assert!(blocks < 100);
		}
		assert!(blocks >= 80 / 7, "{blocks} blocks");
		assert_eq!(outcome(1, 1), Some(sealed(&[Some(c)], 74)));
	});
}

#[test]
fn recheck_requests_are_validated_before_queueing() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		// Not sealed yet.
		assert_noop!(resolve(&[], &[], &[], vals(&[0])), Error::<Test>::NotFaulted);
		advance_to(end_of(1) + 1_000);
		report(&ms, 1, 1, &[3]);
		close_and_seal();
		let (prids, _) = kgc_view(&ms[3], 1);
		let mut desc = entries(&prids, &[], &[]);
		desc.reverse();
		assert_noop!(
			Readings::add_resolution_part(1, 1, 0, desc, Some(vals(&[0]))),
			Error::<Test>::PridsNotSorted
		);
		assert_noop!(
			resolve(&[prids[0], prids[0]], &[], &[], vals(&[0])),
			Error::<Test>::PridsNotSorted
		);
		assert_noop!(resolve(&[], &[], &[prids[0]], vals(&[0])), Error::<Test>::PridNotStored);
		let too_many = vec![(prids[0], EntryKind::Absent); MAX_RESOLUTION_PART as usize + 1];
		assert_noop!(
			Readings::add_resolution_part(1, 1, 0, too_many, Some(vals(&[0]))),
			Error::<Test>::TooManyPrids
		);
		assert_noop!(resolve(&[], &[], &[], vals(&[0])), Error::<Test>::EmptyResolution);
		assert_ok!(resolve(&[prids[0]], &[], &[], vals(&[0])));
		assert_noop!(resolve(&[prids[1]], &[], &[], vals(&[0])), Error::<Test>::RecheckPending);
	});
}
