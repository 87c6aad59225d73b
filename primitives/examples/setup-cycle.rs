//! Times the period setup of one whole cycle: `cargo run --release -p gridmask-primitives
//! --example setup-cycle [meters] [periods] [channels]` (default 1,000 meters × 1,440 periods, one
//! channel), on all cores. `channels` may be a list (`1,2,4`): each is timed in turn in this
//! process, with its ratio to the first.

use gridmask_primitives::{
	hashing::blake2b_256,
	setup::{build_cycle, SetupParams},
	MasterSecret, BF1_DEFAULT_FP_EXP,
};
use std::time::Instant;

fn main() {
	let mut args = std::env::args().skip(1);
	let mut number =
		|default: u32| args.next().and_then(|a| a.parse::<u32>().ok()).unwrap_or(default);
	let meters = number(1000);
	let periods = number(1440);
	let channels: Vec<u8> = std::env::args()
		.nth(3)
		.map(|a| a.split(',').filter_map(|c| c.trim().parse().ok()).collect())
		.unwrap_or_else(|| vec![1]);
	let masters: Vec<MasterSecret> = (0..meters)
		.map(|i| MasterSecret(blake2b_256(b"setup-cycle", &[&i.to_le_bytes()])))
		.collect();
	let mut first = None;
	for channels in channels {
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
		let secs = start.elapsed().as_secs_f64();
		let base = *first.get_or_insert(secs);
		let bytes: usize = setups.iter().map(|s| s.bf1.as_bytes().len()).sum();
		println!(
			"{meters} meters x {periods} periods, {channels} channel(s), on {} threads: {secs:.2} s \
			 ({:.2} x the first) ({} PRIDs, BF1 total {:.1} MB, {} B per period)",
			rayon::current_num_threads(),
			secs / base,
			2 * u64::from(meters) * u64::from(periods),
			bytes as f64 / 1e6,
			bytes / setups.len().max(1),
		);
	}
}
