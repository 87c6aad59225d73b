//! Benchmarks (frame-benchmarking v2) of every call, each in its worst case: posting bills
//! that supersede an earlier version (two records written, the old one read) and name the
//! most regions a bill can ([`MAX_MEMBERSHIPS`], each marked billed), full `post_bills`
//! batches, and disputes with the longest reason.
//!
//! The runtime provides a KGC origin ([`EnsureOrigin::try_successful_origin`]), meters
//! ([`MeterRegistry::benchmark_meter`]) and a finished cycle
//! ([`CycleClock::benchmark_finished_cycle`]).

use super::*;
use crate::traits::{CycleClock, MeterRegistry};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::RawOrigin;

const SEED: u32 = 0;
/// The meter the single-bill benchmarks act on.
const METER: MeterId = 1;

/// A distinct report CID for `(meter, n)`.
fn cid_of(meter: MeterId, n: u8) -> RawCid {
	let mut digest = [n; 32];
	digest[..8].copy_from_slice(&meter.to_le_bytes());
	RawCid(digest)
}

/// A bill entry in the `b…` string form (the longer input to parse).
fn entry(
	meter: MeterId,
	cycle: CycleIndex,
	n: u8,
	supersede: Option<BillVersion>,
	regions: &BillRegions,
) -> BillEntry {
	let cid = cid_of(meter, n);
	BillEntry {
		meter,
		cycle,
		cid: BoundedVec::truncate_from(cid.to_string_bytes().to_vec()),
		digest: *cid.digest(),
		supersede,
		regions: regions.clone(),
	}
}

fn kgc<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::KgcOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// `meter`, owned by its `owner` account, with version 1 of its bill for `cycle` in every
/// region it has been in (returned).
fn billed<T: Config>(
	origin: &T::RuntimeOrigin,
	meter: MeterId,
	cycle: CycleIndex,
) -> Result<(T::AccountId, BillRegions), BenchmarkError> {
	let owner: T::AccountId = account("owner", meter as u32, SEED);
	let regions = T::Meters::benchmark_meter(meter, owner.clone());
	Pallet::<T>::post_bills(
		origin.clone(),
		BoundedVec::truncate_from(vec![entry(meter, cycle, 1, None, &regions)]),
	)?;
	ensure!(LatestBill::<T>::get(meter, cycle) == Some(1), "version 1 posted");
	Ok((owner, regions))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Supersedes version 1.
	#[benchmark]
	fn post_bill() -> Result<(), BenchmarkError> {
		let origin = kgc::<T>()?;
		let cycle = T::Clock::benchmark_finished_cycle();
		let (_, regions) = billed::<T>(&origin, METER, cycle)?;
		let BillEntry { meter, cycle, cid, digest, supersede, regions } =
			entry(METER, cycle, 2, Some(1), &regions);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, meter, cycle, cid, digest, supersede, regions);

		assert_eq!(LatestBill::<T>::get(METER, cycle), Some(2));
		Ok(())
	}

	/// `n` bills, each superseding version 1 of another meter.
	#[benchmark]
	fn post_bills(n: Linear<1, { T::MaxBillsPerCall::get() }>) -> Result<(), BenchmarkError> {
		let origin = kgc::<T>()?;
		let cycle = T::Clock::benchmark_finished_cycle();
		let mut bills = Vec::new();
		for meter in 1..=MeterId::from(n) {
			let (_, regions) = billed::<T>(&origin, meter, cycle)?;
			bills.push(entry(meter, cycle, 2, Some(1), &regions));
		}
		let bills = BoundedVec::try_from(bills).map_err(|_| "batch within MaxBillsPerCall")?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, bills);

		assert_eq!(LatestBill::<T>::get(MeterId::from(n), cycle), Some(2));
		Ok(())
	}

	#[benchmark]
	fn acknowledge() -> Result<(), BenchmarkError> {
		let origin = kgc::<T>()?;
		let cycle = T::Clock::benchmark_finished_cycle();
		let (owner, _) = billed::<T>(&origin, METER, cycle)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), METER, cycle, 1);

		assert_eq!(
			Bills::<T>::get((METER, cycle, 1)).map(|r| r.status),
			Some(BillStatus::Acknowledged)
		);
		Ok(())
	}

	/// With the longest reason.
	#[benchmark]
	fn dispute() -> Result<(), BenchmarkError> {
		let origin = kgc::<T>()?;
		let cycle = T::Clock::benchmark_finished_cycle();
		let (owner, _) = billed::<T>(&origin, METER, cycle)?;
		let reason: ReasonOf<T> =
			BoundedVec::truncate_from(vec![b'r'; T::MaxReasonLen::get() as usize]);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), METER, cycle, 1, reason.clone());

		assert_eq!(
			Bills::<T>::get((METER, cycle, 1)).map(|r| r.status),
			Some(BillStatus::Disputed { reason })
		);
		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
