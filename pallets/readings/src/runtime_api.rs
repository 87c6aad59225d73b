//! The readings runtime API: what the client, the billing tool and polkadot.js
//! (`api.call.readingsApi.*`, metadata v15) read. The runtime implements every function with the
//! matching `Pallet::api_*` helper, e.g.
//!
//! ```ignore
//! impl pallet_readings::runtime_api::ReadingsApi<Block> for Runtime {
//!     fn time() -> TimeInfo { Readings::api_time() }
//!     fn period_state(r: RegionId, p: PeriodIndex) -> PeriodState { Readings::api_period_state(r, p) }
//!     fn share(r: RegionId, p: PeriodIndex, prid: Prid) -> Option<Share> { Readings::api_share(r, p, prid) }
//!     fn shares(q: ApiQueries) -> Vec<Option<Share>> { Readings::api_shares(q) }
//!     fn aggregate_series(r: RegionId, from: PeriodIndex, to: PeriodIndex) -> Vec<(PeriodIndex, PeriodOutcome)> {
//!         Readings::api_aggregate_series(r, from, to)
//!     }
//!     fn check_reading(reading: SignedReading) -> Result<(), ReadingRejection> {
//!         Readings::api_check_reading(reading)
//!     }
//!     fn retention() -> RetentionInfo { Readings::api_retention() }
//!     fn collection_limits() -> CollectionLimits { Readings::api_collection_limits() }
//! }
//! ```
//!
//! Shares are looked up by `(region, period, prid)`: whoever derives a PRID (the meter, the KGC's
//! billing tool, the owner) knows its period (leaf and cycle) and the meter's region, and a
//! PRID → (region, period) index would cost a second write on every reading.

use crate::types::{
	ApiQueries, CollectionLimits, PeriodOutcome, PeriodState, ReadingRejection, RetentionInfo,
	Share, TimeInfo,
};
use alloc::vec::Vec;
use gridmask_primitives::{PeriodIndex, Prid, RegionId, SignedReading};

sp_api::decl_runtime_apis! {
	/// Readings: chain time, period state, shares and aggregates.
	pub trait ReadingsApi {
		/// Chain time: parameters, current period / cycle / leaf, the open reading window.
		fn time() -> TimeInfo;
		/// State of a (region, period): setup, accumulator, phase or outcome, pruned.
		fn period_state(region: RegionId, period: PeriodIndex) -> PeriodState;
		/// The share stored under `prid` for (region, period).
		fn share(region: RegionId, period: PeriodIndex, prid: Prid) -> Option<Share>;
		/// Shares for many `(region, period, prid)`, in order (at most `MAX_API_ITEMS`: a longer
		/// list does not decode).
		fn shares(queries: ApiQueries) -> Vec<Option<Share>>;
		/// Outcomes (sealed aggregates and faults) of `region` for periods `from..=to` (at most
		/// `MAX_API_ITEMS` periods from `from`).
		fn aggregate_series(region: RegionId, from: PeriodIndex, to: PeriodIndex) -> Vec<(PeriodIndex, PeriodOutcome)>;
		/// Dry run of a reading's authorization against the latest block's state (the
		/// signature must cover this chain's genesis hash, whatever the payload's says).
		fn check_reading(reading: SignedReading) -> Result<(), ReadingRejection>;
		/// How long shares are kept, and what pruning waits for now.
		fn retention() -> RetentionInfo;
		/// What an aggregator's collector may put into bundles.
		fn collection_limits() -> CollectionLimits;
	}
}
