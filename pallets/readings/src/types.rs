//! Types stored by the pallet and returned by its runtime API (all SCALE + `TypeInfo`, so
//! polkadot.js decodes them from the metadata).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::ConstU32, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use gridmask_primitives::{
	bloom::BF1_BLOCK_BYTES, Bf1Params, BundledShare, CycleIndex, LeafIndex, Moment, PeriodIndex,
	Prid, RegionId, TBuilder, TCommitment, TimeParams, Values, MAX_CHANNELS,
};
use scale_info::TypeInfo;
use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};

/// BF1 blocks (64 bytes each) per stored chunk: a membership check reads exactly one chunk.
pub const BF1_BLOCKS_PER_CHUNK: u32 = 16;
/// Bytes of a full chunk (1 KiB); the last chunk of a filter may be shorter.
pub const BF1_CHUNK_BYTES: u32 = BF1_BLOCKS_PER_CHUNK * BF1_BLOCK_BYTES as u32;

/// The bytes of one BF1 chunk.
pub type Bf1Chunk = BoundedVec<u8, ConstU32<BF1_CHUNK_BYTES>>;

/// Most items one runtime-API query takes or returns (shares by PRID list, periods of an
/// aggregate series). The APIs are reachable by anyone through the safe `state_call` RPC of
/// every aggregator, so each call's work is bounded by its arguments: a longer PRID list does
/// not even decode ([`ApiQueries`]). A meter's month of 1440 periods has 2880 shares: three
/// calls.
pub const MAX_API_ITEMS: u32 = 1024;

/// The argument of [`crate::runtime_api::ReadingsApi::shares`]: at most [`MAX_API_ITEMS`]
/// `(region, period, prid)`, refused at decoding beyond that.
pub type ApiQueries = BoundedVec<(RegionId, PeriodIndex, Prid), ConstU32<MAX_API_ITEMS>>;

/// Per channel of a setup's shape, how many of the region's meters can contribute to the
/// channel's aggregate: all active meters for import, the active prosumers for export, 0 for a
/// channel whose sum is never published (a maximum). A channel's aggregate is published only
/// if this is at least `MinRegionMeters` (k-anonymity per channel, PROTOCOL.md §3a).
pub type Contributors = BoundedVec<u32, ConstU32<MAX_CHANNELS>>;

/// Number of chunks of a filter with `params`.
pub fn chunk_count(params: &Bf1Params) -> u32 {
	params.num_blocks.div_ceil(BF1_BLOCKS_PER_CHUNK)
}

/// Length in bytes of chunk `index` of a filter with `params` (`None` if out of range).
pub fn chunk_len(params: &Bf1Params, index: u32) -> Option<u32> {
	let first_block = index.checked_mul(BF1_BLOCKS_PER_CHUNK)?;
	let blocks = params.num_blocks.checked_sub(first_block).filter(|b| *b > 0)?;
	Some(blocks.min(BF1_BLOCKS_PER_CHUNK) * BF1_BLOCK_BYTES as u32)
}

/// One (region, period) setup as the KGC publishes it (PROTOCOL.md §4 step 2). The filter's
/// bytes follow in chunks (`publish_bf1_chunks`).
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct SetupEntry {
	/// The region.
	pub region: RegionId,
	/// Global period index.
	pub period: PeriodIndex,
	/// Shape of BF1 (block count, bits per element).
	pub bf1: Bf1Params,
	/// The commitment to exactly the expected PRIDs.
	pub t: TCommitment,
	/// The mask sums `Z_j` (mod 2^64), one per channel of the region's shape.
	pub z: Values,
	/// Number of expected PRIDs: two per active meter of the region.
	pub expected: u32,
	/// The region's membership epoch the setup was built for: it covers exactly the meters
	/// active in the region in that epoch, which must be the current one.
	pub epoch: u32,
}

/// A stored setup.
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct SetupInfo {
	/// Shape of BF1.
	pub bf1: Bf1Params,
	/// T.
	pub t: TCommitment,
	/// `Z_j`, one per channel: the number of channels every share must carry.
	pub z: Values,
	/// Per channel, how many meters can contribute to its aggregate (read from the region
	/// when the setup was published).
	pub contributors: Contributors,
	/// Number of expected PRIDs.
	pub expected: u32,
	/// The membership epoch of the region the setup covers: its meters are those active in
	/// the region in this epoch.
	pub epoch: u32,
	/// Number of chunks of the filter.
	pub chunks: u32,
	/// Chunks of the current generation stored so far; the setup is complete when this equals
	/// `chunks`.
	pub chunks_present: u32,
	/// Bumped each time the KGC replaces the setup; chunks of older generations are ignored
	/// (and overwritten or pruned), so a replacement costs O(1) whatever the old filter's size.
	pub generation: u32,
}

