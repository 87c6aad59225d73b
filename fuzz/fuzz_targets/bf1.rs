//! The BF1 filter as the chain decodes it (SCALE: parameters, then the bytes) and probes it
//! (by chunk, as `submit_reading`'s authorization does):
//! - a decoded filter has valid parameters and re-encodes to what decodes to itself;
//! - probing through the chunks agrees with `contains`;
//! - after `insert(prid)`, both say the PRID is in the filter (no false negative).
#![no_main]
use codec::{Decode, Encode};
use gridmask_primitives::{Bf1, Prid};
use pallet_readings::BF1_BLOCKS_PER_CHUNK;

fn in_chunks(f: &Bf1, prid: &Prid) -> bool {
	let probe = f.params().probe(prid);
	let Some((index, offset)) = probe.chunk_position(BF1_BLOCKS_PER_CHUNK) else {
		return false;
	};
	f.chunk(index, BF1_BLOCKS_PER_CHUNK)
		.and_then(|c| c.get(offset..offset + gridmask_primitives::bloom::BF1_BLOCK_BYTES))
		.is_some_and(|block| probe.matches(block))
}

libfuzzer_sys::fuzz_target!(|input: (Vec<u8>, [u8; 32])| {
	let (bytes, prid) = input;
	let prid = Prid(prid);
	let Ok(mut f) = Bf1::decode(&mut &bytes[..]) else { return };
	assert!(f.params().validate().is_ok(), "a decoded filter has valid parameters");
	assert_eq!(f.as_bytes().len(), f.params().byte_len());
	let again = Bf1::decode(&mut &f.encode()[..]).expect("re-encoding decodes");
	assert!(again == f, "decode(encode(f)) == f");
	assert_eq!(in_chunks(&f, &prid), f.contains(&prid), "chunked probe agrees with contains");
	f.insert(&prid);
	assert!(f.contains(&prid) && in_chunks(&f, &prid), "an inserted PRID is in the filter");
});
