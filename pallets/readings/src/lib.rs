//! # Readings pallet
//!
//! The heart of gridmask (PROTOCOL.md §2–§4, steps 2–4): the KGC publishes per (region, period)
//! a filter of the expected one-time identities, a commitment to exactly that set and the sum
//! of the masks; meters without accounts submit masked shares as **authorized general
//! transactions**; every aggregator re-verifies each share when it executes the block; when the
//! period's reading window closes the runtime checks that exactly the committed set of shares
//! arrived and publishes the regional aggregate, which nobody could compute for one household.
//!
//! ## Overview
//!
//! 1. **Period setup** ([`Pallet::publish_setup`], [`Pallet::publish_bf1_chunks`], KGC origin):
//!    for each (region, period) the BF1 parameters, T, Z (one per channel of the region's
//!    shape, PROTOCOL.md §3a) and the expected share count, in
//!    bounded batches; the filter's bytes follow in chunks of [`BF1_BLOCKS_PER_CHUNK`] blocks
//!    (1 KiB), over as many transactions as needed. A setup is *complete* when every chunk is
//!    present. The KGC may replace the setup of a period whose window has not opened (a meter
//!    was added or retired); it may never touch a period whose window has opened or closed.
//!    A region with fewer than [`MinRegionMeters`] active meters gets no setup
//!    (k-anonymity of aggregates, §4 step 2).
//! 2. **Reading submission** ([`Pallet::submit_reading`]): an authorized general transaction
//!    (`#[pallet::authorize]`; the runtime's transaction extensions start with
//!    `frame_system::AuthorizeCall`), free, from no account. Authorization runs every check
//!    that can fail, cheapest first, each with its own `InvalidTransaction::Custom` code (see
//!    [`ReadingRejection`]): clock started; window open; setup present and complete; one value
//!    per channel of the setup; PRID not yet stored; PRID ∈ BF1 (one 1 KiB chunk read);
//!    signature last (`sr25519_verify` host function over
//!    [`ReadingPayload::signing_message`], which binds the genesis hash, region, period, PRID,
//!    values and timestamp). The dispatch stores the share and updates the
//!    (region, period)'s accumulator; the filter is only read.
//!    **Bundles** ([`Pallet::submit_bundle`]): the way most readings arrive. An aggregator's node
//!    collects meters' readings (its `gridmask_submitReadings` RPC), checks them as above and
//!    sends many at once, grouped by (region, period), in one authorized transaction signed
//!    with its Aura key. The bundle's authorization is cheap ([`Pallet::check_bundle`]: a
//!    current aggregator's key, a bounded size, the key's next sequence number, the signature;
//!    [`BundleRejection`] codes 20–25); each share is checked when the bundle is applied,
//!    exactly as a reading sent alone, and stored, or skipped and counted
//!    ([`Event::BundleApplied`]). One accumulator write per group; no event per share.
//! 3. **Sealing** (`on_initialize`, bounded, resumable): when a period's window has closed,
//!    each region with a setup for it is sealed in turn: T is recomputed over the stored PRIDs
//!    in ascending order and compared with the setup's T. Equal: per channel `j`,
//!    `aggregate_j = Σ values_j − Z_j` (mod 2^64), published where at least
//!    [`MinRegionMeters`] meters can contribute to the channel (the setup's
//!    [`SetupInfo::contributors`]: all active meters for import, the registered prosumers for
//!    export; k-anonymity per channel), [`PeriodOutcome::Sealed`], event
//!    [`Event::PeriodSealed`]. Different:
//!    [`PeriodOutcome::Faulted`], event [`Event::AggregationFault`] with the expected and
//!    received counts.
//! 4. **Pruning** (`on_idle`, bounded): shares and filter chunks of a region's period are
//!    deleted once its cycle is more than [`Config::RetainCycles`] cycles old **and**
//!    [`Config::Retention`] says the region's cycle is settled (its bills posted and their
//!    dispute window over), or, whatever billing says, once it is more than
//!    [`Config::MaxRetainCycles`] cycles old. Setups, accumulators and outcomes stay.
//!
//! ## Terminology
//!
//! - **Period / cycle / window** (§2): `period = (now − genesis_start) / period_ms`, `cycle =
//!   period / periods_per_cycle`; readings for period `p` are accepted while `end(p) ≤ now <
//!   end(p) + window_ms`. *Now* is always the chain's timestamp ([`Config::Clock`]), never a
//!   node's clock.
//! - **Share**: one masked half of a meter's reading, stored under its **PRID** (a one-time
//!   sr25519 public key).
//! - **BF1**: the blocked Bloom filter of the expected PRIDs of a (region, period). **T**: the
//!   exact set commitment. **Z**: the sum of the masks, one per channel.
//! - **Channel**: one quantity of a reading (import, export, …); a region's **shape** lists
//!   them, and every share carries one value per channel.
//! - **Setup generation**: a counter bumped when a setup is replaced; chunks are tagged with it.
//!
//! ## Design notes
//!
//! - **Coupling**: the pallet knows regions only through [`traits::RegionRegistry`]
//!   (implemented by `pallet-meters`) and the KGC only through [`Config::KgcOrigin`]
//!   (`pallet_meters::EnsureKgc`). The genesis hash signed into each reading is
//!   `frame_system::BlockHash(0)`, which `frame_system` never prunes.
//! - **Time**: [`TimeConfig`] holds [`TimeParams`] from the genesis config. If its
//!   `genesis_start_ms` is 0 the clock starts at the first block: `on_initialize` of block 2 sees
//!   block 1's timestamp (`pallet_timestamp::Now` before this block's inherent) and sets
//!   `genesis_start_ms` to it **rounded down to a multiple of `period_ms`** in Unix time, so that
//!   periods fall on wall-clock boundaries (e.g. :00 and :30 for 30-minute periods, as tariffs
//!   and meters expect), and period 0 contains the first block. Until then every time-dependent
//!   call is refused (`NotStarted`). `genesis_start_ms` = 0 therefore means "not started".
//! - **Storage for the hot path**: [`Shares`] is keyed `(region, period), prid` with the
//!   `Identity` hasher on the PRID (already pseudo-random, so no balancing hash is needed);
//!   iterating a (region, period) prefix therefore yields PRIDs in ascending byte order, which
//!   is the order T is defined over. The filter lives in [`Bf1Chunks`], 1 KiB per entry, and a
//!   membership check reads exactly the chunk holding the PRID's 64-byte block
//!   ([`Bf1Probe::chunk_position`]). [`Accumulators`] are 12 bytes per (region, period).
//! - **Replay**: the stored share is the replay guard. Authorization is re-run by
//!   `AuthorizeCall` when the block builder (or an importing node) applies the transaction,
//!   against the state left by the block's earlier transactions, so the second of two identical
//!   transactions in one block is invalid (`DuplicatePrid`) and cannot be included. The pool
//!   dedups by the tag `provides = prid` too. The dispatch re-checks anyway and fails with
//!   [`Error::DuplicatePrid`] (defence in depth, should an `Authorized` origin ever reach it by
//!   another path).
//! - **Sealing in `on_initialize`**, not `on_idle`: sealing decides the protocol's outcome and
//!   must progress even when blocks are full, so it is mandatory work with a fixed budget of
//!   [`Config::MaxSealStepsPerBlock`] steps (one step = one PRID hashed, or one pair started,
//!   finished, or one period skipped). It uses the parent block's timestamp, which is safe: if
//!   the parent's time is past a period's window, no transaction of this block or later can
//!   add to it. T is computed with [`TBuilder`], whose state (a storable BLAKE2b state)
//!   is kept in [`Sealing`] with the last PRID hashed; the next block resumes with
//!   `iter_key_prefix_from` after it. Only keys are read (the sum is in the accumulator).
//! - **Many pairs closing together**: all regions' windows of a period close at the same
//!   moment. The queue is [`PeriodRegions`] (the regions with a setup for each period, sorted,
//!   at most [`Config::MaxRegionsPerPeriod`]) walked by [`NextSeal`]: periods in ascending
//!   order, regions in ascending order within a period, one pair at a time, over as many blocks
//!   as the budget needs. A (region, period) without a setup is not in the queue and is never
//!   sealed. A setup with zero readings ends `Faulted` (unless it expected none).
//! - **Pruning in `on_idle`**: housekeeping that may wait for spare block weight; at most
//!   [`Config::MaxPruneStepsPerBlock`] keys per block, `clear_prefix` per (region, period) and
//!   at most one call per prefix per block (so no removal cursor needs to be kept).
//!
//! ## Transaction validity codes of `submit_reading`
//!
//! Each refusal of the authorization is `InvalidTransaction::Custom(code)`; [`ReadingRejection`]
//! maps codes to names (`TryFrom<u8>`, [`ReadingRejection::name`]) and is in the metadata (it is
//! the error type of [`runtime_api::ReadingsApi::check_reading`]). Checks run in this order:
//!
//! | code | name | meaning |
//! |---|---|---|
//! | 1 | `NotStarted` | the period clock has not started (no first block yet) |
//! | 2 | `WindowNotOpen` | chain time < `end(period)`: too early |
//! | 3 | `WindowClosed` | chain time ≥ `end(period) + window_ms`: too late (or no such period) |
//! | 4 | `NoSetup` | no setup for (region, period) |
//! | 5 | `SetupIncomplete` | not every BF1 chunk of the setup is published |
//! | 6 | `DuplicatePrid` | a share under this PRID is stored already (replay) |
//! | 7 | `NotInFilter` | the PRID is not in the (region, period)'s BF1 |
//! | 8 | `BadSignature` | the signature does not verify over the payload (wrong key, genesis, region, period, value or timestamp) |
//!
//! A valid reading `provides` the tag `("gridmask-reading", prid)` ([`READING_TAG_PREFIX`]),
//! requires nothing, lives until its window closes (`ceil((close − now) / MinBlockTimeMs) + 1`
//! blocks) and has priority [`Config::ReadingPriority`].
//!
//! ## Calls
//!
//! - [`Pallet::publish_setup`]: KGC; setups of (region, period) pairs, bounded batch.
//! - [`Pallet::publish_bf1_chunks`]: KGC; BF1 chunks of one (region, period).
//! - [`Pallet::submit_reading`]: authorized general transaction; one share.
//! - [`Pallet::submit_bundle`]: authorized general transaction; a collector's shares.
//!
//! ## Runtime API
//!
//! [`runtime_api::ReadingsApi`]; the runtime implements it with the `api_*` functions of
//! [`Pallet`].
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

