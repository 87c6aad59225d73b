//! A signed reading as bytes (SCALE): decoding never panics, re-encoding is canonical, and the
//! client's signature check (schnorrkel in `gridmask-primitives`) agrees with the runtime's
//! (`sp_io::crypto::sr25519_verify`) on every input, valid PRID point or not; a payload signed
//! with a key made from the input verifies in both, and fails in both once altered.
#![no_main]
use codec::{Decode, Encode};
use gridmask_primitives::{PridKey, SignedReading};

fn runtime_verify(r: &SignedReading) -> bool {
	sp_io::crypto::sr25519_verify(
		&r.signature.into(),
		&r.payload.signing_message(),
		&r.payload.prid.into(),
	)
}

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
	let Ok(r) = SignedReading::decode(&mut &bytes[..]) else { return };
	assert_eq!(&r.encode()[..], &bytes[..r.encoded_size()], "canonical encoding");
	assert_eq!(r.verify(), runtime_verify(&r), "client and runtime agree on the signature");

	let key = PridKey::from_leaf(&r.payload.genesis_hash.0);
	let payload = gridmask_primitives::ReadingPayload { prid: key.prid(), ..r.payload };
	let signed = payload.sign(&key).expect("the key of this PRID");
	assert!(signed.verify() && runtime_verify(&signed), "a real signature verifies");
	let mut altered = signed.clone();
	match altered.payload.masked.is_empty() {
		false => altered.payload.masked[0] ^= 1,
		true => altered.payload.timestamp_ms ^= 1,
	}
	assert!(!altered.verify() && !runtime_verify(&altered), "an altered payload fails");
	// One value more or less than was signed (another shape) fails too.
	let mut reshaped = signed;
	if reshaped.payload.masked.try_push(0).is_err() {
		reshaped.payload.masked.pop();
	}
	assert!(!reshaped.verify() && !runtime_verify(&reshaped), "a reshaped payload fails");
});
