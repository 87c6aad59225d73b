//! # gridmask primitives
//!
//! The cryptography and shared types of the gridmask protocol (`shared/docs/PROTOCOL.md` §3), in
//! one `no_std` crate used by the runtime, the pallets and the client, so that every party computes
//! every value bit for bit alike. The `std` feature (default) adds the client-only parts: signing,
//! randomness, the parallel period-setup builder, HPKE bill reports and the test vectors.
//!
//! ## Overview
//! For each meter the KGC keeps one [`MasterSecret`]. Per cycle it derives four GGM roots
//! ([`CycleSeeds`]: `s, s', r, r'`); leaf `k` of each tree belongs to period `k` of the cycle. The
//! leaves `t, t'` become one-time sr25519 keys whose public keys are the period's two [`Prid`]s; the
//! leaves `z, z'` become u64 masks `H3(z), H3(z')`. A meter splits its consumption `c` into two
//! random shares, masks each and signs each under its own PRID ([`ReadingPayload`]). A reading
//! has one value per **channel** of its region's shape ([`channel`]: import, export, …); each
//! channel `j` is split and masked on its own with `H3(z, j)`, and one signature per share
//! covers all of them. Ahead of
//! time the KGC publishes per (region, period) a Bloom filter of the expected PRIDs ([`Bf1`]), a
//! commitment to exactly that set ([`TCommitment`]) and the sum of the masks (`Z`, one per
//! channel). The runtime
//! accepts a share if its PRID is in BF1 and its signature verifies; at sealing it recomputes T over
//! the PRIDs it received and, if it matches, publishes `Σ values − Z`, the regional consumption.
//! Bills are HPKE-encrypted to the owner ([`bill`]) and stored in IPFS under a raw [`RawCid`].
//!
//! ## Terminology
//! - *cycle*: a billing period of `periods_per_cycle` periods (paper: a month of 1440).
//! - *leaf index* `k`: a period's position in its cycle, the GGM input (16 bits).
//! - *share A / B*: the unprimed / primed half of a reading (`PRID`, `z` / `PRID'`, `z'`).
//! - *PRID*: pseudo-random identity, a one-time sr25519 public key.
//! - *BF1*: the valid-identity filter of a (region, period). *T*: the exact set commitment.
//!   *Z*: the mask sum (`Z_j` per channel).
//! - *channel*, *shape*: one quantity a reading carries (`import_wh`, `export_wh`,
//!   `max_demand_w`, `reactive_varh`); a region's ordered list of them, `import_wh` first.
//!
//! ## Choices left open by PROTOCOL.md §3 (all versioned by their tag)
//! - **Hash**: BLAKE2b (`blake2b_simd`, identical natively and in wasm; BLAKE2b-256 equals
//!   `sp_io::hashing::blake2_256`). Every use hashes `tag || data` with a tag
//!   `gridmask/<use>/v1` from [`tags`]; `<use>` has no `/`, so tags are prefix-free.
//! - **Integers** are little-endian (SCALE). Identifiers: [`RegionId`] and [`PeriodIndex`] and
//!   [`CycleIndex`] are u32, [`LeafIndex`] u16, timestamps ([`Moment`]) u64 milliseconds.
//! - **KDF** ([`seed`]): `seed = BLAKE2b-256(tag || master || cycle u32 LE)`, one tag per seed
//!   (`gridmask/seed-prid-a/v1` = s, `seed-prid-b` = s', `seed-mask-a` = r, `seed-mask-b` = r').
//! - **GGM** ([`ggm`]): κ = 256 bits, `G(x) = BLAKE2b-512(gridmask/ggm/v1 || x)`, depth 16, MSB first.
//! - **PRID** ([`prid`]): `x = BLAKE2b-512(gridmask/h2/v1 || t) mod ℓ`, `PRID = x·B`; the schnorrkel
//!   key is `(x, nonce = BLAKE2b-256(gridmask/prid-nonce/v1 || t))`; signing context `substrate`.
//! - **H3** ([`mask`]): first 8 bytes (LE) of `BLAKE2b-256(gridmask/h3/v1 || z)`. Per channel
//!   (§3a): `H3(z, 0) = H3(z)`; for `j ≥ 1`, the first 8 bytes (LE) of
//!   `BLAKE2b-256(gridmask/h3-channel/v1 || z || j)` with `j` one byte. `Z_j = Σ (H3(z, j) +
//!   H3(z', j))`.
//! - **Signed payload** ([`reading`]): SCALE of `(gridmask/reading/v2, genesis, region, period,
//!   PRID, masked, timestamp)`, tag without length prefix, `masked` a SCALE vector (compact
//!   length, then u64 LE each): 100 + 8 bytes per channel (108 for one). v1 signed one `value`.
//! - **BF1** ([`bloom`]): 64-byte blocks, `h = BLAKE2b-512(gridmask/bf1/v1 || PRID)`, block by
//!   multiply-shift of `h[0..8]`, k 9-bit positions from the following bits; sized by an integer
//!   table from the exact blocked-filter model: 2^-30 needs 81 bits per entry and k = 22.
//! - **T** ([`commitment`]): `BLAKE2b-256(gridmask/t-commit/v1 || region LE || period LE || PRIDs
//!   sorted ascending bytewise, 32 bytes each)`; duplicates are an error. [`TBuilder`]
//!   computes it with a SCALE-encodable BLAKE2b state ([`blake2b`]) so the runtime can spread the
//!   work over several blocks.
//! - **Bills** ([`bill`]): HPKE base mode X25519/HKDF-SHA256/ChaCha20-Poly1305, stored as
//!   `enc || ciphertext`, `info` = SCALE of `(b"gridmask/bill/v1", genesis_hash, meter, cycle)`.
//! - **CIDs** ([`cid`]): CIDv1 raw sha2-256 of one block; reports are at most 1 MiB (Kubo's block
//!   limit) so the CID's digest is the file's sha2-256 (`ipfs add --cid-version 1 --raw-leaves
//!   --chunker=size-1048576`).
//!
//! ## Test vectors
//! `primitives/test-vectors/v2.json` holds inputs and every intermediate, for a region of all
//! four channel kinds with one prosumer. Regenerate with
//! `cargo run --release -p gridmask-primitives --example gen-vectors > primitives/test-vectors/v2.json`;
//! `tests/vectors.rs` checks the committed file. Signatures and HPKE ciphertexts are randomized:
//! the file holds ones that verify / open, and the check verifies / opens them.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod bill;
pub mod blake2b;
pub mod bloom;
pub mod bundle;
pub mod channel;
pub mod cid;
pub mod commitment;
pub mod currency;
pub mod ggm;
pub mod hashing;
#[cfg(feature = "host")]
pub mod host;
pub mod mask;
pub mod prid;
pub mod reading;
pub mod resolution;
pub mod secrets;
pub mod seed;
#[cfg(feature = "std")]
pub mod setup;
pub mod tags;
pub mod time;
#[cfg(feature = "std")]
pub mod vectors;

