//! Unit tests of the faults pallet: recording, every check and refusal of `submit_resolution`,
//! the outcome of checks (with a checker that really re-hashes T), suspension, the invariants,
//! and the off-chain worker end to end on real meters' secrets: the transaction it puts in the
//! pool is decoded, checked against values computed independently with `gridmask-primitives`,
//! and dispatched.

use crate::{
	mock::*,
	offchain::{
		back_off_until, claim_send, secrets_key, sent_key, OffchainError, Resolution,
		SentResolution, MAX_BACKOFF_SHIFT, NEXT_KEY, SECRETS_PREFIX, SENT_PREFIX,
	},
	traits::CheckOutcome,
	weights::WeightInfo,
	Blame, Error, Event, FaultRecord, FaultStatus, Faults as FaultStore, Mark, Named, NamedOf,
	OpenFaults, PartOf,
};
use codec::{Decode, Encode};
use frame_support::{assert_noop, assert_ok, traits::Hooks, BoundedVec};
use gridmask_primitives::{MeterId, PeriodIndex, Prid, RegionId};
use sp_core::offchain::StorageKind;
use sp_runtime::{
	generic::Preamble,
	traits::{Dispatchable, Verify},
	DispatchError, DispatchResult,
};

fn kgc_origin() -> RuntimeOrigin {
	RuntimeOrigin::signed(kgc())
}

fn part(v: Vec<(Prid, Mark)>) -> PartOf<Test> {
	BoundedVec::try_from(v).expect("within MaxEntriesPerPart")
}

fn status(region: RegionId, period: PeriodIndex) -> Option<crate::FaultStatusOf<Test>> {
	FaultStore::<Test>::get(region, period).map(|r| r.status)
}

fn open() -> Vec<(RegionId, PeriodIndex)> {
	OpenFaults::<Test>::get().into_inner()
}

/// Submit a complete one-part resolution of `s`.
fn submit(s: &Scenario, entries: Vec<(Prid, Mark)>, z_prime: u64) -> DispatchResult {
	Faults::submit_resolution(kgc_origin(), s.region, s.period, 0, part(entries), Some(z_prime))
}

/// Submit the correct resolution of `s`.
fn submit_correct(s: &Scenario) -> DispatchResult {
	submit(s, s.entries(), s.z_prime())
}

/// The entries of absent `(meter, PRID)`s and forged PRIDs, ascending.
fn marks(absent: Vec<(MeterId, Prid)>, forged: Vec<Prid>) -> Vec<(Prid, Mark)> {
	let mut v: Vec<(Prid, Mark)> = absent
		.into_iter()
		.map(|(m, p)| (p, Mark::Absent(m)))
		.chain(forged.into_iter().map(|p| (p, Mark::Forged)))
		.collect();
	v.sort_by_key(|(p, _)| *p);
	v
}

/// What a resolution names: `meters` each for `shares`, and the counts.
fn named(meters: &[(MeterId, u8)], absent: u32, lone: u32, forged: u32) -> NamedOf<Test> {
	Named {
		parts: 1,
		meters: BoundedVec::truncate_from(meters.to_vec()),
		overflow: false,
		absent,
		lone,
		forged,
	}
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Faults(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// An honest share's PRID of `meter` in `s`'s period (share A).
fn honest_prid(s: &Scenario, meter: MeterId) -> Prid {
	keys(meter, s.period).prids().0
}

// -- on_faulted

#[test]
fn on_faulted_records_an_open_fault() {
	ExtBuilder::default().build_and_execute(|| {
		let w = Faults::on_faulted(REGION, PERIOD, 8, 6);
		assert_eq!(w, <() as WeightInfo>::on_faulted());
		assert_eq!(
			FaultStore::<Test>::get(REGION, PERIOD),
			Some(FaultRecord { expected: 8, received: 6, status: FaultStatus::Open })
		);
		assert_eq!(open(), vec![(REGION, PERIOD)]);
		System::assert_last_event(
			Event::FaultRecorded { region: REGION, period: PERIOD, expected: 8, received: 6 }
				.into(),
		);
	});
}

#[test]
fn on_faulted_twice_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		Faults::on_faulted(REGION, PERIOD, 8, 6);
		Faults::on_faulted(REGION, PERIOD, 10, 1);
		assert_eq!(
			FaultStore::<Test>::get(REGION, PERIOD),
			Some(FaultRecord { expected: 8, received: 6, status: FaultStatus::Open })
		);
		assert_eq!(open(), vec![(REGION, PERIOD)]);
		assert_eq!(events().len(), 1);
	});
}

#[test]
fn a_full_open_index_evicts_the_oldest_fault() {
	ExtBuilder::default().build_and_execute(|| {
		for p in 0..MAX_OPEN {
			Faults::on_faulted(REGION, p, 2, 1);
		}
		assert_eq!(open().len(), MAX_OPEN as usize);
		Faults::on_faulted(OTHER_REGION, 99, 2, 0);
		System::assert_last_event(Event::OpenFaultEvicted { region: REGION, period: 0 }.into());
		let expected: Vec<_> =
			(1..MAX_OPEN).map(|p| (REGION, p)).chain([(OTHER_REGION, 99)]).collect();
		assert_eq!(open(), expected);
		// The evicted fault's record stays open: the KGC can still resolve it.
		assert_eq!(status(REGION, 0), Some(FaultStatus::Open));
	});
}

