//! BF1: the blocked Bloom filter of a (region, period)'s expected PRIDs (PROTOCOL.md §3).
//!
//! # Layout
//! The filter is `num_blocks` blocks of 64 bytes (512 bits). An element `e` (a PRID) is hashed once:
//! `h = BLAKE2b-512("gridmask/bf1/v1" || e)`.
//! - block: `b = (u64::from_le_bytes(h[0..8]) · num_blocks) >> 64` (multiply-shift range reduction:
//!   no modulo bias worth the name, bias < num_blocks / 2^64);
//! - bits: for `i < k`, `p_i` = the 9 bits of `h` starting at bit `64 + 9·i`, `h` read as a
//!   little-endian bit string (bit `j` of `h` is bit `j % 8` of byte `j / 8`). `k ≤ 49` since
//!   `64 + 9·49 ≤ 512`;
//! - bit `p` of block `b` is bit `p % 8` of byte `64·b + p / 8`.
//!
//! Insertion sets the k bits; a membership check reads the one 64-byte block `b` and tests them, so
//! the runtime can store the filter in chunks and read a single chunk (or a single block) per check.
//!
//! # Sizing
//! For a target false-positive rate `2^-e` the filter uses `c` bits per entry and `k` bits per
//! element from [`BF1_SIZING`]: `num_blocks = max(1, ceil(n·c / 512))`. The table was computed
//! (and a test recomputes it) from the exact model of a blocked filter: with `λ = 512/c` entries
//! per block on average, the number of entries `i` in the queried block is Poisson(λ) (a slight
//! overestimate of the binomial's spread, so conservative), the number `X` of set bits after `i·k`
//! uniform bit draws follows the occupancy distribution over 512 cells, and a non-member's `k`
//! independent positions all hit set bits with probability `(X/512)^k`:
//!
//! `fp(c, k) = Σ_i Pois(λ; i) · E[(X_{i·k} / 512)^k]`.
//!
//! For each `e` the table holds the smallest `c` for which some `k ≤ 49` reaches `fp ≤ 2^-e`, and
//! that `k`. One 512-bit block limits what `c` buys: blocks with more than their share of entries
//! dominate the false positives, so a blocked filter needs more bits than a classic one
//! (`1.44·e` bits per entry). For the default `e = 30` it takes **c = 81 bits (10.1 bytes) per entry
//! with k = 22** (fp = 2^-30.04), against ~44 bits for an unblocked filter: 20,000 PRIDs (10,000
//! meters) make a 203 KB filter per period. The trade buys one 64-byte read per check.
//! With fewer entries than the block count implies (rounding up), the real rate is lower still.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, Input, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{bounded::BoundedVec, ConstU32};

use crate::{hashing::blake2b_512, prid::Prid, tags};

/// Bytes per block: one cache line, the unit a membership check reads.
pub const BF1_BLOCK_BYTES: usize = 64;
/// Bits per block.
pub const BF1_BLOCK_BITS: u32 = 512;
/// Most bits per element the 448 hash bits after the block index can address (9 bits each).
pub const BF1_MAX_K: u8 = 49;
/// Default false-positive exponent: rate ≤ 2^-30.
pub const BF1_DEFAULT_FP_EXP: u8 = 30;
/// Largest supported false-positive exponent (rate 2^-40).
pub const BF1_MAX_FP_EXP: u8 = 40;
/// Most blocks of one filter: 4 MiB, i.e. ~414,000 entries (207,000 meters) at 2^-30.
pub const BF1_MAX_BLOCKS: u32 = 1 << 16;
/// Most bytes of one filter.
pub const BF1_MAX_BYTES: u32 = BF1_MAX_BLOCKS * BF1_BLOCK_BYTES as u32;

