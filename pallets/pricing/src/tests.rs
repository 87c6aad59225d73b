//! Unit tests of the pricing pallet: every call and every refusal, tariff boundaries, the crate
//! docs' examples, overrides, the runtime API helpers and the invariants.

use crate::{
	mock::*, weights::WeightInfo, Error, Event, LatestTariff, PriceRecord, PriceSource, Prices,
	TariffError, TariffHead, TariffOf, TariffRecord, Tariffs, Unpriced, MAX_API_PERIODS,
};
use frame_support::{assert_noop, assert_ok, traits::Hooks, BoundedVec};
use gridmask_primitives::{PeriodIndex, RegionId};
use sp_runtime::DispatchError;

const R1: RegionId = 1;
const R2: RegionId = 2;
/// Not registered.
const R9: RegionId = 9;

fn cc() -> RuntimeOrigin {
	RuntimeOrigin::signed(CC)
}

fn tariff(
	day_periods: u32,
	day_offset: u32,
	bands: Vec<(u32, u64)>,
	tiers: Vec<(u64, u64)>,
) -> TariffOf<Test> {
	TariffOf::<Test> {
		day_periods,
		day_offset,
		bands: BoundedVec::try_from(bands).unwrap(),
		tiers: BoundedVec::try_from(tiers).unwrap(),
	}
}

fn flat(price: u64) -> TariffOf<Test> {
	TariffOf::<Test>::flat(price)
}

/// The crate docs' flat example.
fn doc_flat() -> TariffOf<Test> {
	tariff(1, 0, vec![(0, 250_000)], vec![])
}

/// The crate docs' time-of-use example.
fn doc_tou() -> TariffOf<Test> {
	tariff(48, 12, vec![(0, 150_000), (14, 250_000), (34, 400_000), (42, 250_000)], vec![])
}

/// The crate docs' demand-tiered example.
fn doc_tiered() -> TariffOf<Test> {
	tariff(1, 0, vec![(0, 200_000)], vec![(500_000, 50_000), (1_000_000, 150_000)])
}

fn set(region: RegionId, effective_from: PeriodIndex, t: TariffOf<Test>) {
	assert_ok!(Pricing::set_tariff(cc(), region, effective_from, t));
}

fn seal(region: RegionId, period: PeriodIndex, aggregate: u64) {
	Pricing::on_period_sealed(region, period, Some(aggregate));
}

fn price(region: RegionId, period: PeriodIndex) -> Option<u64> {
	Pricing::price_of(region, period)
}

fn version_of(region: RegionId, period: PeriodIndex) -> Option<u32> {
	Pricing::tariff_at(region, period).map(|(v, _)| v)
}

// -- set_tariff

#[test]
fn set_tariff_stores_version_one() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Pricing::set_tariff(cc(), R1, NOW + 1, doc_tou()));
		System::assert_last_event(
			Event::TariffSet { region: R1, version: 1, effective_from: NOW + 1, tariff: doc_tou() }
				.into(),
		);
		assert_eq!(
			LatestTariff::<Test>::get(R1),
			Some(TariffHead { version: 1, effective_from: NOW + 1 })
		);
		assert_eq!(
			Tariffs::<Test>::get(R1, 1),
			Some(TariffRecord { effective_from: NOW + 1, tariff: doc_tou() })
		);
		// Other regions are independent.
		assert_eq!(LatestTariff::<Test>::get(R2), None);
	});
}

#[test]
fn set_tariff_numbers_versions() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(1));
		set(R1, 20, flat(2));
		assert_ok!(Pricing::set_tariff(cc(), R1, 30, flat(3)));
		System::assert_last_event(
			Event::TariffSet { region: R1, version: 3, effective_from: 30, tariff: flat(3) }.into(),
		);
		set(R2, 11, flat(4));
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
				Pricing::set_tariff(origin, R1, NOW + 1, flat(1)),
				DispatchError::BadOrigin
			);
		}
	});
}

#[test]
fn set_tariff_refuses_unknown_region() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Pricing::set_tariff(cc(), R9, NOW + 1, flat(1)), Error::<Test>::UnknownRegion);
	});
}

#[test]
fn set_tariff_refuses_current_and_past_periods() {
	ExtBuilder::default().build_and_execute(|| {
		for from in [0, NOW - 1, NOW] {
			assert_noop!(Pricing::set_tariff(cc(), R1, from, flat(1)), Error::<Test>::NotInFuture);
		}
		set(R1, NOW + 1, flat(1));
	});
}