impl SetupInfo {
	/// Whether every chunk of the filter is present.
	pub fn is_complete(&self) -> bool {
		self.chunks_present == self.chunks
	}
}

/// A stored BF1 chunk, tagged with the setup generation it belongs to.
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct StoredChunk {
	/// The setup generation.
	pub generation: u32,
	/// `64 · blocks` bytes (16 blocks, fewer in the last chunk).
	pub bytes: Bf1Chunk,
}

/// One stored share (the masked values a meter sent under one PRID).
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct Share {
	/// The masked values `c'_j + H3(z, j)` (or `c''_j + H3(z', j)`), one per channel.
	pub masked: Values,
	/// The meter's timestamp (ms) from the signed payload.
	pub timestamp_ms: Moment,
}

/// The running totals of a (region, period).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct Accumulator {
	/// Σ values per channel (mod 2^64); empty until the first share.
	pub sums: Values,
	/// Number of shares stored.
	pub count: u32,
}

/// The result of sealing a (region, period).
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum PeriodOutcome {
	/// T matched: per channel `j`, `Σ values_j − Z_j` (mod 2^64) is the region's total of
	/// the channel (import first, Wh), published where enough meters contribute to it.
	Sealed {
		/// Per channel, the region's total, or `None` where it is withheld.
		aggregates: Aggregates,
		/// Shares received.
		count: u32,
	},
	/// T did not match: some expected shares are absent, or a forged PRID slipped through BF1.
	Faulted {
		/// Shares expected by the setup.
		expected: u32,
		/// Shares received.
		received: u32,
	},
	/// A resolution reproduced T, but fewer than `MinRegionMeters` meters sent both shares:
	/// no aggregate is published, which would expose so few households (k-anonymity).
	Withheld {
		/// Shares of the complete readings.
		count: u32,
	},
	/// The KGC closed the faulted period without an aggregate (nothing else resolved it).
	Void,
}

impl PeriodOutcome {
	/// Whether the period is settled: sealed, withheld or void (not faulted).
	pub fn is_settled(&self) -> bool {
		!matches!(self, Self::Faulted { .. })
	}

	/// The published aggregate of the first channel (import, Wh), if any: what prices a
	/// period.
	pub fn aggregate(&self) -> Option<u64> {
		self.aggregate_of(0)
	}

	/// The published aggregate of channel `channel`, if any.
	pub fn aggregate_of(&self, channel: usize) -> Option<u64> {
		match self {
			Self::Sealed { aggregates, .. } => aggregates.get(channel).copied().flatten(),
			_ => None,
		}
	}
}

/// A (region, period) whose PRIDs are being hashed into T, a bounded number per block: the one
/// resumable cursor of sealing ([`crate::Sealing`]) and of re-checking (inside
/// [`RecheckCursor`]).
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct HashCursor {
	/// The region.
	pub region: RegionId,
	/// The period.
	pub period: PeriodIndex,
	/// T over the PRIDs hashed so far; its `last()` is where the next block resumes.
	pub builder: TBuilder,
}

impl HashCursor {
	/// Nothing hashed yet.
	pub fn new(region: RegionId, period: PeriodIndex) -> Self {
		Self { region, period, builder: TBuilder::new(region, period) }
	}

	/// The (region, period) it hashes: the key prefix of its shares.
	pub fn key(&self) -> (RegionId, PeriodIndex) {
		(self.region, self.period)
	}
}

/// What a block's sealing and re-checking did, which its weight is charged for: PRIDs hashed
/// into T, other steps (starting or finishing a pair, moving on to the next period, taking a
/// re-check from the queue), and the weight the outcome hooks, resolution part reads and
/// clean-up reported themselves.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct HashingWork {
	/// PRIDs hashed.
	pub hashed: u32,
	/// Other steps.
	pub steps: u32,
	/// Weight reported by what the steps called.
	pub reported: frame_support::weights::Weight,
}

impl HashingWork {
	/// Steps of the block's budget ([`crate::Config::MaxSealStepsPerBlock`]) used: each PRID
	/// hashed is one, as is each other step.
	pub fn used(&self) -> u32 {
		self.hashed.saturating_add(self.steps)
	}