/// `(bits per entry c, bits per element k)` for false-positive rate `2^-e`, at index `e - 1`.
pub const BF1_SIZING: [(u8, u8); BF1_MAX_FP_EXP as usize] = [
	(2, 1),
	(3, 2),
	(5, 3),
	(6, 4),
	(8, 5),
	(9, 6),
	(11, 7),
	(13, 8),
	(14, 9),
	(16, 9),
	(18, 10),
	(20, 11),
	(22, 12),
	(24, 12),
	(26, 13),
	(29, 14),
	(31, 14),
	(34, 15),
	(37, 16),
	(40, 16),
	(43, 17),
	(46, 18),
	(49, 18),
	(53, 19),
	(57, 19),
	(61, 20),
	(66, 20),
	(71, 21),
	(76, 21),
	(81, 22),
	(87, 22),
	(93, 23),
	(100, 23),
	(107, 24),
	(115, 24),
	(123, 25),
	(131, 25),
	(141, 26),
	(151, 26),
	(161, 27),
];

/// The filter's bytes, bounded by [`BF1_MAX_BYTES`].
pub type Bf1Bytes = BoundedVec<u8, ConstU32<BF1_MAX_BYTES>>;

/// Why a filter or its parameters are invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Bf1Error {
	/// The false-positive exponent is not in `1..=BF1_MAX_FP_EXP`.
	BadFpExponent,
	/// The entries need more than [`BF1_MAX_BLOCKS`] blocks.
	TooManyEntries,
	/// `k` is not in `1..=BF1_MAX_K`.
	BadK,
	/// `num_blocks` is not in `1..=BF1_MAX_BLOCKS`.
	BadBlockCount,
	/// The bytes are not `64 · num_blocks` long.
	BadLength,
}

/// The shape of a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct Bf1Params {
	/// Number of 64-byte blocks.
	pub num_blocks: u32,
	/// Bits set per element.
	pub k: u8,
}

/// Where an element lives: its block and the bits it needs there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bf1Probe {
	/// Block index.
	pub block: u32,
	/// The element's bits within the block.
	pub mask: [u8; BF1_BLOCK_BYTES],
}

impl Bf1Probe {
	/// Whether every bit of the element is set in `block` (the 64 bytes of block `self.block`);
	/// `false` if `block` is not 64 bytes long.
	pub fn matches(&self, block: &[u8]) -> bool {
		block.len() == BF1_BLOCK_BYTES
			&& block.iter().zip(self.mask.iter()).all(|(b, m)| b & m == *m)
	}

	/// Where block `self.block` sits when the filter is stored in chunks of `blocks_per_chunk`
	/// blocks: `(chunk index, byte offset in the chunk)`. `None` if `blocks_per_chunk` is 0.
	pub fn chunk_position(&self, blocks_per_chunk: u32) -> Option<(u32, usize)> {
		let chunk = self.block.checked_div(blocks_per_chunk)?;
		Some((chunk, (self.block % blocks_per_chunk) as usize * BF1_BLOCK_BYTES))
	}
}

impl Bf1Params {
	/// The parameters for `entries` elements at false-positive rate `2^-fp_exp` (see the module
	/// docs). Integer-only, so the client and the runtime always agree.
	pub fn for_entries(entries: u32, fp_exp: u8) -> Result<Self, Bf1Error> {
		let (bits_per_entry, k) =
			*BF1_SIZING.get(usize::from(fp_exp).wrapping_sub(1)).ok_or(Bf1Error::BadFpExponent)?;
		let bits = u64::from(entries) * u64::from(bits_per_entry);
		let num_blocks = bits.div_ceil(u64::from(BF1_BLOCK_BITS)).max(1);
		if num_blocks > u64::from(BF1_MAX_BLOCKS) {
			return Err(Bf1Error::TooManyEntries);
		}
		Ok(Self { num_blocks: num_blocks as u32, k })
	}

	/// Checks the ranges of `num_blocks` and `k`.
	pub fn validate(&self) -> Result<(), Bf1Error> {
		if self.num_blocks == 0 || self.num_blocks > BF1_MAX_BLOCKS {
			return Err(Bf1Error::BadBlockCount);
		}
		if self.k == 0 || self.k > BF1_MAX_K {
			return Err(Bf1Error::BadK);
		}
		Ok(())
	}

	/// Length of the filter in bytes.
	pub fn byte_len(&self) -> usize {
		self.num_blocks as usize * BF1_BLOCK_BYTES
	}