#[test]
fn set_tariff_before_the_clock_starts_accepts_any_period() {
	ExtBuilder::default().now(None).build_and_execute(|| {
		set(R1, 0, flat(1));
		assert_eq!(version_of(R1, 0), Some(1));
		// Once the clock runs, the rule applies.
		MockClock::set(Some(0));
		assert_noop!(Pricing::set_tariff(cc(), R1, 0, flat(2)), Error::<Test>::NotInFuture);
	});
}

#[test]
fn set_tariff_refuses_non_monotonic_versions() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 20, flat(1));
		assert_noop!(Pricing::set_tariff(cc(), R1, 19, flat(2)), Error::<Test>::EarlierThanLatest);
		assert_noop!(
			Pricing::set_tariff(cc(), R1, NOW + 1, flat(2)),
			Error::<Test>::EarlierThanLatest
		);
		// Other regions are not constrained by R1's versions.
		set(R2, NOW + 1, flat(2));
		set(R1, 25, flat(3));
	});
}

#[test]
fn same_effective_from_supersedes_a_scheduled_version() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 20, flat(1));
		set(R1, 20, flat(2));
		assert_eq!(version_of(R1, 19), None);
		assert_eq!(version_of(R1, 20), Some(2));
		assert_eq!(version_of(R1, 1_000), Some(2));
		MockClock::set(Some(21));
		seal(R1, 20, 0);
		assert_eq!(price(R1, 20), Some(2));
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
			assert_noop!(Pricing::set_tariff(cc(), R1, NOW + 1, t), e);
		}
		// The limits themselves are fine: last band at day_periods − 1, a tier at 0.
		set(R1, NOW + 1, tariff(48, 47, vec![(0, 1), (47, 2)], vec![(0, 5), (u64::MAX, 6)]));
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
			set(R1, NOW + v, flat(v.into()));
		}
		assert_noop!(
			Pricing::set_tariff(cc(), R1, NOW + 100, flat(0)),
			Error::<Test>::TooManyVersions
		);
		// Per region.
		set(R2, NOW + 100, flat(0));
	});
}

// -- prices from tariffs

#[test]
fn doc_examples_give_the_documented_prices() {
	let flat = doc_flat();
	for (p, a) in [(0, 0), (7, 123_456), (u32::MAX, u64::MAX)] {
		assert_eq!(flat.price(p, a), 250_000);
	}
	assert_eq!(flat, TariffOf::<Test>::flat(250_000));

	let tou = doc_tou();
	for (period, pod, expected) in [
		(0, 12, 150_000),
		(2, 14, 250_000),
		(22, 34, 400_000),
		(29, 41, 400_000),
		(30, 42, 250_000),
		(40, 4, 150_000),
	] {
		assert_eq!(tou.period_of_day(period), pod);
		assert_eq!(tou.price(period, 0), expected, "period {period}");
		// No tiers: the aggregate does not matter.
		assert_eq!(tou.price(period, 5_000_000), expected);
	}
	// The day repeats.
	for p in 0..48 {
		assert_eq!(tou.price(p, 0), tou.price(p + 48 * 1_000, 0));
	}

	let tiered = doc_tiered();
	for (aggregate, expected) in [
		(0, 200_000),
		(499_999, 200_000),
		(500_000, 250_000),
		(999_999, 250_000),
		(1_000_000, 350_000),
		(u64::MAX, 350_000),
	] {
		assert_eq!(tiered.price(3, aggregate), expected, "aggregate {aggregate}");
	}

	let both = TariffOf::<Test> { tiers: doc_tiered().tiers, ..doc_tou() };
	assert_eq!(both.price(22, 1_200_000), 550_000);
	assert_eq!(both.price(0, 600_000), 200_000);
	assert_eq!(both.band_price(22), 400_000);
	assert_eq!(both.surcharge(1_200_000), 150_000);
}

#[test]
fn doc_examples_priced_on_chain() {
	ExtBuilder::default().build_and_execute(|| {
		let both = TariffOf::<Test> { tiers: doc_tiered().tiers, ..doc_tou() };
		set(R1, NOW + 1, both);
		set(R2, NOW + 1, doc_tiered());
		MockClock::set(Some(100));
		// Period 22 (17:00 at offset 12), 1.2 MWh: peak band + top tier.
		seal(R1, 22, 1_200_000);
		System::assert_last_event(
			Event::PriceSet {
				region: R1,
				period: 22,
				price: 550_000,
				aggregate: Some(1_200_000),
				version: 1,
			}
			.into(),
		);
		seal(R1, 40, 600_000);
		assert_eq!(price(R1, 40), Some(200_000));
		seal(R2, 22, 499_999);
		seal(R2, 23, 500_000);
		assert_eq!(price(R2, 22), Some(200_000));
		assert_eq!(price(R2, 23), Some(250_000));
		assert_eq!(
			Prices::<Test>::get(R1, 22),
			Some(PriceRecord {
				price: 550_000,
				aggregate: Some(1_200_000),
				source: PriceSource::Tariff { version: 1 }
			})
		);
	});
}

