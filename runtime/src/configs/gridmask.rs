//! The metering pallets: roles, regions and meters (`pallet-meters`); period setup, reading
//! submission and sealing (`pallet-readings`); tariffs and prices (`pallet-pricing`); bills
//! (`pallet-billing`) — and the adapters through which they see each other, so that no pallet
//! depends on another.

use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU64},
	weights::Weight,
};
use gridmask_primitives::{CycleIndex, MeterId, PeriodIndex, RegionId};
use sp_runtime::transaction_validity::TransactionPriority;

use crate::{
	configs::consensus::MAX_AGGREGATORS, AccountId, Billing, Faults, Meters, Pricing, Readings,
	Runtime, Timestamp,
};
use alloc::vec::Vec;
use gridmask_primitives::{Prid, TimeParams};

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

	fn epoch(region: RegionId) -> u32 {
		Meters::region_epoch(region)
	}

	fn channel_contributors(region: RegionId) -> Vec<u32> {
		Meters::channel_contributors(region)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region(index: u32, active: u32) -> RegionId {
		let region = RegionId::MAX - index;
		pallet_meters::Regions::<Runtime>::insert(
			region,
			pallet_meters::Region {
				name: Default::default(),
				aggregators: Default::default(),
				// The most channels: the longest shares and setups.
				shape: pallet_meters::Shape::truncate_from(
					gridmask_primitives::ChannelKind::ALL.to_vec(),
				),
				active_meters: active,
				active_prosumers: active,
				epoch: 1,
			},
		);
		region
	}
}

/// The production floor of meters behind a published aggregate (readings'
/// `MinRegionMeters`): 10. It is the group size Dutch distribution operators use when they
/// publish small consumers' data aggregated by postcode area (at least 10 connections per
/// record); with 10 households, one household's share of a published sum is no longer
/// readable from it by a neighbour who knows their own consumption, unless 8 others collude.
/// A utility sets its own in the chain spec (`readings.minRegionMeters`); the development and
/// test presets use 3 so that a demo needs few meters.
pub const PRODUCTION_MIN_REGION_METERS: u32 = 10;

parameter_types! {
	/// Readings are the chain's main traffic and pay no fee: rank them above ordinary
	/// transactions but below operational ones.
	pub const ReadingPriority: TransactionPriority = TransactionPriority::MAX / 2;
}

impl pallet_readings::Config for Runtime {
	type Clock = Timestamp;
	type Regions = MetersRegistry;
	type KgcOrigin = pallet_meters::EnsureKgc<Runtime>;
	/// k-anonymity of regional aggregates (PROTOCOL §4.2) on a chain whose genesis does not
	/// set its own: see [`PRODUCTION_MIN_REGION_METERS`].
	type DefaultMinRegionMeters = ConstU32<PRODUCTION_MIN_REGION_METERS>;
	type MaxSetupBatch = ConstU32<64>;
	/// 64 chunks of 1 KiB per transaction.
	type MaxChunksPerCall = ConstU32<64>;
	/// 1 MiB filters: about 100,000 PRIDs at a 2^-30 false-positive rate.
	type MaxBf1Blocks = ConstU32<16_384>;
	type MaxRegionsPerPeriod = ConstU32<64>;
	/// Sealing must keep up with ingest: a million meters at 15-minute periods send 2,222
	/// shares a second, 13,333 a 6-second block; a step costs about 10 µs (a share read and
	/// hashed), so the whole budget is about 0.23 s of a block's 2 s.
	type MaxSealStepsPerBlock = ConstU32<16_384>;
	type MaxPruneStepsPerBlock = ConstU32<1_000>;
	/// Shares are kept at least 2 cycles after their own (a month of bills and disputes at
	/// monthly cycles), then until the region's cycle is billed and its dispute window
	/// ([`DisputeCycles`]) over, at most 12 cycles (a year).
	type RetainCycles = ConstU32<2>;
	type MaxRetainCycles = ConstU32<12>;
	type Retention = BilledRetention;
	type MinBlockTimeMs = pallet_aggregators::SlotDurationMs<Runtime>;
	type ReadingPriority = ReadingPriority;
	/// 32 parts of 4,096 entries: a resolution can name every PRID of a 65,536-meter region.
	type MaxResolutionParts = ConstU32<32>;
	type OnOutcome = PeriodOutcomes;
	type Collectors = AuraCollectors;
	/// 16,384 shares (1.8 MB) at most; fewer if the weights say so
	/// (`Readings::bundle_capacity`).
	type MaxBundleShares = ConstU32<16_384>;
	/// Every region's group for two periods.
	type MaxBundleGroups = ConstU32<128>;
	/// Two blocks' worth of an aggregator's bundles (its collector makes bundles of 1/8 of the
	/// largest, so that blocks pack full).
	type MaxBundlesAhead = ConstU32<32>;
	/// About 6 minutes at 6-second slots; the collector re-submits a bundle not included by
	/// then.
	type BundleLongevity = ConstU64<64>;
	type WeightInfo = pallet_readings::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_readings::TimestampBenchmarkHelper<Runtime>;
}

