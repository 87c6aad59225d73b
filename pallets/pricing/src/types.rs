//! Types of the pricing pallet, and the pure price function [`Tariff::price`].
//!
//! Everything here is `no_std` and free of storage access: an off-chain tool decodes a
//! [`TariffRecord`] (from storage or from [`crate::runtime_api::PricingApi`]) and calls
//! [`Tariff::price`] to get exactly the price the runtime computed.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

pub use gridmask_primitives::{PeriodIndex, RegionId};

/// A price per kWh, in micro-units of the currency (1_000_000 = one unit per kWh).
pub type Price = u64;

/// A tariff version of a region: 1 for its first tariff, then 2, 3, ...
pub type TariffVersion = u32;

/// Watt-hours per kilowatt-hour (aggregates are in Wh, prices per kWh).
pub const WH_PER_KWH: u64 = 1_000;

/// A tariff: the price per kWh of a period as a function of the period's position in the day
/// and of the region's aggregate consumption in that period.
///
/// ```text
/// price(period, aggregate) = band price of ((period + day_offset) % day_periods)
///                          + surcharge of the highest tier whose threshold ≤ aggregate
/// ```
///
/// The sum saturates; below the first tier there is no surcharge. See the crate docs for
/// flat, time-of-use and demand-tiered examples.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(MaxBands, MaxTiers))]
pub struct Tariff<MaxBands: Get<u32>, MaxTiers: Get<u32>> {
	/// Periods in one "day" of the time-of-use pattern, ≥ 1 (48 for 30-minute periods; a
	/// week, 336, for a pattern with weekdays and weekends; 1 for a flat price).
	pub day_periods: u32,
	/// The period-of-day of global period 0, `< day_periods`: makes period-of-day 0 fall on
	/// local midnight whatever the chain's start time and time zone.
	pub day_offset: u32,
	/// Price bands: `(first period-of-day, price per kWh)`. At least one; the first starts at
	/// 0; starts strictly increasing and `< day_periods`. A band runs until the next starts
	/// (the last until the end of the day).
	pub bands: BoundedVec<(u32, Price), MaxBands>,
	/// Demand tiers: `(aggregate threshold in Wh, surcharge per kWh)`, thresholds strictly
	/// increasing. The highest tier whose threshold ≤ the aggregate applies; below the first
	/// threshold, none does. May be empty.
	pub tiers: BoundedVec<(u64, Price), MaxTiers>,
}

/// Why a [`Tariff`] is malformed ([`Tariff::validate`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum TariffError {
	/// `day_periods` is 0.
	ZeroDayPeriods,
	/// `day_offset` is not below `day_periods`.
	DayOffsetOutOfRange,
	/// No price band.
	NoBands,
	/// The first band does not start at period-of-day 0.
	FirstBandNotAtZero,
	/// Band starts are not strictly increasing.
	BandsNotSorted,
	/// A band starts at or after `day_periods`.
	BandOutOfDay,
	/// Tier thresholds are not strictly increasing.
	TiersNotSorted,
}

impl<MaxBands: Get<u32>, MaxTiers: Get<u32>> Tariff<MaxBands, MaxTiers> {
	/// A flat tariff: `price` per kWh for every period and aggregate.
	pub fn flat(price: Price) -> Self {
		Self {
			day_periods: 1,
			day_offset: 0,
			bands: BoundedVec::truncate_from(alloc::vec![(0, price)]),
			tiers: BoundedVec::new(),
		}
	}

	/// Check the shape rules documented on the fields; the first broken one is returned.
	pub fn validate(&self) -> Result<(), TariffError> {
		ensure!(self.day_periods >= 1, TariffError::ZeroDayPeriods);
		ensure!(self.day_offset < self.day_periods, TariffError::DayOffsetOutOfRange);
		let first = self.bands.first().ok_or(TariffError::NoBands)?;
		ensure!(first.0 == 0, TariffError::FirstBandNotAtZero);
		ensure!(self.bands.windows(2).all(|w| w[0].0 < w[1].0), TariffError::BandsNotSorted);
		// Sorted, so checking the last start suffices.
		ensure!(
			self.bands.last().is_some_and(|b| b.0 < self.day_periods),
			TariffError::BandOutOfDay
		);
		ensure!(self.tiers.windows(2).all(|w| w[0].0 < w[1].0), TariffError::TiersNotSorted);
		Ok(())
	}

	/// The period-of-day of global period `period`: `(period + day_offset) % day_periods`
	/// (0 if `day_periods` is 0, which [`Self::validate`] refuses).
	pub fn period_of_day(&self, period: PeriodIndex) -> u32 {
		period_of_day(self.day_periods, self.day_offset, period)
	}

	/// The band price of `period` (without any demand surcharge).
	pub fn band_price(&self, period: PeriodIndex) -> Price {
		band_price(&self.bands, self.period_of_day(period))
	}

