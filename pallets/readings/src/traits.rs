//! How this pallet sees the rest of the runtime.

use gridmask_primitives::RegionId;

/// The region registry (implemented by `pallet-meters`).
///
/// The readings pallet asks it two things when the KGC publishes a period setup: does the region
/// exist, and how many of its meters are active. A setup for a region with fewer than
/// [`crate::Config::MinRegionMeters`] active meters is refused (k-anonymity of regional
/// aggregates, PROTOCOL.md §4 step 2).
pub trait RegionRegistry {
	/// Whether `region` is registered.
	fn region_exists(region: RegionId) -> bool;
	/// Number of meters of `region` with status `Active` (0 for an unknown region).
	fn active_meters(region: RegionId) -> u32;

	/// Benchmarks only: make sure a region with at least `active` active meters exists and
	/// return its id.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region(active: u32) -> RegionId;
}
