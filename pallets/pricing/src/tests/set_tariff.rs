//! Tests: set_tariff: versions, refusals, malformed tariffs.

use super::*;

#[test]
fn set_tariff_stores_version_one() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Pricing::set_tariff(cc(), R1, NOW + 1, doc_tou(), flat(80_000)));
		System::assert_last_event(
			Event::TariffSet {
				region: R1,
				version: 1,
				effective_from: NOW + 1,
				tariff: doc_tou(),
				export: flat(80_000),
			}
			.into(),
		);
		assert_eq!(
			LatestTariff::<Test>::get(R1),
			Some(TariffHead { version: 1, effective_from: NOW + 1 })
		);
		assert_eq!(
			Tariffs::<Test>::get(R1, 1),
			Some(TariffRecord { effective_from: NOW + 1, tariff: doc_tou(), export: flat(80_000) })
		);
		// Other regions are independent.
		assert_eq!(LatestTariff::<Test>::get(R2), None);
	});
}

#[test]
fn set_tariff_numbers_versions() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(1), no_export());
		set(R1, 20, flat(2), no_export());
		assert_ok!(Pricing::set_tariff(cc(), R1, 30, flat(3), flat(30)));
		System::assert_last_event(
			Event::TariffSet {
				region: R1,
				version: 3,
				effective_from: 30,
				tariff: flat(3),
				export: flat(30),
			}
			.into(),
		);
		set(R2, 11, flat(4), no_export());
		assert_eq!(
			LatestTariff::<Test>::get(R1),
			Some(TariffHead { version: 3, effective_from: 30 })
		);
		assert_eq!(
			LatestTariff::<Test>::get(R2),
			Some(TariffHead { version: 1, effective_from: 11 })
		);
	});
}

#[test]
fn set_tariff_requires_the_cc() {
	ExtBuilder::default().build_and_execute(|| {
		for origin in [RuntimeOrigin::signed(7), RuntimeOrigin::root(), RuntimeOrigin::none()] {
			assert_noop!(
				Pricing::set_tariff(origin, R1, NOW + 1, flat(1), no_export()),
				DispatchError::BadOrigin
			);
		}
	});
}

#[test]
fn set_tariff_refuses_unknown_region() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Pricing::set_tariff(cc(), R9, NOW + 1, flat(1), no_export()),
			Error::<Test>::UnknownRegion
		);
	});
}

#[test]
fn set_tariff_refuses_current_and_past_periods() {
	ExtBuilder::default().build_and_execute(|| {
		for from in [0, NOW - 1, NOW] {
			assert_noop!(
				Pricing::set_tariff(cc(), R1, from, flat(1), no_export()),
				Error::<Test>::NotInFuture
			);
		}
		set(R1, NOW + 1, flat(1), no_export());
	});
}

#[test]
fn set_tariff_before_the_clock_starts_accepts_any_period() {
	ExtBuilder::default().now(None).build_and_execute(|| {
		set(R1, 0, flat(1), no_export());
		assert_eq!(version_of(R1, 0), Some(1));
		// Once the clock runs, the rule applies.
		MockClock::set(Some(0));
		assert_noop!(
			Pricing::set_tariff(cc(), R1, 0, flat(2), no_export()),
			Error::<Test>::NotInFuture
		);
	});
}

#[test]
fn set_tariff_refuses_non_monotonic_versions() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 20, flat(1), no_export());
		assert_noop!(
			Pricing::set_tariff(cc(), R1, 19, flat(2), no_export()),
			Error::<Test>::EarlierThanLatest
		);
		assert_noop!(
			Pricing::set_tariff(cc(), R1, NOW + 1, flat(2), no_export()),
			Error::<Test>::EarlierThanLatest
		);
		// Other regions are not constrained by R1's versions.
		set(R2, NOW + 1, flat(2), no_export());
		set(R1, 25, flat(3), no_export());
	});
}

#[test]
fn same_effective_from_supersedes_a_scheduled_version() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 20, flat(1), flat(10));
		set(R1, 20, flat(2), flat(20));
		assert_eq!(version_of(R1, 19), None);
		assert_eq!(version_of(R1, 20), Some(2));
		assert_eq!(version_of(R1, 1_000), Some(2));
		MockClock::set(Some(21));
		seal(R1, 20, 0);
		// Both prices come from the superseding version.
		assert_eq!(price(R1, 20), Some(2));
		assert_eq!(prices(R1, 20), Some((2, 20)));
	});
}

#[test]
fn set_tariff_refuses_malformed_tariffs() {
	ExtBuilder::default().build_and_execute(|| {
		let cases = [
			(tariff(0, 0, vec![(0, 1)], vec![]), Error::<Test>::ZeroDayPeriods),
			(tariff(48, 48, vec![(0, 1)], vec![]), Error::<Test>::DayOffsetOutOfRange),
			(tariff(48, 0, vec![], vec![]), Error::<Test>::NoBands),
			(tariff(48, 0, vec![(1, 1), (10, 2)], vec![]), Error::<Test>::FirstBandNotAtZero),
			(tariff(48, 0, vec![(0, 1), (20, 2), (10, 3)], vec![]), Error::<Test>::BandsNotSorted),
			(tariff(48, 0, vec![(0, 1), (10, 2), (10, 3)], vec![]), Error::<Test>::BandsNotSorted),
			(tariff(48, 0, vec![(0, 1), (48, 2)], vec![]), Error::<Test>::BandOutOfDay),
			(tariff(1, 0, vec![(0, 1), (1, 2)], vec![]), Error::<Test>::BandOutOfDay),
			(tariff(1, 0, vec![(0, 1)], vec![(10, 1), (5, 2)]), Error::<Test>::TiersNotSorted),
			(tariff(1, 0, vec![(0, 1)], vec![(10, 1), (10, 2)]), Error::<Test>::TiersNotSorted),
		];
		for (t, e) in cases {
			assert_noop!(Pricing::set_tariff(cc(), R1, NOW + 1, t, no_export()), e);
		}
		// The limits themselves are fine: last band at day_periods − 1, a tier at 0.
		set(
			R1,
			NOW + 1,
			tariff(48, 47, vec![(0, 1), (47, 2)], vec![(0, 5), (u64::MAX, 6)]),
			no_export(),
		);
	});
}

#[test]
fn validate_names_the_first_broken_rule() {
	assert_eq!(doc_flat().validate(), Ok(()));
	assert_eq!(doc_tou().validate(), Ok(()));
	assert_eq!(doc_tiered().validate(), Ok(()));
	assert_eq!(tariff(0, 3, vec![], vec![]).validate(), Err(TariffError::ZeroDayPeriods));
	assert_eq!(tariff(4, 4, vec![], vec![]).validate(), Err(TariffError::DayOffsetOutOfRange));
	assert_eq!(tariff(4, 0, vec![], vec![(2, 1), (1, 1)]).validate(), Err(TariffError::NoBands));
	assert_eq!(
		tariff(4, 0, vec![(0, 1), (9, 1)], vec![(2, 1), (1, 1)]).validate(),
		Err(TariffError::BandOutOfDay)
	);
}

#[test]
fn set_tariff_refuses_more_than_max_versions() {
	ExtBuilder::default().build_and_execute(|| {
		for v in 1..=MAX_VERSIONS {
			set(R1, NOW + v, flat(v.into()), no_export());
		}
		assert_noop!(
			Pricing::set_tariff(cc(), R1, NOW + 100, flat(0), no_export()),
			Error::<Test>::TooManyVersions
		);
		// Per region.
		set(R2, NOW + 100, flat(0), no_export());
	});
}
