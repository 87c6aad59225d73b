//! PRIDs: one-time sr25519 public keys (PROTOCOL.md §3, the paper's `PRID = g^{H2(t)}`).
//!
//! `x = H2(t)` = BLAKE2b-512(`gridmask/h2/v1` || t) reduced mod the Ristretto group order ℓ (wide
//! reduction: bias < 2^-250), `PRID = x·B` compressed. The key is a schnorrkel `SecretKey` built
//! directly from `(x, nonce)`, `nonce = BLAKE2b-256(gridmask/prid-nonce/v1 || t)` (schnorrkel mixes
//! it into its signing witness with fresh randomness). No `MiniSecretKey` expansion is involved:
//! `MiniSecretKey` would hash `t` with SHA-512 and use a different scalar, so `PRID` would not be
//! `H2(t)·B`. Signatures are schnorrkel's with the `substrate` signing context, which is exactly
//! what `sp_io::crypto::sr25519_verify` checks.
//!
//! `x = 0` (probability 2^-252) would give the identity point; it is not special-cased.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use curve25519_dalek::scalar::Scalar;
use scale_info::TypeInfo;

use crate::{
	ggm::Node,
	hashing::{blake2b_256, blake2b_512},
	tags,
};

/// The schnorrkel signing context of every reading signature (the one Substrate's sr25519 uses).
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// A pseudo-random identity: a compressed Ristretto point, i.e. an sr25519 public key.
///
/// Ordered bytewise: the T commitment sorts PRIDs in this order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct Prid(pub [u8; 32]);

impl core::fmt::Debug for Prid {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "Prid(0x")?;
		for b in self.0 {
			write!(f, "{b:02x}")?;
		}
		write!(f, ")")
	}
}

impl From<Prid> for sp_core::sr25519::Public {
	fn from(p: Prid) -> Self {
		Self::from_raw(p.0)
	}
}

impl From<sp_core::sr25519::Public> for Prid {
	fn from(p: sp_core::sr25519::Public) -> Self {
		Self(p.0)
	}
}

/// A 64-byte schnorrkel (sr25519) signature, as `sp_core::sr25519::Signature` lays it out.
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct ReadingSignature(pub [u8; 64]);

impl core::fmt::Debug for ReadingSignature {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "ReadingSignature(0x")?;
		for b in self.0 {
			write!(f, "{b:02x}")?;
		}
		write!(f, ")")
	}
}

impl From<ReadingSignature> for sp_core::sr25519::Signature {
	fn from(s: ReadingSignature) -> Self {
		Self::from_raw(s.0)
	}
}

impl From<sp_core::sr25519::Signature> for ReadingSignature {
	fn from(s: sp_core::sr25519::Signature) -> Self {
		Self(s.0)
	}
}

/// `H2(t)`: the secret scalar, canonical little-endian bytes.
pub fn h2(t: &Node) -> [u8; 32] {
	Scalar::from_bytes_mod_order_wide(&blake2b_512(tags::H2, &[t])).to_bytes()
}

/// The schnorrkel nonce seed of the key of leaf `t`.
pub fn prid_nonce(t: &Node) -> [u8; 32] {
	blake2b_256(tags::PRID_NONCE, &[t])
}

/// The one-time key of a leaf `t`: secret `x = H2(t)`, public `PRID = x·B`.
#[derive(Clone)]
pub struct PridKey {
	keypair: schnorrkel::Keypair,
}

impl core::fmt::Debug for PridKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "PridKey({:?})", self.prid())
	}
}

impl PridKey {
	/// Derives the key of leaf `t` (one scalar multiplication by the basepoint).
	pub fn from_leaf(t: &Node) -> Self {
		let mut bytes = [0u8; 64];
		bytes[..32].copy_from_slice(&h2(t));
		bytes[32..].copy_from_slice(&prid_nonce(t));
		let secret = schnorrkel::SecretKey::from_bytes(&bytes)
			.expect("64 bytes whose first half is a reduced, hence canonical, scalar; qed");
		Self { keypair: secret.to_keypair() }
	}

	/// `PRID = x·B`.
	pub fn prid(&self) -> Prid {
		Prid(self.keypair.public.to_bytes())
	}

	/// `x`, canonical little-endian (for test vectors and the KGC's tooling).
	pub fn secret_scalar(&self) -> [u8; 32] {
		let mut x = [0u8; 32];
		x.copy_from_slice(&self.keypair.secret.to_bytes()[..32]);
		x
	}

