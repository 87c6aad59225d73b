//! The KGC node's secrets key (`--kgc-secrets-key-file`): see `gridmask_primitives::secrets`.
//!
//! The meters' master secrets sit sealed in the KGC node's off-chain storage. The key that
//! opens them is derived from the operator's secrets key, which the node reads at start from a
//! file and keeps **in memory only**, as an ed25519 key of type `gmsk` in its keystore
//! (Substrate's keystore never writes a key made from a seed to its directory). The file can
//! live on another volume, a tmpfs, or come from a secrets manager; the node's disk alone does
//! not open the secrets.

use std::path::PathBuf;

use gridmask_primitives::secrets::{read_key_file, SECRETS_KEY_TYPE};
use sp_core::crypto::KeyTypeId;

/// The KGC node's command-line option.
#[derive(Debug, Clone, clap::Args)]
pub struct KgcParams {
	/// The operator's KGC secrets key: a file holding 32 bytes as 64 hex digits, readable by
	/// its owner only (`gridmask kgc new-secrets-key`). The node keeps it in memory only, as
	/// the `gmsk` key its off-chain worker opens the meters' sealed master secrets with. Only
	/// the KGC node needs it.
	#[arg(long, value_name = "FILE")]
	pub kgc_secrets_key_file: Option<PathBuf>,
}

/// Puts the secrets key of `path` into `keystore`, in memory; its public key.
pub fn load(keystore: &sp_keystore::KeystorePtr, path: &std::path::Path) -> Result<String, String> {
	let seed = read_key_file(path)?;
	let public = keystore
		.ed25519_generate_new(
			KeyTypeId(SECRETS_KEY_TYPE),
			Some(&format!("0x{}", hex::encode(seed))),
		)
		.map_err(|e| format!("the keystore refused the KGC secrets key: {e}"))?;
	Ok(format!("0x{}", hex::encode(public.0)))
}
