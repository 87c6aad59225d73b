//! The pricing runtime API: what the client, the billing tool, owners and polkadot.js
//! (`api.call.pricingApi.*`, metadata v15) read to check every price. The runtime implements it
//! with the matching `Pallet::api_*` helpers, e.g.
//!
//! ```ignore
//! impl pallet_pricing::runtime_api::PricingApi<Block, pallet_pricing::TariffRecordOf<Runtime>>
//!     for Runtime
//! {
//!     fn price_series(r: RegionId, from: PeriodIndex, to: PeriodIndex) -> Vec<(PeriodIndex, PriceRecord)> {
//!         Pricing::api_price_series(r, from, to)
//!     }
//!     fn tariff_at(r: RegionId, p: PeriodIndex) -> Option<(TariffVersion, TariffRecordOf<Runtime>)> {
//!         Pricing::api_tariff_at(r, p)
//!     }
//!     fn tariffs(r: RegionId, from: TariffVersion, count: u32) -> Vec<(TariffVersion, TariffRecordOf<Runtime>)> {
//!         Pricing::api_tariffs(r, from, count)
//!     }
//! }
//! ```
//!
//! To verify a price: take the period's record from `price_series`; for source
//! `Tariff { version }`, the version in effect (`tariff_at`) must be that version and
//! `Tariff::price(period, record.aggregate)` must equal `record.price`; the aggregate itself
//! is checked against the readings API (`aggregate_series`). Sealed periods missing from
//! `price_series` had no tariff in effect and no override.

use crate::types::{PriceRecord, TariffVersion};
use alloc::vec::Vec;
use gridmask_primitives::{PeriodIndex, RegionId};

sp_api::decl_runtime_apis! {
	/// Pricing: price series and tariff versions. `TariffRecord` is the runtime's
	/// `TariffRecordOf<Runtime>` (its bounds are the runtime's `MaxBands` / `MaxTiers`).
	pub trait PricingApi<TariffRecord> where TariffRecord: codec::Codec {
		/// Price records of `region` for periods `from..=to` (at most `MAX_API_PERIODS` periods
		/// from `from`), in period order; periods without a price are left out.
		fn price_series(region: RegionId, from: PeriodIndex, to: PeriodIndex) -> Vec<(PeriodIndex, PriceRecord)>;
		/// The tariff version in effect for (region, period), if any.
		fn tariff_at(region: RegionId, period: PeriodIndex) -> Option<(TariffVersion, TariffRecord)>;
		/// The tariff versions of `region` from version `from` on, oldest first: at most `count`
		/// and at most `MAX_API_TARIFFS` (page with `from = last + 1`).
		fn tariffs(region: RegionId, from: TariffVersion, count: u32) -> Vec<(TariffVersion, TariffRecord)>;
	}
}
