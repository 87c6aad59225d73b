//! Weights for `pallet-readings`.
//!
//! **Hand-derived upper bounds**, not yet produced by the benchmarking CLI on reference
//! hardware: storage accesses are counted exactly from the code (charged at the runtime's
//! `DbWeight`), proof sizes from the `MaxEncodedLen` of what is read, and the computation is a
//! generous estimate (sr25519 verification ≈ 50 µs; BLAKE2b of one 64-byte BF1 probe ≈ 1 µs; of a
//! PRID in the T state ≈ 0.5 µs). Regenerate with the benchmarks of `benchmarking.rs`:
//!
//! ```text
//! cargo build --release -p gridmask-node --features runtime-benchmarks
//! ./target/release/gridmask-node benchmark pallet --runtime \
//!   target/release/wbuild/gridmask-runtime/gridmask_runtime.compact.compressed.wasm \
//!   --pallet pallet_readings --extrinsic '*' --steps 50 --repeat 20 \
//!   --output pallets/readings/src/weights.rs --template <frame-weight-template.hbs>
//! ```

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-readings`.
pub trait WeightInfo {
	/// `publish_setup` with `n` entries.
	fn publish_setup(n: u32) -> Weight;
	/// `publish_bf1_chunks` with `c` chunks.
	fn publish_bf1_chunks(c: u32) -> Weight;
	/// `submit_reading` (dispatch).
	fn submit_reading() -> Weight;
	/// The authorization of `submit_reading` (run by `AuthorizeCall` at validation and apply).
	fn authorize_submit_reading() -> Weight;
	/// `on_initialize` with nothing to seal.
	fn on_initialize_idle() -> Weight;
	/// Sealing work: `s` PRIDs hashed and `p` other steps (pair started / finished, period
	/// skipped), on top of `on_initialize_idle`.
	fn on_initialize_seal(s: u32, p: u32) -> Weight;
	/// Pruning: one step (a period or prefix) removing `k` keys.
	fn on_idle_prune(k: u32) -> Weight;
}

macro_rules! weights {
	($db:expr) => {
		/// Per entry: region registry (2 reads, charged as such), Setups, PeriodRegions,
		/// NextSeal, Outcomes; writes Setups, PeriodRegions. Base: KGC role, TimeConfig, Now.
		fn publish_setup(n: u32) -> Weight {
			Weight::from_parts(20_000_000, 2_000)
				.saturating_add($db.reads(3))
				.saturating_add(Weight::from_parts(15_000_000, 1_200).saturating_mul(u64::from(n)))
				.saturating_add($db.reads(6).saturating_mul(u64::from(n)))
				.saturating_add($db.writes(2).saturating_mul(u64::from(n)))
		}
		/// Base: KGC role, TimeConfig, Now, Setups, NextSeal, Outcomes; write Setups.
		/// Per chunk: read the old chunk (≤ 1 KiB), write the new one.
		fn publish_bf1_chunks(c: u32) -> Weight {
			Weight::from_parts(20_000_000, 2_000)
				.saturating_add($db.reads(6))
				.saturating_add($db.writes(1))
				.saturating_add(Weight::from_parts(8_000_000, 1_100).saturating_mul(u64::from(c)))
				.saturating_add($db.reads(1).saturating_mul(u64::from(c)))
				.saturating_add($db.writes(1).saturating_mul(u64::from(c)))
		}
		/// Reads Shares (contains), Accumulators; writes Shares, Accumulators; one event.
		fn submit_reading() -> Weight {
			Weight::from_parts(15_000_000, 600)
				.saturating_add($db.reads(2))
				.saturating_add($db.writes(2))
		}
		/// Reads TimeConfig, Now, Setups, Shares (contains), one 1 KiB chunk, BlockHash(0);
		/// one BLAKE2b-512 probe and one sr25519 verification.
		fn authorize_submit_reading() -> Weight {
			Weight::from_parts(80_000_000, 1_700).saturating_add($db.reads(6))
		}
		/// Reads TimeConfig, Now, NextSeal, Sealing.
		fn on_initialize_idle() -> Weight {
			Weight::from_parts(5_000_000, 600).saturating_add($db.reads(4))
		}
		/// Per PRID: one key read (next_key) and a BLAKE2b update. Per other step: up to 3
		/// reads (PeriodRegions ≤ 4 KiB, Setups, Accumulators) and 2 writes (Outcomes /
		/// Sealing / NextSeal) and an event. Plus one write of the cursor.
		fn on_initialize_seal(s: u32, p: u32) -> Weight {
			Weight::from_parts(5_000_000, 300)
				.saturating_add($db.writes(1))
				.saturating_add(Weight::from_parts(2_000_000, 40).saturating_mul(u64::from(s)))
				.saturating_add($db.reads(1).saturating_mul(u64::from(s)))
				.saturating_add(Weight::from_parts(10_000_000, 4_200).saturating_mul(u64::from(p)))
				.saturating_add($db.reads(3).saturating_mul(u64::from(p)))
				.saturating_add($db.writes(2).saturating_mul(u64::from(p)))
		}
		/// Per step: NextPrune, PeriodRegions (reads), NextPrune (write). Per key: one removal.
		fn on_idle_prune(k: u32) -> Weight {
			Weight::from_parts(5_000_000, 4_200)
				.saturating_add($db.reads(2))
				.saturating_add($db.writes(1))
				.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(u64::from(k)))
				.saturating_add($db.writes(1).saturating_mul(u64::from(k)))
		}
	};
}

/// Weights for `pallet-readings` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	weights!(T::DbWeight::get());
}

// For tests.
impl WeightInfo for () {
	weights!(RocksDbWeight::get());
}
