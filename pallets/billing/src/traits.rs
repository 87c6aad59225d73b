//! How this pallet sees the rest of the runtime.

use crate::types::BillRegions;
use gridmask_primitives::{CycleIndex, MeterId};

/// What billing needs to know of a meter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeterInfo<AccountId> {
	/// Who answers its bills.
	pub owner: AccountId,
	/// The regions it has been a member of, ascending: the only ones its bills may name.
	pub regions: BillRegions,
}

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
	/// The owner of `meter` and the regions it has been a member of (those of the membership
	/// spans the registry keeps, ascending, each once), or `None` if it is not registered.
	/// Suspended and retired meters are registered: they are billed for the cycles they took
	/// part in, and their owners answer those bills.
	fn meter_info(meter: MeterId) -> Option<MeterInfo<AccountId>>;

	/// Benchmarks only: make sure `meter` exists, is not retired, is owned by `owner` and has
	/// been a member of [`gridmask_primitives::MAX_MEMBERSHIPS`] regions; returns them.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meter(meter: MeterId, owner: AccountId) -> BillRegions;
}
