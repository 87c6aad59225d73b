//! Mock runtime for the pricing pallet: System + Pricing, CC = 3, a mock region registry,
//! clock and billing status set by the tests.

use crate as pallet_pricing;
use crate::traits::{BillingStatus, CurrentPeriod, RegionRegistry};
use core::cell::RefCell;
use frame_support::{derive_impl, ord_parameter_types, traits::ConstU32};
use gridmask_primitives::{PeriodIndex, RegionId};
use sp_runtime::BuildStorage;
use std::collections::BTreeSet;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Pricing: pallet_pricing,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

pub const CC: u64 = 3;
pub const MAX_BANDS: u32 = 8;
pub const MAX_TIERS: u32 = 4;
pub const MAX_VERSIONS: u32 = 16;
/// The current period of the default mock.
pub const NOW: PeriodIndex = 10;

ord_parameter_types! {
	pub const CcAccount: u64 = CC;
}

thread_local! {
	static REGIONS: RefCell<BTreeSet<RegionId>> = const { RefCell::new(BTreeSet::new()) };
	static BILLED: RefCell<BTreeSet<(RegionId, PeriodIndex)>> =
		const { RefCell::new(BTreeSet::new()) };
	static CURRENT: RefCell<Option<PeriodIndex>> = const { RefCell::new(None) };
}

/// The mock region registry.
pub struct MockRegions;
impl RegionRegistry for MockRegions {
	fn region_exists(region: RegionId) -> bool {
		REGIONS.with(|r| r.borrow().contains(&region))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_region() -> RegionId {
		REGIONS.with(|r| r.borrow_mut().insert(1_000));
		1_000
	}
}

/// The mock clock.
pub struct MockClock;
impl MockClock {
	pub fn set(period: Option<PeriodIndex>) {
		CURRENT.with(|c| *c.borrow_mut() = period);
	}
}
impl CurrentPeriod for MockClock {
	fn current_period() -> Option<PeriodIndex> {
		CURRENT.with(|c| *c.borrow())
	}
}

/// The mock billing status.
pub struct MockBilling;
impl MockBilling {
	pub fn bill(region: RegionId, period: PeriodIndex) {
		BILLED.with(|b| b.borrow_mut().insert((region, period)));
	}
}
impl BillingStatus for MockBilling {
	fn is_billed(region: RegionId, period: PeriodIndex) -> bool {
		BILLED.with(|b| b.borrow().contains(&(region, period)))
	}
}

impl pallet_pricing::Config for Test {
	type CcOrigin = frame_system::EnsureSignedBy<CcAccount, u64>;
	type Regions = MockRegions;
	type Clock = MockClock;
	type Billing = MockBilling;
	type MaxBands = ConstU32<MAX_BANDS>;
	type MaxTiers = ConstU32<MAX_TIERS>;
	type MaxTariffVersions = ConstU32<MAX_VERSIONS>;
	type WeightInfo = ();
}

pub struct ExtBuilder {
	regions: Vec<RegionId>,
	now: Option<PeriodIndex>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { regions: vec![1, 2], now: Some(NOW) }
	}
}

impl ExtBuilder {
	/// The current period (`None`: the clock has not started).
	pub fn now(mut self, now: Option<PeriodIndex>) -> Self {
		self.now = now;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		REGIONS.with(|r| *r.borrow_mut() = self.regions.iter().copied().collect());
		BILLED.with(|b| b.borrow_mut().clear());
		MockClock::set(self.now);
		let t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Pricing::do_try_state().expect("invariants hold");
		})
	}
}