// -- submit_resolution

#[test]
fn submit_resolution_starts_the_check() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		assert_ok!(submit_correct(&s));
		assert_eq!(status(REGION, PERIOD), Some(FaultStatus::Checking(named(&[(3, 2)], 2, 0, 0))));
		assert!(open().is_empty());
		assert_eq!(
			MockChecker::pending(REGION, PERIOD),
			Some(PendingCheck { entries: s.entries(), parts: 1, z_prime: Some(s.z_prime()) })
		);
		System::assert_last_event(
			Event::ResolutionSubmitted {
				region: REGION,
				period: PERIOD,
				absent: 2,
				lone: 0,
				forged: 0,
				meters: vec![3],
			}
			.into(),
		);
	});
}

#[test]
fn a_resolution_arrives_in_parts() {
	ExtBuilder::default().build_and_execute(|| {
		// Three silent meters and two forgeries: 8 entries, sent as parts of 3, 3 and 2.
		let s = Scenario {
			meters: vec![1, 2, 3, 4, 5, 6],
			silent: vec![1, 3, 5],
			forged: vec![(forged_prid(7), 9), (forged_prid(8), 10)],
			..Scenario::one_silent()
		};
		s.install();
		let entries = s.entries();
		let chunks: Vec<Vec<(Prid, Mark)>> = entries.chunks(3).map(|c| c.to_vec()).collect();
		let send = |i: u32, z: Option<u64>| {
			Faults::submit_resolution(
				kgc_origin(),
				REGION,
				PERIOD,
				i,
				part(chunks[i as usize].clone()),
				z,
			)
		};
		assert_noop!(send(1, None), Error::<Test>::WrongPart);
		assert_ok!(send(0, None));
		assert!(matches!(status(REGION, PERIOD), Some(FaultStatus::Collecting(n)) if n.parts == 1));
		assert_eq!(open(), vec![(REGION, PERIOD)], "still awaiting the rest");
		assert_noop!(send(2, None), Error::<Test>::WrongPart);
		assert_ok!(send(1, None));
		assert_ok!(send(2, Some(s.z_prime())));
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Checking(n)) if n.parts == 3 && n.absent == 6 && n.forged == 2
		));
		assert!(open().is_empty());
		MockChecker::finish(REGION, PERIOD);
		// 3 of 6 meters reported: half, enough to blame the other three.
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { blame: Blame::Meters, aggregate: Some(a), .. })
				if a == s.true_aggregate()
		));
	});
}

#[test]
fn a_new_part_zero_starts_over() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario {
			meters: vec![1, 2, 3, 4, 5, 6],
			silent: vec![3, 5],
			..Scenario::one_silent()
		};
		s.install();
		let entries = s.entries();
		assert_ok!(Faults::submit_resolution(
			kgc_origin(),
			REGION,
			PERIOD,
			0,
			part(entries[..1].to_vec()),
			None
		));
		// The worker lost track: it sends the whole resolution again from part 0.
		assert_ok!(submit_correct(&s));
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(status(REGION, PERIOD), Some(FaultStatus::Resolved { .. })));
	});
}

#[test]
fn submit_resolution_requires_the_kgc() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		for origin in [
			RuntimeOrigin::signed(account_of("//Mallory")),
			RuntimeOrigin::root(),
			RuntimeOrigin::none(),
		] {
			assert_noop!(
				Faults::submit_resolution(
					origin.clone(),
					REGION,
					PERIOD,
					0,
					part(s.entries()),
					Some(s.z_prime())
				),
				DispatchError::BadOrigin
			);
			assert_noop!(Faults::void_period(origin, REGION, PERIOD), DispatchError::BadOrigin);
		}
	});
	// Without a KGC nobody may submit.
	ExtBuilder::default().without_kgc().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		assert_noop!(submit_correct(&s), DispatchError::BadOrigin);
	});
}

#[test]
fn submit_resolution_needs_a_recorded_fault() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		assert_noop!(submit_correct(&s), Error::<Test>::UnknownFault);
	});
}

#[test]
fn submit_resolution_refuses_a_fault_being_checked_or_resolved() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		assert_ok!(submit_correct(&s));
		assert_noop!(submit_correct(&s), Error::<Test>::NotAwaitingResolution);
		assert_noop!(
			Faults::void_period(kgc_origin(), REGION, PERIOD),
			Error::<Test>::NotAwaitingResolution
		);
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(status(REGION, PERIOD), Some(FaultStatus::Resolved { .. })));
		assert_noop!(submit_correct(&s), Error::<Test>::NotAwaitingResolution);
	});
}

#[test]
fn submit_resolution_refuses_an_empty_resolution() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		assert_noop!(submit(&s, vec![], s.z_prime()), Error::<Test>::EmptyResolution);
	});
}

