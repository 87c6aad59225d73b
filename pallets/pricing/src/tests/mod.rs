//! Unit tests of the pricing pallet: every call and every refusal, tariff boundaries, the crate
//! docs' examples, overrides, the runtime API helpers and the invariants; one file by concern,
//! the fixtures here.

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

mod api;
mod export;
mod invariants;
mod set_price;
mod set_tariff;
mod tariff_prices;
