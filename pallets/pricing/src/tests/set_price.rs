//! Tests: set_price: overrides and its refusals.

use super::*;

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