	/// The block of `prid` and its bit positions (only the first `k` are meaningful; `k` is
	/// clamped to [`BF1_MAX_K`]).
	pub fn positions(&self, prid: &Prid) -> (u32, [u16; BF1_MAX_K as usize]) {
		let h = blake2b_512(tags::BF1, &[&prid.0]);
		let mut first = [0u8; 8];
		first.copy_from_slice(&h[..8]);
		let block =
			((u128::from(u64::from_le_bytes(first)) * u128::from(self.num_blocks)) >> 64) as u32;
		let mut positions = [0u16; BF1_MAX_K as usize];
		for (i, p) in positions.iter_mut().enumerate().take(usize::from(self.k.min(BF1_MAX_K))) {
			let offset = 64 + 9 * i;
			let (byte, shift) = (offset / 8, offset % 8);
			// byte + 1 ≤ 63 for i < 49: 64 + 9·48 = 496, 496/8 + 1 = 63.
			let word = u16::from_le_bytes([h[byte], h[byte + 1]]);
			*p = (word >> shift) & 0x1ff;
		}
		(block, positions)
	}

	/// The probe of `prid`: its block and bit mask.
	pub fn probe(&self, prid: &Prid) -> Bf1Probe {
		let (block, positions) = self.positions(prid);
		let mut mask = [0u8; BF1_BLOCK_BYTES];
		for p in positions.iter().take(usize::from(self.k.min(BF1_MAX_K))) {
			mask[usize::from(p / 8)] |= 1 << (p % 8);
		}
		Bf1Probe { block, mask }
	}
}

/// A BF1 filter: its parameters and its bytes (always `64 · num_blocks` of them).
#[derive(Clone, Debug, PartialEq, Eq, Encode, MaxEncodedLen, TypeInfo)]
pub struct Bf1 {
	params: Bf1Params,
	bytes: Bf1Bytes,
}

impl Bf1 {
	/// An empty filter.
	pub fn new(params: Bf1Params) -> Result<Self, Bf1Error> {
		params.validate()?;
		let bytes = alloc::vec![0u8; params.byte_len()];
		Self::from_parts(params, bytes)
	}

	/// An empty filter sized for `entries` elements at rate `2^-fp_exp`.
	pub fn for_entries(entries: u32, fp_exp: u8) -> Result<Self, Bf1Error> {
		Self::new(Bf1Params::for_entries(entries, fp_exp)?)
	}

	/// A filter from its parts, checking that they fit together.
	pub fn from_parts(params: Bf1Params, bytes: Vec<u8>) -> Result<Self, Bf1Error> {
		params.validate()?;
		if bytes.len() != params.byte_len() {
			return Err(Bf1Error::BadLength);
		}
		let bytes = Bf1Bytes::try_from(bytes).map_err(|_| Bf1Error::BadLength)?;
		Ok(Self { params, bytes })
	}

	/// The parameters.
	pub fn params(&self) -> Bf1Params {
		self.params
	}

	/// All bytes, block after block.
	pub fn as_bytes(&self) -> &[u8] {
		&self.bytes
	}

	/// The bytes, bounded.
	pub fn into_bytes(self) -> Bf1Bytes {
		self.bytes
	}

	/// Adds `prid`.
	pub fn insert(&mut self, prid: &Prid) {
		let probe = self.params.probe(prid);
		let start = probe.block as usize * BF1_BLOCK_BYTES;
		if let Some(block) = self.bytes.get_mut(start..start + BF1_BLOCK_BYTES) {
			for (b, m) in block.iter_mut().zip(probe.mask.iter()) {
				*b |= m;
			}
		}
	}

	/// Whether `prid` may be in the set (never `false` for an inserted PRID).
	pub fn contains(&self, prid: &Prid) -> bool {
		let probe = self.params.probe(prid);
		self.block(probe.block).is_some_and(|block| probe.matches(block))
	}

	/// Block `index` (64 bytes).
	pub fn block(&self, index: u32) -> Option<&[u8]> {
		let start = (index as usize).checked_mul(BF1_BLOCK_BYTES)?;
		self.bytes.get(start..start.checked_add(BF1_BLOCK_BYTES)?)
	}

	/// Number of chunks of `blocks_per_chunk` blocks (the last may be shorter).
	pub fn chunk_count(&self, blocks_per_chunk: u32) -> u32 {
		if blocks_per_chunk == 0 {
			return 0;
		}
		self.params.num_blocks.div_ceil(blocks_per_chunk)
	}