	/// Adds what `other` did.
	pub fn add(&mut self, other: HashingWork) {
		self.hashed = self.hashed.saturating_add(other.hashed);
		self.steps = self.steps.saturating_add(other.steps);
		self.reported = self.reported.saturating_add(other.reported);
	}
}

/// Where sealing stands: the first period not yet completely sealed, and the position in that
/// period's region list ([`crate::PeriodRegions`]) of the next region to start.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct SealPosition {
	/// The period.
	pub period: PeriodIndex,
	/// Index into the period's sorted region list.
	pub next_region: u32,
}

/// Where pruning stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct PrunePosition {
	/// The oldest period not yet pruned.
	pub period: PeriodIndex,
	/// Index into the period's sorted region list.
	pub next_region: u32,
	/// Shares of that region are gone; its chunks are next.
	pub shares_done: bool,
}

/// Why a reading is refused: the `InvalidTransaction::Custom` code of each rejection of
/// `submit_reading`'s authorization, in the order the checks run (cheapest first).
///
/// | code | name | meaning |
/// |---|---|---|
/// | 1 | `NotStarted` | the chain's period clock has not started (first block not yet built) |
/// | 2 | `WindowNotOpen` | chain time is before `end(period)`: too early |
/// | 3 | `WindowClosed` | chain time is at or past `end(period) + window`: too late |
/// | 4 | `NoSetup` | no setup for (region, period) |
/// | 5 | `SetupIncomplete` | the setup's BF1 chunks are not all published |
/// | 12 | `WrongShape` | not one value per channel of the region's shape (the setup's `Z` count) |
/// | 6 | `DuplicatePrid` | a share under this PRID is already stored (replay) |
/// | 7 | `NotInFilter` | the PRID is not in the (region, period)'s BF1 |
/// | 8 | `BadSignature` | the sr25519 signature over the payload does not verify |
///
/// The runtime's transaction extensions add three refusals of the *transaction* around a
/// reading (any authorized transaction), so that a relay cannot re-wrap a meter's reading in
/// other extension bytes (the runtime's `extensions.rs`):
///
/// | code | name | meaning |
/// |---|---|---|
/// | 9 | `MortalEra` | the transaction has a mortal era: readings are immortal |
/// | 10 | `Tip` | the transaction carries a tip: readings pay nothing |
/// | 11 | `Nonce` | the transaction carries a nonce other than 0: readings have no account |
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[repr(u8)]
pub enum ReadingRejection {
	/// The period clock has not started.
	NotStarted = 1,
	/// The window of the period has not opened.
	WindowNotOpen = 2,
	/// The window of the period has closed.
	WindowClosed = 3,
	/// No setup for (region, period).
	NoSetup = 4,
	/// The setup's filter is not complete.
	SetupIncomplete = 5,
	/// The PRID already has a share.
	DuplicatePrid = 6,
	/// The PRID is not in BF1.
	NotInFilter = 7,
	/// The signature does not verify.
	BadSignature = 8,
	/// The transaction has a mortal era (readings are immortal).
	MortalEra = 9,
	/// The transaction carries a tip (readings pay nothing).
	Tip = 10,
	/// The transaction carries a non-zero nonce (readings have no account).
	Nonce = 11,
	/// The reading does not carry one value per channel of its region's shape.
	WrongShape = 12,
}

impl ReadingRejection {
	/// Every rejection: the authorization's in check order, then the extensions'.
	pub const ALL: [Self; 12] = [
		Self::NotStarted,
		Self::WindowNotOpen,
		Self::WindowClosed,
		Self::NoSetup,
		Self::SetupIncomplete,
		Self::WrongShape,
		Self::DuplicatePrid,
		Self::NotInFilter,
		Self::BadSignature,
		Self::MortalEra,
		Self::Tip,
		Self::Nonce,
	];

	/// The `InvalidTransaction::Custom` code.
	pub fn code(self) -> u8 {
		self as u8
	}

