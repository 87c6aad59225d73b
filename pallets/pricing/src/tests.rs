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

/// A tariff version: `t` for import, `export` for the feed-in.
fn set(region: RegionId, effective_from: PeriodIndex, t: TariffOf<Test>, export: TariffOf<Test>) {
	assert_ok!(Pricing::set_tariff(cc(), region, effective_from, t, export));
}

/// A region that pays nothing for export.
fn no_export() -> TariffOf<Test> {
	flat(0)
}

fn seal(region: RegionId, period: PeriodIndex, aggregate: u64) {
	Pricing::on_period_sealed(region, period, Some(aggregate));
}

fn price(region: RegionId, period: PeriodIndex) -> Option<u64> {
	Pricing::price_of(region, period)
}

/// The (import, export) prices of a sealed period.
fn prices(region: RegionId, period: PeriodIndex) -> Option<(u64, u64)> {
	Prices::<Test>::get(region, period).map(|r| (r.price, r.export_price))
}

fn version_of(region: RegionId, period: PeriodIndex) -> Option<u32> {
	Pricing::tariff_at(region, period).map(|(v, _)| v)
}

// -- set_tariff

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
		set(R1, NOW + 1, both, flat(60_000));
		set(R2, NOW + 1, doc_tiered(), no_export());
		MockClock::set(Some(100));
		// Period 22 (17:00 at offset 12), 1.2 MWh: peak band + top tier.
		seal(R1, 22, 1_200_000);
		System::assert_last_event(
			Event::PriceSet {
				region: R1,
				period: 22,
				price: 550_000,
				export_price: 60_000,
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
		assert_eq!(prices(R2, 23), Some((250_000, 0)));
		assert_eq!(
			Prices::<Test>::get(R1, 22),
			Some(PriceRecord {
				price: 550_000,
				export_price: 60_000,
				aggregate: Some(1_200_000),
				source: PriceSource::Tariff { version: 1 }
			})
		);
	});
}

#[test]
fn tariff_boundaries() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(100), flat(10));
		set(R1, 20, flat(200), flat(20));
		set(R1, 30, flat(300), flat(30));
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
			// Each version's feed-in is a tenth of its import price.
			assert_eq!(prices(R1, period), expected.map(|p| (p, p / 10)), "period {period}");
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
		set(R1, NOW + 1, flat(5), flat(1));
		assert_eq!(version_of(R1, 3), None);
	});
}

#[test]
fn a_new_tariff_never_changes_sealed_prices() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(100), flat(40));
		MockClock::set(Some(20));
		seal(R1, 15, 1);
		set(R1, 21, flat(999), flat(99));
		assert_eq!(prices(R1, 15), Some((100, 40)));
		assert_eq!(version_of(R1, 15), Some(1));
		// The current period, sealed later, still gets the old version.
		MockClock::set(Some(21));
		seal(R1, 20, 1);
		assert_eq!(prices(R1, 20), Some((100, 40)));
	});
}

#[test]
fn sealing_twice_keeps_the_first_record() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, flat(100), flat(10));
		MockClock::set(Some(20));
		seal(R1, 12, 1);
		seal(R1, 12, 2);
		assert_eq!(Prices::<Test>::get(R1, 12).map(|r| r.aggregate), Some(Some(1)));
		assert_ok!(Pricing::set_price(cc(), R1, 12, 5, 6));
		seal(R1, 12, 3);
		assert_eq!(
			Prices::<Test>::get(R1, 12).map(|r| (r.price, r.export_price, r.aggregate)),
			Some((5, 6, Some(1)))
		);
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
			set(R1, v * 10, flat(v.into()), no_export());
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
			set(R1, *from, flat(i as u64), no_export());
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
		let t = tariff(1, 0, vec![(0, 200_000)], vec![(0, 50_000)]);
		set(R1, NOW + 1, t, tariff(1, 0, vec![(0, 70_000)], vec![(0, 5_000)]));
		MockClock::set(Some(NOW + 10));
		seal(R1, NOW + 4, 0);
		Pricing::on_period_sealed(R1, NOW + 5, None);
		assert_eq!(prices(R1, NOW + 4), Some((250_000, 75_000)));
		assert_eq!(prices(R1, NOW + 5), Some((200_000, 70_000)));
		System::assert_last_event(
			Event::PriceSet {
				region: R1,
				period: NOW + 5,
				price: 200_000,
				export_price: 70_000,
				aggregate: None,
				version: 1,
			}
			.into(),
		);
		// The CC may still override it.
		assert_ok!(Pricing::set_price(cc(), R1, NOW + 5, 210_000, 72_000));
		assert_eq!(prices(R1, NOW + 5), Some((210_000, 72_000)));
	});
}

