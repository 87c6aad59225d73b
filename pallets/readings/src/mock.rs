//! Mock runtime: System, Timestamp and Readings, with real general transactions whose
//! `AuthorizeCall` extension runs the pallet's authorization, a mock region registry and
//! helpers that build real meters' readings with `gridmask-primitives`.

use crate as pallet_readings;
use crate::{traits::RegionRegistry, Bf1Chunk, SetupEntry, BF1_BLOCKS_PER_CHUNK};
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	dispatch::GetDispatchInfo,
	ord_parameter_types, parameter_types,
	traits::{ConstU32, ConstU64, Hooks, Time},
	weights::Weight,
	BoundedVec,
};
use gridmask_primitives::{
	reading::meter_readings,
	setup::{build_period, PeriodSetup},
	MasterSecret, PeriodIndex, RegionId, SignedReading, TimeParams,
};
use sp_core::H256;
use sp_runtime::{
	testing::UintAuthorityId,
	traits::{Applyable, Checkable},
	transaction_validity::{TransactionSource, TransactionValidity, TransactionValidityError},
	BuildStorage, DispatchResult,
};
use std::collections::BTreeMap;

pub type AccountId = u64;
pub type TxExtension = (frame_system::AuthorizeCall<Test>,);
pub type Header = sp_runtime::generic::Header<u64, sp_runtime::traits::BlakeTwo256>;
pub type UncheckedExtrinsic =
	sp_runtime::generic::UncheckedExtrinsic<u64, RuntimeCall, UintAuthorityId, TxExtension>;
pub type Block = sp_runtime::generic::Block<Header, UncheckedExtrinsic>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Readings: pallet_readings,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