	/// Chunk `index` when stored in chunks of `blocks_per_chunk` blocks.
	pub fn chunk(&self, index: u32, blocks_per_chunk: u32) -> Option<&[u8]> {
		let chunk_bytes = (blocks_per_chunk as usize).checked_mul(BF1_BLOCK_BYTES)?;
		let start = (index as usize).checked_mul(chunk_bytes)?;
		if chunk_bytes == 0 || start >= self.bytes.len() {
			return None;
		}
		let end = start.saturating_add(chunk_bytes).min(self.bytes.len());
		self.bytes.get(start..end)
	}
}

// Decoding checks the invariant `bytes.len() == 64 · num_blocks` that `contains` relies on.
impl Decode for Bf1 {
	fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
		let params = Bf1Params::decode(input)?;
		let bytes = Bf1Bytes::decode(input)?;
		Self::from_parts(params, bytes.into_inner()).map_err(|_| "invalid BF1 filter".into())
	}
}

impl DecodeWithMemTracking for Bf1 {}

#[cfg(test)]
mod tests {
	use super::*;

	fn prid(i: u64, salt: u8) -> Prid {
		Prid(crate::hashing::blake2b_256(b"test-prid", &[&i.to_le_bytes(), &[salt]]))
	}

	#[test]
	fn sizing() {
		assert_eq!(Bf1Params::for_entries(0, 30), Ok(Bf1Params { num_blocks: 1, k: 22 }));
		assert_eq!(Bf1Params::for_entries(20_000, 30), Ok(Bf1Params { num_blocks: 3165, k: 22 }));
		assert_eq!(Bf1Params::for_entries(1, 0), Err(Bf1Error::BadFpExponent));
		assert_eq!(Bf1Params::for_entries(1, 41), Err(Bf1Error::BadFpExponent));
		assert_eq!(Bf1Params::for_entries(u32::MAX, 30), Err(Bf1Error::TooManyEntries));
		assert_eq!(Bf1Params { num_blocks: 1, k: 50 }.validate(), Err(Bf1Error::BadK));
		assert_eq!(Bf1Params { num_blocks: 0, k: 5 }.validate(), Err(Bf1Error::BadBlockCount));
	}

	#[test]
	fn positions_follow_the_documented_bit_layout() {
		let params = Bf1Params { num_blocks: 1000, k: 49 };
		let p = prid(1, 0);
		let h = blake2b_512(tags::BF1, &[&p.0]);
		let bit = |j: usize| u16::from((h[j / 8] >> (j % 8)) & 1);
		let (block, positions) = params.positions(&p);
		let h0 = u64::from_le_bytes(h[..8].try_into().unwrap());
		assert_eq!(u128::from(block), (u128::from(h0) * 1000) >> 64);
		for (i, pos) in positions.iter().enumerate() {
			let expected = (0..9).map(|b| bit(64 + 9 * i + b) << b).sum::<u16>();
			assert_eq!(*pos, expected);
		}
	}

	#[test]
	fn decode_rejects_inconsistent_filters() {
		let mut f = Bf1::for_entries(100, 30).unwrap();
		f.insert(&prid(1, 0));
		let enc = f.encode();
		assert_eq!(Bf1::decode(&mut &enc[..]).unwrap(), f);
		let bad =
			(Bf1Params { num_blocks: f.params().num_blocks + 1, k: 22 }, f.as_bytes().to_vec())
				.encode();
		assert!(Bf1::decode(&mut &bad[..]).is_err());
		let bad_k =
			(Bf1Params { num_blocks: f.params().num_blocks, k: 0 }, f.as_bytes().to_vec()).encode();
		assert!(Bf1::decode(&mut &bad_k[..]).is_err());
		assert_eq!(Bf1::from_parts(f.params(), alloc::vec![0u8; 3]), Err(Bf1Error::BadLength));
	}

