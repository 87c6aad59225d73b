//! # Pricing pallet
//!
//! Versioned tariffs per region and the price per kWh of every sealed (region, period)
//! (PROTOCOL.md §4 step 5). The control centre (**CC**) sets tariffs and may publish explicit
//! prices; the runtime prices each period when the readings pallet seals it (or when its fault
//! is resolved); anyone can recompute every price from chain data (paper 000, Remark 4).
//!
//! ## Overview
//!
//! - **Tariffs** ([`Pallet::set_tariff`], CC origin): a region's tariffs are numbered versions
//!   `1, 2, 3, ...`, each with the first period it applies to, `effective_from`. A version has
//!   two [`Tariff`]s: the **import** price (energy taken from the grid) and the **export**
//!   (feed-in) price (energy a prosumer feeds in, paid to them; flat 0 where nothing is paid).
//!   Both use the same form; the demand tiers of **both key on the regional import
//!   aggregate** (channel `import_wh`, always published), never on the export or the net:
//!   the export aggregate may be withheld (k-anonymity per channel, PROTOCOL.md §3a), and
//!   the import aggregate is what the grid must supply. A new version
//!   must start strictly after the current period ([`Config::Clock`]) and not before the
//!   newest version's `effective_from`. Hence the tariff in effect for a period that has
//!   begun, and so for every period that is sealed, never changes: the past is never
//!   rewritten. A version with the same `effective_from` as the newest one supersedes it
//!   before it takes effect (the CC corrects a scheduled tariff). A region holds at most
//!   [`Config::MaxTariffVersions`] versions.
//! - **Prices** ([`Pallet::on_period_sealed`], called by the runtime): when a (region, period)
//!   gets its sealed aggregate, the version in effect for the period (the newest whose
//!   `effective_from ≤ period`) prices it with [`Tariff::price`], import and export alike.
//!   The two prices, the import aggregate and the version go to [`Prices`] (event
//!   [`Event::PriceSet`]). A bill's line is `import Wh × price − export Wh × export_price`.
//!   With no tariff in effect the period is recorded as sealed but unpriced in [`Unpriced`]
//!   (event [`Event::NoTariff`]); nothing fails.
//! - **Overrides** ([`Pallet::set_price`], CC origin): the CC may publish an explicit price for
//!   a sealed period, priced or not, until [`Config::Billing`] reports it billed. The event
//!   [`Event::PriceOverridden`] carries the record it replaces (the tariff's price and
//!   version).
//! - **Verification**: [`runtime_api::PricingApi`] returns price series and tariffs; a client
//!   recomputes each tariff price with [`Tariff::price`] (this crate, `no_std`, no storage)
//!   from the tariff in effect and the aggregate, and gets the same number.
//!
//! ## Tariffs
//!
//! One form covers flat, time-of-use and demand-tiered dynamic prices. Prices are in
//! micro-units of the currency per kWh ([`Price`]); aggregates and tier thresholds in Wh.
//!
//! ```text
//! price(period, aggregate) = band price of ((period + day_offset) % day_periods)
//!                          + surcharge of the highest tier whose threshold ≤ aggregate
//! ```
//!
//! - `day_periods`: periods in one day of the pattern (48 for 30-minute periods).
//! - `day_offset`: the period-of-day of global period 0, so that period-of-day 0 is local
//!   midnight. Global period 0 starts at the chain's `genesis_start` (a multiple of the period
//!   length in Unix time); the CC's tool computes `day_offset = ((genesis_start + time zone
//!   offset) / period_ms) % day_periods`.
//! - `bands`: `(first period-of-day, price)`, sorted, the first at 0.
//! - `tiers`: `(aggregate threshold, surcharge)`, sorted strictly increasing, may be empty.
//!
//! **Flat**: 0.25 per kWh always: one band, no tiers.
//!
//! ```text
//! Tariff { day_periods: 1, day_offset: 0, bands: [(0, 250_000)], tiers: [] }
//! any period, any aggregate → 250_000
//! ```
//!
//! **Time-of-use**: 30-minute periods, 48 a day; night 00:00–07:00 at 0.15, day 07:00–17:00
//! at 0.25, peak 17:00–21:00 at 0.40, evening 21:00–24:00 at 0.25. The chain's period 0
//! started at 06:00 local time, so `day_offset = 12`.
//!
//! ```text
//! Tariff { day_periods: 48, day_offset: 12,
//!          bands: [(0, 150_000), (14, 250_000), (34, 400_000), (42, 250_000)], tiers: [] }
//! period 0  (06:00, period-of-day 12) → 150_000
//! period 2  (07:00, period-of-day 14) → 250_000
//! period 22 (17:00, period-of-day 34) → 400_000
//! period 29 (20:30, period-of-day 41) → 400_000
//! period 30 (21:00, period-of-day 42) → 250_000
//! period 40 (02:00 next day, period-of-day 4) → 150_000
//! ```
//!
//! **Demand-tiered**: a base of 0.20, plus 0.05 from a regional consumption of 500 kWh in the
//! period and 0.15 from 1 MWh.
//!
//! ```text
//! Tariff { day_periods: 1, day_offset: 0, bands: [(0, 200_000)],
//!          tiers: [(500_000, 50_000), (1_000_000, 150_000)] }
//! aggregate 0 or 499_999 Wh       → 200_000
//! aggregate 500_000 or 999_999 Wh → 250_000
//! aggregate 1_000_000 Wh or more  → 350_000
//! ```
//!
//! Bands and tiers combine: the time-of-use bands above with these tiers price period 22
//! with an aggregate of 1_200_000 Wh at 400_000 + 150_000 = 550_000. The sum saturates at
//! `u64::MAX`. The same examples, executed:
//!
//! ```
//! use frame_support::{traits::ConstU32, BoundedVec};
//! use pallet_pricing::Tariff;
//! type T = Tariff<ConstU32<8>, ConstU32<4>>;
//! let v = |x: Vec<(u32, u64)>| BoundedVec::truncate_from(x);
//! let w = |x: Vec<(u64, u64)>| BoundedVec::truncate_from(x);
//!
//! let flat = T::flat(250_000);
//! assert_eq!(flat.price(7, 123_456), 250_000);
//!
//! let tou = T {
//!     day_periods: 48,
//!     day_offset: 12,
//!     bands: v(vec![(0, 150_000), (14, 250_000), (34, 400_000), (42, 250_000)]),
//!     tiers: w(vec![]),
//! };
//! assert_eq!(tou.validate(), Ok(()));
//! let prices: Vec<u64> = [0, 2, 22, 29, 30, 40].iter().map(|p| tou.price(*p, 0)).collect();
//! assert_eq!(prices, [150_000, 250_000, 400_000, 400_000, 250_000, 150_000]);
//!
//! let tiered = T {
//!     day_periods: 1,
//!     day_offset: 0,
//!     bands: v(vec![(0, 200_000)]),
//!     tiers: w(vec![(500_000, 50_000), (1_000_000, 150_000)]),
//! };
//! assert_eq!(tiered.price(0, 499_999), 200_000);
//! assert_eq!(tiered.price(0, 500_000), 250_000);
//! assert_eq!(tiered.price(0, 1_000_000), 350_000);
//!
//! let both = T { tiers: tiered.tiers.clone(), ..tou };
//! assert_eq!(both.price(22, 1_200_000), 550_000);
//! ```
//!
//! ## Terminology
//!
//! - **Period**: the global period index of PROTOCOL.md §2; the **current period** is the one
//!   the chain's timestamp is in ([`traits::CurrentPeriod`]).
//! - **Period-of-day**: `(period + day_offset) % day_periods`.
//! - **Aggregate**: the sealed regional consumption of a (region, period), Wh.
//! - **Version in effect** for a period: the region's newest tariff version whose
//!   `effective_from ≤ period`.
//! - **Sealed**: the readings pallet has published the period's aggregate (directly, or after
//!   a fault was resolved) and called [`Pallet::on_period_sealed`]; the period then has a
//!   [`Prices`] or an [`Unpriced`] entry.
//! - **Override**: a price the CC published with [`Pallet::set_price`]; it replaces the
//!   tariff's price for that one period.
//! - **Billed**: some bill covering the period is posted ([`traits::BillingStatus`]); its price
//!   is final.
//!
//! ## Runtime glue
//!
//! The readings pallet's sealing (and the faults pallet's resolution) call
//! [`Pallet::on_period_sealed`] once per (region, period) with the aggregate, and add the
//! returned weight. The runtime implements [`traits::RegionRegistry`] (meters),
//! [`traits::CurrentPeriod`] (readings' clock) and [`traits::BillingStatus`] (billing), and
//! [`runtime_api::PricingApi`] with the `api_*` functions of [`Pallet`].
//!
//! ## Calls
//!
//! - [`Pallet::set_tariff`]: CC; a new tariff version of a region.
//! - [`Pallet::set_price`]: CC; an explicit price for a sealed, unbilled period.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod traits;
pub mod types;
pub mod weights;