#[test]
fn submit_resolution_refuses_unsorted_entries() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		let mut reversed = s.entries();
		reversed.reverse();
		assert_noop!(submit(&s, reversed, s.z_prime()), Error::<Test>::EntriesNotSorted);
		let first = s.entries()[0];
		assert_noop!(submit(&s, vec![first, first], s.z_prime()), Error::<Test>::EntriesNotSorted);
	});
}

#[test]
fn submit_resolution_refuses_a_meter_named_thrice() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		let mut abs = s.absent();
		abs.push((3, forged_prid(5)));
		assert_noop!(
			submit(&s, marks(abs, vec![]), s.z_prime()),
			Error::<Test>::TooManySharesForMeter
		);
	});
}

#[test]
fn submit_resolution_names_only_meters_the_setup_covered() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		let name = |meter| s.absent().into_iter().map(|(_, p)| (meter, p)).collect::<Vec<_>>();
		// An unregistered meter, one of another region, one that joined after the setup.
		MockMeters::add(8, OTHER_REGION);
		MockMeters::add_in_epoch(9, REGION, EPOCH + 1);
		for meter in [77, 8, 9] {
			assert_noop!(
				submit(&s, marks(name(meter), vec![]), s.z_prime()),
				Error::<Test>::NotCovered
			);
		}
		// The silent meter was covered, even if it is no longer active (suspended since).
		MockMeters::set_active(3, false);
		assert_ok!(submit_correct(&s));
	});
}

#[test]
fn submit_resolution_passes_on_the_checkers_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		// An "absent" PRID that is on chain.
		let mut abs = s.absent();
		abs.push((1, honest_prid(&s, 1)));
		assert_noop!(
			submit(&s, marks(abs, vec![]), s.z_prime()),
			DispatchError::Other("AbsentPridStored")
		);
		// A "forged" PRID that is not.
		assert_noop!(
			submit(&s, marks(s.absent(), vec![forged_prid(1)]), s.z_prime()),
			DispatchError::Other("PridNotStored")
		);
		// Shares pruned.
		MockPeriods::prune(REGION, PERIOD);
		assert_noop!(submit_correct(&s), DispatchError::Other("AlreadyPruned"));
		assert_eq!(status(REGION, PERIOD), Some(FaultStatus::Open));
	});
}

#[test]
fn parts_are_bounded() {
	let entries: Vec<(Prid, Mark)> =
		(0..=MAX_PART).map(|i| (forged_prid(i as u8), Mark::Forged)).collect();
	assert!(PartOf::<Test>::try_from(entries[..MAX_PART as usize].to_vec()).is_ok());
	assert!(PartOf::<Test>::try_from(entries).is_err());
}

// -- on_check_done

#[test]
fn a_correct_resolution_seals_the_true_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		assert_ok!(submit_correct(&s));
		let w = MockChecker::finish(REGION, PERIOD);
		assert_eq!(w, <() as WeightInfo>::on_check_done_resolved(1));
		let aggregate = Some(s.true_aggregate());
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[(3, 2)], 2, 0, 0),
				aggregate,
				contributors: 3,
				blame: Blame::Meters
			})
		);
		assert_eq!(MockMeters::get(3).unwrap().faults, 1);
		assert_eq!(MockMeters::get(1).unwrap().faults, 0);
		let evs = events();
		assert_eq!(
			evs[evs.len() - 2..],
			[
				Event::FaultResolved {
					region: REGION,
					period: PERIOD,
					aggregate,
					contributors: 3,
					meters: vec![3],
					blame: Blame::Meters,
				},
				Event::MeterFaulted { meter: 3, faults: 1 },
			]
		);
	});
}

#[test]
fn a_lone_share_is_left_out_and_its_meter_named() {
	ExtBuilder::default().build_and_execute(|| {
		// Meter 2 sent one share of two (a dropped transaction); meter 3 nothing.
		let s = Scenario { lone: vec![2], ..Scenario::one_silent() };
		s.install();
		assert_eq!(s.entries().iter().filter(|(_, m)| matches!(m, Mark::Lone(2))).count(), 1);
		assert_ok!(submit_correct(&s));
		MockChecker::finish(REGION, PERIOD);
		// The aggregate is the complete readings' (meters 1 and 4): too few to publish (3).
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				aggregate: None,
				contributors: 2,
				blame: Blame::Meters,
				..
			})
		));
		assert_eq!(MockMeters::get(2).unwrap().faults, 1);
		assert_eq!(MockMeters::get(3).unwrap().faults, 1);
	});
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario {
			meters: vec![1, 2, 3, 4, 5],
			silent: vec![],
			lone: vec![2],
			..Scenario::one_silent()
		};
		s.install();
		assert_ok!(submit_correct(&s));
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { aggregate: Some(a), contributors: 4, .. })
				if a == s.true_aggregate()
		));
	});
}