pub use bill::HpkePublicKey;
pub use bloom::{Bf1, Bf1Error, Bf1Params, Bf1Probe, BF1_DEFAULT_FP_EXP};
pub use bundle::{bundled_share_bytes, BundledShare};
pub use channel::{
	add_values, channel_aggregates, Aggregates, ChannelKind, Shape, Values, MAX_CHANNELS,
};
pub use cid::{CidError, RawCid, MAX_REPORT_BYTES};
pub use commitment::{t_commitment, t_commitment_sorted, TBuilder, TCommitment, TError};
pub use ggm::{GGM_DEPTH, GGM_LEAVES};
pub use mask::{aggregate, h3, mask_reading, mask_sum, recover};
pub use prid::{Prid, PridKey, ReadingSignature, SIGNING_CONTEXT};
pub use reading::{ReadingPayload, SignedReading};
pub use seed::{CycleSeeds, MasterSecret, PeriodKeys};
pub use time::{TimeError, TimeParams};

/// Region identifier.
pub type RegionId = u32;
/// Meter identifier: the paper's billing identity (BID). Public and long-lived, so it never
/// appears in a reading transaction; bills and fault records use it.
pub type MeterId = u64;
/// Global period index: `(now - genesis_start) / period_ms`.
pub type PeriodIndex = u32;
/// Cycle index: `period / periods_per_cycle`.
pub type CycleIndex = u32;
/// A period's leaf in its cycle's GGM trees: `period % periods_per_cycle`.
pub type LeafIndex = u16;
/// Chain time in milliseconds.
pub type Moment = u64;

/// Most regions a meter's history names: the meter registry keeps this many membership spans
/// per meter (the oldest is dropped beyond), so one bill covers at most this many regions.
pub const MAX_MEMBERSHIPS: u32 = 8;
