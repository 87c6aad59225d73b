//! Tests: export (feed-in) prices.

use super::*;

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