#[test]
fn most_of_the_region_missing_is_the_chains_fault() {
	ExtBuilder::default().build_and_execute(|| {
		// 6 meters, 4 silent: 2 reported, fewer than half (the quorum).
		let s = Scenario {
			meters: vec![1, 2, 3, 4, 5, 6],
			silent: vec![1, 2, 3, 4],
			..Scenario::one_silent()
		};
		s.install();
		assert_ok!(submit_correct(&s));
		let w = MockChecker::finish(REGION, PERIOD);
		assert_eq!(w, <() as WeightInfo>::on_check_done_resolved(0));
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { blame: Blame::Chain, contributors: 2, .. })
		));
		System::assert_last_event(
			Event::ChainFault { region: REGION, period: PERIOD, contributors: 2, covered: 6 }
				.into(),
		);
		assert!((1..=6).all(|m| MockMeters::get(m).unwrap().faults == 0), "nobody blamed");
	});
}

#[test]
fn more_meters_named_than_a_record_holds_blames_nobody() {
	ExtBuilder::default().build_and_execute(|| {
		// 16 meters, 7 silent (more than MAX_NAMED = 6): the rest reported, but the record
		// cannot name them all.
		let meters: Vec<MeterId> = (1..=16).collect();
		let s = Scenario { meters, silent: (1..=7).collect(), ..Scenario::one_silent() };
		s.install();
		let entries = s.entries();
		let chunks: Vec<_> = entries.chunks(MAX_PART as usize).map(|c| c.to_vec()).collect();
		for (i, c) in chunks.iter().enumerate() {
			let z = (i + 1 == chunks.len()).then(|| s.z_prime());
			assert_ok!(Faults::submit_resolution(
				kgc_origin(),
				REGION,
				PERIOD,
				i as u32,
				part(c.clone()),
				z
			));
		}
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { blame: Blame::Chain, named, .. }) if named.overflow
		));
		assert!((1..=16).all(|m| MockMeters::get(m).unwrap().faults == 0));
	});
}

#[test]
fn forged_shares_are_excluded_from_the_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario {
			silent: vec![2],
			forged: vec![(forged_prid(7), 1_000_000), (forged_prid(8), 5)],
			..Scenario::one_silent()
		};
		s.install();
		assert_ok!(submit_correct(&s));
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { named, aggregate: Some(a), .. })
				if named.forged == 2 && a == s.true_aggregate()
		));
	});
}

#[test]
fn wrong_resolutions_are_rejected() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		let check = |entries: Vec<(Prid, Mark)>| {
			assert_ok!(submit(&s, entries, s.z_prime()));
			MockChecker::finish(REGION, PERIOD);
			System::assert_last_event(
				Event::ResolutionRejected { region: REGION, period: PERIOD }.into(),
			);
			assert_eq!(status(REGION, PERIOD), Some(FaultStatus::Rejected));
			assert_eq!(open(), vec![(REGION, PERIOD)]);
		};
		// A missing PRID: only one of meter 3's shares.
		check(marks(vec![s.absent()[0]], vec![]));
		// An extra PRID: meter 4 named for a share it does not own.
		let mut extra = s.absent();
		extra.push((4, forged_prid(9)));
		check(marks(extra, vec![]));
		// An honest share accused of forgery.
		check(marks(s.absent(), vec![honest_prid(&s, 1)]));
		// Nobody's counter moved.
		assert!((1..=4).all(|m| MockMeters::get(m).unwrap().faults == 0));
		// The KGC may submit again; the correct resolution seals the period.
		assert_ok!(submit_correct(&s));
		assert!(open().is_empty());
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { aggregate: Some(a), .. }) if a == s.true_aggregate()
		));
	});
}

#[test]
fn a_fault_can_be_closed_void() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario::one_silent();
		s.install();
		// A partial submission is discarded by the void.
		assert_ok!(Faults::submit_resolution(
			kgc_origin(),
			REGION,
			PERIOD,
			0,
			part(s.entries()[..1].to_vec()),
			None
		));
		assert_ok!(Faults::void_period(kgc_origin(), REGION, PERIOD));
		assert_eq!(status(REGION, PERIOD), Some(FaultStatus::Void));
		assert!(MockChecker::voided(REGION, PERIOD));
		assert!(open().is_empty());
		System::assert_last_event(Event::PeriodVoided { region: REGION, period: PERIOD }.into());
		assert_noop!(submit_correct(&s), Error::<Test>::NotAwaitingResolution);
		assert_noop!(
			Faults::void_period(kgc_origin(), REGION, PERIOD + 1),
			Error::<Test>::UnknownFault
		);
		assert!((1..=4).all(|m| MockMeters::get(m).unwrap().faults == 0));
	});
}

#[test]
fn meters_are_suspended_after_enough_faults() {
	ExtBuilder::default().build_and_execute(|| {
		for (i, period) in (PERIOD..PERIOD + SUSPEND_AFTER).enumerate() {
			let s = Scenario { period, ..Scenario::one_silent() };
			s.install();
			assert_ok!(submit_correct(&s));
			MockChecker::finish(REGION, period);
			let faults = i as u32 + 1;
			assert!(events().contains(&Event::MeterFaulted { meter: 3, faults }));
			let suspended = faults == SUSPEND_AFTER;
			assert_eq!(events().contains(&Event::MeterSuspended { meter: 3 }), suspended);
			assert_eq!(MockMeters::get(3).unwrap().active, !suspended);
		}
		System::assert_last_event(Event::MeterSuspended { meter: 3 }.into());
	});
}

