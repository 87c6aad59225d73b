//! The metering pallets: roles, regions and meters (`pallet-meters`); period setup, reading
//! submission and sealing (`pallet-readings`).

use frame_support::{parameter_types, traits::ConstU32};
use gridmask_primitives::RegionId;
use sp_runtime::transaction_validity::TransactionPriority;

use crate::{
	configs::consensus::MAX_AGGREGATORS, time::SLOT_DURATION, AccountId, Meters, Runtime, Timestamp,
};

impl pallet_meters::Config for Runtime {
	type RoleAdminOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxNameLen = ConstU32<64>;
	type MaxRegionAggregators = ConstU32<MAX_AGGREGATORS>;
	/// 500 registrations ≈ 40 KB of call data and well under a block's weight, so thousands of
	/// meters are provisioned in a handful of blocks.
	type MaxRegisterBatch = ConstU32<500>;
	type WeightInfo = pallet_meters::weights::SubstrateWeight<Runtime>;
}

/// The readings pallet learns about regions from the meters pallet through this adapter, so
/// neither pallet depends on the other.
pub struct MetersRegistry;
impl pallet_readings::traits::RegionRegistry for MetersRegistry {
	fn region_exists(region: RegionId) -> bool {
		Meters::region_exists(region)
	}

	fn active_meters(region: RegionId) -> u32 {
		Meters::active_meters(region)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region(active: u32) -> RegionId {
		let region = RegionId::MAX;
		pallet_meters::Regions::<Runtime>::insert(
			region,
			pallet_meters::Region {
				name: Default::default(),
				aggregators: Default::default(),
				active_meters: active,
			},
		);
		region
	}
}

parameter_types! {
	/// Readings are the chain's main traffic and pay no fee: rank them above ordinary
	/// transactions but below operational ones.
	pub const ReadingPriority: TransactionPriority = TransactionPriority::MAX / 2;
}

impl pallet_readings::Config for Runtime {
	type Clock = Timestamp;
	type Regions = MetersRegistry;
	type KgcOrigin = pallet_meters::EnsureKgc<Runtime>;
	/// k-anonymity of regional aggregates (PROTOCOL §4.2).
	type MinRegionMeters = ConstU32<3>;
	type MaxSetupBatch = ConstU32<64>;
	/// 64 chunks of 1 KiB per transaction.
	type MaxChunksPerCall = ConstU32<64>;
	/// 1 MiB filters: about 100,000 PRIDs at a 2^-30 false-positive rate.
	type MaxBf1Blocks = ConstU32<16_384>;
	type MaxRegionsPerPeriod = ConstU32<64>;
	type MaxSealStepsPerBlock = ConstU32<2_000>;
	type MaxPruneStepsPerBlock = ConstU32<1_000>;
	type RetainCycles = ConstU32<2>;
	type MinBlockTimeMs = frame_support::traits::ConstU64<SLOT_DURATION>;
	type ReadingPriority = ReadingPriority;
	type WeightInfo = pallet_readings::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_readings::TimestampBenchmarkHelper<Runtime>;
}
