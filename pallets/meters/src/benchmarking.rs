//! Benchmarks (frame-benchmarking v2) of every call, each in its worst case: regions with the
//! longest name and the most aggregators (the largest `Region` record to decode and re-encode),
//! full `register_meters` batches, and meters whose status change touches the region counters.
//!
//! The KGC role is given to the whitelisted caller; the `Kgc` read of the role check is counted.

use super::*;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::RawOrigin;

const SEED: u32 = 0;
/// The region the meters start in, and the one `move_meter` moves them to.
const FROM: RegionId = 1;
const TO: RegionId = 2;
/// The meter the single-meter benchmarks act on.
const METER: MeterId = 1;

/// Make the whitelisted caller the KGC; returns its origin.
fn kgc<T: Config>() -> T::RuntimeOrigin {
	let kgc: T::AccountId = whitelisted_caller();
	Kgc::<T>::put(&kgc);
	RawOrigin::Signed(kgc).into()
}

/// A name of `MaxNameLen` bytes.
fn longest_name<T: Config>() -> BoundedVec<u8, T::MaxNameLen> {
	BoundedVec::truncate_from(vec![b'r'; T::MaxNameLen::get() as usize])
}

/// `MaxRegionAggregators` distinct accounts (`seed` tells lists apart).
fn most_aggregators<T: Config>(seed: u32) -> BoundedVec<T::AccountId, T::MaxRegionAggregators> {
	let list: Vec<T::AccountId> =
		(0..T::MaxRegionAggregators::get()).map(|i| account("aggregator", i, seed)).collect();
	BoundedVec::truncate_from(list)
}

/// Create `region` with the longest name and the most aggregators.
fn create<T: Config>(origin: &T::RuntimeOrigin, region: RegionId) -> Result<(), BenchmarkError> {
	Pallet::<T>::create_region(
		origin.clone(),
		region,
		longest_name::<T>(),
		most_aggregators::<T>(SEED),
	)?;
	Ok(())
}

fn registration<T: Config>(meter: MeterId, region: RegionId) -> MeterRegistration<T::AccountId> {
	MeterRegistration {
		meter,
		region,
		owner: account("owner", meter as u32, SEED),
		owner_key: HpkePublicKey([(meter as u8) | 1; 32]),
		prosumer: false,
	}
}

/// Regions `FROM` and `TO`, and `METER`, active, in `FROM`.
fn one_meter<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	let origin = kgc::<T>();
	create::<T>(&origin, FROM)?;
	create::<T>(&origin, TO)?;
	Pallet::<T>::register_meters(
		origin.clone(),
		BoundedVec::truncate_from(vec![registration::<T>(METER, FROM)]),
	)?;
	Ok(origin)
}

fn status<T: Config>(meter: MeterId) -> Option<MeterStatus> {
	Meters::<T>::get(meter).map(|m| m.status)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_role() -> Result<(), BenchmarkError> {
		let origin =
			T::RoleAdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("holder", 0, SEED);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Role::Cc, who.clone());

		assert_eq!(Cc::<T>::get(), Some(who));
		Ok(())
	}

	#[benchmark]
	fn create_region() -> Result<(), BenchmarkError> {
		let origin = kgc::<T>();
		let name = longest_name::<T>();
		let aggregators = most_aggregators::<T>(SEED);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, FROM, name, aggregators);

		assert!(Regions::<T>::contains_key(FROM));
		Ok(())
	}

	/// The region holds the most aggregators and the longest name already; all are replaced.
	#[benchmark]
	fn set_region_aggregators() -> Result<(), BenchmarkError> {
		let origin = kgc::<T>();
		create::<T>(&origin, FROM)?;
		let aggregators = most_aggregators::<T>(SEED + 1);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, FROM, aggregators.clone());

		assert_eq!(Regions::<T>::get(FROM).map(|r| r.aggregators), Some(aggregators));
		Ok(())
	}

	/// `n` new meters into a region with the longest name and the most aggregators. The ids
	/// come in descending order, so the duplicate check has to sort them.
	#[benchmark]
	fn register_meters(n: Linear<1, { T::MaxRegisterBatch::get() }>) -> Result<(), BenchmarkError> {
		let origin = kgc::<T>();
		create::<T>(&origin, FROM)?;
		let batch: Vec<_> =
			(1..=MeterId::from(n)).rev().map(|id| registration::<T>(id, FROM)).collect();
		let batch = BoundedVec::try_from(batch).map_err(|_| "batch within MaxRegisterBatch")?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, batch);

		assert_eq!(Pallet::<T>::active_meters(FROM), n);
		assert!(Meters::<T>::contains_key(MeterId::from(n)));
		Ok(())
	}

	/// An active meter moves: both regions' counters change.
	#[benchmark]
	fn move_meter() -> Result<(), BenchmarkError> {
		let origin = one_meter::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER, TO);

		assert_eq!(Pallet::<T>::active_meters(FROM), 0);
		assert_eq!(Pallet::<T>::active_meters(TO), 1);
		assert!(MetersByRegion::<T>::contains_key(TO, METER));
		Ok(())
	}

	#[benchmark]
	fn suspend_meter() -> Result<(), BenchmarkError> {
		let origin = one_meter::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER);

		assert_eq!(status::<T>(METER), Some(MeterStatus::Suspended));
		assert_eq!(Pallet::<T>::active_meters(FROM), 0);
		Ok(())
	}

	#[benchmark]
	fn reinstate_meter() -> Result<(), BenchmarkError> {
		let origin = one_meter::<T>()?;
		Pallet::<T>::suspend_meter(origin.clone(), METER)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER);

		assert_eq!(status::<T>(METER), Some(MeterStatus::Active));
		assert_eq!(Pallet::<T>::active_meters(FROM), 1);
		Ok(())
	}

	/// An active meter is retired: the region's counter changes and the index entry goes.
	#[benchmark]
	fn retire_meter() -> Result<(), BenchmarkError> {
		let origin = one_meter::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER);

		assert_eq!(status::<T>(METER), Some(MeterStatus::Retired));
		assert!(!MetersByRegion::<T>::contains_key(FROM, METER));
		Ok(())
	}

	#[benchmark]
	fn set_owner_key() -> Result<(), BenchmarkError> {
		let origin = one_meter::<T>()?;
		let key = HpkePublicKey([0x0e; 32]);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER, key);

		assert_eq!(Meters::<T>::get(METER).map(|m| m.owner_key), Some(key));
		Ok(())
	}

	#[benchmark]
	fn set_region_shape() -> Result<(), BenchmarkError> {
		let origin = one_meter::<T>()?;
		let shape = Shape::truncate_from(ChannelKind::ALL.to_vec());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, FROM, shape.clone());

		assert_eq!(Regions::<T>::get(FROM).map(|r| r.shape), Some(shape));
		Ok(())
	}

	#[benchmark]
	fn set_prosumer() -> Result<(), BenchmarkError> {
		let origin = one_meter::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, METER, true);

		assert_eq!(Regions::<T>::get(FROM).map(|r| r.active_prosumers), Some(1));
		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
