//! Weights for `pallet-faults`.
//!
//! Not yet produced by the benchmarking CLI: upper bounds from counting storage accesses,
//! including the work the runtime's adapters do on the pallet's behalf: the KGC origin check
//! reads the KGC account (1 read); [`crate::traits::MeterDirectory::is_registered`] reads a meter
//! (1) and `note_fault` reads and writes a meter and, when it suspends it, its region (2 + 2);
//! [`crate::traits::FaultChecker::start_check`] (the readings pallet) reads the pair's outcome,
//! prune position, pending re-check, the queue and one share per listed PRID, and writes the
//! queue and the resolution.

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-faults`.
pub trait WeightInfo {
	/// `submit_resolution` with `a` absent and `f` forged PRIDs.
	fn submit_resolution(a: u32, f: u32) -> Weight;
	/// `Pallet::on_faulted` (worst case: the open-fault index is full, one entry is evicted).
	fn on_faulted() -> Weight;
	/// `Pallet::on_check_done` with `Ok`, for `m` distinct absent meters (worst case: each is
	/// suspended).
	fn on_check_done_resolved(m: u32) -> Weight;
	/// `Pallet::on_check_done` with `Err` (the fault is re-indexed).
	fn on_check_done_rejected() -> Weight;
}

/// Proof size per storage read (a fault record with the runtime's bounds, plus trie nodes).
const PROOF_PER_READ: u64 = 2_000;

/// A fixed part: `base` ref time, `reads` and `writes`, 2 kB of proof plus the reads'.
fn weights(db: RuntimeDbWeight) -> impl Fn(u64, u64, u64) -> Weight {
	move |base, reads, writes| {
		per_item(db)(base, reads, writes).saturating_add(Weight::from_parts(0, 2_000))
	}
}

/// A part per item: `base` ref time, `reads` and `writes`, and the reads' proof.
fn per_item(db: RuntimeDbWeight) -> impl Fn(u64, u64, u64) -> Weight {
	move |base, reads, writes| {
		Weight::from_parts(base, PROOF_PER_READ * reads)
			.saturating_add(db.reads(reads))
			.saturating_add(db.writes(writes))
	}
}

fn submit_resolution(db: RuntimeDbWeight, a: u32, f: u32) -> Weight {
	// Reads: KGC, fault, open index, checker (outcome, prune position, re-check, queue).
	// Writes: fault, open index, checker (queue, resolution).
	// Per absent PRID: a meter (at most one per PRID) and a share. Per forged PRID: a share.
	let per_absent = per_item(db)(400_000, 2, 0);
	let per_forged = per_item(db)(300_000, 1, 0);
	weights(db)(35_000_000, 7, 4)
		.saturating_add(per_absent.saturating_mul(a.into()))
		.saturating_add(per_forged.saturating_mul(f.into()))
}

fn on_faulted(db: RuntimeDbWeight) -> Weight {
	// Reads: fault, open index. Writes: fault, open index.
	weights(db)(15_000_000, 2, 2)
}

fn on_check_done_resolved(db: RuntimeDbWeight, m: u32) -> Weight {
	// Reads: fault. Writes: fault. Per meter: meter and region read and written.
	let per_meter = per_item(db)(3_000_000, 2, 2);
	weights(db)(15_000_000, 1, 1).saturating_add(per_meter.saturating_mul(m.into()))
}

fn on_check_done_rejected(db: RuntimeDbWeight) -> Weight {
	// Reads: fault, open index. Writes: fault, open index.
	weights(db)(15_000_000, 2, 2)
}

/// Weights for `pallet-faults` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn submit_resolution(a: u32, f: u32) -> Weight {
		submit_resolution(T::DbWeight::get(), a, f)
	}
	fn on_faulted() -> Weight {
		on_faulted(T::DbWeight::get())
	}
	fn on_check_done_resolved(m: u32) -> Weight {
		on_check_done_resolved(T::DbWeight::get(), m)
	}
	fn on_check_done_rejected() -> Weight {
		on_check_done_rejected(T::DbWeight::get())
	}
}

impl WeightInfo for () {
	fn submit_resolution(a: u32, f: u32) -> Weight {
		submit_resolution(RocksDbWeight::get(), a, f)
	}
	fn on_faulted() -> Weight {
		on_faulted(RocksDbWeight::get())
	}
	fn on_check_done_resolved(m: u32) -> Weight {
		on_check_done_resolved(RocksDbWeight::get(), m)
	}
	fn on_check_done_rejected() -> Weight {
		on_check_done_rejected(RocksDbWeight::get())
	}
}