thread_local! {
	/// Region → (active meters, epoch, contributors of the channels after import).
	pub static REGIONS: RefCell<BTreeMap<RegionId, (u32, u32, Vec<u32>)>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The mock registry: regions, active meter counts and channels set by the test; each change of
/// a region's count or channels advances its membership epoch. A region has one channel
/// (import, all active meters contribute) unless the test gives it more.
pub struct MockRegions;
impl MockRegions {
	pub fn set(region: RegionId, active: u32) {
		REGIONS.with(|r| {
			let mut r = r.borrow_mut();
			let entry = r.entry(region).or_insert((active, 0, Vec::new()));
			if entry.0 != active || entry.1 == 0 {
				entry.0 = active;
				entry.1 += 1;
			}
		});
	}

	/// Give `region` channels after import, with these numbers of possible contributors
	/// (e.g. `[prosumers]` for import and export).
	pub fn set_channels(region: RegionId, contributors: Vec<u32>) {
		REGIONS.with(|r| {
			let mut r = r.borrow_mut();
			let entry = r.entry(region).or_insert((0, 0, Vec::new()));
			entry.2 = contributors;
			entry.1 += 1;
		});
	}
}
impl RegionRegistry for MockRegions {
	fn region_exists(region: RegionId) -> bool {
		REGIONS.with(|r| r.borrow().contains_key(&region))
	}
	fn active_meters(region: RegionId) -> u32 {
		REGIONS.with(|r| r.borrow().get(&region).map_or(0, |e| e.0))
	}
	fn epoch(region: RegionId) -> u32 {
		REGIONS.with(|r| r.borrow().get(&region).map_or(0, |e| e.1))
	}
	fn channel_contributors(region: RegionId) -> Vec<u32> {
		REGIONS.with(|r| {
			r.borrow().get(&region).map_or_else(Vec::new, |e| {
				core::iter::once(e.0).chain(e.2.iter().copied()).collect()
			})
		})
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region(index: u32, active: u32) -> RegionId {
		let region = 1_000 + index;
		Self::set(region, active);
		region
	}
}

parameter_types! {
	/// (region, cycle) pairs whose bills are settled (the mock billing).
	pub static Settled: Vec<(RegionId, gridmask_primitives::CycleIndex)> = Vec::new();
	/// Every pair is settled (the default: pruning follows `RetainCycles` alone).
	pub static AllSettled: bool = true;
}

/// The mock retention: [`AllSettled`], or the pairs in [`Settled`].
pub struct MockRetention;
impl crate::traits::Retention for MockRetention {
	fn settled(region: RegionId, cycle: gridmask_primitives::CycleIndex) -> bool {
		AllSettled::get() || Settled::get().contains(&(region, cycle))
	}
}

pub const KGC: AccountId = 1;
pub const MIN_REGION_METERS: u32 = 3;
pub const BLOCK_MS: u64 = 6_000;

ord_parameter_types! {
	pub const KgcAccount: AccountId = KGC;
}

parameter_types! {
	pub static SealSteps: u32 = 1_000;
	pub static PruneSteps: u32 = 100;
}

impl pallet_readings::Config for Test {
	type Clock = Timestamp;
	type Regions = MockRegions;
	type KgcOrigin = frame_system::EnsureSignedBy<KgcAccount, AccountId>;
	type DefaultMinRegionMeters = ConstU32<MIN_REGION_METERS>;
	type MaxSetupBatch = ConstU32<16>;
	type MaxChunksPerCall = ConstU32<64>;
	type MaxBf1Blocks = ConstU32<4096>;
	type MaxRegionsPerPeriod = ConstU32<8>;
	type MaxSealStepsPerBlock = SealSteps;
	type MaxPruneStepsPerBlock = PruneSteps;
	type RetainCycles = ConstU32<1>;
	type MaxRetainCycles = ConstU32<3>;
	type Retention = MockRetention;
	type MinBlockTimeMs = ConstU64<BLOCK_MS>;
	type ReadingPriority = ConstU64<{ 1 << 40 }>;
	type MaxResolutionParts = ConstU32<4>;
	type OnOutcome = RecordOutcomes;
	type Collectors = MockCollectors;
	type MaxBundleShares = ConstU32<MAX_BUNDLE_SHARES>;
	type MaxBundleGroups = ConstU32<4>;
	type MaxBundlesAhead = ConstU32<2>;
	type BundleLongevity = ConstU64<16>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::TimestampBenchmarkHelper<Test>;
}

/// Most shares in a mock bundle.
pub const MAX_BUNDLE_SHARES: u32 = 64;

thread_local! {
	/// The collector keys the mock treats as aggregators'.
	pub static COLLECTORS: RefCell<Vec<crate::CollectorKey>> = const { RefCell::new(Vec::new()) };
}

/// The mock aggregators: [`COLLECTORS`].
pub struct MockCollectors;
impl crate::traits::Collectors for MockCollectors {
	fn is_collector(key: &crate::CollectorKey) -> bool {
		COLLECTORS.with(|c| c.borrow().contains(key))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn add_collector(key: crate::CollectorKey) {
		COLLECTORS.with(|c| c.borrow_mut().push(key));
	}
}

/// A collector's key pair (sr25519, from a seed) and its public key, registered as an aggregator's
/// if `registered`.
pub fn collector(seed: u8, registered: bool) -> sp_core::sr25519::Pair {
	use sp_core::Pair;
	let pair = sp_core::sr25519::Pair::from_seed(&[seed; 32]);
	if registered {
		COLLECTORS.with(|c| c.borrow_mut().push(pair.public()));
	}
	pair
}

/// The `submit_bundle` call of `pair` with `seq` and `groups`, signed over this chain's genesis.
pub fn bundle_call(
	pair: &sp_core::sr25519::Pair,
	seq: u64,
	groups: Vec<(RegionId, PeriodIndex, Vec<SignedReading>)>,
) -> RuntimeCall {
	use codec::Encode;
	use sp_core::Pair;
	let groups: crate::BundleGroupsOf<Test> = BoundedVec::truncate_from(
		groups
			.into_iter()
			.map(|(region, period, readings)| crate::BundleGroup {
				region,
				period,
				shares: BoundedVec::truncate_from(
					readings.iter().map(gridmask_primitives::BundledShare::of).collect(),
				),
			})
			.collect(),
	);
	let contents = sp_io::hashing::blake2_256(&groups.encode());
	let message = gridmask_primitives::bundle::bundle_signing_message(
		&GENESIS,
		&pair.public().0,
		seq,
		&contents,
	);
	RuntimeCall::Readings(crate::Call::submit_bundle {
		collector: pair.public(),
		seq,
		groups,
		signature: pair.sign(&message),
	})
}

/// What [`RecordOutcomes`] was told: `(region, period, what)`.
pub type HookCall = (RegionId, PeriodIndex, Heard);

/// One outcome hook call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
	Sealed(Option<u64>),
	Faulted { expected: u32, received: u32 },
	Resolved(crate::RecheckResult),
}

thread_local! {
	pub static OUTCOMES: RefCell<Vec<HookCall>> = const { RefCell::new(Vec::new()) };
}

/// The outcome hook: records each call; charges 1_000 ref-time so the weight can be checked.
pub struct RecordOutcomes;
impl RecordOutcomes {
	pub fn take() -> Vec<HookCall> {
		OUTCOMES.with(|o| core::mem::take(&mut *o.borrow_mut()))
	}
}
impl crate::traits::OnPeriodOutcome for RecordOutcomes {
	fn on_sealed(region: RegionId, period: PeriodIndex, aggregate: Option<u64>) -> Weight {
		OUTCOMES.with(|o| o.borrow_mut().push((region, period, Heard::Sealed(aggregate))));
		Weight::from_parts(1_000, 0)
	}
	fn on_faulted(region: RegionId, period: PeriodIndex, expected: u32, received: u32) -> Weight {
		OUTCOMES
			.with(|o| o.borrow_mut().push((region, period, Heard::Faulted { expected, received })));
		Weight::from_parts(1_000, 0)
	}
	fn on_resolved(region: RegionId, period: PeriodIndex, result: crate::RecheckResult) -> Weight {
		OUTCOMES.with(|o| o.borrow_mut().push((region, period, Heard::Resolved(result))));
		Weight::from_parts(1_000, 0)
	}
}

/// The genesis hash the mock chain signs readings with (that of the test vectors).
pub const GENESIS: H256 = H256([0x5a; 32]);
/// Start of period 0 in the default mock (a multiple of the period).
pub const START: u64 = 1_800_000_000_000;
pub const PERIOD_MS: u64 = 60_000;
pub const WINDOW_MS: u64 = 30_000;
pub const PERIODS_PER_CYCLE: u32 = 10;

pub fn dev_time() -> TimeParams {
	TimeParams {
		genesis_start_ms: START,
		period_ms: PERIOD_MS,
		periods_per_cycle: PERIODS_PER_CYCLE,
		window_ms: WINDOW_MS,
	}
}

pub struct ExtBuilder {
	time: Option<TimeParams>,
	regions: Vec<(RegionId, u32)>,
	now: u64,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { time: Some(dev_time()), regions: vec![(1, 5), (2, 5), (3, 2)], now: START + 1_000 }
	}
}

impl ExtBuilder {
	pub fn time(mut self, time: Option<TimeParams>) -> Self {
		self.time = time;
		self
	}
	pub fn now(mut self, now: u64) -> Self {
		self.now = now;
		self
	}
	pub fn regions(mut self, regions: Vec<(RegionId, u32)>) -> Self {
		self.regions = regions;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		REGIONS.with(|r| r.borrow_mut().clear());
		COLLECTORS.with(|c| c.borrow_mut().clear());
		AllSettled::set(true);
		Settled::set(Vec::new());
		for (region, active) in &self.regions {
			MockRegions::set(*region, *active);
		}
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		if let Some(time) = self.time {
			pallet_readings::GenesisConfig::<Test>::with_time(time)
				.assimilate_storage(&mut t)
				.unwrap();
		}
		let mut ext = sp_io::TestExternalities::new(t);
		// Benchmarks sign with the keystore's host functions.
		ext.register_extension(sp_keystore::KeystoreExt::new(
			sp_keystore::testing::MemoryKeystore::new(),
		));
		let now = self.now;
		ext.execute_with(|| {
			frame_system::BlockHash::<Test>::insert(0, GENESIS);
			System::set_block_number(1);
			Timestamp::set_timestamp(now);
		});
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Readings::do_try_state().expect("invariants hold");
		})
	}
}

