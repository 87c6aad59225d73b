//! Weights for `pallet-meters`.
//!
//! Not yet produced by the benchmarking CLI: upper bounds from counting storage accesses.

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet-meters`.
pub trait WeightInfo {
	fn set_role() -> Weight;
}

/// Weights for `pallet-meters` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Writes: Kgc or Cc.
	fn set_role() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
}

impl WeightInfo for () {
	fn set_role() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(RocksDbWeight::get().writes(1))
	}
}
