//! Benchmarks (frame-benchmarking v2) of both calls, in their worst case: the registry one short
//! of (for `add_aggregator`) or at (for `remove_aggregator`) [`Config::MaxAggregators`], and
//! `pallet-session`'s key bookkeeping on its longest path.
//!
//! Session keys and ownership proofs are real: [`Config::BenchmarkHelper`] generates them in the
//! runtime (the keystore host functions, as `author_rotateKeysWithOwner` does), and
//! `pallet-session` verifies the proof during the measured call.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{EnsureOrigin, Get},
	BoundedVec,
};
use frame_system::RawOrigin;

const SEED: u32 = 0;

/// Fill the registry with made-up accounts until it holds `len` aggregators (keeping any it
/// holds already, e.g. the genesis ones). The fillers get no session keys: neither call reads
/// another aggregator's keys, only the registry itself.
fn fill_registry<T: Config>(len: u32) {
	let mut set = Aggregators::<T>::get().into_inner();
	let mut i = 0;
	while (set.len() as u32) < len {
		let filler: T::AccountId = account("filler", i, SEED);
		if !set.contains(&filler) {
			set.push(filler);
		}
		i += 1;
	}
	set.sort();
	let set: BoundedVec<_, T::MaxAggregators> = set.try_into().expect("len <= MaxAggregators; qed");
	Aggregators::<T>::put(set);
}

/// An account that exists and can pay `pallet-session`'s key deposit: `pallet-session` mints
/// it the deposit (at least the existential deposit).
fn funded_account<T: Config>(name: &'static str) -> Result<T::AccountId, BenchmarkError> {
	let who: T::AccountId = account(name, 0, SEED);
	pallet_session::Pallet::<T>::ensure_can_pay_key_deposit(&who)?;
	Ok(who)
}

fn admin<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The registry holds `MaxAggregators - 1` aggregators; `who` had registered other session
	/// keys itself before (`Session::set_keys`), so `pallet-session` rotates them: it clears the
	/// old key owners and writes the new ones (the longest path of its `set_keys`).
	#[benchmark]
	fn add_aggregator() -> Result<(), BenchmarkError> {
		let origin = admin::<T>()?;
		fill_registry::<T>(T::MaxAggregators::get().saturating_sub(1));
		let who = funded_account::<T>("aggregator")?;
		let (old_keys, old_proof) =
			T::BenchmarkHelper::generate_session_keys_and_proof(who.clone());
		pallet_session::Pallet::<T>::set_keys(
			RawOrigin::Signed(who.clone()).into(),
			old_keys,
			old_proof,
		)?;
		let (keys, proof) = T::BenchmarkHelper::generate_session_keys_and_proof(who.clone());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), keys.clone(), proof);

		assert!(Pallet::<T>::is_aggregator(&who));
		assert_eq!(Aggregators::<T>::get().len() as u32, T::MaxAggregators::get());
		assert!(pallet_session::NextKeys::<T>::get(&who) == Some(keys));
		assert!(PendingChange::<T>::get());
		Ok(())
	}

	/// The registry is full (`MaxAggregators`); `who` was added by `add_aggregator`, so its
	/// session keys are purged too.
	#[benchmark]
	fn remove_aggregator() -> Result<(), BenchmarkError> {
		let origin = admin::<T>()?;
		fill_registry::<T>(T::MaxAggregators::get().saturating_sub(1));
		let who = funded_account::<T>("aggregator")?;
		let (keys, proof) = T::BenchmarkHelper::generate_session_keys_and_proof(who.clone());
		Pallet::<T>::add_aggregator(origin.clone(), who.clone(), keys, proof)?;
		PendingChange::<T>::kill();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Pallet::<T>::is_aggregator(&who));
		assert!(!pallet_session::NextKeys::<T>::contains_key(&who));
		assert!(PendingChange::<T>::get());
		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