// -- export (feed-in) prices

#[test]
fn export_is_priced_at_the_feed_in_price() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, NOW + 1, flat(250_000), flat(80_000));
		MockClock::set(Some(NOW + 5));
		seal(R1, NOW + 2, 1_234);
		System::assert_last_event(
			Event::PriceSet {
				region: R1,
				period: NOW + 2,
				price: 250_000,
				export_price: 80_000,
				aggregate: Some(1_234),
				version: 1,
			}
			.into(),
		);
		assert_eq!(
			Prices::<Test>::get(R1, NOW + 2),
			Some(PriceRecord {
				price: 250_000,
				export_price: 80_000,
				aggregate: Some(1_234),
				source: PriceSource::Tariff { version: 1 },
			})
		);
		// `price_of` (billing's import price) is the import price, not the feed-in.
		assert_eq!(price(R1, NOW + 2), Some(250_000));
		// A region without a feed-in price gets 0 for export.
		set(R2, NOW + 6, flat(250_000), no_export());
		MockClock::set(Some(NOW + 8));
		seal(R2, NOW + 7, 1_234);
		assert_eq!(prices(R2, NOW + 7), Some((250_000, 0)));
	});
}

#[test]
fn time_of_use_and_tiered_export_prices_by_period_of_day_and_import_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		// Feed-in: night 0.02, day (from 07:00) 0.08, evening (from 17:00) 0.03, in the docs'
		// day (48 periods, period 0 at period-of-day 12); plus 0.005 from a regional *import*
		// of 500 kWh and 0.015 from 1 MWh. Import: the docs' demand-tiered tariff.
		let export = tariff(
			48,
			12,
			vec![(0, 20_000), (14, 80_000), (34, 30_000)],
			vec![(500_000, 5_000), (1_000_000, 15_000)],
		);
		set(R1, NOW + 1, doc_tiered(), export.clone());
		MockClock::set(Some(200));
		// (period, period-of-day, import aggregate, import price, export price)
		let cases = [
			(84, 0, Some(0), 200_000, 20_000),
			(85, 1, Some(499_999), 200_000, 20_000),
			(50, 14, Some(499_999), 200_000, 80_000),
			(51, 15, Some(500_000), 250_000, 85_000),
			(69, 33, Some(1_000_000), 350_000, 95_000),
			(70, 34, Some(1_200_000), 350_000, 45_000),
			(83, 47, Some(999_999), 250_000, 35_000),
			// Sealed without an aggregate: the band prices alone, no tier of either applies.
			(71, 35, None, 200_000, 30_000),
			(86, 2, None, 200_000, 20_000),
		];
		for (period, pod, aggregate, import, feed_in) in cases {
			assert_eq!(export.period_of_day(period), pod, "period {period}");
			Pricing::on_period_sealed(R1, period, aggregate);
			System::assert_last_event(
				Event::PriceSet {
					region: R1,
					period,
					price: import,
					export_price: feed_in,
					aggregate,
					version: 1,
				}
				.into(),
			);
			assert_eq!(
				Prices::<Test>::get(R1, period),
				Some(PriceRecord {
					price: import,
					export_price: feed_in,
					aggregate,
					source: PriceSource::Tariff { version: 1 },
				}),
				"period {period}"
			);
			assert_eq!(export.price_sealed(period, aggregate), feed_in, "period {period}");
		}
	});
}

