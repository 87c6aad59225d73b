//! `submit_reading` through the pool's validation (`TaggedTransactionQueue`) and the block
//! builder: arbitrary extrinsic bytes, and honest readings mutated after signing or re-signed
//! over altered fields, at an arbitrary chain time around period 1's window. Only an honest
//! meter's reading passes, once (see `gridmask_fuzz::check_reading_input`).
#![no_main]
libfuzzer_sys::fuzz_target!(|input: gridmask_fuzz::ReadingInput| {
	gridmask_fuzz::check_reading_input(&input);
});