/// The collectors of readings are the aggregators, by their current Aura (block-authoring) key:
/// a node signs its bundles with the key it authors blocks with.
pub struct AuraCollectors;
impl pallet_readings::traits::Collectors for AuraCollectors {
	fn is_collector(key: &pallet_readings::CollectorKey) -> bool {
		pallet_aura::Authorities::<Runtime>::get().iter().any(|a| {
			let raw: &sp_core::sr25519::Public = a.as_ref();
			raw == key
		})
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn add_collector(key: pallet_readings::CollectorKey) {
		pallet_aura::Authorities::<Runtime>::mutate(|a| {
			let _ = a.try_push(key.into());
		});
	}
}

/// What follows a period's outcome (PROTOCOL §4 steps 5–6): a sealed aggregate — at sealing
/// or after a fault's resolution — is priced.
pub struct PeriodOutcomes;
impl pallet_readings::traits::OnPeriodOutcome for PeriodOutcomes {
	fn on_sealed(region: RegionId, period: PeriodIndex, aggregate: Option<u64>) -> Weight {
		Pricing::on_period_sealed(region, period, aggregate)
	}

	fn on_faulted(region: RegionId, period: PeriodIndex, expected: u32, received: u32) -> Weight {
		Faults::on_faulted(region, period, expected, received)
	}