	#[test]
	fn chunks_and_probes_agree() {
		let mut f = Bf1::for_entries(2_000, 30).unwrap();
		for i in 0..2_000 {
			f.insert(&prid(i, 0));
		}
		let bpc = 16;
		assert_eq!(f.chunk_count(bpc), f.params().num_blocks.div_ceil(bpc));
		for i in 0..2_000 {
			let probe = f.params().probe(&prid(i, 0));
			let (c, off) = probe.chunk_position(bpc).unwrap();
			let chunk = f.chunk(c, bpc).unwrap();
			assert!(probe.matches(&chunk[off..off + 64]));
		}
		assert!(f.chunk(f.chunk_count(bpc), bpc).is_none());
		assert!(f.chunk(0, 0).is_none());
		let probe = f.params().probe(&prid(0, 0));
		assert!(!probe.matches(&[0xff; 63]));
	}

	/// The exact false-positive model of the module docs.
	fn model_fp(lambda: f64, k: u32) -> f64 {
		let cells = f64::from(BF1_BLOCK_BITS);
		let mut occ = alloc::vec![0.0f64; BF1_BLOCK_BITS as usize + 1];
		occ[0] = 1.0;
		let frac: Vec<f64> =
			(0..=BF1_BLOCK_BITS).map(|x| (f64::from(x) / cells).powi(k as i32)).collect();
		let mut pois = (-lambda).exp();
		let mut total = 0.0;
		let mut i = 0u32;
		loop {
			if i > 0 {
				pois *= lambda / f64::from(i);
				// k more throws into the 512 cells.
				for _ in 0..k {
					for x in (0..=BF1_BLOCK_BITS as usize).rev() {
						let stay = occ[x] * (x as f64 / cells);
						let arrive = if x > 0 {
							occ[x - 1] * ((cells - (x - 1) as f64) / cells)
						} else {
							0.0
						};
						occ[x] = stay + arrive;
					}
				}
			}
			total += pois * occ.iter().zip(&frac).map(|(p, f)| p * f).sum::<f64>();
			i += 1;
			if f64::from(i) > lambda && pois < 1e-40 {
				break total;
			}
		}
	}

	#[test]
	fn sizing_table_is_the_minimum_meeting_each_target() {
		// fp is unimodal in k, so checking c - 1 around the table's k is enough.
		for e in 1..=BF1_MAX_FP_EXP {
			let (c, k) = BF1_SIZING[usize::from(e) - 1];
			let target = 2f64.powi(-i32::from(e));
			let fp = model_fp(f64::from(BF1_BLOCK_BITS) / f64::from(c), u32::from(k));
			assert!(fp <= target, "e={e}: fp {fp} > {target}");
			let lambda = f64::from(BF1_BLOCK_BITS) / f64::from(c - 1);
			let best = (k.saturating_sub(4).max(1)..=(k + 4).min(BF1_MAX_K))
				.map(|k| model_fp(lambda, u32::from(k)))
				.fold(f64::INFINITY, f64::min);
			assert!(best > target, "e={e}: c-1 = {} suffices", c - 1);
		}
	}

	#[test]
	fn measured_false_positive_rate_matches_the_model() {
		// 10^6 non-members against filters at 2^-8 and 2^-12 (enough hits to measure), and at the
		// default 2^-30 (expect none).
		const QUERIES: u64 = 1_000_000;
		for (e, n) in [(8u8, 50_000u32), (12, 50_000), (30, 20_000)] {
			let mut f = Bf1::for_entries(n, e).unwrap();
			for i in 0..u64::from(n) {
				f.insert(&prid(i, 1));
			}
			let hits = (0..QUERIES).filter(|i| f.contains(&prid(*i, 2))).count() as f64;
			let measured = hits / QUERIES as f64;
			let target = 2f64.powi(-i32::from(e));
			let lambda = f64::from(n) / f64::from(f.params().num_blocks);
			let model = model_fp(lambda, u32::from(f.params().k));
			if e == 30 {
				assert!(hits <= 1.0, "{hits} false positives at 2^-30");
			} else {
				assert!(
					measured <= 2.0 * target && measured >= target / 2.0,
					"e={e}: {measured} vs {target}"
				);
				assert!(
					measured <= 2.0 * model && measured >= model / 2.0,
					"e={e}: {measured} vs model {model}"
				);
			}
		}
	}
}