	/// The name (as in the table above).
	pub fn name(self) -> &'static str {
		match self {
			Self::NotStarted => "NotStarted",
			Self::WindowNotOpen => "WindowNotOpen",
			Self::WindowClosed => "WindowClosed",
			Self::NoSetup => "NoSetup",
			Self::SetupIncomplete => "SetupIncomplete",
			Self::DuplicatePrid => "DuplicatePrid",
			Self::NotInFilter => "NotInFilter",
			Self::BadSignature => "BadSignature",
			Self::MortalEra => "MortalEra",
			Self::Tip => "Tip",
			Self::Nonce => "Nonce",
			Self::WrongShape => "WrongShape",
		}
	}

	/// What the rejection means, in a sentence for people (what the client prints).
	pub fn description(self) -> &'static str {
		match self {
			Self::NotStarted => "the chain's period clock has not started",
			Self::WindowNotOpen => "the reading window of this period has not opened yet",
			Self::WindowClosed => "the reading window of this period has closed",
			Self::NoSetup => "the KGC has published no setup for this region and period",
			Self::SetupIncomplete => "the setup's filter has not been fully published",
			Self::DuplicatePrid => "a share under this pseudonym is already on chain",
			Self::NotInFilter => {
				"the pseudonym is not in the period's filter (not a registered meter's)"
			},
			Self::BadSignature => "the signature does not verify under the pseudonym",
			Self::MortalEra => "the transaction has a mortal era (a reading must be immortal)",
			Self::Tip => "the transaction carries a tip (a reading pays nothing)",
			Self::Nonce => "the transaction carries a nonce (a reading has no account)",
			Self::WrongShape => {
				"the reading does not carry one value per channel of its region's shape"
			},
		}
	}

	/// The rejection of a pool / block-builder error, if it is one of ours.
	pub fn from_validity_error(e: &TransactionValidityError) -> Option<Self> {
		match e {
			TransactionValidityError::Invalid(InvalidTransaction::Custom(c)) => {
				Self::try_from(*c).ok()
			},
			_ => None,
		}
	}
}

impl TryFrom<u8> for ReadingRejection {
	type Error = u8;
	fn try_from(code: u8) -> Result<Self, u8> {
		Self::ALL.into_iter().find(|r| r.code() == code).ok_or(code)
	}
}

impl From<ReadingRejection> for TransactionValidityError {
	fn from(r: ReadingRejection) -> Self {
		TransactionValidityError::Invalid(InvalidTransaction::Custom(r.code()))
	}
}

/// The reading window currently open.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct OpenWindow {
	/// The period whose readings are accepted.
	pub period: PeriodIndex,
	/// When the window opened (= end of the period), ms.
	pub opened_at_ms: Moment,
	/// When it closes (exclusive), ms.
	pub closes_at_ms: Moment,
}

/// Chain time as the pallet sees it (runtime API).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct TimeInfo {
	/// The time parameters (`genesis_start_ms` 0 until the clock starts).
	pub params: Option<TimeParams>,
	/// Chain time (timestamp of the latest block), ms.
	pub now_ms: Moment,
	/// The period containing `now_ms` (`None` before the clock starts).
	pub current_period: Option<PeriodIndex>,
	/// Its cycle.
	pub current_cycle: Option<CycleIndex>,
	/// Its GGM leaf in the cycle.
	pub current_leaf: Option<LeafIndex>,
	/// The reading window open at `now_ms`, if any (that of `current_period − 1`).
	pub open_window: Option<OpenWindow>,
}

/// Where a (region, period) stands (runtime API).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum PeriodPhase {
	/// The clock has not started.
	NotStarted,
	/// The window opens at `opens_at_ms`; setup may still be published or replaced.
	Upcoming {
		/// End of the period, ms.
		opens_at_ms: Moment,
	},
	/// Readings are accepted until `closes_at_ms`.
	Open {
		/// Window close, ms.
		closes_at_ms: Moment,
	},
	/// The window closed; the pair waits in the sealing queue (or has no setup and is never
	/// sealed).
	Closed,
	/// T is being recomputed; `hashed` PRIDs so far.
	Sealing {
		/// PRIDs hashed so far.
		hashed: u32,
	},
	/// Sealed or faulted.
	Done(PeriodOutcome),
}

/// The state of a (region, period) (runtime API).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PeriodState {
	/// The setup, if published.
	pub setup: Option<SetupInfo>,
	/// Whether every chunk of the setup's filter is present.
	pub setup_complete: bool,
	/// Σ value and count of the shares stored.
	pub accumulator: Accumulator,
	/// Where the pair stands.
	pub phase: PeriodPhase,
	/// Shares and filter have been pruned (the outcome and accumulator remain).
	pub pruned: bool,
}

pub use gridmask_primitives::{
	channel::{add_values, channel_aggregates, Aggregates},
	resolution::EntryKind,
};

/// Most entries in one part of a resolution.
pub const MAX_RESOLUTION_PART: u32 = 4_096;

/// One part of a resolution: entries strictly ascending by PRID, continuing the parts before.
pub type ResolutionPart = BoundedVec<(Prid, EntryKind), ConstU32<MAX_RESOLUTION_PART>>;

