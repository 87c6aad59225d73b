//! Tests: prices from tariffs: the docs' examples, boundaries, sealing.

use super::*;

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