#[test]
fn on_check_done_ignores_faults_not_checking() {
	ExtBuilder::default().build_and_execute(|| {
		let done = CheckOutcome::Resolved { aggregate: Some(5), contributors: 3 };
		Faults::on_check_done(REGION, PERIOD, done);
		assert_eq!(status(REGION, PERIOD), None);
		let s = Scenario::one_silent();
		s.install();
		Faults::on_check_done(REGION, PERIOD, done);
		Faults::on_check_done(REGION, PERIOD, CheckOutcome::Mismatch);
		assert_eq!(status(REGION, PERIOD), Some(FaultStatus::Open));
		assert_eq!(events().len(), 1);
	});
}

// -- invariants, configuration, weights

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

// -- the off-chain worker

/// Put `meters`' master secrets for `region` into the node's local storage, sealed under the
/// secrets key of `seed`, as the operator does with `offchain_localStorageSet`.
fn set_secrets_sealed_by(seed: &[u8; 32], region: RegionId, meters: &[MeterId]) {
	use gridmask_primitives::secrets;
	let value: Vec<(MeterId, [u8; 32])> = meters.iter().map(|m| (*m, secret(*m))).collect();
	let key = secrets_key(region);
	let sealed = secrets::seal(&secrets::seal_key_of_seed(seed), [9; 12], &key, &value.encode());
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &key, &sealed);
}

/// [`set_secrets_sealed_by`] the node's own secrets key.
fn set_secrets(region: RegionId, meters: &[MeterId]) {
	set_secrets_sealed_by(&SECRETS_SEED, region, meters)
}

fn run_worker(block: u64) {
	System::set_block_number(block);
	<Faults as Hooks<u64>>::offchain_worker(block);
}

/// The resolution a pool transaction carries, after checking that it is signed by the KGC
/// with nonce `nonce` and a valid signature.
fn resolution_of(tx: &Extrinsic, nonce: u32) -> (RegionId, PeriodIndex, Resolution) {
	let Preamble::Signed(who, signature, ()) = &tx.preamble else {
		panic!("a signed transaction");
	};
	assert_eq!(*who, kgc());
	assert!(signature.verify(&signed_payload(&tx.function, nonce)[..], who));
	match &tx.function {
		RuntimeCall::Faults(crate::Call::submit_resolution {
			region,
			period,
			part: 0,
			entries,
			z_prime: Some(z_prime),
		}) => (*region, *period, Resolution { entries: entries.to_vec(), z_prime: *z_prime }),
		other => panic!("unexpected call {other:?}"),
	}
}

/// Dispatch a pool transaction as the runtime would, from its signer.
fn dispatch(tx: Extrinsic) -> frame_support::dispatch::DispatchResultWithPostInfo {
	tx.function.dispatch(kgc_origin())
}

#[test]
fn worker_resolves_a_silent_meter() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		let (_, z) = s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);

		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (region, period, r) = resolution_of(&txs[0], 0);
		assert_eq!((region, period), (REGION, PERIOD));
		// Meter 3's two PRIDs, ascending.
		let (a, b) = keys(3, PERIOD).prids();
		let mut expected = vec![(3, a), (3, b)];
		expected.sort_by_key(|(_, p)| *p);
		assert_eq!(r.absent(), expected);
		assert!(r.forged().is_empty() && r.lone().is_empty());
		// Z' is the setup Z of the meters that reported (KGC's setup builder over 1, 2, 4).
		assert_eq!(r.z_prime, setup_of(REGION, PERIOD, &[1, 2, 4]).1);
		assert_ne!(r.z_prime, z);

		// On chain it is accepted, checked against T and seals the true aggregate.
		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[(3, 2)], 2, 0, 0),
				aggregate: Some(s.true_aggregate()),
				contributors: 3,
				blame: Blame::Meters,
			})
		);
	});
}

#[test]
fn worker_reports_a_forged_prid() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario {
			silent: vec![],
			forged: vec![(forged_prid(7), 123_456_789)],
			..Scenario::one_silent()
		};
		let (_, z) = s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);

		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 0);
		assert_eq!(r, Resolution { entries: marks(vec![], vec![forged_prid(7)]), z_prime: z });

		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[], 0, 0, 1),
				aggregate: Some(s.true_aggregate()),
				contributors: 4,
				blame: Blame::Meters,
			})
		);
	});
}

#[test]
fn worker_reports_silent_meters_and_forged_prids_together() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario {
			silent: vec![1, 4],
			forged: vec![(forged_prid(7), 9), (forged_prid(8), 10)],
			..Scenario::one_silent()
		};
		s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);

		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 0);
		assert_eq!(r.absent(), s.absent());
		assert_eq!(r.absent().len(), 4);
		assert_eq!(r.forged(), s.forged_prids());
		assert_eq!(r.z_prime, setup_of(REGION, PERIOD, &[2, 3]).1);

		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[(1, 2), (4, 2)], 4, 0, 2),
				aggregate: None,
				contributors: 2,
				blame: Blame::Meters,
			})
		);
	});
}

