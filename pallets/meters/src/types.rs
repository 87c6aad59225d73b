//! Types of the meters pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, BoundedVec};
use scale_info::TypeInfo;

pub use gridmask_primitives::{HpkePublicKey, MeterId, RegionId};

/// A privileged role.
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
)]
pub enum Role {
	/// Key generation centre and bill provider.
	Kgc,
	/// Control centre.
	Cc,
}

/// A region: its name, the aggregators serving its meters, and its number of active meters.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(MaxName, MaxAggregators))]
pub struct Region<AccountId, MaxName: Get<u32>, MaxAggregators: Get<u32>> {
	/// Human-readable name (UTF-8).
	pub name: BoundedVec<u8, MaxName>,
	/// Aggregators that serve this region's meters, in order of preference.
	pub aggregators: BoundedVec<AccountId, MaxAggregators>,
	/// Meters of the region with status `Active`.
	pub active_meters: u32,
}

/// The status of a meter.
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
)]
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
}

/// One meter of a `register_meters` batch.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct MeterRegistration<AccountId> {
	/// The billing id.
	pub meter: MeterId,
	/// The region (one per batch).
	pub region: RegionId,
	/// The owner account.
	pub owner: AccountId,
	/// The owner's HPKE public key.
	pub owner_key: HpkePublicKey,
}

/// A region as stored.
pub type RegionOf<T> = Region<
	<T as frame_system::Config>::AccountId,
	<T as crate::Config>::MaxNameLen,
	<T as crate::Config>::MaxRegionAggregators,
>;
/// A meter as stored.
pub type MeterOf<T> = Meter<<T as frame_system::Config>::AccountId>;