#[test]
fn tariff_boundaries() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(100));
		set(R1, 20, flat(200));
		set(R1, 30, flat(300));
		MockClock::set(Some(40));
		for (period, expected, version) in [
			(10, None, None),
			(11, Some(100), Some(1)),
			(19, Some(100), Some(1)),
			(20, Some(200), Some(2)),
			(29, Some(200), Some(2)),
			(30, Some(300), Some(3)),
			(39, Some(300), Some(3)),
		] {
			seal(R1, period, 1_000);
			assert_eq!(price(R1, period), expected, "period {period}");
			assert_eq!(version_of(R1, period), version, "period {period}");
			if let Some(version) = version {
				assert_eq!(
					Prices::<Test>::get(R1, period).map(|r| r.source),
					Some(PriceSource::Tariff { version })
				);
			}
		}
		assert_eq!(Unpriced::<Test>::get(R1, 10), Some(Some(1_000)));
	});
}

#[test]
fn sealing_without_a_tariff_records_no_price() {
	ExtBuilder::default().build_and_execute(|| {
		seal(R1, 3, 777);
		System::assert_last_event(
			Event::NoTariff { region: R1, period: 3, aggregate: Some(777) }.into(),
		);
		assert_eq!(Unpriced::<Test>::get(R1, 3), Some(Some(777)));
		assert_eq!(Prices::<Test>::get(R1, 3), None);
		assert_eq!(price(R1, 3), None);
		// A tariff set now does not reach back.
		set(R1, NOW + 1, flat(5));
		assert_eq!(version_of(R1, 3), None);
	});
}

#[test]
fn a_new_tariff_never_changes_sealed_prices() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(100));
		MockClock::set(Some(20));
		seal(R1, 15, 1);
		set(R1, 21, flat(999));
		assert_eq!(price(R1, 15), Some(100));
		assert_eq!(version_of(R1, 15), Some(1));
		// The current period, sealed later, still gets the old version.
		MockClock::set(Some(21));
		seal(R1, 20, 1);
		assert_eq!(price(R1, 20), Some(100));
	});
}

#[test]
fn sealing_twice_keeps_the_first_record() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(100));
		MockClock::set(Some(20));
		seal(R1, 12, 1);
		seal(R1, 12, 2);
		assert_eq!(Prices::<Test>::get(R1, 12).map(|r| r.aggregate), Some(Some(1)));
		assert_ok!(Pricing::set_price(cc(), R1, 12, 5));
		seal(R1, 12, 3);
		assert_eq!(Prices::<Test>::get(R1, 12).map(|r| (r.price, r.aggregate)), Some((5, Some(1))));
		seal(R1, 5, 1);
		seal(R1, 5, 2);
		assert_eq!(Unpriced::<Test>::get(R1, 5), Some(Some(1)));
		assert_eq!(Prices::<Test>::get(R1, 5), None);
	});
}

#[test]
fn sealing_reports_its_weight() {
	ExtBuilder::default().build_and_execute(|| {
		MockClock::set(Some(0));
		assert_eq!(
			Pricing::on_period_sealed(R1, 0, Some(1)),
			<() as WeightInfo>::on_period_sealed(0)
		);
		for v in 1..=5 {
			set(R1, v * 10, flat(v.into()));
		}
		MockClock::set(Some(100));
		assert_eq!(
			Pricing::on_period_sealed(R1, 11, Some(1)),
			<() as WeightInfo>::on_period_sealed(5)
		);
		assert!(<() as WeightInfo>::on_period_sealed(MAX_VERSIONS)
			.all_gte(<() as WeightInfo>::on_period_sealed(1)));
	});
}

