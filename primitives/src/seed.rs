//! Per-meter secrets: the master secret, the per-cycle seeds `s, s', r, r'` and a period's keys.
//!
//! KDF (PROTOCOL.md §3 leaves the construction open): for each of the four seeds,
//! `seed = BLAKE2b-256(tag || master || cycle as u32 LE)` with its own tag
//! (`gridmask/seed-{prid,mask}-{a,b}/v1`). BLAKE2b has no length extension, the secret sits at a
//! fixed offset and the input has a fixed length, so this tag-prefixed hash is a PRF keyed by the
//! master secret, like HKDF-Expand but with the one hash of §3 (and cheap in wasm, where the
//! KGC's off-chain worker may run it). This is the paper's "HKDF for other months" (§7): one stored
//! secret, fresh unlinkable seeds every cycle.

use codec::{Decode, Encode};

use crate::{
	channel::Values,
	ggm::{self, Node},
	hashing::blake2b_256,
	mask::{h3, h3_channels},
	prid::{Prid, PridKey},
	tags, CycleIndex, LeafIndex,
};

/// One meter's master secret, kept by the KGC (and the meter). Never on chain.
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
pub struct MasterSecret(pub [u8; 32]);

impl core::fmt::Debug for MasterSecret {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("MasterSecret(..)")
	}
}

impl MasterSecret {
	/// A fresh secret from the OS RNG.
	#[cfg(feature = "std")]
	pub fn generate() -> Self {
		use rand_core::RngCore;
		let mut bytes = [0u8; 32];
		rand_core::OsRng.fill_bytes(&mut bytes);
		Self(bytes)
	}

	/// The four GGM roots of `cycle`.
	pub fn cycle_seeds(&self, cycle: CycleIndex) -> CycleSeeds {
		let kdf = |tag: &[u8]| blake2b_256(tag, &[&self.0, &cycle.to_le_bytes()]);
		CycleSeeds {
			prid_a: kdf(tags::SEED_PRID_A),
			prid_b: kdf(tags::SEED_PRID_B),
			mask_a: kdf(tags::SEED_MASK_A),
			mask_b: kdf(tags::SEED_MASK_B),
		}
	}
}

/// The GGM roots of one meter and cycle: `s` (`prid_a`), `s'` (`prid_b`), `r` (`mask_a`),
/// `r'` (`mask_b`).
#[derive(Clone, PartialEq, Eq)]
pub struct CycleSeeds {
	/// `s`: PRIDs of share A.
	pub prid_a: Node,
	/// `s'`: PRIDs of share B.
	pub prid_b: Node,
	/// `r`: masks of share A.
	pub mask_a: Node,
	/// `r'`: masks of share B.
	pub mask_b: Node,
}

impl core::fmt::Debug for CycleSeeds {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("CycleSeeds(..)")
	}
}

/// The four GGM leaves of one period: `t, t', z, z'`.
#[derive(Clone, PartialEq, Eq)]
pub struct PeriodLeaves {
	/// `t = f_s(k)`.
	pub t_a: Node,
	/// `t' = f_{s'}(k)`.
	pub t_b: Node,
	/// `z = f_r(k)`.
	pub z_a: Node,
	/// `z' = f_{r'}(k)`.
	pub z_b: Node,
}

impl PeriodLeaves {
	/// The keys and masks these leaves define.
	pub fn keys(&self) -> PeriodKeys {
		PeriodKeys {
			key_a: PridKey::from_leaf(&self.t_a),
			key_b: PridKey::from_leaf(&self.t_b),
			mask_a: h3(&self.z_a),
			mask_b: h3(&self.z_b),
			z_a: self.z_a,
			z_b: self.z_b,
		}
	}
}

/// What a meter needs for one period: two one-time sr25519 keys and the two mask leaves.
#[derive(Clone)]
pub struct PeriodKeys {
	/// Key of share A; its public key is `PRID`.
	pub key_a: PridKey,
	/// Key of share B; its public key is `PRID'`.
	pub key_b: PridKey,
	/// `H3(z)`: the mask of share A's first channel.
	pub mask_a: u64,
	/// `H3(z')`: the mask of share B's first channel.
	pub mask_b: u64,
	/// `z`: share A's mask leaf (every channel's mask derives from it).
	pub z_a: Node,
	/// `z'`: share B's mask leaf.
	pub z_b: Node,
}

impl PeriodKeys {
	/// `(PRID, PRID')`.
	pub fn prids(&self) -> (Prid, Prid) {
		(self.key_a.prid(), self.key_b.prid())
	}

	/// `H3(z) + H3(z')` (wrapping): this meter's contribution to `Z` of the first channel.
	pub fn mask_sum(&self) -> u64 {
		self.mask_a.wrapping_add(self.mask_b)
	}

	/// The masks of shares A and B for the first `channels` channels.
	pub fn masks(&self, channels: usize) -> (Values, Values) {
		(h3_channels(&self.z_a, channels), h3_channels(&self.z_b, channels))
	}

	/// `H3(z, j) + H3(z', j)` for each of the first `channels` channels: this meter's
	/// contribution to each `Z_j`.
	pub fn mask_sums(&self, channels: usize) -> Values {
		let (a, b) = self.masks(channels);
		Values::truncate_from(a.iter().zip(b.iter()).map(|(x, y)| x.wrapping_add(*y)).collect())
	}
}

impl CycleSeeds {
	/// The leaves of period `leaf` (16 PRG calls per seed).
	pub fn leaves(&self, leaf: LeafIndex) -> PeriodLeaves {
		PeriodLeaves {
			t_a: ggm::eval(&self.prid_a, leaf),
			t_b: ggm::eval(&self.prid_b, leaf),
			z_a: ggm::eval(&self.mask_a, leaf),
			z_b: ggm::eval(&self.mask_b, leaf),
		}
	}

	/// Keys and masks of period `leaf`.
	pub fn period_keys(&self, leaf: LeafIndex) -> PeriodKeys {
		self.leaves(leaf).keys()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn seeds_differ_per_use_and_cycle() {
		let m = MasterSecret([9u8; 32]);
		let c0 = m.cycle_seeds(0);
		let c1 = m.cycle_seeds(1);
		let all = [
			c0.prid_a, c0.prid_b, c0.mask_a, c0.mask_b, c1.prid_a, c1.prid_b, c1.mask_a, c1.mask_b,
		];
		for i in 0..all.len() {
			for j in 0..i {
				assert_ne!(all[i], all[j]);
			}
		}
		assert_eq!(
			c0.prid_a,
			blake2b_256(b"gridmask/seed-prid-a/v1", &[&[9u8; 32], &[0, 0, 0, 0]])
		);
		assert_eq!(format!("{:?}", m), "MasterSecret(..)");
	}
}
