//! CID parsing (what `billing.post_bill` accepts: the binary form or the base32 `b…` string):
//! every accepted CID round-trips through both canonical forms, and no input panics.
#![no_main]
use gridmask_primitives::RawCid;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
	if let Ok(c) = RawCid::parse(bytes) {
		assert_eq!(RawCid::parse_binary(&c.to_bytes()), Ok(c), "binary form round-trips");
		assert_eq!(RawCid::parse(&c.to_string_bytes()), Ok(c), "string form round-trips");
		assert_eq!(RawCid::parse(&c.to_bytes()), Ok(c), "parse takes the binary form");
	}
	let _ = RawCid::parse_binary(bytes);
});
