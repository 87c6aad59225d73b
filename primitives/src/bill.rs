//! Bill reports: HPKE (RFC 9180) to the owner's key, then stored under a raw CID (PROTOCOL.md §3).
//!
//! Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, base mode (RFC 9180 ids
//! 0x0020 / 0x0001 / 0x0003), implemented by the `hpke` crate. A sealed report is
//! `enc (32 bytes) || ciphertext (plaintext length + 16-byte tag)`; its CID is the raw CID of those
//! bytes. The `info` string binds a report to its chain, meter and cycle ([`bill_info`]), so a
//! report cannot be passed off as another meter's or another month's.
//!
//! The key type is no_std (the chain stores owners' keys); sealing and opening are `std`.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::{tags, CycleIndex};

/// Length of the encapsulated key at the start of a sealed report.
pub const HPKE_ENC_LEN: usize = 32;
/// Length of the AEAD tag.
pub const HPKE_TAG_LEN: usize = 16;

/// An owner's X25519 public key (RFC 7748 encoding), registered on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct HpkePublicKey(pub [u8; 32]);

/// The X25519 public keys of small order, canonically encoded (u-coordinate mod p, bit 255
/// clear): 0, 1, the two points of order 8, and p − 1. Any of them (or an encoding equivalent
/// to one: bit 255 set, or u ≥ p) makes every shared secret an all-zero or fixed value, so a
/// report sealed to it is either refused by HPKE or readable by anyone. Same list as
/// libsodium's `crypto_scalarmult_curve25519` blocklist.
const SMALL_ORDER_KEYS: [[u8; 32]; 5] = [
	[0; 32],
	[
		1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0,
	],
	[
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
		0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
		0xb8, 0x00,
	],
	[
		0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
		0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
		0x11, 0x57,
	],
	[
		0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
];

impl HpkePublicKey {
	/// Whether bills can be sealed to this key: it is not an X25519 point of small order
	/// (all-zero included), in any encoding. The chain refuses other keys when meters are
	/// registered or their owner key is set, and the billing tool checks again.
	pub fn is_acceptable(&self) -> bool {
		let mut u = self.0;
		// X25519 ignores bit 255 (RFC 7748 §5).
		u[31] &= 0x7f;
		// Values p ..= 2^255 − 1 (p = 2^255 − 19) are non-canonical: reduce them mod p.
		if u[31] == 0x7f && u[1..31].iter().all(|b| *b == 0xff) && u[0] >= 0xed {
			let low = u[0] - 0xed;
			u = [0; 32];
			u[0] = low;
		}
		!SMALL_ORDER_KEYS.contains(&u)
	}
}

/// The HPKE `info` of a bill report: SCALE of `(b"gridmask/bill/v1", genesis_hash, meter, cycle)`.
pub fn bill_info<M: Encode>(genesis_hash: &H256, meter: &M, cycle: CycleIndex) -> Vec<u8> {
	(tags::BILL, genesis_hash, meter, cycle).encode()
}

// Opening a report needs no RNG and no `std` (`bill-open`: the owner's portal compiled to
// wasm); sealing and key generation draw randomness from the OS (`std`).
#[cfg(any(feature = "std", feature = "bill-open"))]
pub use ops::*;

#[cfg(any(feature = "std", feature = "bill-open"))]
mod ops {
	use super::*;
	#[cfg(feature = "std")]
	use crate::cid::CidError;
	use crate::cid::{RawCid, MAX_REPORT_BYTES};
	#[cfg(feature = "std")]
	use hpke::OpModeS;
	use hpke::{
		aead::ChaCha20Poly1305, kdf::HkdfSha256, kem::X25519HkdfSha256, Deserializable, Kem,
		OpModeR, Serializable,
	};

	type KemT = X25519HkdfSha256;
	type PrivateKeyT = <KemT as Kem>::PrivateKey;
	type PublicKeyT = <KemT as Kem>::PublicKey;
	type EncappedKeyT = <KemT as Kem>::EncappedKey;

	/// Largest plaintext whose sealed report is still one raw block.
	pub const MAX_BILL_PLAINTEXT: usize = MAX_REPORT_BYTES - HPKE_ENC_LEN - HPKE_TAG_LEN;

	/// An owner's X25519 secret key (kept by the owner's tool, never on chain).
	#[derive(Clone)]
	pub struct HpkeSecretKey(pub [u8; 32]);

	impl core::fmt::Debug for HpkeSecretKey {
		fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
			f.write_str("HpkeSecretKey(..)")
		}
	}

	/// Why sealing or opening failed.
	#[derive(Clone, Copy, Debug, PartialEq, Eq)]
	pub enum BillError {
		/// Encapsulation failed (e.g. a low-order public key).
		Seal,
		/// Wrong key, wrong `info`/`aad`, or altered bytes.
		Open,
		/// Shorter than an encapsulated key plus a tag.
		Truncated,
		/// A key's bytes are not acceptable.
		BadKey,
		/// The sealed report would exceed one raw block.
		TooLarge,
	}

	fn split_keys(sk: PrivateKeyT, pk: PublicKeyT) -> (HpkeSecretKey, HpkePublicKey) {
		let mut s = [0u8; 32];
		s.copy_from_slice(&sk.to_bytes());
		let mut p = [0u8; 32];
		p.copy_from_slice(&pk.to_bytes());
		(HpkeSecretKey(s), HpkePublicKey(p))
	}

	/// A fresh key pair from the OS RNG.
	#[cfg(feature = "std")]
	pub fn generate_keypair() -> (HpkeSecretKey, HpkePublicKey) {
		let (sk, pk) = KemT::gen_keypair();
		split_keys(sk, pk)
	}

	/// RFC 9180 `DeriveKeyPair(ikm)` (deterministic; e.g. from an owner's seed phrase).
	pub fn derive_keypair(ikm: &[u8]) -> (HpkeSecretKey, HpkePublicKey) {
		let (sk, pk) = KemT::derive_keypair(ikm);
		split_keys(sk, pk)
	}

	/// The public key of `sk`.
	pub fn public_key(sk: &HpkeSecretKey) -> Result<HpkePublicKey, BillError> {
		let sk = PrivateKeyT::from_bytes(&sk.0).map_err(|_| BillError::BadKey)?;
		let pk = KemT::sk_to_pk(&sk);
		let mut p = [0u8; 32];
		p.copy_from_slice(&pk.to_bytes());
		Ok(HpkePublicKey(p))
	}

	/// Seals `plaintext` to `pk`: `enc || ciphertext`.
	#[cfg(feature = "std")]
	pub fn seal(
		pk: &HpkePublicKey,
		info: &[u8],
		aad: &[u8],
		plaintext: &[u8],
	) -> Result<Vec<u8>, BillError> {
		let pk = PublicKeyT::from_bytes(&pk.0).map_err(|_| BillError::BadKey)?;
		let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, KemT>(
			&OpModeS::Base,
			&pk,
			info,
			plaintext,
			aad,
		)
		.map_err(|_| BillError::Seal)?;
		let mut out = Vec::with_capacity(HPKE_ENC_LEN + ct.len());
		out.extend_from_slice(&enc.to_bytes());
		out.extend_from_slice(&ct);
		Ok(out)
	}

	/// Opens `enc || ciphertext` with `sk`.
	pub fn open(
		sk: &HpkeSecretKey,
		info: &[u8],
		aad: &[u8],
		sealed: &[u8],
	) -> Result<Vec<u8>, BillError> {
		if sealed.len() < HPKE_ENC_LEN + HPKE_TAG_LEN {
			return Err(BillError::Truncated);
		}
		let (enc, ct) = sealed.split_at(HPKE_ENC_LEN);
		let sk = PrivateKeyT::from_bytes(&sk.0).map_err(|_| BillError::BadKey)?;
		let enc = EncappedKeyT::from_bytes(enc).map_err(|_| BillError::Open)?;
		hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, KemT>(
			&OpModeR::Base,
			&sk,
			&enc,
			info,
			ct,
			aad,
		)
		.map_err(|_| BillError::Open)
	}

	/// A sealed report and its CID.
	#[derive(Clone, Debug, PartialEq, Eq)]
	pub struct SealedBill {
		/// `enc || ciphertext`: the bytes to store.
		pub bytes: Vec<u8>,
		/// Their raw CID (its digest is what the chain records).
		pub cid: RawCid,
	}

	/// Seals a report (no AAD; `info` from [`bill_info`]) and computes its CID; errors if it would
	/// not fit one raw block.
	#[cfg(feature = "std")]
	pub fn seal_bill(
		pk: &HpkePublicKey,
		info: &[u8],
		report: &[u8],
	) -> Result<SealedBill, BillError> {
		if report.len() > MAX_BILL_PLAINTEXT {
			return Err(BillError::TooLarge);
		}
		let bytes = seal(pk, info, &[], report)?;
		let cid = RawCid::of(&bytes).map_err(|_: CidError| BillError::TooLarge)?;
		Ok(SealedBill { bytes, cid })
	}

	/// Opens a report fetched by CID, first checking that the bytes are the ones the CID names.
	pub fn open_bill(
		sk: &HpkeSecretKey,
		info: &[u8],
		cid: &RawCid,
		bytes: &[u8],
	) -> Result<Vec<u8>, BillError> {
		if RawCid::of(bytes).ok().as_ref() != Some(cid) {
			return Err(BillError::Open);
		}
		open(sk, info, &[], bytes)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::cid::RawCid;

	fn hex(s: &str) -> Vec<u8> {
		::hex::decode(s).unwrap()
	}

	#[test]
	fn rfc9180_a_2_1_base_vector() {
		// RFC 9180 appendix A.2.1: X25519 / HKDF-SHA256 / ChaCha20Poly1305, base mode, sequence 0.
		let (sk, pk) = derive_keypair(&hex(
			"1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
		));
		assert_eq!(
			pk.0.to_vec(),
			hex("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a")
		);
		let sealed = [
			hex("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a"),
			hex("1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28"),
		]
		.concat();
		let info = hex("4f6465206f6e2061204772656369616e2055726e");
		let aad = hex("436f756e742d30");
		let pt = open(&sk, &info, &aad, &sealed).unwrap();
		assert_eq!(pt, hex("4265617574792069732074727574682c20747275746820626561757479"));
		// The RFC's skRm (unclamped) is the same key.
		let rfc_sk = HpkeSecretKey(
			hex("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb")
				.try_into()
				.unwrap(),
		);
		assert_eq!(public_key(&rfc_sk), Ok(pk));
		assert_eq!(open(&rfc_sk, &info, &aad, &sealed).unwrap(), pt);
	}

	#[test]
	fn small_order_keys_are_refused_in_every_encoding() {
		let (_, pk) = generate_keypair();
		assert!(pk.is_acceptable());
		let info = bill_info(&H256::repeat_byte(1), &42u64, 3);
		let mut blocked = SMALL_ORDER_KEYS.to_vec();
		// Bit 255 set, and p, p + 1 (non-canonical 0 and 1).
		blocked.extend(SMALL_ORDER_KEYS.iter().map(|k| {
			let mut k = *k;
			k[31] |= 0x80;
			k
		}));
		for low in [0xed, 0xee] {
			let mut k = SMALL_ORDER_KEYS[4];
			k[0] = low;
			blocked.push(k);
		}
		for key in blocked {
			let key = HpkePublicKey(key);
			assert!(!key.is_acceptable(), "{key:?} accepted");
			// The reason: with any (clamped) ephemeral key the shared secret is all-zero, which
			// HPKE refuses (RFC 9180 §7.1.4), so no report could be sealed to it.
			assert_eq!(seal(&key, &info, &[], b"x"), Err(BillError::Seal), "{key:?}");
		}
		// Neighbours of blocked values are fine: p − 2, 2, and p + 2 (≡ 2).
		for ok in [
			{
				let mut k = SMALL_ORDER_KEYS[4];
				k[0] = 0xeb;
				k
			},
			{
				let mut k = [0u8; 32];
				k[0] = 2;
				k
			},
			{
				let mut k = SMALL_ORDER_KEYS[4];
				k[0] = 0xef;
				k
			},
		] {
			assert!(HpkePublicKey(ok).is_acceptable(), "{ok:?} refused");
		}
	}

	#[test]
	fn round_trip_and_failures() {
		let (sk, pk) = generate_keypair();
		let (other_sk, _) = generate_keypair();
		let info = bill_info(&H256::repeat_byte(1), &42u64, 3);
		let report = vec![7u8; 100_000];
		let sealed = seal_bill(&pk, &info, &report).unwrap();
		assert_eq!(sealed.bytes.len(), report.len() + HPKE_ENC_LEN + HPKE_TAG_LEN);
		assert_eq!(sealed.cid, RawCid::of(&sealed.bytes).unwrap());
		assert_eq!(open_bill(&sk, &info, &sealed.cid, &sealed.bytes).unwrap(), report);
		// Another key, another info (meter, cycle, chain), a flipped bit anywhere, truncation.
		assert_eq!(open(&other_sk, &info, &[], &sealed.bytes), Err(BillError::Open));
		for wrong in [
			bill_info(&H256::repeat_byte(1), &43u64, 3),
			bill_info(&H256::repeat_byte(1), &42u64, 4),
			bill_info(&H256::repeat_byte(2), &42u64, 3),
		] {
			assert_eq!(open(&sk, &wrong, &[], &sealed.bytes), Err(BillError::Open));
		}
		for at in [0, HPKE_ENC_LEN, HPKE_ENC_LEN + 50_000, sealed.bytes.len() - 1] {
			let mut bad = sealed.bytes.clone();
			bad[at] ^= 0x01;
			assert_eq!(open(&sk, &info, &[], &bad), Err(BillError::Open));
			assert_eq!(open_bill(&sk, &info, &sealed.cid, &bad), Err(BillError::Open));
		}
		assert_eq!(open(&sk, &info, b"aad", &sealed.bytes), Err(BillError::Open));
		assert_eq!(open(&sk, &info, &[], &sealed.bytes[..40]), Err(BillError::Truncated));
		assert_eq!(
			seal_bill(&pk, &info, &vec![0u8; MAX_BILL_PLAINTEXT + 1]),
			Err(BillError::TooLarge)
		);
		assert!(seal_bill(&pk, &info, &vec![0u8; MAX_BILL_PLAINTEXT]).is_ok());
		assert_eq!(seal(&HpkePublicKey([0u8; 32]), &info, &[], b"x"), Err(BillError::Seal));
	}
}
