//! Types of the faults pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
	PartialEqNoBound,
};
use scale_info::TypeInfo;

pub use gridmask_primitives::{resolution::EntryKind, MeterId, PeriodIndex, Prid, RegionId};

/// What a resolution says of one PRID (PROTOCOL.md §4 step 6), with the meter it belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum Mark {
	/// The meter's share under this PRID is absent.
	Absent(MeterId),
	/// The share under this PRID is on chain but the meter's other one is absent: it stays in
	/// T, its value and mask are left out, so the aggregate counts complete readings only.
	Lone(MeterId),
	/// The share under this PRID is on chain but no meter's (it passed BF1).
	Forged,
}

impl Mark {
	/// What the mark says of its PRID, without the meter: what the chain re-checks.
	pub fn kind(&self) -> EntryKind {
		match self {
			Self::Absent(_) => EntryKind::Absent,
			Self::Lone(_) => EntryKind::Lone,
			Self::Forged => EntryKind::Forged,
		}
	}

	/// The meter named, if any.
	pub fn meter(&self) -> Option<MeterId> {
		match self {
			Self::Absent(m) | Self::Lone(m) => Some(*m),
			Self::Forged => None,
		}
	}
}

/// One entry of a resolution: a PRID and what the KGC says of it.
pub type ResolutionEntry = (Prid, Mark);

/// Who a resolved fault blames.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum Blame {
	/// Enough of the region sent complete readings that the chain demonstrably took the
	/// period's readings: the named meters' fault counters rose.
	Meters,
	/// Too much of the region was missing (a stalled chain, censoring authors, an outage) to
	/// tell the meters' fault from the chain's: nobody's counter rose.
	Chain,
}

/// What a resolution named so far.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, DefaultNoBound)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(MaxNamed))]
pub struct Named<MaxNamed: Get<u32>> {
	/// Parts submitted.
	pub parts: u32,
	/// The meters named (absent or lone shares), ascending, with how many of their shares.
	pub meters: BoundedVec<(MeterId, u8), MaxNamed>,
	/// More distinct meters were named than `meters` holds (an outage): nobody is blamed.
	pub overflow: bool,
	/// Absent PRIDs.
	pub absent: u32,
	/// Lone shares.
	pub lone: u32,
	/// Forged shares.
	pub forged: u32,
}

impl<MaxNamed: Get<u32>> Named<MaxNamed> {
	/// Notes one more share of `meter`. Errs if the meter is named for a third share (it has
	/// two per period); past the list's bound only `overflow` is set.
	pub fn note(&mut self, meter: MeterId) -> Result<(), ()> {
		match self.meters.binary_search_by_key(&meter, |(m, _)| *m) {
			Ok(i) => {
				let count = &mut self.meters[i].1;
				if *count >= 2 {
					return Err(());
				}
				*count += 1;
			},
			Err(i) => {
				if self.meters.try_insert(i, (meter, 1)).is_err() {
					self.overflow = true;
				}
			},
		}
		Ok(())
	}

	/// The distinct meters named (those held).
	pub fn meter_ids(&self) -> alloc::vec::Vec<MeterId> {
		self.meters.iter().map(|(m, _)| *m).collect()
	}
}

/// Where a fault's resolution stands.
///
/// ```text
///          submit_resolution       submit_resolution       check: T
///          (part, no Z')           (part with Z')          matches
///   Open ───────────────► Collecting ──────────────► Checking ───────► Resolved
///     ▲  ▲                    │  (part 0 restarts)       │
///     │  └────────────────────┘                          │ T differs
///     │   submit_resolution again                        ▼
///     └─────────────────────────────────────────────── Rejected
///   Open / Rejected / Collecting ── void_period ──► Void
/// ```
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(MaxNamed))]
pub enum FaultStatus<MaxNamed: Get<u32>> {
	/// Waiting for the KGC's resolution.
	Open,
	/// Parts of a resolution arrived; more follow.
	Collecting(Named<MaxNamed>),
	/// The resolution is complete; the verifier (the readings pallet) is re-hashing T.
	Checking(Named<MaxNamed>),
	/// The resolution reproduced T: the period is sealed, with `aggregate` if at least
	/// `MinRegionMeters` meters (`contributors`) sent both shares.
	Resolved {
		/// What the resolution named.
		named: Named<MaxNamed>,
		/// The total of the complete readings, Wh (`None`: too few to publish).
		aggregate: Option<u64>,
		/// Meters that sent both shares.
		contributors: u32,
		/// Whether the named meters were blamed.
		blame: Blame,
	},
	/// The last resolution did not reproduce T; the KGC may submit another.
	Rejected,
	/// The KGC closed the period without an aggregate.
	Void,
}

impl<MaxNamed: Get<u32>> FaultStatus<MaxNamed> {
	/// Whether the fault takes a (new) resolution: `Open`, `Rejected`, or `Collecting` (whose
	/// part 0 starts over).
	pub fn awaits_resolution(&self) -> bool {
		matches!(self, Self::Open | Self::Rejected | Self::Collecting(_))
	}
}

/// A faulted (region, period): what sealing saw, and the state of its resolution.
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(MaxNamed))]
pub struct FaultRecord<MaxNamed: Get<u32>> {
	/// Shares the period's setup expected (two per covered meter).
	pub expected: u32,
	/// Shares received on chain.
	pub received: u32,
	/// The resolution's state.
	pub status: FaultStatus<MaxNamed>,
}

/// What [`crate::traits::MeterDirectory::note_fault`] did to a meter.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct FaultNote {
	/// The meter's fault counter after this fault.
	pub faults: u32,
	/// This fault suspended the meter (its counter reached the threshold).
	pub suspended: bool,
}

/// A fault record as stored for the runtime `T`.
pub type FaultRecordOf<T> = FaultRecord<<T as crate::Config>::MaxNamed>;
/// A fault status as stored for the runtime `T`.
pub type FaultStatusOf<T> = FaultStatus<<T as crate::Config>::MaxNamed>;
/// What a resolution named, for the runtime `T`.
pub type NamedOf<T> = Named<<T as crate::Config>::MaxNamed>;
/// One part of a resolution: entries strictly ascending by PRID.
pub type PartOf<T> = BoundedVec<ResolutionEntry, <T as crate::Config>::MaxEntriesPerPart>;
