//! The node's own host function: batch verification of readings' PRID signatures.
//!
//! A bundle carries thousands of readings, and verifying their signatures one by one
//! (`sp_io::crypto::sr25519_verify`) is most of what applying it costs. schnorrkel verifies a
//! batch in about half the time per signature ([`crate::bundle::verify_batch`]; sp-io's own batch
//! verification was removed in 2023). This interface gives the runtime that batch check; every
//! gridmask node registers it ([`gridmask_crypto::HostFunctions`]) beside sp-io's.
//!
//! The answer is `true` only if every signature verifies; on `false` the runtime verifies the
//! readings one by one to find which do not, so what is stored never depends on the batch
//! (batch verification draws random weights, but all-valid batches always pass and a batch
//! holding a bad signature fails except with probability ~2^-128).

use sp_runtime_interface::{pass_by::PassFatPointerAndDecodeSlice, runtime_interface};

use crate::SignedReading;

/// gridmask's host functions (the runtime imports them as `ext_gridmask_crypto_*`).
#[runtime_interface]
pub trait GridmaskCrypto {
	/// Whether the PRID signature of every one of `readings` verifies (each over its own
	/// payload, genesis hash included), checked as one batch.
	fn verify_readings(readings: PassFatPointerAndDecodeSlice<&[SignedReading]>) -> bool {
		crate::bundle::verify_batch(readings)
	}
}
