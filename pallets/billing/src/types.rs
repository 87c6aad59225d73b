//! Types of the billing pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

pub use gridmask_primitives::{
	cid::MAX_CID_INPUT_LEN, CycleIndex, MeterId, RawCid, RegionId, MAX_MEMBERSHIPS,
};

/// The version of a bill within its (meter, cycle): the first bill is version 1, each
/// superseding bill the next number.
pub type BillVersion = u32;

/// Longest CID input accepted by [`crate::Pallet::post_bill`]: the binary form (36 bytes) and
/// the `b…` string form (59 bytes) both fit.
pub type MaxCidLen = ConstU32<{ MAX_CID_INPUT_LEN as u32 }>;

/// A CID as the KGC submits it (binary or base32 string form, parsed by the pallet).
pub type CidInput = BoundedVec<u8, MaxCidLen>;

/// The regions of one bill: those whose setups covered the meter in some period of the cycle,
/// ascending, each once. A meter that never moved has one; a meter moved during the cycle has
/// the regions it was in. At most [`MAX_MEMBERSHIPS`], the membership spans a meter keeps.
pub type BillRegions = BoundedVec<RegionId, ConstU32<MAX_MEMBERSHIPS>>;

/// Most bills [`crate::runtime_api::BillingApi::bills_of`] returns (the newest ones).
pub const MAX_API_BILLS: u32 = 1024;

/// Where a bill stands.
///
/// ```text
///                 acknowledge (owner)
///        Posted ──────────────────────▶ Acknowledged
///          │  └──────────────────────▶ Disputed { reason }
///          │      dispute (owner)           │
///          │                                │
///          └──────────┬─────────────────────┘
///                     │ post_bill(supersede = Some(this version)) (KGC)
///                     ▼
///                Superseded   (and the new version starts as Posted)
/// ```
///
/// Only the latest version of a (meter, cycle) is ever `Posted`, `Acknowledged` or
/// `Disputed`; every older version is `Superseded`.
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum BillStatus<Reason> {
	/// Posted by the KGC; the owner has not answered yet.
	Posted,
	/// The owner checked the report and accepts it. Final for the owner; the KGC may still
	/// supersede it (a correction).
	Acknowledged,
	/// The owner contests the report, for the stated reason (UTF-8, free text). The KGC answers
	/// with a superseding bill, or off-chain.
	Disputed {
		/// Why the owner contests the bill.
		reason: Reason,
	},
	/// Replaced by the next version.
	Superseded,
}

/// One bill: the report's CID and digest, where and when it was posted, and its status.
///
/// `Reason` is the bounded dispute reason (`BoundedVec<u8, MaxReasonLen>`, see [`ReasonOf`]).
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct BillRecord<BlockNumber, Reason> {
	/// The encrypted report's CIDv1 (raw codec, sha2-256), as parsed from the KGC's input.
	pub cid: RawCid,
	/// The sha2-256 digest of the report; always equal to `cid.digest()`, which the pallet
	/// checks on posting.
	pub digest: [u8; 32],
	/// The regions the bill's periods were metered in (each period is priced in the region
	/// whose setup covered the meter then), as the KGC declared them; the owner's check
	/// recomputes them from the chain.
	pub regions: BillRegions,
	/// The block that posted this version.
	pub posted_at: BlockNumber,
	/// Where the bill stands.
	pub status: BillStatus<Reason>,
}

/// One bill of a [`crate::Pallet::post_bills`] batch (the arguments of
/// [`crate::Pallet::post_bill`]).
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct BillEntry {
	/// The billed meter.
	pub meter: MeterId,
	/// The billed cycle; must be finished.
	pub cycle: CycleIndex,
	/// The report's CID, binary (36 bytes) or `b…` base32 string form.
	pub cid: CidInput,
	/// The report's sha2-256 digest; must equal the digest inside the CID.
	pub digest: [u8; 32],
	/// `None` for the first bill of (meter, cycle); `Some(v)` to replace the latest bill,
	/// whose version must be `v`.
	pub supersede: Option<BillVersion>,
	/// The regions whose setups covered the meter in the cycle ([`BillRegions`]): ascending,
	/// at least one, each a region the meter has been a member of.
	pub regions: BillRegions,
}

/// A dispute reason as stored.
pub type ReasonOf<T> = BoundedVec<u8, <T as crate::Config>::MaxReasonLen>;
/// A bill status as stored.
pub type BillStatusOf<T> = BillStatus<ReasonOf<T>>;
/// A bill as stored.
pub type BillRecordOf<T> = BillRecord<BlockNumberFor<T>, ReasonOf<T>>;