#[test]
fn worker_names_lone_shares_and_sends_large_resolutions_in_parts() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		// 10 meters, 4 silent and one that sent one share: 9 entries, more than a part (8).
		let s = Scenario {
			meters: (1..=10).collect(),
			silent: vec![1, 2, 3, 4],
			lone: vec![5],
			..Scenario::one_silent()
		};
		s.install();
		set_secrets(REGION, &(1..=10).collect::<Vec<_>>());
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 2, "two parts");
		let mut all = vec![];
		for (nonce, tx) in txs.iter().enumerate() {
			let RuntimeCall::Faults(crate::Call::submit_resolution {
				part, entries, z_prime, ..
			}) = &tx.function
			else {
				panic!("a resolution part");
			};
			assert_eq!(*part, nonce as u32);
			assert_eq!(*z_prime, (nonce == 1).then(|| s.z_prime()), "Z' completes the last");
			all.extend(entries.iter().copied());
		}
		assert_eq!(all, s.entries());
		assert_eq!(all.iter().filter(|(_, m)| *m == Mark::Lone(5)).count(), 1);
		for tx in txs {
			assert_ok!(dispatch(tx));
		}
		MockChecker::finish(REGION, PERIOD);
		// Half the region sent complete readings: the named meters are blamed.
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { aggregate: Some(a), contributors: 5, blame: Blame::Meters, .. })
				if a == s.true_aggregate()
		));
		assert!((1..=5).all(|m| MockMeters::get(m).unwrap().faults == 1));
	});
}

#[test]
fn worker_sends_one_resolution_per_fault_and_retries_a_dropped_one() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		let first = pool.take();
		assert_eq!(first.len(), 1);
		let record =
			sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &sent_key(REGION, PERIOD))
				.expect("send record");
		let record = SentResolution::<u64>::decode(&mut &record[..]).unwrap();
		let (_, _, sent) = resolution_of(&first[0], 0);
		assert_eq!(
			record,
			SentResolution {
				until: 2 + RESEND_AFTER,
				digest: sent.digest(REGION, PERIOD),
				idle_runs: 0
			}
		);

		// Again in the same block, and in the following ones: nothing.
		run_worker(2);
		for block in 3..2 + RESEND_AFTER {
			run_worker(block);
		}
		assert!(pool.take().is_empty());

		// The transaction never made it (the fault is still open): sent once more, the same.
		run_worker(2 + RESEND_AFTER);
		let second = pool.take();
		assert_eq!(second.len(), 1);
		// The off-chain nonce advanced after the first send.
		let (_, _, again) = resolution_of(&second[0], 1);
		assert_eq!(again, sent);

		// Once on chain, the fault is checking: nothing more, ever.
		assert_ok!(dispatch(second.into_iter().next().unwrap()));
		run_worker(100);
		assert!(pool.take().is_empty());
	});
}

#[test]
fn the_send_record_is_taken_once_until_it_expires() {
	let (mut ext, _pool) = ExtBuilder::default().build_offchain(&[]);
	ext.execute_with(|| {
		let key = sent_key(REGION, PERIOD);
		let claim = |until: u64, d: u8| SentResolution { until, digest: [d; 32], idle_runs: 0 };
		assert_eq!(claim_send(&key, 2u64, claim(7, 1)), Ok(()));
		// A run that read no record (or an expired one) before this claim loses.
		assert_eq!(claim_send(&key, 2u64, claim(7, 2)), Err(OffchainError::RecentlySent(7)));
		assert_eq!(claim_send(&key, 6u64, claim(11, 2)), Err(OffchainError::RecentlySent(7)));
		let stored = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &key).unwrap();
		assert_eq!(SentResolution::<u64>::decode(&mut &stored[..]).unwrap(), claim(7, 1));
		// Expired: taken again.
		assert_eq!(claim_send(&key, 7u64, claim(12, 3)), Ok(()));
		let stored = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &key).unwrap();
		assert_eq!(SentResolution::<u64>::decode(&mut &stored[..]).unwrap(), claim(12, 3));
	});
}

#[test]
fn worker_without_secrets_does_nothing() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		run_worker(2);
		// Secrets of another region only.
		set_secrets(OTHER_REGION, &[1, 2, 3, 4]);
		run_worker(3);
		assert!(pool.take().is_empty());
		// Nothing was remembered: once the secrets arrive it acts at once.
		assert!(sp_io::offchain::local_storage_get(
			StorageKind::PERSISTENT,
			&sent_key(REGION, PERIOD)
		)
		.is_none());
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(4);
		assert_eq!(pool.take().len(), 1);
	});
}

#[test]
fn worker_without_the_kgcs_key_does_nothing() {
	for keys in [&["//Mallory"][..], &[][..]] {
		let (mut ext, pool) = ExtBuilder::default().build_offchain(keys);
		ext.execute_with(|| {
			Scenario::one_silent().install();
			set_secrets(REGION, &[1, 2, 3, 4]);
			run_worker(2);
			assert!(pool.take().is_empty());
			assert_eq!(Faults::offchain_resolve(2), Err(OffchainError::NoKgcKey));
		});
	}
	// No KGC on chain: the KGC's key is just a key.
	let (mut ext, pool) = ExtBuilder::default().without_kgc().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		Scenario::one_silent().install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		assert!(pool.take().is_empty());
		assert_eq!(Faults::offchain_resolve(2), Err(OffchainError::NoKgcAccount));
	});
}