/// A KGC resolution of a faulted pair (PROTOCOL.md §4 step 6) as far as it was submitted: its
/// entries are in [`crate::RecheckParts`]; complete (and queued for the re-check) once `z_prime`
/// is set.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct ResolutionProgress {
	/// Parts stored.
	pub parts: u32,
	/// The last PRID of the last part: the next part continues above it.
	pub last: Option<Prid>,
	/// Absent PRIDs.
	pub absent: u32,
	/// Lone shares.
	pub lone: u32,
	/// Forged shares.
	pub forged: u32,
	/// Σ values per channel of the lone and forged shares (mod 2^64), read as their parts
	/// arrived.
	pub excluded_sums: Values,
	/// Per channel, `Z'_j = Z_j − Σ H3(mask, j)` over the absent and lone PRIDs; set by the
	/// final part.
	pub z_prime: Option<Values>,
}

impl ResolutionProgress {
	/// Entries in all parts.
	pub fn entries(&self) -> u32 {
		self.absent.saturating_add(self.lone).saturating_add(self.forged)
	}
}

/// How a re-check ended (told to [`crate::traits::OnPeriodOutcome::on_resolved`]).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum RecheckResult {
	/// T matched and `contributors` meters sent both shares (at least `MinRegionMeters`):
	/// `aggregates` are their totals per channel (`None` where a channel is withheld).
	Sealed {
		/// Per channel, the total of the complete readings (import first, Wh).
		aggregates: Aggregates,
		/// Meters with both shares.
		contributors: u32,
	},
	/// T matched but fewer than `MinRegionMeters` meters sent both shares: no aggregate.
	Withheld {
		/// Meters with both shares.
		contributors: u32,
	},
	/// T did not match: the resolution is wrong; the pair stays faulted.
	Mismatch,
}

/// The re-check under way: T over the stored PRIDs (less the forged) and the absent ones,
/// merged in PRID order. (Encoded exactly as a [`HashCursor`] followed by the part.)
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct RecheckCursor {
	/// The pair and T over the PRIDs merged so far.
	pub hashing: HashCursor,
	/// The resolution part holding the next entry to merge.
	pub part: u32,
}

/// How long shares are kept (runtime API): at least `min_cycles` cycles after their own, then
/// until the region's cycle is billed and its dispute window over, at most `max_cycles`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RetentionInfo {
	/// Shares of periods before this one are pruned (all regions); from it on they are kept.
	pub kept_from_period: PeriodIndex,
	/// `RetainCycles`.
	pub min_cycles: u32,
	/// `MaxRetainCycles`.
	pub max_cycles: u32,
	/// What pruning waits for now, if it waits for billing.
	pub waiting_for: Option<RetentionWait>,
}

/// The (region, cycle) pruning waits for: its bills and their dispute window.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RetentionWait {
	/// The region.
	pub region: RegionId,
	/// The cycle whose bills are awaited.
	pub cycle: CycleIndex,
	/// From this cycle on its shares are pruned whether it is billed or not.
	pub pruned_anyway_in_cycle: CycleIndex,
}

/// An aggregator's key as a collector of readings: its Aura (sr25519) authority key.
pub type CollectorKey = sp_core::sr25519::Public;

/// A collector's signature over a bundle
/// ([`gridmask_primitives::bundle::bundle_signing_message`]).
pub type CollectorSignature = sp_core::sr25519::Signature;

/// The shares of one (region, period) in a bundle.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(S))]
#[codec(mel_bound(S: frame_support::traits::Get<u32>))]
pub struct BundleGroup<S: frame_support::traits::Get<u32>> {
	/// The region.
	pub region: RegionId,
	/// The period.
	pub period: PeriodIndex,
	/// The shares, each with its meter's signature.
	pub shares: BoundedVec<BundledShare, S>,
}

/// What a bundle holds: groups of shares (at most `G` groups of at most `S` shares; the
/// authorization bounds the total by `S` as well).
pub type BundleGroups<S, G> = BoundedVec<BundleGroup<S>, G>;

