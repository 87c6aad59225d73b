//! Masks and the split reading (PROTOCOL.md §3).
//!
//! `H3(z)` = the first 8 bytes, little-endian, of BLAKE2b-256(`gridmask/h3/v1` || z): a uniform
//! u64. A consumption `c` is split as `c' = random`, `c'' = c - c'` and sent as `v' = c' + H3(z)`,
//! `v'' = c'' + H3(z')`. All arithmetic is mod 2^64 (wrapping): each share is a one-time pad
//! of `c`, so one share (or both without the masks) reveals nothing.

use crate::{ggm::Node, hashing::blake2b_256, tags};

/// `H3(z)`.
pub fn h3(z: &Node) -> u64 {
	let h = blake2b_256(tags::H3, &[z]);
	let mut first = [0u8; 8];
	first.copy_from_slice(&h[..8]);
	u64::from_le_bytes(first)
}

/// Splits `consumption` into `(c', c'')` with `c' = random`, `c' + c'' = consumption` (mod 2^64).
pub fn split(consumption: u64, random: u64) -> (u64, u64) {
	(random, consumption.wrapping_sub(random))
}

/// Splits with `c'` drawn from the OS RNG.
#[cfg(feature = "std")]
pub fn split_random(consumption: u64) -> (u64, u64) {
	use rand_core::RngCore;
	split(consumption, rand_core::OsRng.next_u64())
}

/// `share + mask` (mod 2^64).
pub fn mask(share: u64, mask: u64) -> u64 {
	share.wrapping_add(mask)
}

/// `value - mask` (mod 2^64): the inverse of [`mask`].
pub fn unmask(value: u64, mask: u64) -> u64 {
	value.wrapping_sub(mask)
}

/// The two values a meter sends for `consumption`: `(c' + H3(z), c'' + H3(z'))`.
pub fn mask_reading(consumption: u64, random: u64, mask_a: u64, mask_b: u64) -> (u64, u64) {
	let (share_a, share_b) = split(consumption, random);
	(mask(share_a, mask_a), mask(share_b, mask_b))
}

/// Recovers the consumption from both sent values and both masks (billing, user verification).
pub fn recover(value_a: u64, value_b: u64, mask_a: u64, mask_b: u64) -> u64 {
	unmask(value_a, mask_a).wrapping_add(unmask(value_b, mask_b))
}

/// `Z = Σ masks` (mod 2^64); feed it both masks of every meter of the (region, period).
pub fn mask_sum(masks: impl IntoIterator<Item = u64>) -> u64 {
	masks.into_iter().fold(0u64, u64::wrapping_add)
}

/// The regional aggregate: `Σ values - Z` (mod 2^64).
pub fn aggregate(sum_of_values: u64, z: u64) -> u64 {
	sum_of_values.wrapping_sub(z)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn h3_is_first_eight_bytes_le() {
		let z = [1u8; 32];
		let full = sp_io::hashing::blake2_256(&[b"gridmask/h3/v1".as_slice(), &z].concat());
		assert_eq!(h3(&z), u64::from_le_bytes(full[..8].try_into().unwrap()));
	}

	#[test]
	fn wraps() {
		let (a, b) = mask_reading(5, u64::MAX, u64::MAX - 1, 7);
		assert_eq!(recover(a, b, u64::MAX - 1, 7), 5);
		assert_eq!(aggregate(mask_sum([a, b]), mask_sum([u64::MAX - 1, 7])), 5);
	}
}
