//! Weights for `pallet-pricing`.
//!
//! Not yet produced by the benchmarking CLI: upper bounds from counting storage accesses. The
//! origin check reads the CC account (1 read), the region check the region (1), the clock the
//! readings time parameters and the timestamp (2), the billing check up to 2 records.

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-pricing`.
pub trait WeightInfo {
	/// `set_tariff` with `b` bands and `t` tiers.
	fn set_tariff(b: u32, t: u32) -> Weight;
	/// `set_price` (worst case: a period that had no price).
	fn set_price() -> Weight;
	/// `Pallet::on_period_sealed` for a region with `v` tariff versions.
	fn on_period_sealed(v: u32) -> Weight;
}

/// Proof size per storage read (a tariff record with the runtime's bounds plus trie nodes).
const PROOF_PER_READ: u64 = 2_000;

fn weights(db: RuntimeDbWeight) -> impl Fn(u64, u64, u64) -> Weight {
	move |base, reads, writes| {
		Weight::from_parts(base, 2_000 + PROOF_PER_READ * reads)
			.saturating_add(db.reads(reads))
			.saturating_add(db.writes(writes))
	}
}

/// Reads of the tariff search among `v` versions: the head record, then a binary search over
/// the `v − 1` older ones (at most `bits(v)` reads).
fn search_reads(v: u32) -> u64 {
	if v == 0 {
		0
	} else {
		1 + u64::from(u32::BITS - v.leading_zeros())
	}
}

fn set_tariff(db: RuntimeDbWeight, b: u32, t: u32) -> Weight {
	// Reads: CC, region, clock (2), head. Writes: the record, the head.
	weights(db)(20_000_000, 5, 2)
		.saturating_add(Weight::from_parts(100_000, 12).saturating_mul(b.into()))
		.saturating_add(Weight::from_parts(100_000, 16).saturating_mul(t.into()))
}

fn set_price(db: RuntimeDbWeight) -> Weight {
	// Reads: CC, region, price, unpriced, billing (2). Writes: price, unpriced.
	weights(db)(18_000_000, 6, 2)
}

fn on_period_sealed(db: RuntimeDbWeight, v: u32) -> Weight {
	// Reads: price and unpriced (repeat guard), head, search. Writes: price or unpriced.
	let search = search_reads(v);
	weights(db)(15_000_000, 3 + search, 1)
		.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(search))
}

/// Weights for `pallet-pricing` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn set_tariff(b: u32, t: u32) -> Weight {
		set_tariff(T::DbWeight::get(), b, t)
	}
	fn set_price() -> Weight {
		set_price(T::DbWeight::get())
	}
	fn on_period_sealed(v: u32) -> Weight {
		on_period_sealed(T::DbWeight::get(), v)
	}
}

impl WeightInfo for () {
	fn set_tariff(b: u32, t: u32) -> Weight {
		set_tariff(RocksDbWeight::get(), b, t)
	}
	fn set_price() -> Weight {
		set_price(RocksDbWeight::get())
	}
	fn on_period_sealed(v: u32) -> Weight {
		on_period_sealed(RocksDbWeight::get(), v)
	}
}
