//! Master secrets at rest on the KGC node (SECURITY.md, G15).
//!
//! The KGC node's fault-resolution worker (PROTOCOL §4 step 6) needs every meter's master
//! secret, which it keeps in its off-chain storage. Whoever reads them reads every household's
//! consumption, so they are kept there **sealed** under a key that is never on the node's
//! disk:
//!
//! - The operator's **secrets key** is 32 random bytes in a file (`gridmask kgc
//!   new-secrets-key`). The node reads it at start (`--kgc-secrets-key-file`) into its keystore
//!   as an **in-memory** ed25519 key of type [`SECRETS_KEY_TYPE`] (`gmsk`): Substrate's keystore
//!   keeps keys made from a seed in memory and never writes them to its directory.
//! - The **sealing key** is `BLAKE2b-256(SEAL_KEY_DOMAIN ‖ ed25519_sign(secrets key,
//!   SEAL_KEY_MESSAGE))` ([`seal_key`]). Ed25519 signatures are deterministic (RFC 8032), so the
//!   worker, which can only ask its keystore to sign, and the `gridmask` client, which holds the
//!   file, derive the same key; without the secrets key nobody can make that signature.
//! - A region's entry is `nonce (12 bytes) ‖ ChaCha20-Poly1305(plaintext) ‖ tag (16 bytes)`
//!   with the entry's storage key as associated data ([`seal`], [`open`]), so an entry cannot
//!   be moved to another region unnoticed. The plaintext is the SCALE encoding of the region's
//!   `Vec<(MeterId, [u8; 32])>`.
//!
//! An attacker with the node's disk but not the key file gets the sealed entries only.

use alloc::vec::Vec;
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	ChaCha20Poly1305, Key, Nonce,
};

/// The keystore key type of the secrets key: `gmsk`.
pub const SECRETS_KEY_TYPE: [u8; 4] = *b"gmsk";
/// What the secrets key signs to derive the sealing key.
pub const SEAL_KEY_MESSAGE: &[u8] = b"gridmask/kgc/secrets-seal-key/v1";
/// Domain tag of the hash that turns that signature into the sealing key (the format of
/// [`crate::tags`]).
pub const SEAL_KEY_DOMAIN: &[u8] = b"gridmask/seal-key/v1";
/// Domain tag of the key that seals the KGC's store file (the client's `kgc.json`), derived
/// from the same secrets key: `BLAKE2b-256(STORE_KEY_DOMAIN ‖ seed)` ([`store_key`]).
pub const STORE_KEY_DOMAIN: &[u8] = b"gridmask/store-key/v1";
/// Bytes of a nonce.
pub const NONCE_BYTES: usize = 12;
/// Bytes a sealed entry has beyond its plaintext (nonce and tag).
pub const SEAL_OVERHEAD: usize = NONCE_BYTES + 16;

/// The sealing key from the secrets key's signature of [`SEAL_KEY_MESSAGE`].
pub fn seal_key(signature: &[u8; 64]) -> [u8; 32] {
	crate::hashing::blake2b_256(SEAL_KEY_DOMAIN, &[&signature[..]])
}

/// The key that seals the KGC's store file, from the secrets key's seed.
pub fn store_key(seed: &[u8; 32]) -> [u8; 32] {
	crate::hashing::blake2b_256(STORE_KEY_DOMAIN, &[&seed[..]])
}

/// The sealing key of the secrets key whose seed is `seed` (what the node's keystore holds).
#[cfg(feature = "std")]
pub fn seal_key_of_seed(seed: &[u8; 32]) -> [u8; 32] {
	use sp_core::Pair;
	let pair = sp_core::ed25519::Pair::from_seed(seed);
	seal_key(&pair.sign(SEAL_KEY_MESSAGE).0)
}

/// The public key of the secrets key whose seed is `seed`.
#[cfg(feature = "std")]
pub fn secrets_public_of_seed(seed: &[u8; 32]) -> [u8; 32] {
	use sp_core::Pair;
	sp_core::ed25519::Pair::from_seed(seed).public().0
}

/// The seed in a secrets key file: 64 hex digits (an optional `0x` and surrounding whitespace
/// allowed). Refused if others than its owner may read the file, as ssh refuses a key.
#[cfg(all(feature = "std", unix))]
pub fn read_key_file(path: &std::path::Path) -> Result<[u8; 32], String> {
	use std::os::unix::fs::PermissionsExt;
	let what = || format!("the KGC secrets key {}", path.display());
	let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", what()))?;
	let mode = meta.permissions().mode() & 0o777;
	if mode & 0o077 != 0 {
		return Err(format!("{} is readable by others (mode {mode:o}): chmod 600 it", what()));
	}
	let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", what()))?;
	let bytes = hex::decode(text.trim().trim_start_matches("0x"))
		.map_err(|_| format!("{} is not hex", what()))?;
	bytes.try_into().map_err(|_| format!("{} is not 32 bytes (64 hex digits)", what()))
}

