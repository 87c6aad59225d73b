//! The metering pallets: roles, regions and meters (`pallet-meters`); period setup, reading
//! submission and sealing (`pallet-readings`); tariffs and prices (`pallet-pricing`); bills
//! (`pallet-billing`) — and the adapters through which they see each other, so that no pallet
//! depends on another.

use frame_support::{parameter_types, traits::ConstU32, weights::Weight};
use gridmask_primitives::{CycleIndex, MeterId, PeriodIndex, RegionId};
use sp_runtime::transaction_validity::TransactionPriority;

use crate::{
	configs::consensus::MAX_AGGREGATORS, time::SLOT_DURATION, AccountId, Billing, Meters, Pricing,
	Readings, Runtime, Timestamp,
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
	type OnOutcome = PeriodOutcomes;
	type WeightInfo = pallet_readings::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_readings::TimestampBenchmarkHelper<Runtime>;
}

/// What follows a period's outcome (PROTOCOL §4 steps 5–6): a sealed aggregate — at sealing
/// or after a fault's resolution — is priced.
pub struct PeriodOutcomes;
impl pallet_readings::traits::OnPeriodOutcome for PeriodOutcomes {
	fn on_sealed(region: RegionId, period: PeriodIndex, aggregate: u64) -> Weight {
		Pricing::on_period_sealed(region, period, aggregate)
	}

	fn on_faulted(
		_region: RegionId,
		_period: PeriodIndex,
		_expected: u32,
		_received: u32,
	) -> Weight {
		// Faults are recorded by the readings pallet's outcome; their resolution comes later.
		Weight::zero()
	}

	fn on_resolved(region: RegionId, period: PeriodIndex, aggregate: Option<u64>) -> Weight {
		match aggregate {
			Some(aggregate) => Pricing::on_period_sealed(region, period, aggregate),
			None => Weight::zero(),
		}
	}
}

/// The readings pallet's clock, as the pricing and billing pallets need it.
pub struct ReadingsClock;
impl ReadingsClock {
	fn current_period() -> Option<PeriodIndex> {
		Readings::api_time().current_period
	}
}
impl pallet_pricing::traits::CurrentPeriod for ReadingsClock {
	fn current_period() -> Option<PeriodIndex> {
		Self::current_period()
	}
}
impl pallet_billing::traits::CycleClock for ReadingsClock {
	fn current_cycle() -> Option<CycleIndex> {
		Readings::api_time().current_cycle
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_finished_cycle() -> CycleIndex {
		// A started clock (1-minute periods, 10 per cycle) now in cycle 2: cycles 0 and 1 are over.
		let start = 1_800_000_000_000;
		pallet_readings::TimeConfig::<Runtime>::put(gridmask_primitives::TimeParams {
			genesis_start_ms: start,
			period_ms: 60_000,
			periods_per_cycle: 10,
			window_ms: 30_000,
		});
		pallet_timestamp::Now::<Runtime>::put(start + 25 * 60_000);
		1
	}
}

impl pallet_pricing::traits::RegionRegistry for MetersRegistry {
	fn region_exists(region: RegionId) -> bool {
		Meters::region_exists(region)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region() -> RegionId {
		<Self as pallet_readings::traits::RegionRegistry>::benchmark_region(0)
	}
}

/// A (region, period) is billed once any bill of its cycle was posted in the region.
pub struct BillingStatus;
impl pallet_pricing::traits::BillingStatus for BillingStatus {
	fn is_billed(region: RegionId, period: PeriodIndex) -> bool {
		pallet_readings::TimeConfig::<Runtime>::get()
			.is_some_and(|t| Billing::is_billed(region, t.cycle_of(period)))
	}
}

impl pallet_pricing::Config for Runtime {
	type CcOrigin = pallet_meters::EnsureCc<Runtime>;
	type Regions = MetersRegistry;
	type Clock = ReadingsClock;
	type Billing = BillingStatus;
	/// Half-hour bands over a day.
	type MaxBands = ConstU32<48>;
	type MaxTiers = ConstU32<8>;
	type MaxTariffVersions = ConstU32<10_000>;
	type WeightInfo = pallet_pricing::weights::SubstrateWeight<Runtime>;
}

/// Meters as the billing pallet sees them: region and owner, unless retired.
pub struct BillableMeters;
impl pallet_billing::traits::MeterRegistry<AccountId> for BillableMeters {
	fn meter_info(meter: MeterId) -> Option<(RegionId, AccountId)> {
		pallet_meters::Meters::<Runtime>::get(meter)
			.filter(|m| m.status != pallet_meters::MeterStatus::Retired)
			.map(|m| (m.region, m.owner))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meter(meter: MeterId, owner: AccountId) {
		let region =
			<MetersRegistry as pallet_readings::traits::RegionRegistry>::benchmark_region(1);
		pallet_meters::Meters::<Runtime>::insert(
			meter,
			pallet_meters::Meter {
				region,
				owner,
				owner_key: gridmask_primitives::HpkePublicKey([0; 32]),
				status: pallet_meters::MeterStatus::Active,
				faults: 0,
			},
		);
	}
}

impl pallet_billing::Config for Runtime {
	type KgcOrigin = pallet_meters::EnsureKgc<Runtime>;
	type Clock = ReadingsClock;
	type Meters = BillableMeters;
	type MaxVersions = ConstU32<16>;
	type MaxReasonLen = ConstU32<256>;
	/// As many bills per call as meters per registration.
	type MaxBillsPerCall = ConstU32<500>;
	type WeightInfo = pallet_billing::weights::SubstrateWeight<Runtime>;
}