#[test]
fn tariff_search_matches_a_linear_scan() {
	ExtBuilder::default().now(None).build_and_execute(|| {
		// 16 versions, with repeated effective_froms (later ones supersede).
		let froms = [3, 3, 5, 8, 8, 8, 13, 21, 22, 30, 31, 31, 40, 55, 56, 80];
		for (i, from) in froms.iter().enumerate() {
			set(R1, *from, flat(i as u64));
		}
		for n in 1..=froms.len() {
			// Check every prefix of the version list (heads 1..=16).
			LatestTariff::<Test>::insert(
				R1,
				TariffHead { version: n as u32, effective_from: froms[n - 1] },
			);
			for period in 0..100 {
				let expected = froms[..n].iter().rposition(|f| *f <= period).map(|i| i as u32 + 1);
				assert_eq!(version_of(R1, period), expected, "{n} versions, period {period}");
			}
		}
	});
}

#[test]
fn a_period_sealed_without_an_aggregate_gets_the_band_price() {
	ExtBuilder::default().build_and_execute(|| {
		// Bands and a tier from 0 Wh: with an aggregate the tier applies, without one it does
		// not (no demand is published, so none is priced).
		set(R1, NOW + 1, tariff(1, 0, vec![(0, 200_000)], vec![(0, 50_000)]));
		MockClock::set(Some(NOW + 10));
		seal(R1, NOW + 4, 0);
		Pricing::on_period_sealed(R1, NOW + 5, None);
		assert_eq!(price(R1, NOW + 4), Some(250_000));
		assert_eq!(price(R1, NOW + 5), Some(200_000));
		System::assert_last_event(
			Event::PriceSet {
				region: R1,
				period: NOW + 5,
				price: 200_000,
				aggregate: None,
				version: 1,
			}
			.into(),
		);
		// The CC may still override it.
		assert_ok!(Pricing::set_price(cc(), R1, NOW + 5, 210_000));
		assert_eq!(price(R1, NOW + 5), Some(210_000));
	});
}

// -- set_price

#[test]
fn set_price_requires_the_cc() {
	ExtBuilder::default().build_and_execute(|| {
		seal(R1, 5, 1);
		for origin in [RuntimeOrigin::signed(7), RuntimeOrigin::root(), RuntimeOrigin::none()] {
			assert_noop!(Pricing::set_price(origin, R1, 5, 1), DispatchError::BadOrigin);
		}
	});
}

#[test]
fn set_price_refuses_unknown_region() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Pricing::set_price(cc(), R9, 5, 1), Error::<Test>::UnknownRegion);
	});
}

#[test]
fn set_price_refuses_unsealed_periods() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, NOW + 1, flat(100));
		assert_noop!(Pricing::set_price(cc(), R1, 5, 1), Error::<Test>::NotSealed);
		assert_noop!(Pricing::set_price(cc(), R1, NOW + 1, 1), Error::<Test>::NotSealed);
		seal(R2, 5, 1);
		assert_noop!(Pricing::set_price(cc(), R1, 5, 1), Error::<Test>::NotSealed);
	});
}

#[test]
fn set_price_refuses_billed_periods() {
	ExtBuilder::default().build_and_execute(|| {
		seal(R1, 5, 1);
		set(R1, 11, flat(100));
		MockClock::set(Some(20));
		seal(R1, 12, 1);
		MockBilling::bill(R1, 5);
		MockBilling::bill(R1, 12);
		assert_noop!(Pricing::set_price(cc(), R1, 5, 1), Error::<Test>::AlreadyBilled);
		assert_noop!(Pricing::set_price(cc(), R1, 12, 1), Error::<Test>::AlreadyBilled);
	});
}

#[test]
fn set_price_overrides_the_tariff_price() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, doc_tiered());
		MockClock::set(Some(20));
		seal(R1, 12, 600_000);
		assert_ok!(Pricing::set_price(cc(), R1, 12, 180_000));
		let tariff_record = PriceRecord {
			price: 250_000,
			aggregate: Some(600_000),
			source: PriceSource::Tariff { version: 1 },
		};
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 12,
				price: 180_000,
				aggregate: Some(600_000),
				replaced: Some(tariff_record),
			}
			.into(),
		);
		let record =
			PriceRecord { price: 180_000, aggregate: Some(600_000), source: PriceSource::Override };
		assert_eq!(Prices::<Test>::get(R1, 12), Some(record));
		// The tariff in effect is unchanged and still recomputes the replaced price.
		assert_eq!(version_of(R1, 12), Some(1));

		// A second override replaces the first.
		assert_ok!(Pricing::set_price(cc(), R1, 12, 170_000));
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 12,
				price: 170_000,
				aggregate: Some(600_000),
				replaced: Some(record),
			}
			.into(),
		);
		assert_eq!(price(R1, 12), Some(170_000));
	});
}

