//! A BLAKE2b-256 hasher whose state is SCALE-encodable (RFC 7693, unkeyed, 32-byte output).
//!
//! [`blake2b_simd::State`] cannot be stored, but the runtime must spread the T recomputation of a
//! large (region, period) over several blocks (PROTOCOL.md §4 step 4): it hashes a bounded number
//! of PRIDs per block and keeps the hash state in storage between blocks. [`Blake2b256`] is a
//! plain implementation of the BLAKE2b compression function over a state `(h[8], byte counter,
//! 128-byte buffer, buffer length)` that encodes to 201 bytes. Its output equals
//! `blake2b_simd` / `sp_io::hashing::blake2_256` bit for bit (tests compare them on every length
//! up to 1 KiB, every split point and across encode/decode round trips).

use codec::{Decode, DecodeWithMemTracking, Encode, Input, MaxEncodedLen};
use scale_info::TypeInfo;

/// Bytes per BLAKE2b block.
pub const BLOCK_BYTES: usize = 128;

const IV: [u64; 8] = [
	0x6a09e667f3bcc908,
	0xbb67ae8584caa73b,
	0x3c6ef372fe94f82b,
	0xa54ff53a5f1d36f1,
	0x510e527fade682d1,
	0x9b05688c2b3e6c1f,
	0x1f83d9abfb41bd6b,
	0x5be0cd19137e2179,
];

