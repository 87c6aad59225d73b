//! Tests: the pure price function's edge cases, hooks and invariants.

use super::*;

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