#[test]
fn set_price_prices_an_unpriced_period() {
	ExtBuilder::default().build_and_execute(|| {
		seal(R1, 5, 4_321);
		assert_ok!(Pricing::set_price(cc(), R1, 5, 300_000));
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 5,
				price: 300_000,
				aggregate: Some(4_321),
				replaced: None,
			}
			.into(),
		);
		assert_eq!(Unpriced::<Test>::get(R1, 5), None);
		assert_eq!(
			Prices::<Test>::get(R1, 5),
			Some(PriceRecord {
				price: 300_000,
				aggregate: Some(4_321),
				source: PriceSource::Override
			})
		);
	});
}

// -- runtime API helpers

#[test]
fn api_price_series() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(100));
		set(R2, 11, flat(50));
		MockClock::set(Some(MAX_API_PERIODS + 10));
		seal(R1, 5, 1); // unpriced: left out
		seal(R1, 11, 2);
		seal(R1, 13, 3);
		seal(R2, 12, 4);
		seal(R1, MAX_API_PERIODS - 1, 5);
		seal(R1, MAX_API_PERIODS, 6);
		assert_ok!(Pricing::set_price(cc(), R1, 13, 7));
		let rec =
			|price, aggregate, source| PriceRecord { price, aggregate: Some(aggregate), source };
		let v1 = PriceSource::Tariff { version: 1 };
		assert_eq!(
			Pricing::api_price_series(R1, 0, 20),
			vec![(11, rec(100, 2, v1)), (13, rec(7, 3, PriceSource::Override))]
		);
		assert_eq!(Pricing::api_price_series(R1, 12, 12), vec![]);
		assert_eq!(Pricing::api_price_series(R1, 11, 11), vec![(11, rec(100, 2, v1))]);
		assert_eq!(Pricing::api_price_series(R1, 20, 10), vec![]);
		assert_eq!(Pricing::api_price_series(R2, 0, 20), vec![(12, rec(50, 4, v1))]);
		// At most MAX_API_PERIODS periods from `from`.
		let all = Pricing::api_price_series(R1, 0, u32::MAX);
		assert_eq!(all.len(), 3);
		assert_eq!(all.last().map(|(p, _)| *p), Some(MAX_API_PERIODS - 1));
		assert_eq!(
			Pricing::api_price_series(R1, 1, u32::MAX).last().map(|(p, _)| *p),
			Some(MAX_API_PERIODS)
		);
		assert_eq!(Pricing::api_price_series(R1, u32::MAX, u32::MAX), vec![]);
	});
}

#[test]
fn api_tariffs_and_tariff_at() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Pricing::api_tariffs(R1, 1, 10), vec![]);
		assert_eq!(Pricing::api_tariff_at(R1, 100), None);
		set(R1, 11, doc_flat());
		set(R1, 20, doc_tou());
		set(R1, 30, doc_tiered());
		let rec = |effective_from, tariff| TariffRecord { effective_from, tariff };
		assert_eq!(
			Pricing::api_tariffs(R1, 0, 10),
			vec![(1, rec(11, doc_flat())), (2, rec(20, doc_tou())), (3, rec(30, doc_tiered()))]
		);
		// Pages: from a version, at most `count`.
		assert_eq!(Pricing::api_tariffs(R1, 2, 1), vec![(2, rec(20, doc_tou()))]);
		assert_eq!(Pricing::api_tariffs(R1, 3, u32::MAX), vec![(3, rec(30, doc_tiered()))]);
		assert_eq!(Pricing::api_tariffs(R1, 4, 10), vec![]);
		assert_eq!(Pricing::api_tariffs(R1, 1, 0), vec![]);
		assert_eq!(Pricing::api_tariffs(R1, u32::MAX, u32::MAX), vec![]);
		assert_eq!(Pricing::api_tariffs(R2, 1, 10), vec![]);
		assert_eq!(Pricing::api_tariff_at(R1, 10), None);
		assert_eq!(Pricing::api_tariff_at(R1, 11), Some((1, rec(11, doc_flat()))));
		assert_eq!(Pricing::api_tariff_at(R1, 25), Some((2, rec(20, doc_tou()))));
		assert_eq!(Pricing::api_tariff_at(R1, u32::MAX), Some((3, rec(30, doc_tiered()))));
		// What a client does: recompute a sealed price from the API's tariff.
		MockClock::set(Some(40));
		seal(R1, 22, 900);
		let (_, t) = Pricing::api_tariff_at(R1, 22).unwrap();
		let (_, r) = Pricing::api_price_series(R1, 22, 22)[0];
		assert_eq!(t.tariff.price_sealed(22, r.aggregate), r.price);
		assert_eq!(r.price, 400_000);
	});
}

