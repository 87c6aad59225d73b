//! Unit tests of the billing pallet: every call, every refusal, the state machine, history,
//! `is_billed`, the runtime-API helpers and the invariants; one file by concern, the fixtures
//! here. CIDs are real: computed with `RawCid::of` over the report bytes.

use crate::{
	mock::*, weights::WeightInfo, BillEntry, BillRecord, BillRegions, BillStatus, BilledCycles,
	Bills, CidInput, Error, Event, LatestBill, RawCid, MAX_API_BILLS,
};
use codec::{Decode, Encode};
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, traits::Hooks, BoundedVec};
use gridmask_primitives::{CycleIndex, MeterId, RegionId};
use sp_runtime::{DispatchError, DispatchResult};

/// A finished cycle (the mock's current cycle is 5).
const C: CycleIndex = 3;

fn kgc() -> RuntimeOrigin {
	RuntimeOrigin::signed(KGC)
}

/// The bytes of a (pretend encrypted) report.
fn report(n: u32) -> Vec<u8> {
	format!("report {n}").into_bytes()
}

/// The CID of report `n`.
fn cid(n: u32) -> RawCid {
	RawCid::of(&report(n)).unwrap()
}

/// Binary form of a CID as call input.
fn bin(c: RawCid) -> CidInput {
	BoundedVec::try_from(c.to_bytes().to_vec()).unwrap()
}

/// `b…` string form of a CID as call input.
fn text(c: RawCid) -> CidInput {
	BoundedVec::try_from(c.to_string_bytes().to_vec()).unwrap()
}

fn input(bytes: &[u8]) -> CidInput {
	BoundedVec::try_from(bytes.to_vec()).unwrap()
}

fn regions(r: &[RegionId]) -> BillRegions {
	BoundedVec::try_from(r.to_vec()).unwrap()
}

/// The region the mock registers `meter` in: [`R2`] for meter 3, else [`R1`].
fn home(meter: MeterId) -> BillRegions {
	regions(&[if meter == 3 { R2 } else { R1 }])
}

fn entry(meter: MeterId, cycle: CycleIndex, n: u32, supersede: Option<u32>) -> BillEntry {
	let regions = home(meter);
	BillEntry { meter, cycle, cid: bin(cid(n)), digest: *cid(n).digest(), supersede, regions }
}

/// The KGC posts report `n` as the bill of (meter, cycle), in the meter's home region.
fn post(meter: MeterId, cycle: CycleIndex, n: u32, supersede: Option<u32>) -> DispatchResult {
	post_in(meter, cycle, n, supersede, &home(meter))
}

/// The KGC posts report `n` as the bill of (meter, cycle) in `regions`.
fn post_in(
	meter: MeterId,
	cycle: CycleIndex,
	n: u32,
	supersede: Option<u32>,
	regions: &BillRegions,
) -> DispatchResult {
	let (c, d) = (bin(cid(n)), *cid(n).digest());
	Billing::post_bill(kgc(), meter, cycle, c, d, supersede, regions.clone())
}

fn batch(v: Vec<BillEntry>) -> BoundedVec<BillEntry, frame_support::traits::ConstU32<MAX_BATCH>> {
	BoundedVec::try_from(v).unwrap()
}

fn reason(s: &str) -> BoundedVec<u8, frame_support::traits::ConstU32<MAX_REASON>> {
	BoundedVec::try_from(s.as_bytes().to_vec()).unwrap()
}

fn status(meter: MeterId, cycle: CycleIndex, version: u32) -> BillStatus<crate::ReasonOf<Test>> {
	Bills::<Test>::get((meter, cycle, version)).expect("bill stored").status
}

mod answers;
mod api;
mod invariants;
mod is_billed;
mod post_bill;
mod post_bills;