/// Seals `plaintext` under `key` with `nonce` (never reuse a nonce with one key: take it at
/// random), bound to `aad`.
pub fn seal(key: &[u8; 32], nonce: [u8; NONCE_BYTES], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
	let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
	let sealed = cipher
		.encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
		.expect("ChaCha20-Poly1305 encrypts any message shorter than 256 GiB; qed");
	[&nonce[..], &sealed[..]].concat()
}

/// Opens what [`seal`] made with the same `key` and `aad`; `None` if it was made under
/// another key or for another `aad`, or altered.
pub fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
	if sealed.len() < SEAL_OVERHEAD {
		return None;
	}
	let (nonce, body) = sealed.split_at(NONCE_BYTES);
	ChaCha20Poly1305::new(Key::from_slice(key))
		.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
		.ok()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hex(b: &[u8]) -> String {
		b.iter().map(|x| format!("{x:02x}")).collect()
	}

	/// Test vectors: a client in another language must derive and seal exactly this (checked
	/// against Python's `cryptography` package: Ed25519 sign, BLAKE2b-256 of tag ‖ signature,
	/// ChaCha20-Poly1305).
	#[test]
	fn vectors() {
		let seed = [7u8; 32];
		let key = seal_key_of_seed(&seed);
		assert_eq!(hex(&key), SEAL_KEY_VECTOR);
		let sealed =
			seal(&key, [1; NONCE_BYTES], b"gridmask/kgc/secrets/\x01\x00\x00\x00", b"secrets");
		assert_eq!(hex(&sealed), SEALED_VECTOR);
	}

	const SEAL_KEY_VECTOR: &str =
		"6db0a9ed9f00cffbad8c111314363b9ad9fdfda7b52665188743c0cb1983355d";
	const SEALED_VECTOR: &str =
		"0101010101010101010101017e6c39803c0055e676820416f725e01f0dcc7bf479a04f";

	#[test]
	fn opens_only_with_its_key_and_aad() {
		let key = seal_key_of_seed(&[7; 32]);
		let other = seal_key_of_seed(&[8; 32]);
		assert_ne!(key, other);
		let sealed = seal(&key, [3; NONCE_BYTES], b"region 1", b"the master secrets");
		assert_eq!(sealed.len(), b"the master secrets".len() + SEAL_OVERHEAD);
		assert_eq!(open(&key, b"region 1", &sealed).as_deref(), Some(&b"the master secrets"[..]));
		assert_eq!(open(&other, b"region 1", &sealed), None);
		assert_eq!(open(&key, b"region 2", &sealed), None);
		let mut altered = sealed.clone();
		altered[NONCE_BYTES + 2] ^= 1;
		assert_eq!(open(&key, b"region 1", &altered), None);
		assert_eq!(open(&key, b"region 1", &sealed[..SEAL_OVERHEAD - 1]), None);
		// What the keystore signs with is what the client derives from the seed.
		let pair = <sp_core::ed25519::Pair as sp_core::Pair>::from_string(
			&format!("0x{}", hex(&[7; 32])),
			None,
		)
		.unwrap();
		let sig = sp_core::Pair::sign(&pair, SEAL_KEY_MESSAGE);
		assert_eq!(seal_key(&sig.0), key);
		assert_eq!(sp_core::Pair::public(&pair).0, secrets_public_of_seed(&[7; 32]));
	}

	#[test]
	fn key_files_must_be_private_and_32_bytes() {
		use std::os::unix::fs::PermissionsExt;
		let dir = std::env::temp_dir().join(format!("gridmask-key-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let file = dir.join("kgc-secrets.key");
		let write = |text: &str, mode: u32| {
			std::fs::write(&file, text).unwrap();
			std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
		};
		write(&format!("0x{}\n", hex(&[7; 32])), 0o600);
		assert_eq!(read_key_file(&file), Ok([7; 32]));
		write(&hex(&[7; 32]), 0o644);
		assert!(read_key_file(&file).unwrap_err().contains("readable by others"));
		write(&hex(&[7; 31]), 0o600);
		assert!(read_key_file(&file).unwrap_err().contains("not 32 bytes"));
		write("not hex", 0o600);
		assert!(read_key_file(&file).unwrap_err().contains("not hex"));
		std::fs::remove_dir_all(&dir).unwrap();
	}
}
