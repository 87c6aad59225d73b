//! How this pallet sees the rest of the runtime.

use gridmask_primitives::{CycleIndex, MeterId, RegionId};

/// The chain's billing-cycle clock (in the runtime: the readings pallet's period clock,
/// PROTOCOL.md §2).
///
/// A cycle is **finished** when it is below the current cycle; only finished cycles are billed.
pub trait CycleClock {
	/// The current cycle, or `None` while the clock has not started.
	fn current_cycle() -> Option<CycleIndex>;

	/// Benchmarks only: make sure some cycle is finished and return it.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_finished_cycle() -> CycleIndex;
}

/// The meter registry (in the runtime: `pallet-meters`).
pub trait MeterRegistry<AccountId> {
	/// The region and owner of `meter`, or `None` if it is not registered. Suspended and
	/// retired meters are registered: they are billed for the cycles they took part in, and
	/// their owners answer those bills.
	fn meter_info(meter: MeterId) -> Option<(RegionId, AccountId)>;

	/// Benchmarks only: make sure `meter` exists, is not retired and is owned by `owner`.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meter(meter: MeterId, owner: AccountId);
}
