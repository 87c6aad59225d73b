//! The pallets whose benchmarks the node's `benchmark pallet` command can run (only with
//! `--features runtime-benchmarks`). `scripts/weights.sh` runs ours and writes each pallet's
//! `weights.rs`.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_aggregators, Aggregators]
	[pallet_meters, Meters]
	[pallet_readings, Readings]
	[pallet_pricing, Pricing]
	[pallet_billing, Billing]
	[pallet_faults, Faults]
);
