//! The runtime under arbitrary sequences of blocks of extrinsics (readings, signed calls of
//! every role, general and bare calls, raw bytes), with the invariants of `gridmask_fuzz`
//! checked after every block.
#![no_main]
libfuzzer_sys::fuzz_target!(|blocks: Vec<gridmask_fuzz::Block>| {
	gridmask_fuzz::run_blocks(&blocks);
});
