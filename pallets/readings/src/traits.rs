//! How this pallet sees the rest of the runtime.

use frame_support::weights::Weight;
use gridmask_primitives::{PeriodIndex, RegionId};

/// The region registry (implemented by `pallet-meters`).
///
/// The readings pallet asks it four things when the KGC publishes a period setup: does the
/// region exist, how many of its meters are active, in which membership epoch, and how many can
/// contribute to each channel of its shape. A setup must
/// be built for the current epoch and expect two shares per active meter; a region with fewer
/// than [`crate::MinRegionMeters`] active meters gets none (k-anonymity of regional
/// aggregates, PROTOCOL.md §4 step 2).
pub trait RegionRegistry {
	/// Whether `region` is registered.
	fn region_exists(region: RegionId) -> bool;
	/// Number of meters of `region` with status `Active` (0 for an unknown region).
	fn active_meters(region: RegionId) -> u32;
	/// The membership epoch of `region`'s active set (changes whenever the set does).
	fn epoch(region: RegionId) -> u32;
	/// Per channel of `region`'s shape (PROTOCOL.md §3a), how many of its active meters can
	/// contribute to the channel's published aggregate (0: never published). Its length is
	/// the number of channels; empty for an unknown region.
	fn channel_contributors(region: RegionId) -> alloc::vec::Vec<u32>;

	/// Benchmarks only: make sure a region with at least `active` active meters exists and
	/// return its id; different `index`es give different regions.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region(index: u32, active: u32) -> RegionId;
}

/// What happens when sealing records a period's outcome (PROTOCOL.md §4 steps 5–6): the
/// runtime prices sealed periods and opens faults for the others. Called once per (region,
/// period), inside the sealing step of `on_initialize`; each returns the weight it used, which
/// is added to the block's.
pub trait OnPeriodOutcome {
	/// (region, period) is sealed; `aggregate` is its import aggregate (Wh), `None` if that
	/// is withheld (the other channels' are in the outcome).
	fn on_sealed(region: RegionId, period: PeriodIndex, aggregate: Option<u64>) -> Weight;
	/// (region, period) did not match its commitment.
	fn on_faulted(region: RegionId, period: PeriodIndex, expected: u32, received: u32) -> Weight;
	/// The re-check of a faulted (region, period) with a resolution ended: sealed with or
	/// without an aggregate, or a mismatch (still faulted).
	fn on_resolved(
		region: RegionId,
		period: PeriodIndex,
		result: crate::types::RecheckResult,
	) -> Weight;
}

impl OnPeriodOutcome for () {
	fn on_sealed(_: RegionId, _: PeriodIndex, _: Option<u64>) -> Weight {
		Weight::zero()
	}
	fn on_faulted(_: RegionId, _: PeriodIndex, _: u32, _: u32) -> Weight {
		Weight::zero()
	}
	fn on_resolved(_: RegionId, _: PeriodIndex, _: crate::types::RecheckResult) -> Weight {
		Weight::zero()
	}
}

/// Whether a region's cycle is done with its shares (implemented with `pallet-billing`): its
/// bills are posted and the owners' dispute window has passed. Until then pruning keeps the
/// cycle's shares (at most [`crate::Config::MaxRetainCycles`] cycles), so that late bills and
/// disputes can still be checked against them.
pub trait Retention {
	/// Whether the shares of `region`'s `cycle` are no longer needed for billing.
	fn settled(region: RegionId, cycle: gridmask_primitives::CycleIndex) -> bool;
}

/// Nothing waits for billing: shares are pruned after [`crate::Config::RetainCycles`].
impl Retention for () {
	fn settled(_: RegionId, _: gridmask_primitives::CycleIndex) -> bool {
		true
	}
}

/// Who may send bundles of readings (`submit_bundle`): the aggregators, by the key their node
/// signs bundles with. The runtime answers with the current Aura authorities, so an
/// aggregator's collector key is its block-authoring key and changes with the authority set.
pub trait Collectors {
	/// Whether `key` is a current aggregator's collector key.
	fn is_collector(key: &crate::types::CollectorKey) -> bool;

	/// Benchmarks only: make `key` a collector.
	#[cfg(feature = "runtime-benchmarks")]
	fn add_collector(key: crate::types::CollectorKey);
}