	fn on_resolved(
		region: RegionId,
		period: PeriodIndex,
		result: pallet_readings::RecheckResult,
	) -> Weight {
		use pallet_faults::traits::CheckOutcome;
		use pallet_readings::RecheckResult;
		let (outcome, aggregate) = match result {
			RecheckResult::Sealed { aggregates, contributors } => {
				// Import (channel 0): what prices the period.
				let import = aggregates.first().copied().flatten();
				(CheckOutcome::Resolved { aggregate: import, contributors }, import)
			},
			RecheckResult::Withheld { contributors } => {
				(CheckOutcome::Resolved { aggregate: None, contributors }, None)
			},
			RecheckResult::Mismatch => {
				return Faults::on_check_done(region, period, CheckOutcome::Mismatch)
			},
		};
		Faults::on_check_done(region, period, outcome)
			.saturating_add(Pricing::on_period_sealed(region, period, aggregate))
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
		<Self as pallet_readings::traits::RegionRegistry>::benchmark_region(0, 0)
	}
}

/// A region's cycle no longer needs its shares once its bills are posted and the owners'
/// dispute window is over ([`pallet_billing::Pallet::is_settled`]).
pub struct BilledRetention;
impl pallet_readings::traits::Retention for BilledRetention {
	fn settled(region: RegionId, cycle: CycleIndex) -> bool {
		Billing::is_settled(region, cycle)
	}
}

/// A (region, period) is billed once any bill of its cycle was posted in the region.
pub struct BillingStatus;
impl pallet_pricing::traits::BillingStatus for BillingStatus {
	fn is_billed(region: RegionId, period: PeriodIndex) -> bool {
		Readings::cycle_of(period).is_some_and(|cycle| Billing::is_billed(region, cycle))
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

/// Meters as the billing pallet sees them: owner and the regions of their membership spans,
/// whatever their status (a retired meter's last cycle is billed after it retires).
pub struct BillableMeters;
impl pallet_billing::traits::MeterRegistry<AccountId> for BillableMeters {
	fn meter_info(meter: MeterId) -> Option<pallet_billing::traits::MeterInfo<AccountId>> {
		let (owner, regions) = Meters::owner_and_regions(meter)?;
		// At most MAX_MEMBERSHIPS spans, so at most as many regions: nothing is truncated.
		let regions = frame_support::BoundedVec::truncate_from(regions);
		Some(pallet_billing::traits::MeterInfo { owner, regions })
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meter(meter: MeterId, owner: AccountId) -> pallet_billing::BillRegions {
		// Moved through MAX_MEMBERSHIPS regions, the most a bill names, all its own (a batch of
		// bills marks the most regions billed): n - 1 it has left, then the one it is in (a
		// registered region, `RegionId::MAX - own`).
		let n = gridmask_primitives::MAX_MEMBERSHIPS;
		let own = (meter as RegionId).wrapping_mul(n);
		let region =
			<MetersRegistry as pallet_readings::traits::RegionRegistry>::benchmark_region(own, 1);
		let regions: alloc::vec::Vec<RegionId> =
			(1..n).map(|i| own.wrapping_add(i)).chain([region]).collect();
		let last = regions.len() - 1;
		let memberships = regions
			.iter()
			.enumerate()
			.map(|(i, r)| pallet_meters::Membership {
				region: *r,
				from: 1,
				until: (i != last).then_some(2),
			})
			.collect::<alloc::vec::Vec<_>>();
		pallet_meters::Meters::<Runtime>::insert(
			meter,
			pallet_meters::Meter {
				region: regions[last],
				owner,
				owner_key: gridmask_primitives::HpkePublicKey([7; 32]),
				status: pallet_meters::MeterStatus::Active,
				faults: 0,
				prosumer: false,
				memberships: frame_support::BoundedVec::truncate_from(memberships),
			},
		);
		let mut sorted = regions;
		sorted.sort_unstable();
		frame_support::BoundedVec::truncate_from(sorted)
	}
}

impl pallet_billing::Config for Runtime {
	type KgcOrigin = pallet_meters::EnsureKgc<Runtime>;
	type Clock = ReadingsClock;
	type Meters = BillableMeters;
	type MaxVersions = ConstU32<16>;
	/// Owners have the rest of the cycle in which the last bill of their region's cycle was
	/// posted, and the whole next one, to dispute it while its shares are still on chain.
	type DisputeCycles = ConstU32<2>;
	type MaxReasonLen = ConstU32<256>;
	/// As many bills per call as meters per registration.
	type MaxBillsPerCall = ConstU32<500>;
	type WeightInfo = pallet_billing::weights::SubstrateWeight<Runtime>;
}

/// The KGC account, for the fault-resolution worker's signer check.
pub struct KgcRole;
impl pallet_faults::traits::KgcAccount<AccountId> for KgcRole {
	fn kgc() -> Option<AccountId> {
		Meters::role_holder(pallet_meters::Role::Kgc)
	}
}

/// Meters as the faults pallet sees them; a meter's fault count and suspension live in
/// `pallet-meters`.
pub struct FaultyMeters;
impl pallet_faults::traits::MeterDirectory for FaultyMeters {
	fn was_active_in(meter: MeterId, region: RegionId, epoch: u32) -> bool {
		Meters::was_active_in(meter, region, epoch)
	}

	fn note_fault(meter: MeterId, suspend_after: u32) -> Option<pallet_faults::FaultNote> {
		Meters::note_fault(meter, suspend_after)
			.map(|(faults, suspended)| pallet_faults::FaultNote { faults, suspended })
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meters(region: RegionId, n: u32) -> Vec<MeterId> {
		use pallet_billing::traits::MeterRegistry;
		// `region` itself holds exactly these active meters, so that suspending one (which
		// counts it out of its region) succeeds as it does on a live chain.
		pallet_meters::Regions::<Runtime>::insert(
			region,
			pallet_meters::Region {
				name: Default::default(),
				aggregators: Default::default(),
				shape: gridmask_primitives::channel::energy_only(),
				active_meters: n,
				active_prosumers: 0,
				epoch: 1,
			},
		);
		(0..n)
			.map(|i| {
				let meter = 1_000_000 + u64::from(i);
				// The most membership spans (the largest record to decode), the open one in
				// `region` since epoch 1.
				let _ = BillableMeters::benchmark_meter(meter, AccountId::new([7; 32]));
				pallet_meters::Meters::<Runtime>::mutate(meter, |m| {
					if let Some(m) = m {
						m.region = region;
						if let Some(open) = m.memberships.last_mut() {
							open.region = region;
						}
					}
				});
				pallet_meters::MetersByRegion::<Runtime>::insert(region, meter, ());
				meter
			})
			.collect()
	}
}

/// What the fault-resolution worker reads of the readings pallet.
pub struct ReadingsPeriods;
impl pallet_faults::traits::PeriodData for ReadingsPeriods {
	fn time() -> Option<TimeParams> {
		Readings::started_time()
	}

	fn setup(region: RegionId, period: PeriodIndex) -> Option<(gridmask_primitives::Values, u32)> {
		pallet_readings::Setups::<Runtime>::get(region, period).map(|s| (s.z, s.epoch))
	}

	fn received_prids(region: RegionId, period: PeriodIndex) -> Option<Vec<Prid>> {
		Readings::received_prids(region, period)
	}
}

/// Resolutions are verified by the readings pallet's re-check of T; a void period is priced
/// without an aggregate.
pub struct ReadingsRecheck;
impl pallet_faults::traits::FaultChecker for ReadingsRecheck {
	fn add_part(
		region: RegionId,
		period: PeriodIndex,
		part: u32,
		entries: Vec<(Prid, pallet_faults::Mark)>,
		z_prime: Option<gridmask_primitives::Values>,
	) -> sp_runtime::DispatchResult {
		let entries = entries.into_iter().map(|(p, m)| (p, m.kind())).collect();
		Readings::add_resolution_part(region, period, part, entries, z_prime)
	}

	fn void(region: RegionId, period: PeriodIndex) -> sp_runtime::DispatchResult {
		Readings::void_period(region, period)?;
		Pricing::on_period_sealed(region, period, None);
		Ok(())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_check(
		region: RegionId,
		period: PeriodIndex,
		entries: &[(Prid, pallet_faults::Mark)],
	) {
		const MAX_CHANNELS: usize = gridmask_primitives::MAX_CHANNELS as usize;
		pallet_readings::Outcomes::<Runtime>::insert(
			region,
			period,
			pallet_readings::PeriodOutcome::Faulted { expected: 2, received: 0 },
		);
		// A setup of the meters `FaultyMeters::benchmark_meters` made (epoch 1).
		pallet_readings::Setups::<Runtime>::insert(
			region,
			period,
			pallet_readings::SetupInfo {
				bf1: gridmask_primitives::Bf1Params { num_blocks: 1, k: 1 },
				t: gridmask_primitives::TCommitment([0; 32]),
				// The most channels: the longest shares and resolutions.
				z: gridmask_primitives::Values::truncate_from(alloc::vec![0; MAX_CHANNELS]),
				contributors: pallet_readings::Contributors::truncate_from(alloc::vec![
					1;
					MAX_CHANNELS
				]),
				expected: 2,
				epoch: 1,
				chunks: 1,
				chunks_present: 1,
				generation: 0,
			},
		);
		for (p, mark) in entries {
			if !matches!(mark, pallet_faults::Mark::Absent(_)) {
				pallet_readings::Shares::<Runtime>::insert(
					(region, period),
					p,
					pallet_readings::Share {
						masked: gridmask_primitives::Values::truncate_from(alloc::vec![
							1;
							MAX_CHANNELS
						]),
						timestamp_ms: 0,
					},
				);
			}
		}
	}
}

parameter_types! {
	/// A fault-resolution worker's resolution that was dropped is sent again after a minute.
	pub const ResendAfter: crate::BlockNumber = 10;
	/// Half of the covered meters must have reported for the missing ones to be blamed.
	pub const BlameQuorum: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(50);
}

impl pallet_faults::Config for Runtime {
	type AuthorityId = pallet_faults::crypto::KgcAuthId;
	type KgcOrigin = pallet_meters::EnsureKgc<Runtime>;
	type Kgc = KgcRole;
	type Meters = FaultyMeters;
	type Periods = ReadingsPeriods;
	type Checker = ReadingsRecheck;
	/// A meter silent in 5 periods is suspended until the KGC reinstates it.
	type SuspendAfter = ConstU32<5>;
	type MaxEntriesPerPart = ConstU32<{ pallet_readings::MAX_RESOLUTION_PART }>;
	/// A resolution naming more than 1,024 meters (a large outage) blames nobody.
	type MaxNamed = ConstU32<1_024>;
	/// Meters are blamed only when at least half of the region sent complete readings.
	type BlameQuorum = BlameQuorum;
	type MaxOpenFaults = ConstU32<256>;
	type ResendAfter = ResendAfter;
	type OcwFaultsPerBlock = ConstU32<4>;
	type WeightInfo = pallet_faults::weights::SubstrateWeight<Runtime>;
}
