//! Masks and the split reading (PROTOCOL.md §3).
//!
//! `H3(z)` = the first 8 bytes, little-endian, of BLAKE2b-256(`gridmask/h3/v1` || z): a uniform
//! u64. A consumption `c` is split as `c' = random`, `c'' = c - c'` and sent as `v' = c' + H3(z)`,
//! `v'' = c'' + H3(z')`. All arithmetic is mod 2^64 (wrapping): each share is a one-time pad
//! of `c`, so one share (or both without the masks) reveals nothing.
//!
//! **Channels** (§3a). A reading of several channels ([`crate::channel`]) masks each channel
//! `j` with its own mask from the same leaf: `H3(z, 0) = H3(z)` (so a one-channel reading is
//! masked as before channels existed) and, for `j ≥ 1`, `H3(z, j)` = the first 8 bytes,
//! little-endian, of BLAKE2b-256(`gridmask/h3-channel/v1` || z || j as one byte). Distinct
//! `(z, j)` give independent uniform pads, so every channel is perfectly hidden on its own, and
//! `Z_j = Σ (H3(z, j) + H3(z', j))` de-masks channel `j` of the regional sum.

use alloc::vec::Vec;

use crate::{channel::Values, ggm::Node, hashing::blake2b_256, tags};

/// `H3(z)`.
pub fn h3(z: &Node) -> u64 {
	let h = blake2b_256(tags::H3, &[z]);
	let mut first = [0u8; 8];
	first.copy_from_slice(&h[..8]);
	u64::from_le_bytes(first)
}

/// `H3(z, channel)`: the mask of channel `channel` (see the module docs).
pub fn h3_channel(z: &Node, channel: u8) -> u64 {
	if channel == 0 {
		return h3(z);
	}
	let h = blake2b_256(tags::H3_CHANNEL, &[z, &[channel]]);
	let mut first = [0u8; 8];
	first.copy_from_slice(&h[..8]);
	u64::from_le_bytes(first)
}

/// The masks of the first `channels` channels of leaf `z`: `[H3(z, 0), …]`.
pub fn h3_channels(z: &Node, channels: usize) -> Values {
	Values::truncate_from((0..channels).map(|j| h3_channel(z, j as u8)).collect())
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

/// [`mask_reading`] per channel: `readings[j]` split with `randoms[j]`, masked with
/// `masks_a[j]` and `masks_b[j]`. All four have the same length.
pub fn mask_values(
	readings: &[u64],
	randoms: &[u64],
	masks_a: &[u64],
	masks_b: &[u64],
) -> (Values, Values) {
	let (a, b): (Vec<u64>, Vec<u64>) = readings
		.iter()
		.zip(randoms)
		.zip(masks_a.iter().zip(masks_b))
		.map(|((&c, &r), (&ma, &mb))| mask_reading(c, r, ma, mb))
		.unzip();
	(Values::truncate_from(a), Values::truncate_from(b))
}

/// [`recover`] per channel.
pub fn recover_values(
	values_a: &[u64],
	values_b: &[u64],
	masks_a: &[u64],
	masks_b: &[u64],
) -> Vec<u64> {
	values_a
		.iter()
		.zip(values_b)
		.zip(masks_a.iter().zip(masks_b))
		.map(|((&a, &b), (&ma, &mb))| recover(a, b, ma, mb))
		.collect()
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
	fn channel_zero_is_h3_and_the_others_hash_the_channel() {
		let z = [3u8; 32];
		assert_eq!(h3_channel(&z, 0), h3(&z));
		for j in 1..4u8 {
			let full = sp_io::hashing::blake2_256(
				&[b"gridmask/h3-channel/v1".as_slice(), &z, &[j]].concat(),
			);
			assert_eq!(h3_channel(&z, j), u64::from_le_bytes(full[..8].try_into().unwrap()));
		}
		let all = h3_channels(&z, 4);
		assert_eq!(all.len(), 4);
		for i in 0..4 {
			for j in 0..i {
				assert_ne!(all[i], all[j]);
			}
		}
	}

	#[test]
	fn wraps() {
		let (a, b) = mask_reading(5, u64::MAX, u64::MAX - 1, 7);
		assert_eq!(recover(a, b, u64::MAX - 1, 7), 5);
		assert_eq!(aggregate(mask_sum([a, b]), mask_sum([u64::MAX - 1, 7])), 5);
	}
}
