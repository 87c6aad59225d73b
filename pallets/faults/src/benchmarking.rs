//! Benchmarks (frame-benchmarking v2) of the call and of the hooks the runtime calls, each in its
//! worst case: resolutions with the most absent shares (of registered meters) and forged PRIDs,
//! a fault recorded while the open index is full (an eviction), a resolved check whose every
//! silent meter is suspended, and a rejected check re-indexed into a full index.
//!
//! The KGC origin is [`Config::KgcOrigin`]'s successful origin; meters come from
//! [`MeterDirectory::benchmark_meters`] and the checker is readied by
//! [`FaultChecker::prepare_check`].

use super::*;
use crate::traits::{FaultChecker, MeterDirectory};
use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, traits::EnsureOrigin, BoundedVec};

const REGION: RegionId = 1;
const PERIOD: PeriodIndex = 7;
/// Periods of the faults that fill the open index.
const FILLER: PeriodIndex = 1_000;

fn kgc<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::KgcOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// A pseudo-random PRID (`tag` tells lists apart).
fn prid(tag: u8, i: u32) -> Prid {
	Prid((tag, i).using_encoded(sp_io::hashing::blake2_256))
}

/// `a` absent shares, two per registered meter, and `f` forged PRIDs, each ascending by PRID.
fn resolution<T: Config>(a: u32, f: u32) -> (AbsentOf<T>, ForgedOf<T>) {
	let meters = T::Meters::benchmark_meters(REGION, a.div_ceil(2));
	let mut absent: Vec<(MeterId, Prid)> =
		(0..a).map(|i| (meters[(i / 2) as usize], prid(0, i))).collect();
	absent.sort_by_key(|(_, p)| *p);
	let mut forged: Vec<Prid> = (0..f).map(|i| prid(1, i)).collect();
	forged.sort();
	(BoundedVec::truncate_from(absent), BoundedVec::truncate_from(forged))
}

/// Fill [`OpenFaults`] with faults of other periods.
fn fill_open_index<T: Config>() {
	for i in 0..T::MaxOpenFaults::get() {
		Pallet::<T>::on_faulted(REGION, FILLER + i, 2, 1);
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A resolution with `a` absent shares and `f` forged PRIDs of an open fault.
	#[benchmark]
	fn submit_resolution(
		a: Linear<1, { T::MaxAbsent::get() }>,
		f: Linear<0, { T::MaxForged::get() }>,
	) -> Result<(), BenchmarkError> {
		let origin = kgc::<T>()?;
		Pallet::<T>::on_faulted(REGION, PERIOD, 2 * a, a);
		let (absent, forged) = resolution::<T>(a, f);
		let absent_prids: Vec<Prid> = absent.iter().map(|(_, p)| *p).collect();
		T::Checker::prepare_check(REGION, PERIOD, &absent_prids, &forged);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, REGION, PERIOD, absent, forged, 42);

		assert!(matches!(
			Faults::<T>::get(REGION, PERIOD).map(|r| r.status),
			Some(FaultStatus::Checking { .. })
		));
		Ok(())
	}

	/// A new fault while the open index is full: the oldest entry is evicted.
	#[benchmark]
	fn on_faulted() {
		fill_open_index::<T>();

		#[block]
		{
			Pallet::<T>::on_faulted(REGION, PERIOD, 10, 8);
		}

		assert!(OpenFaults::<T>::get().contains(&(REGION, PERIOD)));
	}

	/// A successful check with `m` silent meters, each one fault short of suspension.
	#[benchmark]
	fn on_check_done_resolved(m: Linear<0, { T::MaxAbsent::get() }>) {
		let mut meters = T::Meters::benchmark_meters(REGION, m);
		meters.sort_unstable();
		for meter in &meters {
			for _ in 1..T::SuspendAfter::get() {
				T::Meters::note_fault(*meter, 0);
			}
		}
		let status = FaultStatus::Checking {
			absent_meters: BoundedVec::truncate_from(meters),
			absent: m,
			forged: if m == 0 { 1 } else { 0 },
		};
		Faults::<T>::insert(REGION, PERIOD, FaultRecord { expected: 2 * m, received: m, status });

		#[block]
		{
			Pallet::<T>::on_check_done(REGION, PERIOD, Ok(1_000));
		}

		assert!(matches!(
			Faults::<T>::get(REGION, PERIOD).map(|r| r.status),
			Some(FaultStatus::Resolved { .. })
		));
	}

	/// A failed check, re-indexed into a full open index.
	#[benchmark]
	fn on_check_done_rejected() {
		fill_open_index::<T>();
		let status =
			FaultStatus::Checking { absent_meters: BoundedVec::new(), absent: 0, forged: 1 };
		Faults::<T>::insert(REGION, PERIOD, FaultRecord { expected: 2, received: 3, status });

		#[block]
		{
			Pallet::<T>::on_check_done(REGION, PERIOD, Err(()));
		}

		assert_eq!(Faults::<T>::get(REGION, PERIOD).map(|r| r.status), Some(FaultStatus::Rejected));
		assert!(OpenFaults::<T>::get().contains(&(REGION, PERIOD)));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