/// Most periods one [`runtime_api::PricingApi::price_series`] call covers (one storage read
/// each). The pricing API is reachable by anyone through the safe `state_call` RPC of every
/// aggregator, so each call's work is bounded by its arguments.
pub const MAX_API_PERIODS: u32 = 1024;

/// Most tariff versions one [`runtime_api::PricingApi::tariffs`] call returns (a version, its
/// import and export tariffs, is up to ~1.5 KB; all `MaxTariffVersions` of a region would be
/// megabytes).
pub const MAX_API_TARIFFS: u32 = 64;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::traits::{BillingStatus, CurrentPeriod, RegionRegistry};
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The control centre: sets tariffs and publishes prices
		/// (`pallet_meters::EnsureCc<Runtime>`).
		type CcOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The region registry (`pallet-meters`).
		type Regions: RegionRegistry;
		/// The period clock (`pallet-readings`).
		type Clock: CurrentPeriod;
		/// Billing progress (`pallet-billing`): billed periods keep their price.
		type Billing: BillingStatus;
		/// Most price bands of one tariff.
		#[pallet::constant]
		type MaxBands: Get<u32>;
		/// Most demand tiers of one tariff (0: no demand pricing).
		#[pallet::constant]
		type MaxTiers: Get<u32>;
		/// Most tariff versions of one region over the chain's life (versions are never
		/// pruned; the last one stays in effect).
		#[pallet::constant]
		type MaxTariffVersions: Get<u32>;
		/// Weights of this pallet's calls and of the sealing hook.
		type WeightInfo: WeightInfo;
	}

	/// Tariff versions by (region, version).
	#[pallet::storage]
	pub type Tariffs<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		TariffVersion,
		TariffRecordOf<T>,
		OptionQuery,
	>;

	/// The newest tariff version of each region with a tariff.
	#[pallet::storage]
	pub type LatestTariff<T: Config> =
		StorageMap<_, Twox64Concat, RegionId, TariffHead, OptionQuery>;

	/// Prices of sealed (region, period)s: from the tariff in effect, or the CC's override.
	#[pallet::storage]
	pub type Prices<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		PeriodIndex,
		PriceRecord,
		OptionQuery,
	>;

	/// Sealed (region, period)s without a price (no tariff was in effect, and the CC has not
	/// published one): their aggregate, Wh, if one was published.
	#[pallet::storage]
	pub type Unpriced<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		PeriodIndex,
		Option<u64>,
		OptionQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Tariff `version` of `region` prices periods from `effective_from` on: `tariff` the
		/// import, `export` the feed-in.
		TariffSet {
			region: RegionId,
			version: TariffVersion,
			effective_from: PeriodIndex,
			tariff: TariffOf<T>,
			export: TariffOf<T>,
		},
		/// A sealed period was priced by tariff `version`: `price` per kWh imported and
		/// `export_price` per kWh exported, for a regional import `aggregate` (Wh).
		PriceSet {
			region: RegionId,
			period: PeriodIndex,
			price: Price,
			export_price: Price,
			aggregate: Option<u64>,
			version: TariffVersion,
		},
		/// A sealed period has no price: no tariff of the region was in effect for it.
		NoTariff { region: RegionId, period: PeriodIndex, aggregate: Option<u64> },
		/// The CC published `price` (import) and `export_price` for a sealed period,
		/// overriding the tariff. `replaced` is the record it replaces (source `Tariff {
		/// version }`: the tariff's prices; `Override`: an earlier override); `None` if the
		/// period had no price.
		PriceOverridden {
			region: RegionId,
			period: PeriodIndex,
			price: Price,
			export_price: Price,
			aggregate: Option<u64>,
			replaced: Option<PriceRecord>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No region with this id.
		UnknownRegion,
		/// `effective_from` is not after the current period: a tariff never applies to a
		/// period that has begun.
		NotInFuture,
		/// `effective_from` is before the newest version's: versions are monotonic.
		EarlierThanLatest,
		/// The region has [`Config::MaxTariffVersions`] versions already.
		TooManyVersions,
		/// Tariff `day_periods` is 0.
		ZeroDayPeriods,
		/// Tariff `day_offset` is not below `day_periods`.
		DayOffsetOutOfRange,
		/// The tariff has no price band.
		NoBands,
		/// The tariff's first band does not start at period-of-day 0.
		FirstBandNotAtZero,
		/// The tariff's band starts are not strictly increasing.
		BandsNotSorted,
		/// A tariff band starts at or after `day_periods`.
		BandOutOfDay,
		/// The tariff's tier thresholds are not strictly increasing.
		TiersNotSorted,
		/// The period is not sealed: it has no aggregate yet.
		NotSealed,
		/// The period is billed: its price is final.
		AlreadyBilled,
	}

	impl<T> From<TariffError> for Error<T> {
		fn from(e: TariffError) -> Self {
			match e {
				TariffError::ZeroDayPeriods => Error::ZeroDayPeriods,
				TariffError::DayOffsetOutOfRange => Error::DayOffsetOutOfRange,
				TariffError::NoBands => Error::NoBands,
				TariffError::FirstBandNotAtZero => Error::FirstBandNotAtZero,
				TariffError::BandsNotSorted => Error::BandsNotSorted,
				TariffError::BandOutOfDay => Error::BandOutOfDay,
				TariffError::TiersNotSorted => Error::TiersNotSorted,
			}
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Add tariff version `latest + 1` of `region`, pricing periods from `effective_from`
		/// on (until a later version takes effect).
		///
		/// The dispatch origin must be [`Config::CcOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: the origin is not the CC.
		/// - [`Error::UnknownRegion`]
		/// - [`Error::ZeroDayPeriods`], [`Error::DayOffsetOutOfRange`], [`Error::NoBands`],
		///   [`Error::FirstBandNotAtZero`], [`Error::BandsNotSorted`], [`Error::BandOutOfDay`],
		///   [`Error::TiersNotSorted`]: the tariff is malformed ([`Tariff::validate`]).
		/// - [`Error::NotInFuture`]: `effective_from` ≤ the current period.
		/// - [`Error::EarlierThanLatest`]: `effective_from` < the newest version's.
		/// - [`Error::TooManyVersions`]: the region has [`Config::MaxTariffVersions`] versions.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_tariff(
			tariff.bands.len().saturating_add(export.bands.len()) as u32,
			tariff.tiers.len().saturating_add(export.tiers.len()) as u32,
		))]
		pub fn set_tariff(
			origin: OriginFor<T>,
			region: RegionId,
			effective_from: PeriodIndex,
			tariff: TariffOf<T>,
			export: TariffOf<T>,
		) -> DispatchResult {
			T::CcOrigin::ensure_origin(origin)?;
			ensure!(T::Regions::region_exists(region), Error::<T>::UnknownRegion);
			tariff.validate().map_err(Error::<T>::from)?;
			export.validate().map_err(Error::<T>::from)?;
			if let Some(now) = T::Clock::current_period() {
				ensure!(effective_from > now, Error::<T>::NotInFuture);
			}
			let head = LatestTariff::<T>::get(region);
			if let Some(head) = head {
				ensure!(effective_from >= head.effective_from, Error::<T>::EarlierThanLatest);
			}
			let version = head
				.map_or(Some(1), |h| h.version.checked_add(1))
				.filter(|v| *v <= T::MaxTariffVersions::get())
				.ok_or(Error::<T>::TooManyVersions)?;
			Tariffs::<T>::insert(
				region,
				version,
				TariffRecord { effective_from, tariff: tariff.clone(), export: export.clone() },
			);
			LatestTariff::<T>::insert(region, TariffHead { version, effective_from });
			Self::deposit_event(Event::TariffSet {
				region,
				version,
				effective_from,
				tariff,
				export,
			});
			Ok(())
		}

		/// Publish `price` (per kWh imported) and `export_price` (per kWh exported) for the
		/// sealed `period` of `region`, overriding the tariff's prices (or giving prices to a
		/// period no tariff priced). Allowed until the
		/// period is billed; a later override replaces an earlier one.
		///
		/// The dispatch origin must be [`Config::CcOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: the origin is not the CC.
		/// - [`Error::UnknownRegion`]
		/// - [`Error::NotSealed`]: the period has no aggregate yet (no price record).
		/// - [`Error::AlreadyBilled`]: [`Config::Billing`] reports the period billed.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			region: RegionId,
			period: PeriodIndex,
			price: Price,
			export_price: Price,
		) -> DispatchResult {
			T::CcOrigin::ensure_origin(origin)?;
			ensure!(T::Regions::region_exists(region), Error::<T>::UnknownRegion);
			let replaced = Prices::<T>::get(region, period);
			let aggregate = match replaced {
				Some(r) => r.aggregate,
				None => Unpriced::<T>::get(region, period).ok_or(Error::<T>::NotSealed)?,
			};
			ensure!(!T::Billing::is_billed(region, period), Error::<T>::AlreadyBilled);
			if replaced.is_none() {
				Unpriced::<T>::remove(region, period);
			}
			Prices::<T>::insert(
				region,
				period,
				PriceRecord { price, export_price, aggregate, source: PriceSource::Override },
			);
			Self::deposit_event(Event::PriceOverridden {
				region,
				period,
				price,
				export_price,
				aggregate,
				replaced,
			});
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Price the sealed `period` of `region`, whose aggregate is `aggregate` Wh (`None`: it
		/// was sealed without one, too few complete readings or void), with the tariff version
		/// in effect for it ([`Tariff::price_sealed`]: without an aggregate, the band price):
		/// store a [`Prices`] record and emit [`Event::PriceSet`], or, with no tariff in
		/// effect, an [`Unpriced`] entry and [`Event::NoTariff`]. Returns the weight used.
		///
		/// Called by the runtime once per (region, period), when the readings pallet seals it
		/// or its fault is resolved, i.e. after the period has ended. Infallible. A repeated
		/// call for a period already sealed changes nothing: the first aggregate, and any
		/// override, stay.
		pub fn on_period_sealed(
			region: RegionId,
			period: PeriodIndex,
			aggregate: Option<u64>,
		) -> Weight {
			if Prices::<T>::contains_key(region, period)
				|| Unpriced::<T>::contains_key(region, period)
			{
				return T::WeightInfo::on_period_sealed(0);
			}
			let head = LatestTariff::<T>::get(region);
			match Self::find_tariff(region, period, head) {
				Some((version, record)) => {
					let price = record.tariff.price_sealed(period, aggregate);
					let export_price = record.export.price_sealed(period, aggregate);
					Prices::<T>::insert(
						region,
						period,
						PriceRecord {
							price,
							export_price,
							aggregate,
							source: PriceSource::Tariff { version },
						},
					);
					Self::deposit_event(Event::PriceSet {
						region,
						period,
						price,
						export_price,
						aggregate,
						version,
					});
				},
				None => {
					Unpriced::<T>::insert(region, period, aggregate);
					Self::deposit_event(Event::NoTariff { region, period, aggregate });
				},
			}
			T::WeightInfo::on_period_sealed(head.map_or(0, |h| h.version))
		}

		/// The tariff version of `region` in effect for `period` (the newest whose
		/// `effective_from ≤ period`) and its record.
		pub fn tariff_at(
			region: RegionId,
			period: PeriodIndex,
		) -> Option<(TariffVersion, TariffRecordOf<T>)> {
			Self::find_tariff(region, period, LatestTariff::<T>::get(region))
		}

		/// [`Self::tariff_at`] given the region's head: the head's record if it is in effect
		/// (the common case: one read), else a binary search over the older versions, whose
		/// `effective_from`s are non-decreasing (at most ⌈log2(versions)⌉ reads).
		fn find_tariff(
			region: RegionId,
			period: PeriodIndex,
			head: Option<TariffHead>,
		) -> Option<(TariffVersion, TariffRecordOf<T>)> {
			let head = head?;
			if head.effective_from <= period {
				return Tariffs::<T>::get(region, head.version).map(|r| (head.version, r));
			}
			let (mut lo, mut hi) = (1, head.version.saturating_sub(1));
			let mut found = None;
			while lo <= hi {
				let mid = lo + (hi - lo) / 2;
				let record = Tariffs::<T>::get(region, mid)?;
				if record.effective_from <= period {
					found = Some((mid, record));
					lo = mid + 1;
				} else {
					// mid ≥ 1, so this ends the loop at the latest when mid = 1.
					hi = mid - 1;
				}
			}
			found
		}

		/// The price of a sealed (region, period), if it has one (for billing).
		pub fn price_of(region: RegionId, period: PeriodIndex) -> Option<Price> {
			Prices::<T>::get(region, period).map(|r| r.price)
		}

		/// Runtime API: the price records of `region` for periods `from..=to`, at most
		/// [`MAX_API_PERIODS`] periods from `from`, in period order. Periods without a price
		/// (not sealed, or sealed with no tariff) are left out.
		pub fn api_price_series(
			region: RegionId,
			from: PeriodIndex,
			to: PeriodIndex,
		) -> Vec<(PeriodIndex, PriceRecord)> {
			if to < from {
				return Vec::new();
			}
			let last = to.min(from.saturating_add(MAX_API_PERIODS - 1));
			(from..=last).filter_map(|p| Prices::<T>::get(region, p).map(|r| (p, r))).collect()
		}

		/// Runtime API: the tariff version in effect for (region, period).
		pub fn api_tariff_at(
			region: RegionId,
			period: PeriodIndex,
		) -> Option<(TariffVersion, TariffRecordOf<T>)> {
			Self::tariff_at(region, period)
		}

		/// Runtime API: the tariff versions of `region` from version `from` on, oldest first,
		/// at most `count` and at most [`MAX_API_TARIFFS`]. Versions are `1..=latest`, so a
		/// caller pages with `from = last + 1` until an answer is shorter than it asked for.
		pub fn api_tariffs(
			region: RegionId,
			from: TariffVersion,
			count: u32,
		) -> Vec<(TariffVersion, TariffRecordOf<T>)> {
			let latest = LatestTariff::<T>::get(region).map_or(0, |h| h.version);
			let from = from.max(1);
			let count = count.min(MAX_API_TARIFFS);
			if count == 0 || from > latest {
				return Vec::new();
			}
			let last = latest.min(from.saturating_add(count - 1));
			(from..=last).filter_map(|v| Tariffs::<T>::get(region, v).map(|r| (v, r))).collect()
		}

		/// Invariants:
		/// - each region's versions are exactly `1..=head.version` (≤ `MaxTariffVersions`),
		///   well formed, with non-decreasing `effective_from`, the newest matching the head;
		/// - every tariff-sourced price (import and export) is the price, by [`Tariff::price`],
		///   of the version in effect for its period, and an unpriced period has no version in
		///   effect;
		/// - no period is both priced and unpriced, and every sealed period is before the
		///   current period.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			for (region, head) in LatestTariff::<T>::iter() {
				ensure!(
					head.version >= 1 && head.version <= T::MaxTariffVersions::get(),
					"tariff head version out of range"
				);
				let mut previous: Option<PeriodIndex> = None;
				for version in 1..=head.version {
					let record =
						Tariffs::<T>::get(region, version).ok_or("tariff version missing")?;
					ensure!(record.tariff.validate().is_ok(), "stored tariff is malformed");
					ensure!(record.export.validate().is_ok(), "stored export tariff is malformed");
					ensure!(
						previous.is_none_or(|p| p <= record.effective_from),
						"tariff versions not monotonic in effective_from"
					);
					previous = Some(record.effective_from);
				}
				ensure!(previous == Some(head.effective_from), "tariff head out of date");
			}
			for (region, version) in Tariffs::<T>::iter_keys() {
				ensure!(
					LatestTariff::<T>::get(region).is_some_and(|h| version <= h.version),
					"tariff version beyond the region's head"
				);
			}
			let now = T::Clock::current_period();
			let past = |period: PeriodIndex| now.is_some_and(|n| period < n);
			for (region, period, record) in Prices::<T>::iter() {
				ensure!(past(period), "priced period has not ended");
				ensure!(!Unpriced::<T>::contains_key(region, period), "period priced and unpriced");
				if let PriceSource::Tariff { version } = record.source {
					let (v, t) = Self::tariff_at(region, period)
						.ok_or("tariff price without a tariff in effect")?;
					ensure!(v == version, "tariff price from a version not in effect");
					ensure!(
						t.tariff.price_sealed(period, record.aggregate) == record.price,
						"tariff price differs from the tariff's"
					);
					ensure!(
						t.export.price_sealed(period, record.aggregate) == record.export_price,
						"tariff export price differs from the export tariff's"
					);
				}
			}
			for (region, period) in Unpriced::<T>::iter_keys() {
				ensure!(past(period), "unpriced period has not ended");
				ensure!(
					Self::tariff_at(region, period).is_none(),
					"unpriced period has a tariff in effect"
				);
			}
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxBands::get() >= 1, "MaxBands must be at least 1");
			assert!(T::MaxTariffVersions::get() >= 1, "MaxTariffVersions must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