mod api;
mod authorize;
pub use authorize::{
	check_in_filter, check_setup, check_unsigned, check_window, ChainState, ReadingState,
};
mod bundle;
pub use bundle::{bundle_shares, BUNDLE_TAG_PREFIX};
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod invariants;
#[cfg(test)]
mod mock;
mod prune;
mod recheck;
pub use recheck::MAX_QUEUED_RECHECKS;
pub mod runtime_api;
mod seal;
#[cfg(test)]
mod tests;
pub mod traits;
pub mod types;
pub mod weights;

use gridmask_primitives::{
	CycleIndex, Moment, PeriodIndex, Prid, ReadingSignature, RegionId, TimeParams, Values,
};

const LOG_TARGET: &str = "runtime::readings";

/// The groups of a bundle of runtime `T`.
pub type BundleGroupsOf<T> =
	BundleGroups<<T as Config>::MaxBundleShares, <T as Config>::MaxBundleGroups>;

/// Prefix of the pool tag a reading provides: `provides = [("gridmask-reading", prid).encode()]`.
pub const READING_TAG_PREFIX: &str = "gridmask-reading";

/// Benchmarks only: what the benchmarks need from the runtime beyond [`Config`].
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Make `now_ms` the chain time [`Config::Clock`] returns.
	fn set_time(now_ms: Moment);
}