	/// The demand surcharge for a regional `aggregate` (Wh).
	pub fn surcharge(&self, aggregate: u64) -> Price {
		surcharge(&self.tiers, aggregate)
	}

	/// The price per kWh of global period `period` whose regional aggregate is `aggregate`
	/// Wh: band price plus demand surcharge, saturating at `Price::MAX`.
	///
	/// Total and deterministic for any value (a malformed tariff gives some price, never a
	/// panic), but only tariffs that pass [`Self::validate`] are ever stored.
	pub fn price(&self, period: PeriodIndex, aggregate: u64) -> Price {
		price(self.day_periods, self.day_offset, &self.bands, &self.tiers, period, aggregate)
	}

	/// The price of a sealed period: [`Self::price`] of its aggregate, or, for a period sealed
	/// without one (too few complete readings to publish it, or closed void), the band price
	/// alone: no demand tier applies without a published aggregate.
	pub fn price_sealed(&self, period: PeriodIndex, aggregate: Option<u64>) -> Price {
		match aggregate {
			Some(a) => self.price(period, a),
			None => self.band_price(period),
		}
	}
}

pub use gridmask_primitives::time::period_of_day;

/// The price of the last band whose start ≤ `period_of_day` (0 if there is none).
pub fn band_price(bands: &[(u32, Price)], period_of_day: u32) -> Price {
	let n = bands.partition_point(|(start, _)| *start <= period_of_day);
	n.checked_sub(1).map_or(0, |i| bands[i].1)
}

/// The surcharge of the last tier whose threshold ≤ `aggregate` (0 if there is none).
pub fn surcharge(tiers: &[(u64, Price)], aggregate: u64) -> Price {
	let n = tiers.partition_point(|(threshold, _)| *threshold <= aggregate);
	n.checked_sub(1).map_or(0, |i| tiers[i].1)
}

/// [`Tariff::price`] on the tariff's parts, for tools that hold them in other containers.
pub fn price(
	day_periods: u32,
	day_offset: u32,
	bands: &[(u32, Price)],
	tiers: &[(u64, Price)],
	period: PeriodIndex,
	aggregate: u64,
) -> Price {
	band_price(bands, period_of_day(day_periods, day_offset, period))
		.saturating_add(surcharge(tiers, aggregate))
}

/// One version of a region's tariff and the first period it applies to: what imported energy
/// costs and what exported energy earns (PROTOCOL.md §3a: with two prices a bill is not linear
/// in the net, so import and export are metered and priced apart).
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(MaxBands, MaxTiers))]
pub struct TariffRecord<MaxBands: Get<u32>, MaxTiers: Get<u32>> {
	/// The first period this version prices. It applies up to (excluding) the
	/// `effective_from` of the next version with a later `effective_from`.
	pub effective_from: PeriodIndex,
	/// The import tariff: the price per kWh taken from the grid.
	pub tariff: Tariff<MaxBands, MaxTiers>,
	/// The export (feed-in) tariff: the price per kWh fed into the grid, paid to the
	/// exporter. Flat, time-of-use or tiered like the import tariff; its demand tiers key on
	/// the same regional *import* aggregate (a feed-in price that rises with demand). A region
	/// that pays nothing for export has a flat 0.
	pub export: Tariff<MaxBands, MaxTiers>,
}

/// The newest tariff version of a region and its first period (so that `set_tariff` checks
/// monotonicity, and the sealing hook finds the common case, without decoding a tariff).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct TariffHead {
	/// The newest version (versions `1..=version` exist).
	pub version: TariffVersion,
	/// Its `effective_from`.
	pub effective_from: PeriodIndex,
}

/// Where a period's price comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum PriceSource {
	/// Computed by [`Tariff::price`] from this version of the region's tariff, the one in
	/// effect for the period.
	Tariff { version: TariffVersion },
	/// Published by the CC (`set_price`), overriding the tariff.
	Override,
}

/// The prices of a sealed (region, period).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct PriceRecord {
	/// Import price per kWh, micro-units of the currency.
	pub price: Price,
	/// Export (feed-in) price per kWh, micro-units of the currency: what a kWh fed into the
	/// grid earns.
	pub export_price: Price,
	/// The sealed regional import aggregate of the period, Wh (the input of both tariffs'
	/// tiers); `None` if the period was sealed without one (then no demand tier applies).
	pub aggregate: Option<u64>,
	/// Where the price comes from.
	pub source: PriceSource,
}

/// A tariff as stored for the runtime `T`.
pub type TariffOf<T> = Tariff<<T as crate::Config>::MaxBands, <T as crate::Config>::MaxTiers>;
/// A tariff record as stored for the runtime `T`.
pub type TariffRecordOf<T> =
	TariffRecord<<T as crate::Config>::MaxBands, <T as crate::Config>::MaxTiers>;