/// One new block whose timestamp is `now`: `on_initialize` (which sees the parent's time),
/// then the timestamp inherent, then `on_idle` with plenty of weight.
pub fn block_at(now: u64) {
	let n = System::block_number() + 1;
	System::reset_events();
	System::set_block_number(n);
	Readings::on_initialize(n);
	Timestamp::set_timestamp(now);
	Readings::on_idle(n, Weight::MAX);
}

/// One new block `BLOCK_MS` after the current one.
pub fn next_block() {
	block_at(Timestamp::now() + BLOCK_MS);
}

/// Blocks until chain time reaches `t` (the last block is exactly at `t`).
pub fn advance_to(t: u64) {
	while Timestamp::now() + BLOCK_MS < t {
		next_block();
	}
	if Timestamp::now() < t {
		block_at(t);
	}
}

/// End of period `p` (the window opens) in the default mock.
pub fn end_of(p: PeriodIndex) -> u64 {
	START + (u64::from(p) + 1) * PERIOD_MS
}

/// A real extrinsic: a general transaction with the `AuthorizeCall` extension.
pub fn general(call: RuntimeCall) -> UncheckedExtrinsic {
	UncheckedExtrinsic::new_transaction(call, (frame_system::AuthorizeCall::<Test>::new(),))
}

/// The pool's view: validate the transaction (runs the authorization).
pub fn validate(call: RuntimeCall) -> TransactionValidity {
	let tx = general(call);
	let info = tx.get_dispatch_info();
	let len = codec::Encode::encoded_size(&tx);
	let checked = Checkable::check(tx, &frame_system::ChainContext::<Test>::default())
		.expect("general transactions have no signature to check");
	checked.validate::<Test>(TransactionSource::External, &info, len)
}