/// [`BenchmarkHelper`] for a runtime whose clock is `pallet_timestamp` (writes `Now` directly,
/// so no `OnTimestampSet` hook such as Aura's slot check runs).
#[cfg(feature = "runtime-benchmarks")]
pub struct TimestampBenchmarkHelper<R>(core::marker::PhantomData<R>);

#[cfg(feature = "runtime-benchmarks")]
impl<R: pallet_timestamp::Config<Moment = Moment>> BenchmarkHelper for TimestampBenchmarkHelper<R> {
	fn set_time(now_ms: Moment) {
		pallet_timestamp::Now::<R>::put(now_ms);
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::traits::RegionRegistry;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{BuildGenesisConfig, Time},
		weights::WeightMeter,
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<Hash = H256> {
		/// The chain's clock: `pallet_timestamp` (milliseconds).
		type Clock: Time<Moment = Moment>;

		/// The region registry (`pallet-meters`).
		type Regions: RegionRegistry;

		/// The KGC (`pallet_meters::EnsureKgc`).
		type KgcOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// The k-anonymity floor ([`MinRegionMeters`]) when genesis does not set one: the
		/// production default.
		#[pallet::constant]
		type DefaultMinRegionMeters: Get<u32>;

		/// Most setups per `publish_setup` call.
		#[pallet::constant]
		type MaxSetupBatch: Get<u32>;

		/// Most chunks per `publish_bf1_chunks` call.
		#[pallet::constant]
		type MaxChunksPerCall: Get<u32>;

		/// Most BF1 blocks (64 bytes) of one filter; at most `gridmask_primitives::bloom::
		/// BF1_MAX_BLOCKS`.
		#[pallet::constant]
		type MaxBf1Blocks: Get<u32>;

		/// Most regions with a setup for one period (the sealing queue of a period).
		#[pallet::constant]
		type MaxRegionsPerPeriod: Get<u32>;

		/// Sealing budget per block, in steps (a PRID hashed, a pair started or finished, a
		/// period skipped).
		#[pallet::constant]
		type MaxSealStepsPerBlock: Get<u32>;

		/// Pruning budget per block, in storage keys removed (also limited by spare weight).
		#[pallet::constant]
		type MaxPruneStepsPerBlock: Get<u32>;

		/// Shares and filters of a period are kept at least while its cycle is at most this
		/// many cycles behind the current one.
		#[pallet::constant]
		type RetainCycles: Get<u32>;

		/// ... and at most while its cycle is at most this many cycles behind, if
		/// [`Config::Retention`] never reports the region's cycle settled (bills never posted).
		#[pallet::constant]
		type MaxRetainCycles: Get<u32>;

		/// Whether a region's cycle is settled (billed, dispute window over): between
		/// `RetainCycles` and `MaxRetainCycles` its shares wait for it.
		type Retention: crate::traits::Retention;

		/// The shortest time between blocks (ms; Aura's slot duration): turns the time left in
		/// a window into a transaction longevity in blocks.
		#[pallet::constant]
		type MinBlockTimeMs: Get<Moment>;

		/// Pool priority of readings.
		#[pallet::constant]
		type ReadingPriority: Get<TransactionPriority>;

		/// Most parts of one resolution (each at most [`MAX_RESOLUTION_PART`] entries): enough
		/// for a resolution naming every expected PRID of the largest setup.
		#[pallet::constant]
		type MaxResolutionParts: Get<u32>;

		/// Told each outcome as it is recorded (pricing, fault handling).
		type OnOutcome: crate::traits::OnPeriodOutcome;

		/// Who may send bundles of readings ([`Pallet::submit_bundle`]): the aggregators.
		type Collectors: crate::traits::Collectors;

		/// Most shares in one bundle (in all its groups).
		#[pallet::constant]
		type MaxBundleShares: Get<u32>;

		/// Most (region, period) groups in one bundle.
		#[pallet::constant]
		type MaxBundleGroups: Get<u32>;

		/// How many sequence numbers beyond its next a collector's bundle may wait in the pool.
		#[pallet::constant]
		type MaxBundlesAhead: Get<u32>;

		/// How many blocks a bundle stays valid in the pool (it is replaced by the collector's
		/// re-submission after that, if not included).
		#[pallet::constant]
		type BundleLongevity: Get<TransactionLongevity>;

		/// Weights.
		type WeightInfo: WeightInfo;

		/// Benchmarks only: sets the chain time (use [`TimestampBenchmarkHelper`]).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// The time parameters (PROTOCOL.md §2); `genesis_start_ms` is 0 until the clock starts.
	/// Whitelisted in benchmarks: `on_initialize` reads it in every block, so a reading's
	/// authorization finds it in the block's storage cache, never in the database.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type TimeConfig<T: Config> = StorageValue<_, TimeParams, OptionQuery>;

	/// Least number of meters behind any published aggregate (k-anonymity): a region with
	/// fewer active meters gets no setup, and a resolved period with fewer complete readings
	/// is sealed without its aggregate ([`PeriodOutcome::Withheld`]). Set at genesis (the
	/// development and test presets: 3, so that a demo needs few meters); otherwise
	/// [`Config::DefaultMinRegionMeters`].
	#[pallet::storage]
	pub type MinRegionMeters<T: Config> =
		StorageValue<_, u32, ValueQuery, T::DefaultMinRegionMeters>;

	/// Setups by region and period.
	#[pallet::storage]
	pub type Setups<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		PeriodIndex,
		SetupInfo,
		OptionQuery,
	>;

	/// BF1 chunks: `(region, period), chunk index → chunk`.
	#[pallet::storage]
	pub type Bf1Chunks<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(RegionId, PeriodIndex),
		Twox64Concat,
		u32,
		StoredChunk,
		OptionQuery,
	>;

	/// Shares: `(region, period), prid → share`; `Identity` on the PRID so a prefix iterates in
	/// ascending PRID order.
	#[pallet::storage]
	pub type Shares<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(RegionId, PeriodIndex),
		Identity,
		Prid,
		Share,
		OptionQuery,
	>;

	/// Σ value and count of the shares of a (region, period).
	#[pallet::storage]
	pub type Accumulators<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		PeriodIndex,
		Accumulator,
		ValueQuery,
	>;

	/// Sealing outcomes (kept forever).
	#[pallet::storage]
	pub type Outcomes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		PeriodIndex,
		PeriodOutcome,
		OptionQuery,
	>;

	/// Regions with a setup for a period, sorted: the sealing (and pruning) queue of the period.
	#[pallet::storage]
	pub type PeriodRegions<T: Config> = StorageMap<
		_,
		Twox64Concat,
		PeriodIndex,
		BoundedVec<RegionId, T::MaxRegionsPerPeriod>,
		ValueQuery,
	>;

	/// The next (period, region position) to seal.
	#[pallet::storage]
	pub type NextSeal<T: Config> = StorageValue<_, SealPosition, ValueQuery>;

	/// The pair being sealed and its T state.
	#[pallet::storage]
	pub type Sealing<T: Config> = StorageValue<_, HashCursor, OptionQuery>;

	/// The next (period, region position) to prune.
	#[pallet::storage]
	pub type NextPrune<T: Config> = StorageValue<_, PrunePosition, ValueQuery>;

	/// Re-checks of faulted pairs with a KGC resolution, waiting or running, in order.
	#[pallet::storage]
	pub type RecheckQueue<T: Config> = StorageValue<
		_,
		BoundedVec<(RegionId, PeriodIndex), ConstU32<{ crate::recheck::MAX_QUEUED_RECHECKS }>>,
		ValueQuery,
	>;

	/// The resolution of each faulted pair being submitted (in parts) or queued for its
	/// re-check (complete: `z_prime` set).
	#[pallet::storage]
	pub type Rechecks<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		PeriodIndex,
		ResolutionProgress,
		OptionQuery,
	>;

	/// The entries of each resolution: `(region, period), part → entries`, ascending by PRID
	/// within and across parts.
	#[pallet::storage]
	pub type RecheckParts<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(RegionId, PeriodIndex),
		Twox64Concat,
		u32,
		ResolutionPart,
		OptionQuery,
	>;

	/// The re-check under way (the head of [`RecheckQueue`]) and its T state.
	#[pallet::storage]
	pub type Rechecking<T: Config> = StorageValue<_, RecheckCursor, OptionQuery>;

	/// The next sequence number of each collector's bundles (the replay guard).
	#[pallet::storage]
	pub type BundleSeqs<T: Config> = StorageMap<_, Twox64Concat, CollectorKey, u64, ValueQuery>;

	/// Genesis: the time parameters (PROTOCOL.md §2). `period_ms` 0 (the default) leaves the
	/// pallet without a clock (every reading refused); `genesis_start_ms` 0 starts the clock at
	/// the first block (rounded down to a multiple of `period_ms`). JSON (chain spec / preset):
	/// `"readings": { "genesisStartMs": 0, "periodMs": 60000, "periodsPerCycle": 10,
	/// "windowMs": 30000 }`.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Start of period 0 (Unix ms), or 0 for "the first block".
		pub genesis_start_ms: Moment,
		/// Period length (ms); 0: no clock.
		pub period_ms: Moment,
		/// Periods per billing cycle (≤ 2^16).
		pub periods_per_cycle: u32,
		/// Reading window after each period (ms, ≤ `period_ms`).
		pub window_ms: Moment,
		/// [`MinRegionMeters`]; 0 (or left out of the chain spec):
		/// [`Config::DefaultMinRegionMeters`].
		#[serde(default)]
		pub min_region_meters: u32,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> GenesisConfig<T> {
		/// A genesis config with these time parameters.
		pub fn with_time(time: TimeParams) -> Self {
			Self {
				genesis_start_ms: time.genesis_start_ms,
				period_ms: time.period_ms,
				periods_per_cycle: time.periods_per_cycle,
				window_ms: time.window_ms,
				min_region_meters: 0,
				_config: Default::default(),
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if self.min_region_meters != 0 {
				MinRegionMeters::<T>::put(self.min_region_meters);
			}
			if self.period_ms == 0 {
				return;
			}
			let time = TimeParams {
				genesis_start_ms: self.genesis_start_ms,
				period_ms: self.period_ms,
				periods_per_cycle: self.periods_per_cycle,
				window_ms: self.window_ms,
			};
			time.validate().expect("invalid genesis TimeParams");
			TimeConfig::<T>::put(time);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The period clock started: period 0 begins at `genesis_start_ms`.
		ClockStarted { genesis_start_ms: Moment },
		/// A setup was published (`replaced`: it replaces an earlier one; its chunks must be
		/// published again).
		SetupPublished {
			region: RegionId,
			period: PeriodIndex,
			expected: u32,
			chunks: u32,
			replaced: bool,
		},
		/// BF1 chunks were stored; `complete` once all `chunks` are present.
		Bf1ChunksPublished {
			region: RegionId,
			period: PeriodIndex,
			chunks_present: u32,
			chunks: u32,
			complete: bool,
		},
		/// A share was stored.
		ShareStored { region: RegionId, period: PeriodIndex, prid: Prid },
		/// A collector's bundle was applied: `stored` shares stored, the others skipped.
		BundleApplied { collector: CollectorKey, seq: u64, stored: u32, skipped: BundleSkips },
		/// T matched: the regional aggregate of the period.
		/// `aggregates`: per channel of the region's shape (import first), `None` where the
		/// channel is withheld.
		PeriodSealed {
			region: RegionId,
			period: PeriodIndex,
			aggregates: Vec<Option<u64>>,
			count: u32,
		},
		/// T did not match: shares are missing or forged.
		AggregationFault { region: RegionId, period: PeriodIndex, expected: u32, received: u32 },
		/// Shares and filter of a (region, period) were pruned.
		PeriodPruned { region: RegionId, period: PeriodIndex },
		/// A faulted pair will be re-checked with a complete resolution.
		RecheckQueued { region: RegionId, period: PeriodIndex, absent: u32, lone: u32, forged: u32 },
		/// The resolution reproduced T: the pair is sealed with the total of the complete
		/// readings (`count` shares: received minus lone and forged), or without an aggregate
		/// (empty) if fewer than `MinRegionMeters` meters sent both shares. Per channel as in
		/// `PeriodSealed`.
		FaultResolved {
			region: RegionId,
			period: PeriodIndex,
			aggregates: Vec<Option<u64>>,
			count: u32,
		},
		/// The resolution did not reproduce T: the pair stays faulted.
		ResolutionRejected { region: RegionId, period: PeriodIndex },
		/// The KGC closed the faulted pair as void: no aggregate.
		PeriodVoided { region: RegionId, period: PeriodIndex },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The period clock has not started yet (first block not yet built).
		NotStarted,
		/// The region is not registered.
		UnknownRegion,
		/// The region has fewer than `MinRegionMeters` active meters.
		TooFewMeters,
		/// The setup was built for another membership epoch than the region's current one: its
		/// active meters changed since. Rebuild the setup.
		StaleEpoch,
		/// `expected` is not two shares per active meter of the region.
		ExpectedMismatch,
		/// The setup does not give one `Z` per channel of the region's shape.
		WrongShape,
		/// `expected` is more than a resolution can name (`MaxResolutionParts` ×
		/// `MAX_RESOLUTION_PART`): a fault of the period could not be resolved.
		SetupTooLarge,
		/// The BF1 parameters are invalid (block count or k out of range).
		InvalidBf1Params,
		/// The filter has more than `MaxBf1Blocks` blocks.
		Bf1TooLarge,
		/// The period index is out of the time range.
		PeriodOutOfRange,
		/// The period's reading window has opened: its setup is frozen.
		WindowOpened,
		/// The period's window has closed (sealed or being sealed).
		PeriodClosed,
		/// The same (region, period) appears twice in the batch.
		DuplicateEntry,
		/// `MaxRegionsPerPeriod` regions already have a setup for this period.
		TooManyRegions,
		/// No setup for this (region, period).
		NoSetup,
		/// The chunk index is not below the filter's chunk count.
		ChunkIndexOutOfRange,
		/// The chunk's length is not 64 × its block count.
		BadChunkLength,
		/// A share under this PRID is already stored.
		DuplicatePrid,
		/// The pair is not faulted (not sealed yet, or sealed correctly).
		NotFaulted,
		/// The pair's shares were pruned: it can no longer be re-checked.
		AlreadyPruned,
		/// A re-check of the pair is already queued.
		RecheckPending,
		/// Too many re-checks are queued.
		RecheckQueueFull,
		/// More entries in one part than `MAX_RESOLUTION_PART`.
		TooManyPrids,
		/// The entries are not in strictly ascending PRID order (within the part, or after the
		/// parts before).
		PridsNotSorted,
		/// A PRID said to be absent has a share on chain.
		AbsentPridStored,
		/// A PRID said to be lone or forged has no share on chain.
		PridNotStored,
		/// The part is not the next one (part 0 starts over).
		WrongPart,
		/// More parts than `MaxResolutionParts`.
		TooManyParts,
		/// The resolution completed with no entry at all.
		EmptyResolution,
		/// The bundle is not its collector's next (cannot happen after authorization in the same
		/// state; defence in depth).
		BundleOutOfOrder,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			let mut weight = T::WeightInfo::on_initialize_idle();
			let Some(mut time) = TimeConfig::<T>::get() else {
				return weight;
			};
			let now = T::Clock::now();
			if !time.is_started() {
				if now == 0 {
					return weight;
				}
				time.genesis_start_ms = now - now % time.period_ms.max(1);
				TimeConfig::<T>::put(time);
				NextSeal::<T>::put(SealPosition { period: 0, next_region: 0 });
				Self::deposit_event(Event::ClockStarted {
					genesis_start_ms: time.genesis_start_ms,
				});
				return weight.saturating_add(T::DbWeight::get().writes(2));
			}
			let budget = T::MaxSealStepsPerBlock::get();
			let mut work = Self::seal(&time, now, budget);
			// Re-checks of resolved faults share what sealing left of the budget.
			let left = budget.saturating_sub(work.used());
			if left > 0 && !RecheckQueue::<T>::get().is_empty() {
				work.add(Self::recheck(left));
				// Reading the queue.
				work.steps = work.steps.saturating_add(1);
			}
			if work.used() > 0 {
				weight = weight
					.saturating_add(T::WeightInfo::on_initialize_seal(work.hashed, work.steps));
			}
			weight.saturating_add(work.reported)
		}

		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let mut meter = WeightMeter::with_limit(remaining);
			Self::prune(&mut meter);
			meter.consumed()
		}

		fn integrity_test() {
			use gridmask_primitives::bloom::BF1_MAX_BLOCKS;
			assert!(T::MaxSetupBatch::get() >= 1, "MaxSetupBatch must be at least 1");
			assert!(T::MaxChunksPerCall::get() >= 1, "MaxChunksPerCall must be at least 1");
			assert!(
				T::MaxBf1Blocks::get() >= 1 && T::MaxBf1Blocks::get() <= BF1_MAX_BLOCKS,
				"MaxBf1Blocks must be in 1..=BF1_MAX_BLOCKS"
			);
			assert!(T::MaxRegionsPerPeriod::get() >= 1, "MaxRegionsPerPeriod must be at least 1");
			// A pair needs a start and a finish step; with fewer it could never finish.
			assert!(T::MaxSealStepsPerBlock::get() >= 4, "MaxSealStepsPerBlock must be at least 4");
			assert!(
				T::MaxPruneStepsPerBlock::get() >= 1,
				"MaxPruneStepsPerBlock must be at least 1"
			);
			assert!(
				T::DefaultMinRegionMeters::get() >= 1,
				"DefaultMinRegionMeters must be at least 1"
			);
			assert!(T::MinBlockTimeMs::get() >= 1, "MinBlockTimeMs must be at least 1");
			assert!(
				T::MaxRetainCycles::get() >= T::RetainCycles::get(),
				"MaxRetainCycles must be at least RetainCycles"
			);
			assert!(T::MaxResolutionParts::get() >= 1, "MaxResolutionParts must be at least 1");
			assert!(T::MaxBundleShares::get() >= 1, "MaxBundleShares must be at least 1");
			assert!(T::MaxBundleGroups::get() >= 1, "MaxBundleGroups must be at least 1");
			assert!(T::BundleLongevity::get() >= 1, "BundleLongevity must be at least 1");
			assert!(Self::bundle_capacity() >= 1, "a bundle of one share must fit into a block");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight = <T as Config>::WeightInfo)]
	impl<T: Config> Pallet<T> {
		/// Publish (or replace) the setups of a batch of (region, period) pairs.
		///
		/// Each entry gives the BF1 shape, T, Z (one per channel of the region's shape), the
		/// expected share count and the region's
		/// membership epoch it was built for, which must be the current one, with two shares
		/// per active meter: a setup covers exactly the meters active now, and which meters
		/// those were stays provable (`pallet_meters::Pallet::was_active_in`). The filter's
		/// bytes follow with [`Pallet::publish_bf1_chunks`]. Replacing the setup of a period
		/// whose window has not opened is allowed (the active meters changed): the new setup
		/// starts a new generation and needs all its chunks again. The batch is all or nothing.
		///
		/// The dispatch origin must be [`Config::KgcOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: not the KGC.
		/// - [`Error::NotStarted`]: the period clock has not started.
		/// - [`Error::DuplicateEntry`]: a (region, period) appears twice.
		/// - [`Error::UnknownRegion`]: the region is not registered.
		/// - [`Error::TooFewMeters`]: the region has fewer than `MinRegionMeters` active meters.
		/// - [`Error::StaleEpoch`]: the setup names another epoch than the region's current one.
		/// - [`Error::ExpectedMismatch`]: `expected` is not twice the active meters.
		/// - [`Error::WrongShape`]: not one `Z` per channel of the region's shape.
		/// - [`Error::SetupTooLarge`]: more expected shares than a resolution can name.
		/// - [`Error::InvalidBf1Params`] / [`Error::Bf1TooLarge`]: bad filter shape.
		/// - [`Error::PeriodOutOfRange`]: the period's end overflows the time range.
		/// - [`Error::WindowOpened`]: the period's reading window is open.
		/// - [`Error::PeriodClosed`]: the period's window has closed.
		/// - [`Error::TooManyRegions`]: the period has `MaxRegionsPerPeriod` regions already.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::publish_setup(setups.len() as u32))]
		pub fn publish_setup(
			origin: OriginFor<T>,
			setups: BoundedVec<SetupEntry, T::MaxSetupBatch>,
		) -> DispatchResult {
			T::KgcOrigin::ensure_origin(origin)?;
			let time = Self::started_time().ok_or(Error::<T>::NotStarted)?;
			let now = T::Clock::now();
			let mut keys: Vec<(RegionId, PeriodIndex)> =
				setups.iter().map(|e| (e.region, e.period)).collect();
			keys.sort_unstable();
			ensure!(keys.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateEntry);
			for e in setups.iter() {
				ensure!(T::Regions::region_exists(e.region), Error::<T>::UnknownRegion);
				let active = T::Regions::active_meters(e.region);
				ensure!(active >= MinRegionMeters::<T>::get(), Error::<T>::TooFewMeters);
				ensure!(e.epoch == T::Regions::epoch(e.region), Error::<T>::StaleEpoch);
				ensure!(
					u64::from(e.expected) == 2 * u64::from(active),
					Error::<T>::ExpectedMismatch
				);
				let contributors = T::Regions::channel_contributors(e.region);
				ensure!(contributors.len() == e.z.len(), Error::<T>::WrongShape);
				ensure!(e.expected <= Self::max_resolution_entries(), Error::<T>::SetupTooLarge);
				e.bf1.validate().map_err(|_| Error::<T>::InvalidBf1Params)?;
				ensure!(e.bf1.num_blocks <= T::MaxBf1Blocks::get(), Error::<T>::Bf1TooLarge);
				Self::ensure_setup_open(&time, now, e.region, e.period)?;
				let previous = Setups::<T>::get(e.region, e.period).map(|p| p.generation);
				if previous.is_none() {
					PeriodRegions::<T>::try_mutate(e.period, |regions| {
						let pos = regions.binary_search(&e.region).unwrap_or_else(|p| p);
						regions.try_insert(pos, e.region).map_err(|_| Error::<T>::TooManyRegions)
					})?;
				}
				let chunks = chunk_count(&e.bf1);
				Setups::<T>::insert(
					e.region,
					e.period,
					SetupInfo {
						bf1: e.bf1,
						t: e.t,
						z: e.z.clone(),
						contributors: Contributors::truncate_from(contributors),
						expected: e.expected,
						epoch: e.epoch,
						chunks,
						chunks_present: 0,
						generation: previous.map_or(0, |g| g.wrapping_add(1)),
					},
				);
				Self::deposit_event(Event::SetupPublished {
					region: e.region,
					period: e.period,
					expected: e.expected,
					chunks,
					replaced: previous.is_some(),
				});
			}
			Ok(())
		}

		/// Store BF1 chunks of the setup of (region, period).
		///
		/// Chunk `i` holds blocks `16·i .. 16·i + 16` of the filter (1024 bytes; the last chunk
		/// `64 ×` the remaining blocks). Re-sending a chunk overwrites it. The setup becomes
		/// complete, and readings acceptable, once every chunk is present; chunks may only be
		/// sent before the period's window opens.
		///
		/// The dispatch origin must be [`Config::KgcOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: not the KGC.
		/// - [`Error::NotStarted`]: the period clock has not started.
		/// - [`Error::NoSetup`]: no setup for (region, period).
		/// - [`Error::WindowOpened`] / [`Error::PeriodClosed`]: the window has opened / closed.
		/// - [`Error::PeriodOutOfRange`]: the period's end overflows the time range.
		/// - [`Error::ChunkIndexOutOfRange`]: an index is not below the chunk count.
		/// - [`Error::BadChunkLength`]: a chunk has the wrong length.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::publish_bf1_chunks(chunks.len() as u32))]
		pub fn publish_bf1_chunks(
			origin: OriginFor<T>,
			region: RegionId,
			period: PeriodIndex,
			chunks: BoundedVec<(u32, Bf1Chunk), T::MaxChunksPerCall>,
		) -> DispatchResult {
			T::KgcOrigin::ensure_origin(origin)?;
			let time = Self::started_time().ok_or(Error::<T>::NotStarted)?;
			let mut setup = Setups::<T>::get(region, period).ok_or(Error::<T>::NoSetup)?;
			Self::ensure_setup_open(&time, T::Clock::now(), region, period)?;
			for (index, bytes) in chunks {
				let len = chunk_len(&setup.bf1, index).ok_or(Error::<T>::ChunkIndexOutOfRange)?;
				ensure!(bytes.len() as u32 == len, Error::<T>::BadChunkLength);
				let fresh = Bf1Chunks::<T>::get((region, period), index)
					.is_none_or(|c| c.generation != setup.generation);
				if fresh {
					setup.chunks_present = setup.chunks_present.saturating_add(1);
				}
				Bf1Chunks::<T>::insert(
					(region, period),
					index,
					StoredChunk { generation: setup.generation, bytes },
				);
			}
			let (chunks_present, chunks, complete) =
				(setup.chunks_present, setup.chunks, setup.is_complete());
			Setups::<T>::insert(region, period, setup);
			Self::deposit_event(Event::Bf1ChunksPublished {
				region,
				period,
				chunks_present,
				chunks,
				complete,
			});
			Ok(())
		}

		/// Submit one masked share of a meter's reading for (region, period), under its PRID.
		///
		/// Sent as a general (unsigned-style, no account) transaction: the runtime's
		/// `frame_system::AuthorizeCall` extension runs [`Pallet::check_reading`], which refuses
		/// with the `InvalidTransaction::Custom` codes of [`ReadingRejection`]. Free for the
		/// meter: a general transaction has no account to charge. The call is `Pays::Yes` so
		/// that a *signed* copy, which is never authorized and fails with `BadOrigin`, costs
		/// its sender the fee instead of filling blocks for free. Stores the share and adds it
		/// to the period's accumulator.
		///
		/// The dispatch origin must be `Authorized` (i.e. the authorization passed).
		///
		/// ## Errors
		/// - `BadOrigin`: not an authorized transaction.
		/// - [`Error::DuplicatePrid`]: a share under `prid` is already stored (cannot happen
		///   after authorization in the same state; defence in depth).
		/// - [`Error::WrongShape`]: not one value per channel of the setup (likewise).
		#[pallet::call_index(2)]
		#[pallet::weight((T::WeightInfo::submit_reading(), DispatchClass::Normal, Pays::Yes))]
		#[pallet::authorize(Self::authorize_submit_reading)]
		pub fn submit_reading(
			origin: OriginFor<T>,
			region: RegionId,
			period: PeriodIndex,
			prid: Prid,
			masked: Values,
			timestamp_ms: Moment,
			signature: ReadingSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let _ = signature;
			ensure!(!Shares::<T>::contains_key((region, period), prid), Error::<T>::DuplicatePrid);
			ensure!(
				Setups::<T>::get(region, period).is_some_and(|s| s.z.len() == masked.len()),
				Error::<T>::WrongShape
			);
			Accumulators::<T>::mutate(region, period, |acc| {
				add_values(&mut acc.sums, &masked);
				acc.count = acc.count.saturating_add(1);
			});
			Shares::<T>::insert((region, period), prid, Share { masked, timestamp_ms });
			Self::deposit_event(Event::ShareStored { region, period, prid });
			Ok(())
		}

		/// Submit a collector's bundle of readings: shares of meters' readings, grouped by
		/// (region, period), that an aggregator's node collected and checked.
		///
		/// Sent as a general transaction: `frame_system::AuthorizeCall` runs
		/// [`Pallet::check_bundle`] (a current aggregator's `collector` key, at most
		/// [`Config::MaxBundleShares`] shares, `seq` its next sequence number, its signature
		/// over [`gridmask_primitives::bundle::bundle_signing_message`]), refusing with the
		/// codes of [`BundleRejection`]. No fee. Each share is then checked as a reading sent
		/// alone and stored, or skipped and counted in [`Event::BundleApplied`]: a bundle never
		/// fails for its readings. The collector's sequence number advances.
		///
		/// The weight assumes that every group's batch verification fails and its signatures
		/// are verified again one by one; what was not needed is refunded.
		///
		/// The dispatch origin must be `Authorized` (i.e. the authorization passed).
		///
		/// ## Errors
		/// - `BadOrigin`: not an authorized transaction.
		/// - [`Error::BundleOutOfOrder`]: `seq` is not the collector's next (cannot happen after
		///   authorization in the same state; defence in depth).
		#[pallet::call_index(3)]
		#[pallet::weight((
			T::WeightInfo::submit_bundle(bundle_shares(groups), groups.len() as u32)
				.saturating_add(T::WeightInfo::verify_one_by_one(bundle_shares(groups))),
			DispatchClass::Normal,
			Pays::Yes
		))]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_submit_bundle(bundle_shares(
			groups
		)))]
		#[pallet::authorize(Self::authorize_submit_bundle)]
		pub fn submit_bundle(
			origin: OriginFor<T>,
			collector: CollectorKey,
			seq: u64,
			groups: BundleGroupsOf<T>,
			signature: CollectorSignature,
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			let _ = signature;
			ensure!(seq == BundleSeqs::<T>::get(collector), Error::<T>::BundleOutOfOrder);
			BundleSeqs::<T>::insert(collector, seq.saturating_add(1));
			let (stored, skipped, one_by_one) = Self::apply_bundle(&groups);
			Self::deposit_event(Event::BundleApplied { collector, seq, stored, skipped });
			// Charged up front as if every batch failed; refunded to what was verified.
			let mut weight =
				T::WeightInfo::submit_bundle(bundle_shares(&groups), groups.len() as u32);
			if one_by_one > 0 {
				weight.saturating_accrue(T::WeightInfo::verify_one_by_one(one_by_one));
			}
			Ok(Some(weight).into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Most entries a resolution can have: a setup expects at most this many shares, so
		/// that any of its faults (a whole region silent included) can be resolved.
		pub fn max_resolution_entries() -> u32 {
			T::MaxResolutionParts::get().saturating_mul(MAX_RESOLUTION_PART)
		}

		/// The genesis hash signed into readings: `frame_system::BlockHash(0)`.
		pub fn genesis_hash() -> H256 {
			frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero())
		}

		/// The cycle `period` falls in (`None` before the time parameters are set).
		pub fn cycle_of(period: PeriodIndex) -> Option<CycleIndex> {
			TimeConfig::<T>::get().map(|t| t.cycle_of(period))
		}

		/// The time parameters once the clock has started.
		pub fn started_time() -> Option<TimeParams> {
			TimeConfig::<T>::get().and_then(TimeParams::started)
		}

		/// Whether the block being built falls between reading windows (or before the clock
		/// starts): at its earliest time, the parent's plus [`Config::MinBlockTimeMs`], no
		/// window is open, so a block that takes no transactions there costs no readings (the
		/// runtime rotates sessions only then: `pallet_aggregators::QuietSessions`).
		pub fn between_windows() -> bool {
			let Some(time) = Self::started_time() else { return true };
			let t = T::Clock::now().saturating_add(T::MinBlockTimeMs::get());
			match time.period_at(t) {
				Some(p) if p > 0 => !time.window_open(p - 1, t),
				_ => true,
			}
		}

		/// Setup of (region, period) may still be published, replaced or completed: the
		/// period's window has not opened.
		fn ensure_setup_open(
			time: &TimeParams,
			now: Moment,
			region: RegionId,
			period: PeriodIndex,
		) -> DispatchResult {
			let end = time.period_end(period).ok_or(Error::<T>::PeriodOutOfRange)?;
			time.period_end(period)
				.and_then(|e| e.checked_add(time.window_ms))
				.ok_or(Error::<T>::PeriodOutOfRange)?;
			ensure!(
				!time.is_sealed(period, now)
					&& period >= NextSeal::<T>::get().period
					&& !Outcomes::<T>::contains_key(region, period),
				Error::<T>::PeriodClosed
			);
			ensure!(now < end, Error::<T>::WindowOpened);
			Ok(())
		}
	}
}
