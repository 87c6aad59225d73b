//! Types of the faults pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

pub use gridmask_primitives::{MeterId, PeriodIndex, Prid, RegionId};

/// One absent share of a resolution: the meter that should have sent it and its PRID.
pub type AbsentShare = (MeterId, Prid);

/// Where a fault's resolution stands.
///
/// ```text
///            submit_resolution          check Ok
///   Open ─────────────────────► Checking ─────────► Resolved
///     ▲                            │
///     │ (submit_resolution again)  │ check Err
///   Rejected ◄─────────────────────┘
/// ```
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxAbsent))]
pub enum FaultStatus<MaxAbsent: Get<u32>> {
	/// Waiting for the KGC's resolution.
	Open,
	/// A resolution was accepted for checking; the verifier (the readings pallet) is re-hashing
	/// the set commitment.
	Checking {
		/// The distinct meters the resolution names as silent, ascending. Their fault counters
		/// rise if the check succeeds.
		absent_meters: BoundedVec<MeterId, MaxAbsent>,
		/// Number of absent PRIDs (shares).
		absent: u32,
		/// Number of forged PRIDs.
		forged: u32,
	},
	/// The resolution reproduced the commitment: the period is sealed with `aggregate`.
	Resolved {
		/// The distinct meters found silent, ascending.
		absent_meters: BoundedVec<MeterId, MaxAbsent>,
		/// Number of forged shares excluded from the sum.
		forged: u32,
		/// The corrected regional aggregate, Wh.
		aggregate: u64,
	},
	/// The last resolution did not reproduce the commitment; the KGC may submit another.
	Rejected,
}

impl<MaxAbsent: Get<u32>> FaultStatus<MaxAbsent> {
	/// Whether the fault waits for a (new) resolution: `Open` or `Rejected`.
	pub fn awaits_resolution(&self) -> bool {
		matches!(self, Self::Open | Self::Rejected)
	}
}

/// A faulted (region, period): what sealing saw, and the state of its resolution.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxAbsent))]
pub struct FaultRecord<MaxAbsent: Get<u32>> {
	/// Shares the period's setup expected (two per meter).
	pub expected: u32,
	/// Shares received on chain.
	pub received: u32,
	/// The resolution's state.
	pub status: FaultStatus<MaxAbsent>,
}

/// What [`crate::traits::MeterDirectory::note_fault`] did to a meter.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct FaultNote {
	/// The meter's fault counter after this fault.
	pub faults: u32,
	/// This fault suspended the meter (its counter reached the threshold).
	pub suspended: bool,
}

/// A fault record as stored for the runtime `T`.
pub type FaultRecordOf<T> = FaultRecord<<T as crate::Config>::MaxAbsent>;
/// A fault status as stored for the runtime `T`.
pub type FaultStatusOf<T> = FaultStatus<<T as crate::Config>::MaxAbsent>;
/// The absent shares of a resolution: `(meter, PRID)`, strictly ascending by PRID.
pub type AbsentOf<T> = BoundedVec<AbsentShare, <T as crate::Config>::MaxAbsent>;
/// The forged PRIDs of a resolution, strictly ascending.
pub type ForgedOf<T> = BoundedVec<Prid, <T as crate::Config>::MaxForged>;