#[test]
fn worker_signs_with_the_kgc_key_among_others() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&["//Mallory", KGC_SURI, "//Eve"]);
	ext.execute_with(|| {
		Scenario::one_silent().install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		resolution_of(&txs[0], 0);
	});
}

#[test]
fn worker_skips_faults_that_do_not_await_a_resolution() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		assert_ok!(submit_correct(&s));
		// Not indexed any more, and the status is checked too.
		OpenFaults::<Test>::put(BoundedVec::truncate_from(vec![(REGION, PERIOD)]));
		run_worker(2);
		assert!(pool.take().is_empty());
		OpenFaults::<Test>::kill();
	});
}

#[test]
fn worker_resends_a_rejected_fault_only_with_a_new_resolution() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		// Meter 5 is active in the region but was not in the setup; the operator's secrets
		// include it, so the worker takes it for silent.
		MockMeters::add(5, REGION);
		set_secrets(REGION, &[1, 2, 3, 4, 5]);
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		assert_eq!(resolution_of(&txs[0], 0).2.absent().len(), 4);
		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(status(REGION, PERIOD), Some(FaultStatus::Rejected));

		// The same resolution is not sent again.
		for block in 3..=3 * RESEND_AFTER {
			run_worker(block);
		}
		assert!(pool.take().is_empty());

		// The operator corrects the secrets: the next resolution differs and is sent.
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(10 * RESEND_AFTER);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 1);
		assert_eq!(r.absent(), s.absent());
		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(status(REGION, PERIOD), Some(FaultStatus::Resolved { .. })));
	});
}

#[test]
fn worker_expects_exactly_the_meters_the_setup_covered() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		MockMeters::add(9, OTHER_REGION);
		MockMeters::add_in_epoch(10, REGION, EPOCH + 1);
		// The silent meter was suspended after the setup: it is still expected (G3).
		MockMeters::set_active(3, false);
		// Secrets of a meter of another region, one that joined after the setup and an
		// unregistered one: none of them is expected.
		set_secrets(REGION, &[1, 2, 3, 4, 9, 10, 11]);
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 0);
		assert_eq!(r, Resolution { entries: s.entries(), z_prime: s.z_prime() });
	});
}

#[test]
fn worker_sends_nothing_it_cannot_justify() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		// Without meter 3's secret, the received shares are all explained: nothing to report.
		set_secrets(REGION, &[1, 2, 4]);
		run_worker(2);
		assert!(pool.take().is_empty());
		// Secrets that do not open: garbage, sealed under another key, moved from another
		// region, or plaintext.
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&secrets_key(REGION),
			&[1, 2, 3],
		);
		run_worker(2 + RESEND_AFTER);
		assert!(pool.take().is_empty());
		let opened = || Faults::region_secrets(REGION).map(|s| s.len());
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		set_secrets_sealed_by(&[0xee; 32], REGION, &[1, 2, 3, 4]);
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		set_secrets(REGION + 1, &[1, 2, 3, 4]);
		let moved =
			sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &secrets_key(REGION + 1));
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&secrets_key(REGION),
			&moved.unwrap(),
		);
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		let plain: Vec<(MeterId, [u8; 32])> =
			[1, 2, 3, 4].iter().map(|m| (*m, secret(*m))).collect();
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&secrets_key(REGION),
			&plain.encode(),
		);
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		set_secrets(REGION, &[1, 2, 3, 4]);
		assert_eq!(opened(), Ok(4));
		// Shares pruned.
		set_secrets(REGION, &[1, 2, 3, 4]);
		MockPeriods::prune(REGION, PERIOD);
		run_worker(2 + 2 * RESEND_AFTER);
		assert!(pool.take().is_empty());
	});
	// No time parameters.
	let (mut ext, pool) = ExtBuilder::default().without_time().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		Scenario::one_silent().install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		assert!(pool.take().is_empty());
	});
}

#[test]
fn worker_evaluates_a_bounded_number_of_faults_per_block() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let periods: Vec<PeriodIndex> = (PERIOD..PERIOD + OCW_FAULTS_PER_BLOCK + 1).collect();
		for period in &periods {
			Scenario { period: *period, ..Scenario::one_silent() }.install();
		}
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		let first = pool.take();
		assert_eq!(first.len(), OCW_FAULTS_PER_BLOCK as usize);
		run_worker(3);
		let second = pool.take();
		assert_eq!(second.len(), 1);
		let mut sent: Vec<PeriodIndex> = first
			.iter()
			.enumerate()
			.map(|(nonce, tx)| resolution_of(tx, nonce as u32).1)
			.chain([resolution_of(&second[0], OCW_FAULTS_PER_BLOCK).1])
			.collect();
		sent.sort();
		assert_eq!(sent, periods);
	});
}

