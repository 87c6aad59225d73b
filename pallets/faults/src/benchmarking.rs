//! Benchmarks (frame-benchmarking v2) of the call and of the hooks the runtime calls, each in its
//! worst case: a resolution part with the most entries (absent and lone shares, each of a
//! different covered meter), closing a fault void,
//! a fault recorded while the open index is full (an eviction), a resolved check whose every
//! silent meter is suspended, and a rejected check re-indexed into a full index.
//!
//! The KGC origin is [`Config::KgcOrigin`]'s successful origin; meters come from
//! [`MeterDirectory::benchmark_meters`] and the checker is readied by
//! [`FaultChecker::prepare_check`].

use super::*;
use crate::traits::{CheckOutcome, FaultChecker, MeterDirectory, PeriodData};
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

/// `n` entries ascending by PRID, each naming a different registered meter (a meter read
/// each, and the named list as long as it gets): alternately absent (a share looked up) and
/// lone (a share read).
fn part<T: Config>(n: u32) -> PartOf<T> {
	let meters = T::Meters::benchmark_meters(REGION, n);
	let mut entries: Vec<ResolutionEntry> = meters
		.into_iter()
		.enumerate()
		.map(|(i, meter)| {
			let mark = if i % 2 == 0 { Mark::Absent(meter) } else { Mark::Lone(meter) };
			(prid(0, i as u32), mark)
		})
		.collect();
	entries.sort_by_key(|(p, _)| *p);
	BoundedVec::truncate_from(entries)
}

fn named<T: Config>(meters: Vec<MeterId>) -> NamedOf<T> {
	let n = meters.len() as u32;
	Named {
		parts: 1,
		meters: BoundedVec::truncate_from(meters.into_iter().map(|m| (m, 2)).collect::<Vec<_>>()),
		overflow: false,
		absent: 2 * n,
		lone: 0,
		forged: if n == 0 { 1 } else { 0 },
	}
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

	/// A complete one-part resolution with `n` entries of an open fault.
	#[benchmark]
	fn submit_resolution(
		n: Linear<1, { T::MaxEntriesPerPart::get() }>,
	) -> Result<(), BenchmarkError> {
		let origin = kgc::<T>()?;
		Pallet::<T>::on_faulted(REGION, PERIOD, 2 * n, n);
		let entries = part::<T>(n);
		T::Checker::prepare_check(REGION, PERIOD, &entries);
		// One Z' per channel of the setup `prepare_check` made (the checker refuses another
		// count), one if it made none the worker can read.
		let channels = T::Periods::setup(REGION, PERIOD).map_or(1, |(z, _)| z.len()) as u64;
		let z_prime =
			gridmask_primitives::Values::truncate_from((0..channels).map(|j| 42 + j).collect());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, REGION, PERIOD, 0, entries, Some(z_prime));

		assert!(matches!(
			Faults::<T>::get(REGION, PERIOD).map(|r| r.status),
			Some(FaultStatus::Checking(_))
		));
		Ok(())
	}

	/// Closing an open fault void.
	#[benchmark]
	fn void_period() -> Result<(), BenchmarkError> {
		let origin = kgc::<T>()?;
		Pallet::<T>::on_faulted(REGION, PERIOD, 2, 1);
		T::Checker::prepare_check(REGION, PERIOD, &[]);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, REGION, PERIOD);

		assert_eq!(Faults::<T>::get(REGION, PERIOD).map(|r| r.status), Some(FaultStatus::Void));
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
	fn on_check_done_resolved(m: Linear<0, { T::MaxNamed::get() }>) {
		let mut meters = T::Meters::benchmark_meters(REGION, m);
		meters.sort_unstable();
		for meter in &meters {
			for _ in 1..T::SuspendAfter::get() {
				T::Meters::note_fault(*meter, 0);
			}
		}
		let meters_named = meters.clone();
		let status = FaultStatus::Checking(named::<T>(meters));
		// Every other meter of the region reported: the named ones are blamed.
		let expected = 4 * m.max(1);
		Faults::<T>::insert(REGION, PERIOD, FaultRecord { expected, received: 2 * m, status });
		let outcome = CheckOutcome::Resolved { aggregate: Some(1_000), contributors: 2 * m.max(1) };

		#[block]
		{
			Pallet::<T>::on_check_done(REGION, PERIOD, outcome);
		}

		assert!(matches!(
			Faults::<T>::get(REGION, PERIOD).map(|r| r.status),
			Some(FaultStatus::Resolved { blame: Blame::Meters, .. })
		));
		// The worst case: every named meter reached the threshold and was suspended.
		let suspended = frame_system::Pallet::<T>::events()
			.into_iter()
			.filter(|r| {
				meters_named.iter().any(|meter| {
					r.event
						== <T as frame_system::Config>::RuntimeEvent::from(
							Event::<T>::MeterSuspended { meter: *meter },
						)
				})
			})
			.count();
		assert_eq!(suspended as u32, m, "every named meter is suspended");
	}

	/// A failed check, re-indexed into a full open index.
	#[benchmark]
	fn on_check_done_rejected() {
		fill_open_index::<T>();
		let status = FaultStatus::Checking(named::<T>(Vec::new()));
		Faults::<T>::insert(REGION, PERIOD, FaultRecord { expected: 2, received: 3, status });

		#[block]
		{
			Pallet::<T>::on_check_done(REGION, PERIOD, CheckOutcome::Mismatch);
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
