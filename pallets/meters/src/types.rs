//! Types of the meters pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, BoundedVec};
use scale_info::TypeInfo;

pub use gridmask_primitives::{
	ChannelKind, HpkePublicKey, MeterId, RegionId, Shape, MAX_CHANNELS, MAX_MEMBERSHIPS,
};

/// A privileged role.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum Role {
	/// Key generation centre and bill provider.
	Kgc,
	/// Control centre.
	Cc,
}

/// A region: its name, the aggregators serving its meters, its reading shape, its numbers of
/// active meters and prosumers, and the epoch of its active set.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(MaxName, MaxAggregators))]
pub struct Region<AccountId, MaxName: Get<u32>, MaxAggregators: Get<u32>> {
	/// Human-readable name (UTF-8).
	pub name: BoundedVec<u8, MaxName>,
	/// Aggregators that serve this region's meters, in order of preference.
	pub aggregators: BoundedVec<AccountId, MaxAggregators>,
	/// The channels every reading of the region carries, in order (PROTOCOL.md §3a).
	pub shape: Shape,
	/// Meters of the region with status `Active`.
	pub active_meters: u32,
	/// Of those, the ones registered as prosumers: only they can export, so an export
	/// aggregate needs at least `MinRegionMeters` of them (k-anonymity per channel).
	pub active_prosumers: u32,
	/// The membership epoch: bumped each time the set of active meters changes (a meter
	/// registered, moved in or out, suspended, reinstated or retired), an active meter
	/// becomes or stops being a prosumer, or the shape changes. A period setup names the
	/// epoch it was built for, which fixes exactly which meters it expects.
	pub epoch: MembershipEpoch,
}

/// A region's membership epoch (see [`Region::epoch`]).
pub type MembershipEpoch = u32;

/// A span of epochs of one region during which a meter was active there: epochs `from` up to
/// (excluding) `until`; `until` is `None` while it still is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct Membership {
	/// The region.
	pub region: RegionId,
	/// The region's epoch in which the meter became active there.
	pub from: MembershipEpoch,
	/// The region's epoch in which it stopped being active there (`None`: it still is).
	pub until: Option<MembershipEpoch>,
}

impl Membership {
	/// Whether this span covers `region`'s `epoch`.
	pub fn covers(&self, region: RegionId, epoch: MembershipEpoch) -> bool {
		self.region == region && self.from <= epoch && self.until.is_none_or(|u| epoch < u)
	}
}

/// The status of a meter.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum MeterStatus {
	/// Expected to report every period.
	Active,
	/// Not expected to report until reinstated (by the KGC, or after too many faults).
	Suspended,
	/// Gone for good; the id is never reused.
	Retired,
}

/// A registered meter.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Meter<AccountId> {
	/// The meter's region.
	pub region: RegionId,
	/// The owner: may read, acknowledge and dispute the meter's bills.
	pub owner: AccountId,
	/// The owner's key; bill reports are HPKE-encrypted to it.
	pub owner_key: HpkePublicKey,
	/// Whether the meter is expected to report.
	pub status: MeterStatus,
	/// Periods in which the meter was found silent (since the last reinstatement).
	pub faults: u32,
	/// Whether the meter can export (rooftop solar, a battery): registered by the KGC.
	pub prosumer: bool,
	/// Where and when the meter was active, oldest first: the last span is open exactly while
	/// the meter is active (at most [`MAX_MEMBERSHIPS`]; the oldest are dropped).
	pub memberships: BoundedVec<Membership, ConstU32<MAX_MEMBERSHIPS>>,
}

/// One meter of a `register_meters` batch.
#[derive(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct MeterRegistration<AccountId> {
	/// The billing id.
	pub meter: MeterId,
	/// The region (one per batch).
	pub region: RegionId,
	/// The owner account.
	pub owner: AccountId,
	/// The owner's HPKE public key.
	pub owner_key: HpkePublicKey,
	/// Whether the meter can export (a prosumer).
	pub prosumer: bool,
}

/// A region as stored.
pub type RegionOf<T> = Region<
	<T as frame_system::Config>::AccountId,
	<T as crate::Config>::MaxNameLen,
	<T as crate::Config>::MaxRegionAggregators,
>;
/// A meter as stored.
pub type MeterOf<T> = Meter<<T as frame_system::Config>::AccountId>;
