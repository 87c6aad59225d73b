//! Times the period setup of one whole cycle: `cargo run --release -p gridmask-primitives
//! --example setup-cycle [meters] [periods] [channels]` (default 1,000 meters × 1,440 periods, one
//! channel), on all cores.

use gridmask_primitives::{
	hashing::blake2b_256,
	setup::{build_cycle, SetupParams},
	MasterSecret, BF1_DEFAULT_FP_EXP,
};
use std::time::Instant;

fn main() {
	let mut args = std::env::args().skip(1).map(|a| a.parse::<u32>());
	let meters = args.next().and_then(Result::ok).unwrap_or(1000);
	let periods = args.next().and_then(Result::ok).unwrap_or(1440);
	let masters: Vec<MasterSecret> = (0..meters)
		.map(|i| MasterSecret(blake2b_256(b"setup-cycle", &[&i.to_le_bytes()])))
		.collect();
	let channels = args.next().and_then(Result::ok).unwrap_or(1) as u8;
	let params = SetupParams {
		region: 1,
		cycle: 0,
		periods_per_cycle: periods,
		fp_exp: BF1_DEFAULT_FP_EXP,
		channels,
	};
	let start = Instant::now();
	let setups = match build_cycle(&params, &masters) {
		Ok(s) => s,
		Err(e) => {
			eprintln!("setup failed: {e:?}");
			std::process::exit(1);
		},
	};
	let elapsed = start.elapsed();
	let bytes: usize = setups.iter().map(|s| s.bf1.as_bytes().len()).sum();
	println!(
		"{meters} meters x {periods} periods on {} threads: {:.2} s ({} PRIDs, BF1 total {:.1} MB, {} B per period)",
		rayon::current_num_threads(),
		elapsed.as_secs_f64(),
		2 * u64::from(meters) * u64::from(periods),
		bytes as f64 / 1e6,
		bytes / setups.len().max(1),
	);
}
