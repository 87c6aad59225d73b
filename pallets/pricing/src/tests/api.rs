//! Tests: the runtime API helpers.

use super::*;

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