#[test]
fn set_tariff_refuses_a_malformed_export_tariff() {
	ExtBuilder::default().build_and_execute(|| {
		let cases = || {
			[
				(tariff(0, 0, vec![(0, 1)], vec![]), Error::<Test>::ZeroDayPeriods),
				(tariff(48, 48, vec![(0, 1)], vec![]), Error::<Test>::DayOffsetOutOfRange),
				(tariff(48, 0, vec![], vec![]), Error::<Test>::NoBands),
				(tariff(48, 0, vec![(1, 1), (10, 2)], vec![]), Error::<Test>::FirstBandNotAtZero),
				(
					tariff(48, 0, vec![(0, 1), (20, 2), (10, 3)], vec![]),
					Error::<Test>::BandsNotSorted,
				),
				(
					tariff(48, 0, vec![(0, 1), (10, 2), (10, 3)], vec![]),
					Error::<Test>::BandsNotSorted,
				),
				(tariff(48, 0, vec![(0, 1), (48, 2)], vec![]), Error::<Test>::BandOutOfDay),
				(tariff(1, 0, vec![(0, 1)], vec![(10, 1), (5, 2)]), Error::<Test>::TiersNotSorted),
				(tariff(1, 0, vec![(0, 1)], vec![(10, 1), (10, 2)]), Error::<Test>::TiersNotSorted),
			]
		};
		// The import tariffs are well formed (each is accepted below or elsewhere).
		for import in [doc_flat(), doc_tou(), doc_tiered()] {
			for (export, e) in cases() {
				assert_noop!(Pricing::set_tariff(cc(), R1, NOW + 1, import.clone(), export), e);
			}
		}
		assert_eq!(LatestTariff::<Test>::get(R1), None);
		assert_eq!(Tariffs::<Test>::iter().count(), 0);
		// Nor is a later version stored over a good one.
		set(R1, NOW + 1, doc_tou(), flat(80_000));
		for (export, e) in cases() {
			assert_noop!(Pricing::set_tariff(cc(), R1, NOW + 2, doc_tou(), export), e);
		}
		assert_eq!(
			LatestTariff::<Test>::get(R1),
			Some(TariffHead { version: 1, effective_from: NOW + 1 })
		);
		assert_eq!(Tariffs::<Test>::get(R1, 2), None);
		assert_eq!(Tariffs::<Test>::get(R1, 1).map(|r| r.export), Some(flat(80_000)));
	});
}

#[test]
fn set_price_overrides_both_prices() {
	ExtBuilder::default().build_and_execute(|| {
		let export = tariff(1, 0, vec![(0, 60_000)], vec![(500_000, 10_000)]);
		set(R1, 11, doc_tiered(), export);
		MockClock::set(Some(20));
		seal(R1, 12, 600_000);
		let tariff_record = PriceRecord {
			price: 250_000,
			export_price: 70_000,
			aggregate: Some(600_000),
			source: PriceSource::Tariff { version: 1 },
		};
		assert_eq!(Prices::<Test>::get(R1, 12), Some(tariff_record));
		// The CC may zero the feed-in and keep the import price.
		assert_ok!(Pricing::set_price(cc(), R1, 12, 250_000, 0));
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 12,
				price: 250_000,
				export_price: 0,
				aggregate: Some(600_000),
				replaced: Some(tariff_record),
			}
			.into(),
		);
		let first = PriceRecord {
			price: 250_000,
			export_price: 0,
			aggregate: Some(600_000),
			source: PriceSource::Override,
		};
		assert_eq!(Prices::<Test>::get(R1, 12), Some(first));
		// A second override replaces both prices, and the event carries the first override.
		assert_ok!(Pricing::set_price(cc(), R1, 12, 190_000, 95_000));
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 12,
				price: 190_000,
				export_price: 95_000,
				aggregate: Some(600_000),
				replaced: Some(first),
			}
			.into(),
		);
		assert_eq!(
			Prices::<Test>::get(R1, 12),
			Some(PriceRecord {
				price: 190_000,
				export_price: 95_000,
				aggregate: Some(600_000),
				source: PriceSource::Override,
			})
		);
		assert_eq!(price(R1, 12), Some(190_000));
	});
}

// -- set_price

