//! How this pallet sees the rest of the runtime. The runtime implements each trait with a small
//! adapter over the pallet that owns the fact (`pallet-meters`, `pallet-readings`), so the faults
//! pallet depends on none of them.

use crate::types::FaultNote;
use alloc::vec::Vec;
use frame_support::dispatch::DispatchResult;
use gridmask_primitives::{MeterId, PeriodIndex, Prid, RegionId, TimeParams};

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

	/// `Z` of the (region, period)'s setup and the region's membership epoch it was built for;
	/// `None` without a setup.
	fn setup(region: RegionId, period: PeriodIndex) -> Option<(u64, u32)>;

	/// The PRIDs of every share stored for (region, period), in any order; `None` if the shares
	/// are no longer kept (pruned), in which case the fault cannot be re-checked.
	fn received_prids(region: RegionId, period: PeriodIndex) -> Option<Vec<Prid>>;
}

/// The verifier of a resolution (`pallet-readings`).
///
/// It re-hashes the set commitment T over `(received − forged) ∪ absent` — possibly over
/// several blocks — and, when done, the runtime calls [`crate::Pallet::on_check_done`] with
/// `Ok(aggregate)` (T matched; `aggregate = Σ value(received − forged) − z_prime`) or `Err(())`.
pub trait FaultChecker {
	/// Start checking a resolution of faulted (region, period). `absent` and `forged` are
	/// strictly ascending. Fails (and nothing is started) if the pair is not faulted, is being
	/// checked already, its shares are pruned, an absent PRID is stored, a forged one is not,
	/// or the verifier is busy.
	fn start_check(
		region: RegionId,
		period: PeriodIndex,
		absent: Vec<Prid>,
		forged: Vec<Prid>,
		z_prime: u64,
	) -> DispatchResult;

	/// Benchmarks only: make the next [`Self::start_check`] with these lists succeed (e.g. a
	/// faulted outcome for the pair, the forged PRIDs stored and the absent ones not).
	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_check(region: RegionId, period: PeriodIndex, absent: &[Prid], forged: &[Prid]);
}
