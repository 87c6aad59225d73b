//! How this pallet sees the rest of the runtime. The runtime implements each trait with a
//! small adapter over the pallet that owns the fact, so the pricing pallet depends on none of
//! them.

use gridmask_primitives::{PeriodIndex, RegionId};

/// The region registry (`pallet-meters`).
pub trait RegionRegistry {
	/// Whether `region` is registered.
	fn region_exists(region: RegionId) -> bool;

	/// Benchmarks only: make sure some region exists and return its id.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region() -> RegionId;
}

/// The chain's period clock (`pallet-readings`: `(now − genesis_start) / period_ms` on the
/// chain's timestamp).
pub trait CurrentPeriod {
	/// The period the chain is in now; `None` while the clock has not started (then every
	/// period lies in the future).
	fn current_period() -> Option<PeriodIndex>;
}

/// Billing progress (`pallet-billing`).
pub trait BillingStatus {
	/// Whether any bill covering `period` of `region` has been posted: its price may no longer
	/// change.
	fn is_billed(region: RegionId, period: PeriodIndex) -> bool;
}

/// No period is ever billed (for runtimes and tests without billing).
impl BillingStatus for () {
	fn is_billed(_region: RegionId, _period: PeriodIndex) -> bool {
		false
	}
}