#[test]
fn set_price_requires_the_cc() {
	ExtBuilder::default().build_and_execute(|| {
		seal(R1, 5, 1);
		for origin in [RuntimeOrigin::signed(7), RuntimeOrigin::root(), RuntimeOrigin::none()] {
			assert_noop!(Pricing::set_price(origin, R1, 5, 1, 1), DispatchError::BadOrigin);
		}
	});
}

#[test]
fn set_price_refuses_unknown_region() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Pricing::set_price(cc(), R9, 5, 1, 1), Error::<Test>::UnknownRegion);
	});
}

#[test]
fn set_price_refuses_unsealed_periods() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, NOW + 1, flat(100), flat(10));
		assert_noop!(Pricing::set_price(cc(), R1, 5, 1, 1), Error::<Test>::NotSealed);
		assert_noop!(Pricing::set_price(cc(), R1, NOW + 1, 1, 1), Error::<Test>::NotSealed);
		seal(R2, 5, 1);
		assert_noop!(Pricing::set_price(cc(), R1, 5, 1, 1), Error::<Test>::NotSealed);
	});
}

#[test]
fn set_price_refuses_billed_periods() {
	ExtBuilder::default().build_and_execute(|| {
		seal(R1, 5, 1);
		set(R1, 11, flat(100), flat(10));
		MockClock::set(Some(20));
		seal(R1, 12, 1);
		MockBilling::bill(R1, 5);
		MockBilling::bill(R1, 12);
		assert_noop!(Pricing::set_price(cc(), R1, 5, 1, 1), Error::<Test>::AlreadyBilled);
		assert_noop!(Pricing::set_price(cc(), R1, 12, 1, 1), Error::<Test>::AlreadyBilled);
	});
}

#[test]
fn set_price_overrides_the_tariff_price() {
	ExtBuilder::default().build_and_execute(|| {
		set(R1, 11, doc_tiered(), flat(70_000));
		MockClock::set(Some(20));
		seal(R1, 12, 600_000);
		assert_ok!(Pricing::set_price(cc(), R1, 12, 180_000, 60_000));
		let tariff_record = PriceRecord {
			price: 250_000,
			export_price: 70_000,
			aggregate: Some(600_000),
			source: PriceSource::Tariff { version: 1 },
		};
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 12,
				price: 180_000,
				export_price: 60_000,
				aggregate: Some(600_000),
				replaced: Some(tariff_record),
			}
			.into(),
		);
		let record = PriceRecord {
			price: 180_000,
			export_price: 60_000,
			aggregate: Some(600_000),
			source: PriceSource::Override,
		};
		assert_eq!(Prices::<Test>::get(R1, 12), Some(record));
		// The tariff in effect is unchanged and still recomputes the replaced price.
		assert_eq!(version_of(R1, 12), Some(1));

		// A second override replaces the first.
		assert_ok!(Pricing::set_price(cc(), R1, 12, 170_000, 65_000));
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 12,
				price: 170_000,
				export_price: 65_000,
				aggregate: Some(600_000),
				replaced: Some(record),
			}
			.into(),
		);
		assert_eq!(price(R1, 12), Some(170_000));
		assert_eq!(prices(R1, 12), Some((170_000, 65_000)));
	});
}