const SIGMA: [[usize; 16]; 12] = [
	[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
	[14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
	[11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
	[7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
	[9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
	[2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
	[12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
	[13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
	[6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
	[10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
	[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
	[14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
	v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
	v[d] = (v[d] ^ v[a]).rotate_right(32);
	v[c] = v[c].wrapping_add(v[d]);
	v[b] = (v[b] ^ v[c]).rotate_right(24);
	v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
	v[d] = (v[d] ^ v[a]).rotate_right(16);
	v[c] = v[c].wrapping_add(v[d]);
	v[b] = (v[b] ^ v[c]).rotate_right(63);
}

fn compress(h: &mut [u64; 8], block: &[u8; BLOCK_BYTES], t: u64, last: bool) {
	let mut m = [0u64; 16];
	for (i, w) in m.iter_mut().enumerate() {
		let mut b = [0u8; 8];
		b.copy_from_slice(&block[8 * i..8 * i + 8]);
		*w = u64::from_le_bytes(b);
	}
	let mut v = [0u64; 16];
	v[..8].copy_from_slice(h);
	v[8..].copy_from_slice(&IV);
	v[12] ^= t;
	// v[13] ^= high 64 bits of the counter: always 0 (inputs < 2^64 bytes).
	if last {
		v[14] = !v[14];
	}
	for s in SIGMA.iter() {
		g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
		g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
		g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
		g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
		g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
		g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
		g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
		g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
	}
	for i in 0..8 {
		h[i] ^= v[i] ^ v[i + 8];
	}
}

/// Incremental, unkeyed BLAKE2b with 32-byte output, storable between blocks.
#[derive(Clone, PartialEq, Eq, Debug, Encode, MaxEncodedLen, TypeInfo)]
pub struct Blake2b256 {
	/// Chaining value.
	h: [u64; 8],
	/// Bytes compressed so far (excluding the buffer).
	t: u64,
	/// Pending input; never compressed before more input arrives (the last block is special).
	buf: [u8; BLOCK_BYTES],
	/// Bytes used in `buf`, `0..=128`.
	buf_len: u8,
}

impl Default for Blake2b256 {
	fn default() -> Self {
		Self::new()
	}
}

impl Blake2b256 {
	/// A fresh state.
	pub fn new() -> Self {
		let mut h = IV;
		// Parameter block: digest length 32, key length 0, fanout 1, depth 1.
		h[0] ^= 0x0101_0000 ^ 32;
		Self { h, t: 0, buf: [0u8; BLOCK_BYTES], buf_len: 0 }
	}

	/// Absorbs `data`.
	pub fn update(&mut self, mut data: &[u8]) {
		while !data.is_empty() {
			let used = usize::from(self.buf_len).min(BLOCK_BYTES);
			if used == BLOCK_BYTES {
				// More input follows, so the full buffer is not the last block.
				self.t = self.t.wrapping_add(BLOCK_BYTES as u64);
				compress(&mut self.h, &self.buf, self.t, false);
				self.buf_len = 0;
				continue;
			}
			let take = (BLOCK_BYTES - used).min(data.len());
			self.buf[used..used + take].copy_from_slice(&data[..take]);
			self.buf_len = (used + take) as u8;
			data = &data[take..];
		}
	}

	/// The digest of everything absorbed so far (the state is unchanged).
	pub fn finalize(&self) -> [u8; 32] {
		let used = usize::from(self.buf_len).min(BLOCK_BYTES);
		let mut h = self.h;
		let mut block = [0u8; BLOCK_BYTES];
		block[..used].copy_from_slice(&self.buf[..used]);
		compress(&mut h, &block, self.t.wrapping_add(used as u64), true);
		let mut out = [0u8; 32];
		for (i, w) in h.iter().take(4).enumerate() {
			out[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
		}
		out
	}
}

// Decoding checks `buf_len <= 128`, the invariant `update`/`finalize` rely on (they also clamp).
impl Decode for Blake2b256 {
	fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
		let h = <[u64; 8]>::decode(input)?;
		let t = u64::decode(input)?;
		let buf = <[u8; BLOCK_BYTES]>::decode(input)?;
		let buf_len = u8::decode(input)?;
		if usize::from(buf_len) > BLOCK_BYTES {
			return Err("BLAKE2b buffer length over 128".into());
		}
		Ok(Self { h, t, buf, buf_len })
	}
}

impl DecodeWithMemTracking for Blake2b256 {}

#[cfg(test)]
mod tests {
	use super::*;

	fn reference(data: &[u8]) -> [u8; 32] {
		let mut out = [0u8; 32];
		out.copy_from_slice(blake2b_simd::Params::new().hash_length(32).hash(data).as_bytes());
		out
	}

	fn data(n: usize) -> alloc::vec::Vec<u8> {
		(0..n).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3]).collect()
	}

	#[test]
	fn known_answer() {
		// BLAKE2b-256("abc").
		assert_eq!(Blake2b256::new().finalize(), reference(b""),);
		let mut h = Blake2b256::new();
		h.update(b"abc");
		assert_eq!(
			h.finalize(),
			[
				0xbd, 0xdd, 0x81, 0x3c, 0x63, 0x42, 0x39, 0x72, 0x31, 0x71, 0xef, 0x3f, 0xee, 0x98,
				0x57, 0x9b, 0x94, 0x96, 0x4e, 0x3b, 0xb1, 0xcb, 0x3e, 0x42, 0x72, 0x62, 0xc8, 0xc0,
				0x68, 0xd5, 0x23, 0x19
			]
		);
		assert_eq!(h.finalize(), sp_io::hashing::blake2_256(b"abc"));
	}

	#[test]
	fn every_length_and_split_matches_blake2b_simd() {
		for n in 0..=1024usize {
			let d = data(n);
			let mut one = Blake2b256::new();
			one.update(&d);
			assert_eq!(one.finalize(), reference(&d), "length {n}");
		}
		// Every split point of a 3-block message, with an encode/decode round trip in between.
		let d = data(3 * BLOCK_BYTES + 17);
		for split in 0..=d.len() {
			let mut h = Blake2b256::new();
			h.update(&d[..split]);
			let enc = h.encode();
			assert_eq!(enc.len(), Blake2b256::max_encoded_len());
			let mut h = Blake2b256::decode(&mut &enc[..]).unwrap();
			h.update(&d[split..]);
			assert_eq!(h.finalize(), reference(&d), "split {split}");
		}
		// Many small updates.
		let d = data(10_000);
		let mut h = Blake2b256::new();
		d.chunks(7).for_each(|c| h.update(c));
		assert_eq!(h.finalize(), reference(&d));
	}

	#[test]
	fn decode_rejects_bad_buffer_length() {
		let mut enc = Blake2b256::new().encode();
		*enc.last_mut().unwrap() = 129;
		assert!(Blake2b256::decode(&mut &enc[..]).is_err());
	}
}
