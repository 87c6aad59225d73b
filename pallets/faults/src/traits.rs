//! How this pallet sees the rest of the runtime. The runtime implements each trait with a small
//! adapter over the pallet that owns the fact (`pallet-meters`, `pallet-readings`), so the faults
//! pallet depends on none of them.

use crate::types::{FaultNote, Mark};
use alloc::vec::Vec;
use frame_support::dispatch::DispatchResult;
use gridmask_primitives::{MeterId, PeriodIndex, Prid, RegionId, TimeParams, Values};

/// The KGC's account (`pallet_meters::Kgc`).
pub trait KgcAccount<AccountId> {
	/// The account holding the KGC role, if any. The off-chain worker signs only with a
	/// keystore key whose account is this one.
	fn kgc() -> Option<AccountId>;
}

/// The meter registry (`pallet-meters`).
pub trait MeterDirectory {
	/// Whether `meter` was active in `region` in the region's membership `epoch`, i.e. whether
	/// a setup of `region` built for `epoch` covered it (whatever its status now: a setup made
	/// before a meter's suspension, move or retirement still expects its shares). A resolution
	/// may only name such meters, and the off-chain worker derives the expected PRIDs of
	/// exactly these.
	fn was_active_in(meter: MeterId, region: RegionId, epoch: u32) -> bool;

	/// A resolved fault found `meter` silent: raise its fault counter and, if the counter
	/// reaches `suspend_after` (0: never) while the meter is active, suspend it. `None` if the
	/// meter is unknown or retired (nothing changed).
	fn note_fault(meter: MeterId, suspend_after: u32) -> Option<FaultNote>;

	/// Benchmarks only: register `n` active meters in `region` and return their ids.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meters(region: RegionId, n: u32) -> Vec<MeterId>;
}

/// What the off-chain worker reads about a period (`pallet-readings`).
pub trait PeriodData {
	/// The chain's time parameters (for `cycle_of` and `leaf_of`); `None` before the clock is
	/// configured.
	fn time() -> Option<TimeParams>;

	/// `Z_j` of the (region, period)'s setup, one per channel of the region's shape, and the
	/// region's membership epoch it was built for; `None` without a setup.
	fn setup(region: RegionId, period: PeriodIndex) -> Option<(Values, u32)>;

	/// The PRIDs of every share stored for (region, period), in any order; `None` if the shares
	/// are no longer kept (pruned), in which case the fault cannot be re-checked.
	fn received_prids(region: RegionId, period: PeriodIndex) -> Option<Vec<Prid>>;
}

/// How the verifier's check of a complete resolution ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CheckOutcome {
	/// T matched: the period is sealed; `aggregate` is published if at least
	/// `MinRegionMeters` of the `contributors` (meters with both shares) reported.
	Resolved {
		/// Σ import of the complete readings, Wh, if published (the other channels'
		/// aggregates are in the readings pallet's outcome).
		aggregate: Option<u64>,
		/// Meters that sent both shares.
		contributors: u32,
	},
	/// T did not match: the resolution is wrong.
	Mismatch,
}

/// The verifier of a resolution (`pallet-readings`).
///
/// It takes a resolution in parts; once complete it re-hashes the set commitment T over the
/// received PRIDs (less the forged) and the absent ones — possibly over several blocks — and,
/// when done, the runtime calls [`crate::Pallet::on_check_done`] with the [`CheckOutcome`].
pub trait FaultChecker {
	/// Add part `part` of the resolution of faulted (region, period) (`entries` strictly
	/// ascending by PRID, continuing the earlier parts; part 0 starts over); `z_prime` (one
	/// `Z'_j` per channel) completes it and starts the check. Fails (and changes nothing) if
	/// the pair is not faulted, its shares are pruned, the part is out of order, an absent
	/// PRID is stored, a lone or forged one is not, the verifier is busy, or `z_prime` has
	/// not one value per channel.
	fn add_part(
		region: RegionId,
		period: PeriodIndex,
		part: u32,
		entries: Vec<(Prid, Mark)>,
		z_prime: Option<Values>,
	) -> DispatchResult;

	/// Close faulted (region, period) without an aggregate (and price it without one).
	/// Fails if a complete resolution is being checked.
	fn void(region: RegionId, period: PeriodIndex) -> DispatchResult;

	/// Benchmarks only: make the next [`Self::add_part`] of part 0 with these entries succeed
	/// (a faulted outcome and a setup for the pair, the lone and forged PRIDs stored and the
	/// absent ones not).
	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_check(region: RegionId, period: PeriodIndex, entries: &[(Prid, Mark)]);
}