#[test]
fn set_price_prices_an_unpriced_period() {
	ExtBuilder::default().build_and_execute(|| {
		seal(R1, 5, 4_321);
		assert_ok!(Pricing::set_price(cc(), R1, 5, 300_000, 90_000));
		System::assert_last_event(
			Event::PriceOverridden {
				region: R1,
				period: 5,
				price: 300_000,
				export_price: 90_000,
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
				export_price: 90_000,
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
		set(R1, 11, flat(100), flat(10));
		set(R2, 11, flat(50), flat(5));
		MockClock::set(Some(MAX_API_PERIODS + 10));
		seal(R1, 5, 1); // unpriced: left out
		seal(R1, 11, 2);
		seal(R1, 13, 3);
		seal(R2, 12, 4);
		seal(R1, MAX_API_PERIODS - 1, 5);
		seal(R1, MAX_API_PERIODS, 6);
		assert_ok!(Pricing::set_price(cc(), R1, 13, 7, 8));
		let rec = |price, export_price, aggregate, source| PriceRecord {
			price,
			export_price,
			aggregate: Some(aggregate),
			source,
		};
		let v1 = PriceSource::Tariff { version: 1 };
		assert_eq!(
			Pricing::api_price_series(R1, 0, 20),
			vec![(11, rec(100, 10, 2, v1)), (13, rec(7, 8, 3, PriceSource::Override))]
		);
		assert_eq!(Pricing::api_price_series(R1, 12, 12), vec![]);
		assert_eq!(Pricing::api_price_series(R1, 11, 11), vec![(11, rec(100, 10, 2, v1))]);
		assert_eq!(Pricing::api_price_series(R1, 20, 10), vec![]);
		assert_eq!(Pricing::api_price_series(R2, 0, 20), vec![(12, rec(50, 5, 4, v1))]);
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
		// Each version's export tariff is the next version's import tariff, so that a swap of
		// the two would show.
		set(R1, 11, doc_flat(), doc_tou());
		set(R1, 20, doc_tou(), doc_tiered());
		set(R1, 30, doc_tiered(), flat(80_000));
		let rec = |effective_from, tariff, export| TariffRecord { effective_from, tariff, export };
		let v1 = rec(11, doc_flat(), doc_tou());
		let v2 = rec(20, doc_tou(), doc_tiered());
		let v3 = rec(30, doc_tiered(), flat(80_000));
		assert_eq!(
			Pricing::api_tariffs(R1, 0, 10),
			vec![(1, v1.clone()), (2, v2.clone()), (3, v3.clone())]
		);
		// Pages: from a version, at most `count`.
		assert_eq!(Pricing::api_tariffs(R1, 2, 1), vec![(2, v2.clone())]);
		assert_eq!(Pricing::api_tariffs(R1, 3, u32::MAX), vec![(3, v3.clone())]);
		assert_eq!(Pricing::api_tariffs(R1, 4, 10), vec![]);
		assert_eq!(Pricing::api_tariffs(R1, 1, 0), vec![]);
		assert_eq!(Pricing::api_tariffs(R1, u32::MAX, u32::MAX), vec![]);
		assert_eq!(Pricing::api_tariffs(R2, 1, 10), vec![]);
		assert_eq!(Pricing::api_tariff_at(R1, 10), None);
		assert_eq!(Pricing::api_tariff_at(R1, 11), Some((1, v1)));
		assert_eq!(Pricing::api_tariff_at(R1, 25), Some((2, v2)));
		assert_eq!(Pricing::api_tariff_at(R1, u32::MAX), Some((3, v3)));
		// What a client does: recompute both sealed prices from the API's tariffs.
		MockClock::set(Some(40));
		seal(R1, 22, 900);
		let (_, t) = Pricing::api_tariff_at(R1, 22).unwrap();
		let (_, r) = Pricing::api_price_series(R1, 22, 22)[0];
		assert_eq!(t.tariff.price_sealed(22, r.aggregate), r.price);
		assert_eq!(t.export.price_sealed(22, r.aggregate), r.export_price);
		assert_eq!((r.price, r.export_price), (400_000, 200_000));
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
		set(R1, 11, flat(100), flat(10));
		set(R1, 20, flat(200), flat(20));
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
			"wrong tariff export price",
			Box::new(|| {
				Prices::<Test>::mutate(R1, 12, |r| {
					r.as_mut().unwrap().export_price = 11;
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
				Tariffs::<Test>::insert(
					R1,
					3,
					TariffRecord { effective_from: 40, tariff: flat(3), export: flat(0) },
				)
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
			"malformed export tariff",
			Box::new(|| {
				Tariffs::<Test>::mutate(R1, 1, |r| {
					// Out of range but harmless to the prices sealed: only `validate` sees it.
					r.as_mut().unwrap().export.day_offset = 5;
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
		assert_ok!(Pricing::set_price(cc(), R1, 12, 1, 2));
		assert_ok!(Pricing::set_price(cc(), R1, 5, 1, 2));
	});
}