	/// Signs `msg` with the `substrate` context (randomized: schnorrkel adds OS randomness to
	/// the witness, so two signatures of one message differ and both verify).
	#[cfg(feature = "std")]
	pub fn sign(&self, msg: &[u8]) -> ReadingSignature {
		ReadingSignature(self.keypair.sign_simple(SIGNING_CONTEXT, msg).to_bytes())
	}
}

/// Verifies `sig` over `msg` under `prid` with the `substrate` context, as
/// `sp_io::crypto::sr25519_verify` does (which pallets should prefer: it is a host function).
/// `false` for a PRID that is not a valid point or a malformed signature.
pub fn verify(prid: &Prid, msg: &[u8], sig: &ReadingSignature) -> bool {
	let Ok(public) = schnorrkel::PublicKey::from_bytes(&prid.0) else {
		return false;
	};
	let Ok(sig) = schnorrkel::Signature::from_bytes(&sig.0) else {
		return false;
	};
	public.verify_simple(SIGNING_CONTEXT, msg, &sig).is_ok()
}

/// `PRID` of leaf `t`.
pub fn derive_prid(t: &Node) -> Prid {
	PridKey::from_leaf(t).prid()
}

/// The PRIDs of many leaves, ~20% faster than one by one (period setup, fault recomputation).
///
/// Compressing a Ristretto point needs an inverse square root, which cannot be batched, but the
/// encodings of *doubled* points can be computed together with one shared inversion
/// (`double_and_compress_batch`). So this computes `(x/2)·B` and compresses its double, `x·B`.
#[cfg(feature = "std")]
pub fn derive_prids_batch(leaves: &[Node]) -> alloc::vec::Vec<Prid> {
	use curve25519_dalek::ristretto::RistrettoPoint;
	// 1/2 mod ℓ.
	let half = Scalar::from(2u64).invert();
	let halves: alloc::vec::Vec<RistrettoPoint> = leaves
		.iter()
		.map(|t| {
			RistrettoPoint::mul_base(
				&(Scalar::from_bytes_mod_order_wide(&blake2b_512(tags::H2, &[t])) * half),
			)
		})
		.collect();
	RistrettoPoint::double_and_compress_batch(&halves)
		.into_iter()
		.map(|c| Prid(c.to_bytes()))
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
	use sp_core::Pair as _;

	#[test]
	fn prid_is_h2_times_basepoint() {
		let t = [3u8; 32];
		let x = Scalar::from_canonical_bytes(h2(&t)).unwrap();
		let expected = (RISTRETTO_BASEPOINT_POINT * x).compress().to_bytes();
		let key = PridKey::from_leaf(&t);
		assert_eq!(key.prid().0, expected);
		assert_eq!(key.secret_scalar(), h2(&t));
	}

	#[test]
	fn batch_derivation_matches() {
		let leaves: alloc::vec::Vec<Node> = (0..50u8).map(|i| [i; 32]).collect();
		let one_by_one: alloc::vec::Vec<Prid> = leaves.iter().map(derive_prid).collect();
		assert_eq!(derive_prids_batch(&leaves), one_by_one);
		assert!(derive_prids_batch(&[]).is_empty());
	}

	#[test]
	fn signatures_verify_everywhere() {
		let key = PridKey::from_leaf(&[5u8; 32]);
		let prid = key.prid();
		let msg = b"hello";
		let sig = key.sign(msg);
		assert!(verify(&prid, msg, &sig));
		assert!(!verify(&prid, b"hellO", &sig));
		assert!(sp_core::sr25519::Pair::verify(&sig.into(), msg, &prid.into()));
		sp_io::TestExternalities::default().execute_with(|| {
			assert!(sp_io::crypto::sr25519_verify(&sig.into(), msg, &prid.into()));
			assert!(!sp_io::crypto::sr25519_verify(&sig.into(), b"other", &prid.into()));
		});
		// Another key's PRID does not verify it.
		let other = PridKey::from_leaf(&[6u8; 32]).prid();
		assert!(!verify(&other, msg, &sig));
		// Malformed inputs are rejected, not panicked on.
		assert!(!verify(&Prid([0xff; 32]), msg, &sig));
		assert!(!verify(&prid, msg, &ReadingSignature([0u8; 64])));
	}
}
