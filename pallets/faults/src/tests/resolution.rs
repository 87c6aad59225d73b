//! Tests: submit_resolution.

use super::*;

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
		let send = |i: u32, z: Option<Values>| {
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
