//! Unit tests of the meters pallet: roles, regions, meters, channels and prosumers; every call,
//! every error; one file by concern, the fixtures here.

use crate::{
	mock::*, Cc, ChannelKind, EnsureCc, EnsureKgc, Error, Event, HpkePublicKey, Kgc, Membership,
	MeterId, MeterRegistration, MeterStatus, MetersByRegion, RegionId, Regions, Role, Shape,
	MAX_MEMBERSHIPS,
};

/// The meters storage map (the mock names the pallet `Meters` too).
type MeterRecords = crate::Meters<Test>;
use frame_support::{assert_noop, assert_ok, traits::EnsureOrigin, BoundedVec};
use sp_runtime::DispatchError;

const R1: RegionId = 1;
const R2: RegionId = 2;

fn kgc() -> RuntimeOrigin {
	RuntimeOrigin::signed(KGC)
}

/// An acceptable owner key per byte (never all-zero).
fn key(b: u8) -> HpkePublicKey {
	let mut k = [b; 32];
	k[31] = 9;
	HpkePublicKey(k)
}

fn reg(meter: MeterId, region: RegionId) -> MeterRegistration<u64> {
	MeterRegistration {
		meter,
		region,
		owner: 100 + meter,
		owner_key: key(meter as u8),
		prosumer: false,
	}
}

fn prosumer(meter: MeterId, region: RegionId) -> MeterRegistration<u64> {
	MeterRegistration { prosumer: true, ..reg(meter, region) }
}

fn batch(v: Vec<MeterRegistration<u64>>) -> BoundedVec<MeterRegistration<u64>, ConstU32Batch> {
	BoundedVec::try_from(v).unwrap()
}
type ConstU32Batch = frame_support::traits::ConstU32<MAX_BATCH>;

fn create(region: RegionId) {
	assert_ok!(Meters::create_region(
		kgc(),
		region,
		BoundedVec::truncate_from(b"north".to_vec()),
		BoundedVec::truncate_from(vec![10, 11]),
	));
}

/// Regions 1 and 2; meters 1..=3 in region 1.
fn setup() {
	create(R1);
	create(R2);
	assert_ok!(Meters::register_meters(kgc(), batch(vec![reg(1, R1), reg(2, R1), reg(3, R1)])));
}

mod channels;
mod meters;
mod regions;
mod roles;