/// Why a bundle's authorization refused it: `InvalidTransaction::Custom(code)`, codes apart
/// from [`ReadingRejection`]'s.
///
/// | code | name | meaning |
/// |---|---|---|
/// | 20 | `NotCollector` | the key is not a current aggregator's (Aura authority) |
/// | 21 | `StaleBundle` | `seq` is below the collector's next sequence number: included already (replay) |
/// | 22 | `FutureBundle` | `seq` is too far ahead (in the pool), or not the next one (in a block) |
/// | 23 | `EmptyBundle` | no share at all |
/// | 24 | `OversizeBundle` | more shares in all than `MaxBundleShares` |
/// | 25 | `BadCollectorSignature` | the collector's signature does not verify |
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[repr(u8)]
pub enum BundleRejection {
	/// The key is not a current aggregator's.
	NotCollector = 20,
	/// Sequence number already used.
	StaleBundle = 21,
	/// Sequence number too far ahead, or (in a block) not the next one.
	FutureBundle = 22,
	/// No share.
	EmptyBundle = 23,
	/// Too many shares.
	OversizeBundle = 24,
	/// The collector's signature does not verify.
	BadCollectorSignature = 25,
}

impl BundleRejection {
	/// Every rejection, in check order.
	pub const ALL: [Self; 6] = [
		Self::NotCollector,
		Self::EmptyBundle,
		Self::OversizeBundle,
		Self::StaleBundle,
		Self::FutureBundle,
		Self::BadCollectorSignature,
	];

	/// The `InvalidTransaction::Custom` code.
	pub fn code(self) -> u8 {
		self as u8
	}

	/// The name (as in the table above).
	pub fn name(self) -> &'static str {
		match self {
			Self::NotCollector => "NotCollector",
			Self::StaleBundle => "StaleBundle",
			Self::FutureBundle => "FutureBundle",
			Self::EmptyBundle => "EmptyBundle",
			Self::OversizeBundle => "OversizeBundle",
			Self::BadCollectorSignature => "BadCollectorSignature",
		}
	}

	/// The rejection of a pool / block-builder error, if it is one of these.
	pub fn from_validity_error(e: &TransactionValidityError) -> Option<Self> {
		match e {
			TransactionValidityError::Invalid(InvalidTransaction::Custom(c)) => {
				Self::ALL.into_iter().find(|r| r.code() == *c)
			},
			_ => None,
		}
	}
}

impl From<BundleRejection> for TransactionValidityError {
	fn from(r: BundleRejection) -> Self {
		TransactionValidityError::Invalid(InvalidTransaction::Custom(r.code()))
	}
}

/// The shares of a bundle that were not stored, by reason (the reason a reading sent alone
/// would have been refused with). A share stored by another bundle (a meter that sent it to
/// two aggregators) counts as `duplicate`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct BundleSkips {
	/// `WindowNotOpen` or `WindowClosed` (or the clock has not started).
	pub window: u32,
	/// `NoSetup` or `SetupIncomplete`, or `WrongShape` (a share that does not fit the setup).
	pub setup: u32,
	/// `DuplicatePrid`: stored already (by this bundle, another one, or a lone reading).
	pub duplicate: u32,
	/// `NotInFilter`.
	pub not_in_filter: u32,
	/// `BadSignature`.
	pub bad_signature: u32,
}

impl BundleSkips {
	/// Count `n` shares refused with `r`.
	pub fn add(&mut self, r: ReadingRejection, n: u32) {
		use ReadingRejection::*;
		let field = match r {
			NotStarted | WindowNotOpen | WindowClosed => &mut self.window,
			NoSetup | SetupIncomplete | WrongShape => &mut self.setup,
			DuplicatePrid => &mut self.duplicate,
			NotInFilter => &mut self.not_in_filter,
			// The extensions' refusals concern a transaction, never a share in a bundle.
			BadSignature | MortalEra | Tip | Nonce => &mut self.bad_signature,
		};
		*field = field.saturating_add(n);
	}

	/// All skipped shares.
	pub fn total(&self) -> u32 {
		self.window
			.saturating_add(self.setup)
			.saturating_add(self.duplicate)
			.saturating_add(self.not_in_filter)
			.saturating_add(self.bad_signature)
	}
}

/// What a collector may put into bundles (runtime API
/// [`crate::runtime_api::ReadingsApi::collection_limits`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct CollectionLimits {
	/// Most shares in one bundle: `MaxBundleShares`, or fewer if a bundle that large would not
	/// fit into a block's weight or length for normal transactions.
	pub max_shares: u32,
	/// Most (region, period) groups in one bundle.
	pub max_groups: u32,
	/// How many bundles beyond its next a collector may have in the pool.
	pub max_ahead: u32,
	/// About how many shares one block takes from all collectors together: the normal class's
	/// weight over the weight of a share in bundles of `max_shares` in one group, after their
	/// refund (every batch verified). A collector's estimate of the window's room.
	pub block_shares: u32,
}
