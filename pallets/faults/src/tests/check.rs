//! Tests: on_check_done.

use super::*;

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