/// The block builder's view: apply the transaction (authorization again, then dispatch).
pub fn apply(call: RuntimeCall) -> Result<DispatchResult, TransactionValidityError> {
	let tx = general(call);
	let info = tx.get_dispatch_info();
	let len = codec::Encode::encoded_size(&tx);
	let checked = Checkable::check(tx, &frame_system::ChainContext::<Test>::default())
		.expect("general transactions have no signature to check");
	checked.apply::<Test>(&info, len).map(|r| r.map(|_| ()).map_err(|e| e.error))
}

/// The call of a signed reading.
pub fn reading_call(r: &SignedReading) -> RuntimeCall {
	RuntimeCall::Readings(crate::Call::from_reading(r))
}

/// Submit a reading through the real path: validate (pool), then apply (block).
pub fn submit(r: &SignedReading) -> Result<DispatchResult, TransactionValidityError> {
	validate(reading_call(r))?;
	apply(reading_call(r))
}

/// Meters for tests: deterministic master secrets.
pub fn meters(region: RegionId, n: usize) -> Vec<MasterSecret> {
	(0..n)
		.map(|i| {
			let mut m = [0u8; 32];
			m[..4].copy_from_slice(&region.to_le_bytes());
			m[4..12].copy_from_slice(&(i as u64).to_le_bytes());
			MasterSecret(m)
		})
		.collect()
}

/// The setup of `period` for `meters` of `region` (default mock time), BF1 at 2^-`fp_exp`,
/// with one `Z` per channel of the region (one for a region the registry does not know).
pub fn period_setup(
	region: RegionId,
	period: PeriodIndex,
	meters: &[MasterSecret],
	fp_exp: u8,
) -> PeriodSetup {
	let channels = MockRegions::channel_contributors(region).len().max(1) as u8;
	build_period(&dev_time(), region, period, meters, fp_exp, channels).expect("the setup builds")
}

/// The setup entry of `s`, for the region's current epoch. The mock region gets as many
/// active meters as the setup covers (the KGC builds setups from the active meters).
pub fn entry(s: &PeriodSetup) -> SetupEntry {
	if MockRegions::region_exists(s.region) {
		MockRegions::set(s.region, s.entries / 2);
	}
	SetupEntry {
		region: s.region,
		period: s.period,
		bf1: s.bf1.params(),
		t: s.t,
		z: s.z.clone(),
		expected: s.entries,
		epoch: MockRegions::epoch(s.region),
	}
}

/// All chunks of a setup's filter.
pub fn chunks_of(s: &PeriodSetup) -> Vec<(u32, Bf1Chunk)> {
	(0..s.bf1.chunk_count(BF1_BLOCKS_PER_CHUNK))
		.map(|i| (i, s.bf1.chunk(i, BF1_BLOCKS_PER_CHUNK).unwrap().to_vec().try_into().unwrap()))
		.collect()
}

/// Publish a complete setup as the KGC (setup, then chunks in calls of at most 64).
pub fn publish(s: &PeriodSetup) {
	Readings::publish_setup(RuntimeOrigin::signed(KGC), BoundedVec::truncate_from(vec![entry(s)]))
		.unwrap();
	for batch in chunks_of(s).chunks(64) {
		Readings::publish_bf1_chunks(
			RuntimeOrigin::signed(KGC),
			s.region,
			s.period,
			BoundedVec::truncate_from(batch.to_vec()),
		)
		.unwrap();
	}
}

/// The two readings of meter `m` for `period` of a one-channel region with `consumption`
/// (timestamps in the window).
pub fn readings_of(
	m: &MasterSecret,
	region: RegionId,
	period: PeriodIndex,
	consumption: u64,
) -> [SignedReading; 2] {
	channel_readings_of(m, region, period, &[consumption])
}

/// The two readings of meter `m` for `period` with one value per channel (timestamps in the
/// window).
pub fn channel_readings_of(
	m: &MasterSecret,
	region: RegionId,
	period: PeriodIndex,
	readings: &[u64],
) -> [SignedReading; 2] {
	let time = dev_time();
	let keys = m.cycle_seeds(time.cycle_of(period)).period_keys(time.leaf_of(period));
	let end = end_of(period);
	let randoms: Vec<u64> =
		readings.iter().map(|c| c.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
	meter_readings(&keys, GENESIS, region, period, readings, &randoms, [end + 1_000, end + 2_000])
}

/// Blocks until no sealing work is left for periods whose window has closed.
pub fn seal_all() -> u32 {
	let mut blocks = 0;
	loop {
		next_block();
		blocks += 1;
		let time = crate::TimeConfig::<Test>::get().unwrap();
		let pos = crate::NextSeal::<Test>::get();
		if crate::Sealing::<Test>::get().is_none() && !time.is_sealed(pos.period, Timestamp::now())
		{
			return blocks;
		}
		assert!(blocks < 10_000, "sealing does not finish");
	}
}
