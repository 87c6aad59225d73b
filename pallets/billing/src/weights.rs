//! Weights for `pallet-billing`.
//!
//! Not yet produced by the benchmarking CLI: upper bounds from counting storage accesses in the
//! worst case of each call (reads include the KGC role check, one read, and the cycle clock,
//! two reads: the readings pallet's time parameters and the timestamp).

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-billing`.
pub trait WeightInfo {
	fn post_bill() -> Weight;
	fn post_bills(n: u32) -> Weight;
	fn acknowledge() -> Weight;
	fn dispute() -> Weight;
}

fn weights(db: RuntimeDbWeight) -> impl Fn(u64, u64, u64) -> Weight {
	move |base, reads, writes| {
		Weight::from_parts(base, 2_000)
			.saturating_add(db.reads(reads))
			.saturating_add(db.writes(writes))
	}
}

/// Per bill, superseding (the worst case): read the meter, `LatestBill` and the old record;
/// write both records and `LatestBill` (a first bill writes `BilledCycles` instead of the old
/// record). The base covers the CID parse.
fn per_bill(db: RuntimeDbWeight) -> Weight {
	weights(db)(20_000_000, 3, 3)
}

/// Origin and clock.
fn call_base(db: RuntimeDbWeight) -> Weight {
	weights(db)(10_000_000, 3, 0)
}

/// The owner's calls: read the meter, `LatestBill` and the record; write the record. The base
/// covers re-encoding a record with the longest reason.
fn owner_call(db: RuntimeDbWeight) -> Weight {
	weights(db)(18_000_000, 3, 1)
}

/// Weights for `pallet-billing` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn post_bill() -> Weight {
		call_base(T::DbWeight::get()).saturating_add(per_bill(T::DbWeight::get()))
	}
	fn post_bills(n: u32) -> Weight {
		call_base(T::DbWeight::get())
			.saturating_add(per_bill(T::DbWeight::get()).saturating_mul(n.into()))
	}
	fn acknowledge() -> Weight {
		owner_call(T::DbWeight::get())
	}
	fn dispute() -> Weight {
		owner_call(T::DbWeight::get())
	}
}

impl WeightInfo for () {
	fn post_bill() -> Weight {
		call_base(RocksDbWeight::get()).saturating_add(per_bill(RocksDbWeight::get()))
	}
	fn post_bills(n: u32) -> Weight {
		call_base(RocksDbWeight::get())
			.saturating_add(per_bill(RocksDbWeight::get()).saturating_mul(n.into()))
	}
	fn acknowledge() -> Weight {
		owner_call(RocksDbWeight::get())
	}
	fn dispute() -> Weight {
		owner_call(RocksDbWeight::get())
	}
}