// -- pure price function edge cases

#[test]
fn price_is_total_and_saturates() {
	let big = tariff(1, 0, vec![(0, u64::MAX - 1)], vec![(0, 5)]);
	assert_eq!(big.price(0, 0), u64::MAX);
	// Malformed tariffs (never stored) still give a price, never a panic.
	assert_eq!(tariff(0, 0, vec![], vec![]).price(7, 7), 0);
	assert_eq!(tariff(0, 5, vec![(0, 3)], vec![]).price(u32::MAX, 7), 3);
	assert_eq!(tariff(4, 0, vec![(2, 3)], vec![]).price(1, 0), 0);
	assert_eq!(tariff(4, 0, vec![(2, 3)], vec![(9, 1)]).price(2, 9), 4);
	// No overflow in the period-of-day.
	let day = tariff(48, 47, vec![(0, 1), (47, 2)], vec![]);
	assert_eq!(day.period_of_day(u32::MAX), ((u32::MAX as u64 + 47) % 48) as u32);
	assert_eq!(day.period_of_day(0), 47);
	assert_eq!(day.price(0, 0), 2);
	assert_eq!(day.price(1, 0), 1);
}

// -- hooks and invariants

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build_and_execute(|| {
		<Pricing as Hooks<u64>>::integrity_test();
	});
}

/// A change of storage (or of the clock) that breaks an invariant.
type Corruption = Box<dyn Fn()>;

/// Each corruption below, on top of a valid state, breaks `do_try_state`.
#[test]
fn try_state_detects_broken_invariants() {
	let valid = || {
		set(R1, 11, flat(100));
		set(R1, 20, flat(200));
		MockClock::set(Some(30));
		seal(R1, 5, 1);
		seal(R1, 12, 2);
		seal(R1, 22, 3);
		assert_ok!(Pricing::do_try_state());
	};
	let corruptions: Vec<(&str, Corruption)> = vec![
		(
			"wrong tariff price",
			Box::new(|| {
				Prices::<Test>::mutate(R1, 12, |r| {
					r.as_mut().unwrap().price = 101;
				})
			}),
		),
		(
			"version not in effect",
			Box::new(|| {
				Prices::<Test>::mutate(R1, 22, |r| {
					r.as_mut().unwrap().source = PriceSource::Tariff { version: 1 };
				})
			}),
		),
		("missing version", Box::new(|| Tariffs::<Test>::remove(R1, 1))),
		(
			"version beyond head",
			Box::new(|| {
				Tariffs::<Test>::insert(R1, 3, TariffRecord { effective_from: 40, tariff: flat(3) })
			}),
		),
		(
			"head out of date",
			Box::new(|| {
				LatestTariff::<Test>::insert(R1, TariffHead { version: 2, effective_from: 21 })
			}),
		),
		(
			"head beyond max",
			Box::new(|| {
				LatestTariff::<Test>::insert(
					R1,
					TariffHead { version: MAX_VERSIONS + 1, effective_from: 20 },
				)
			}),
		),
		(
			"malformed tariff",
			Box::new(|| {
				Tariffs::<Test>::mutate(R1, 1, |r| {
					r.as_mut().unwrap().tariff.day_periods = 0;
				})
			}),
		),
		(
			"non-monotonic",
			Box::new(|| {
				Tariffs::<Test>::mutate(R1, 1, |r| {
					r.as_mut().unwrap().effective_from = 25;
				})
			}),
		),
		("unpriced with a tariff", Box::new(|| Unpriced::<Test>::insert(R1, 13, Some(1)))),
		("priced and unpriced", Box::new(|| Unpriced::<Test>::insert(R1, 22, Some(3)))),
		("price of a period not ended", Box::new(|| MockClock::set(Some(22)))),
		("sealed before the clock", Box::new(|| MockClock::set(None))),
	];
	for (name, corrupt) in corruptions {
		ExtBuilder::default().build().execute_with(|| {
			valid();
			corrupt();
			assert!(Pricing::do_try_state().is_err(), "undetected: {name}");
		});
	}
	// And overrides are not checked against the tariff.
	ExtBuilder::default().build_and_execute(|| {
		valid();
		assert_ok!(Pricing::set_price(cc(), R1, 12, 1));
		assert_ok!(Pricing::set_price(cc(), R1, 5, 1));
	});
}
