//! Weights for `pallet-meters`.
//!
//! Not yet produced by the benchmarking CLI: upper bounds from counting storage accesses
//! (reads include the role check, one read of `Kgc`).

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-meters`.
pub trait WeightInfo {
	fn set_role() -> Weight;
	fn create_region() -> Weight;
	fn set_region_aggregators() -> Weight;
	fn register_meters(n: u32) -> Weight;
	fn move_meter() -> Weight;
	fn suspend_meter() -> Weight;
	fn reinstate_meter() -> Weight;
	fn retire_meter() -> Weight;
	fn set_owner_key() -> Weight;
}

fn weights(db: RuntimeDbWeight) -> impl Fn(u64, u64, u64) -> Weight {
	move |base, reads, writes| {
		Weight::from_parts(base, 2_000)
			.saturating_add(db.reads(reads))
			.saturating_add(db.writes(writes))
	}
}

/// Weights for `pallet-meters` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn set_role() -> Weight {
		weights(T::DbWeight::get())(10_000_000, 0, 1)
	}
	fn create_region() -> Weight {
		weights(T::DbWeight::get())(15_000_000, 2, 1)
	}
	fn set_region_aggregators() -> Weight {
		weights(T::DbWeight::get())(15_000_000, 2, 1)
	}
	/// Per meter: read Meters, write Meters and MetersByRegion.
	fn register_meters(n: u32) -> Weight {
		weights(T::DbWeight::get())(20_000_000, 2, 1)
			.saturating_add(weights(T::DbWeight::get())(8_000_000, 1, 2).saturating_mul(n.into()))
	}
	fn move_meter() -> Weight {
		weights(T::DbWeight::get())(25_000_000, 4, 5)
	}
	fn suspend_meter() -> Weight {
		weights(T::DbWeight::get())(15_000_000, 3, 2)
	}
	fn reinstate_meter() -> Weight {
		weights(T::DbWeight::get())(15_000_000, 3, 2)
	}
	fn retire_meter() -> Weight {
		weights(T::DbWeight::get())(15_000_000, 3, 3)
	}
	fn set_owner_key() -> Weight {
		weights(T::DbWeight::get())(12_000_000, 2, 1)
	}
}

impl WeightInfo for () {
	fn set_role() -> Weight {
		weights(RocksDbWeight::get())(10_000_000, 0, 1)
	}
	fn create_region() -> Weight {
		weights(RocksDbWeight::get())(15_000_000, 2, 1)
	}
	fn set_region_aggregators() -> Weight {
		weights(RocksDbWeight::get())(15_000_000, 2, 1)
	}
	fn register_meters(n: u32) -> Weight {
		weights(RocksDbWeight::get())(20_000_000, 2, 1)
			.saturating_add(weights(RocksDbWeight::get())(8_000_000, 1, 2).saturating_mul(n.into()))
	}
	fn move_meter() -> Weight {
		weights(RocksDbWeight::get())(25_000_000, 4, 5)
	}
	fn suspend_meter() -> Weight {
		weights(RocksDbWeight::get())(15_000_000, 3, 2)
	}
	fn reinstate_meter() -> Weight {
		weights(RocksDbWeight::get())(15_000_000, 3, 2)
	}
	fn retire_meter() -> Weight {
		weights(RocksDbWeight::get())(15_000_000, 3, 3)
	}
	fn set_owner_key() -> Weight {
		weights(RocksDbWeight::get())(12_000_000, 2, 1)
	}
}
