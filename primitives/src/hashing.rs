//! Domain-separated BLAKE2b, the one hash of PROTOCOL.md §3.
//!
//! Every use hashes `tag || parts...` where `tag` is one of the [`tags`](crate::tags) constants. The
//! same `blake2b_simd` code runs natively and in the runtime's wasm (its `std` feature only switches
//! on runtime SIMD detection, never the output), and unkeyed BLAKE2b-256 here is byte-for-byte
//! `sp_io::hashing::blake2_256` (a test checks that), so pallets may use either.

use blake2b_simd::{Params, State};

/// A BLAKE2b state for `out_len` bytes of output, already fed with `tag`.
pub(crate) fn tagged_state(tag: &[u8], out_len: usize) -> State {
	let mut state = Params::new().hash_length(out_len).to_state();
	state.update(tag);
	state
}

/// `BLAKE2b-256(tag || parts[0] || parts[1] || ...)`.
pub fn blake2b_256(tag: &[u8], parts: &[&[u8]]) -> [u8; 32] {
	blake2b(tag, parts)
}

/// `BLAKE2b-512(tag || parts[0] || parts[1] || ...)`.
pub fn blake2b_512(tag: &[u8], parts: &[&[u8]]) -> [u8; 64] {
	blake2b(tag, parts)
}

/// BLAKE2b with an `N`-byte output (`N` ≤ 64) over `tag || parts[0] || parts[1] || ...`.
fn blake2b<const N: usize>(tag: &[u8], parts: &[&[u8]]) -> [u8; N] {
	let mut state = tagged_state(tag, N);
	for part in parts {
		state.update(part);
	}
	let mut out = [0u8; N];
	out.copy_from_slice(state.finalize().as_bytes());
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn equals_substrate_blake2() {
		// Pallets may hash with sp_io; both must agree.
		let data = b"gridmask/test/v1some data";
		assert_eq!(
			blake2b_256(b"gridmask/test/v1", &[b"some ", b"data"]),
			sp_io::hashing::blake2_256(data)
		);
		assert_eq!(blake2b_256(b"", &[data]), sp_io::hashing::blake2_256(data));
		let mut full = [0u8; 64];
		full.copy_from_slice(blake2b_simd::Params::new().hash_length(64).hash(data).as_bytes());
		assert_eq!(blake2b_512(b"gridmask/test/v1", &[b"some data"]), full);
	}
}