fn send_record(region: RegionId, period: PeriodIndex) -> Option<SentResolution<u64>> {
	sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &sent_key(region, period))
		.map(|r| SentResolution::<u64>::decode(&mut &r[..]).unwrap())
}

#[test]
fn stuck_faults_back_off_and_never_starve_the_others() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		OpenFaultsBound::set(64);
		// Faults nothing can resolve (every share arrived: the secrets explain them all), more
		// than the budget evaluates in `ResendAfter` blocks, ahead of one that can be resolved.
		let stuck = OCW_FAULTS_PER_BLOCK * RESEND_AFTER as u32 + 1;
		for i in 0..stuck {
			Scenario { period: PERIOD + i, silent: vec![], ..Scenario::one_silent() }.install();
		}
		let last = PERIOD + stuck;
		Scenario { period: last, ..Scenario::one_silent() }.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		// Round robin: the resolvable fault is reached within one pass over the index.
		let pass = u64::from((stuck + 1).div_ceil(OCW_FAULTS_PER_BLOCK));
		let mut sent = Vec::new();
		for block in 2..2 + pass {
			run_worker(block);
			sent.extend(pool.take());
		}
		assert_eq!(sent.len(), 1, "the resolvable fault was sent");
		assert_eq!(resolution_of(&sent[0], 0).1, last);
		assert_ok!(dispatch(sent.remove(0)));
		// Each stuck fault is evaluated ever more rarely: after n blocks about log2(n) times.
		let end = 2 + 64 * RESEND_AFTER;
		for block in 2 + pass..end {
			run_worker(block);
		}
		assert!(pool.take().is_empty());
		for i in 0..stuck {
			let record = send_record(REGION, PERIOD + i).expect("evaluated");
			assert!(
				(3..=MAX_BACKOFF_SHIFT + 2).contains(&record.idle_runs),
				"period {}: {record:?}",
				PERIOD + i
			);
		}
	});
}

#[test]
fn back_off_doubles_up_to_the_cap() {
	let until: Vec<u64> = (1..=9).map(|k| back_off_until(100u64, 5, k) - 100).collect();
	assert_eq!(until, vec![5, 10, 20, 40, 80, 160, 320, 320, 320]);
	assert_eq!(back_off_until(u64::MAX - 1, 5, 3), u64::MAX);
}

#[test]
fn local_storage_keys_are_as_documented() {
	assert_eq!(SECRETS_PREFIX, b"gridmask/kgc/secrets/");
	assert_eq!(secrets_key(1), b"gridmask/kgc/secrets/\x01\x00\x00\x00".to_vec());
	assert_eq!(
		sp_core::hexdisplay::HexDisplay::from(&secrets_key(1)).to_string(),
		"677269646d61736b2f6b67632f736563726574732f01000000"
	);
	assert_eq!(SENT_PREFIX, b"gridmask/faults/sent/");
	assert_eq!(NEXT_KEY, b"gridmask/faults/next");
	assert_eq!(
		sent_key(0x0102, 0x0a0b0c0d),
		[&b"gridmask/faults/sent/"[..], &[2, 1, 0, 0], &[0x0d, 0x0c, 0x0b, 0x0a]].concat()
	);
	// The value: compact length, then (meter u64 LE, 32-byte secret) per meter.
	let value: Vec<(MeterId, [u8; 32])> = vec![(0x0102, [7; 32])];
	let mut expected = vec![4u8, 2, 1, 0, 0, 0, 0, 0, 0];
	expected.extend_from_slice(&[7; 32]);
	assert_eq!(value.encode(), expected);
	assert_eq!(crate::KEY_TYPE.0, *b"gmkg");
}

#[test]
fn resolution_computation_matches_the_setup() {
	// Independently of the pallet: absent PRIDs and Z' of a scenario with two silent meters.
	let s = Scenario { silent: vec![2, 4], ..Scenario::one_silent() };
	let (_, z) = setup_of(REGION, PERIOD, &s.meters);
	let secrets: Vec<(MeterId, [u8; 32])> = s.meters.iter().map(|m| (*m, secret(*m))).collect();
	let received: Vec<Prid> = s
		.reporting()
		.iter()
		.flat_map(|m| {
			let (a, b) = keys(*m, PERIOD).prids();
			[a, b]
		})
		.chain([forged_prid(3)])
		.collect();
	let r = Resolution::compute(&TIME_PARAMS, PERIOD, &secrets, |_| true, z, received);
	assert_eq!(r.absent(), s.absent());
	assert_eq!(r.forged(), vec![forged_prid(3)]);
	assert_eq!(r.z_prime, setup_of(REGION, PERIOD, &[1, 3]).1);
	// The masks removed are exactly meters 2 and 4's, wrapping.
	let masks: u64 = [2, 4].iter().map(|m| keys(*m, PERIOD).mask_sum()).fold(0, u64::wrapping_add);
	assert_eq!(r.z_prime, z.wrapping_sub(masks));
	// Other periods give other PRIDs.
	let other = Resolution::compute(&TIME_PARAMS, PERIOD + 1, &secrets, |_| true, z, vec![]);
	assert!(other.absent().iter().all(|a| !r.absent().contains(a)));
}
