//! Weights for `pallet-aggregators`.
//!
//! Not yet produced by the benchmarking CLI: these are upper bounds from counting storage
//! accesses, with `pallet-session`'s `set_keys`/`purge_keys` (which both calls perform) charged at
//! their own worst case of 2 key types. Replace with `frame-benchmarking` output when the
//! pallet's benchmarks land.

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aggregators`.
pub trait WeightInfo {
	fn add_aggregator() -> Weight;
	fn remove_aggregator() -> Weight;
}

/// Weights for `pallet-aggregators` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Reads: Aggregators, session NextKeys, 2 × KeyOwner, System.Account, Balances hold.
	/// Writes: Aggregators, PendingChange, NextKeys, 2 × KeyOwner, System.Account.
	fn add_aggregator() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Reads: Aggregators, NextKeys, System.Account, ExternallySetKeys, Balances hold.
	/// Writes: Aggregators, PendingChange, NextKeys, 2 × KeyOwner, System.Account.
	fn remove_aggregator() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(6))
	}
}

// For tests.
impl WeightInfo for () {
	fn add_aggregator() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn remove_aggregator() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
}
