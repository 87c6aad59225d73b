//! Mock runtime for the billing pallet: System + Billing, a settable cycle clock and a mock
//! meter registry. KGC = 1.

use crate as pallet_billing;
use crate::traits::{CycleClock, MeterInfo, MeterRegistry};
use core::cell::RefCell;
use frame_support::{derive_impl, ord_parameter_types, parameter_types, traits::ConstU32};
use gridmask_primitives::{CycleIndex, MeterId, RegionId};
use sp_runtime::BuildStorage;
use std::collections::BTreeMap;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Billing: pallet_billing,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

pub type AccountId = u64;

pub const KGC: AccountId = 1;
pub const MAX_VERSIONS: u32 = 3;
pub const MAX_REASON: u32 = 16;
pub const MAX_BATCH: u32 = 4;

ord_parameter_types! {
	pub const KgcAccount: AccountId = KGC;
}

parameter_types! {
	/// The current cycle (`None`: the clock has not started).
	pub static CurrentCycle: Option<CycleIndex> = Some(5);
}

thread_local! {
	/// Meter → (regions it has been in, owner).
	pub static METERS: RefCell<BTreeMap<MeterId, (Vec<RegionId>, AccountId)>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The mock clock: [`CurrentCycle`].
pub struct MockClock;
impl CycleClock for MockClock {
	fn current_cycle() -> Option<CycleIndex> {
		CurrentCycle::get()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_finished_cycle() -> CycleIndex {
		CurrentCycle::set(Some(5));
		4
	}
}

/// The mock registry: meters set by the test (a retired meter stays registered; removing one
/// unregisters it).
pub struct MockMeters;
impl MockMeters {
	pub fn set(meter: MeterId, region: RegionId, owner: AccountId) {
		METERS.with(|m| m.borrow_mut().insert(meter, (vec![region], owner)));
	}
	/// `meter` moves to `region` (it keeps having been in the others).
	pub fn move_to(meter: MeterId, region: RegionId) {
		METERS.with(|m| {
			let mut m = m.borrow_mut();
			let regions = &mut m.get_mut(&meter).expect("registered").0;
			regions.push(region);
			regions.sort_unstable();
			regions.dedup();
		});
	}
	pub fn remove(meter: MeterId) {
		METERS.with(|m| m.borrow_mut().remove(&meter));
	}
}
impl MeterRegistry<AccountId> for MockMeters {
	fn meter_info(meter: MeterId) -> Option<MeterInfo<AccountId>> {
		METERS.with(|m| {
			m.borrow().get(&meter).map(|(regions, owner)| MeterInfo {
				owner: *owner,
				regions: frame_support::BoundedVec::truncate_from(regions.clone()),
			})
		})
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meter(meter: MeterId, owner: AccountId) -> crate::BillRegions {
		let regions: Vec<RegionId> = (1..=gridmask_primitives::MAX_MEMBERSHIPS).collect();
		METERS.with(|m| m.borrow_mut().insert(meter, (regions.clone(), owner)));
		frame_support::BoundedVec::truncate_from(regions)
	}
}

impl pallet_billing::Config for Test {
	type KgcOrigin = frame_system::EnsureSignedBy<KgcAccount, AccountId>;
	type Clock = MockClock;
	type Meters = MockMeters;
	type MaxVersions = ConstU32<MAX_VERSIONS>;
	type MaxReasonLen = ConstU32<MAX_REASON>;
	type MaxBillsPerCall = ConstU32<MAX_BATCH>;
	type DisputeCycles = ConstU32<2>;
	type WeightInfo = ();
}

/// Region of meters 1 and 2; meter 3 is in region 2.
pub const R1: RegionId = 10;
pub const R2: RegionId = 20;
/// Owners of meters 1, 2 and 3.
pub const OWNER1: AccountId = 101;
pub const OWNER2: AccountId = 102;
pub const OWNER3: AccountId = 103;

#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	/// Meters 1 and 2 in region [`R1`], meter 3 in [`R2`]; current cycle 5; block 1.
	pub fn build(self) -> sp_io::TestExternalities {
		let t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		// Thread-local state survives a test when tests share a thread (`--test-threads=1`).
		CurrentCycle::set(Some(5));
		METERS.with(|m| m.borrow_mut().clear());
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| {
			System::set_block_number(1);
			MockMeters::set(1, R1, OWNER1);
			MockMeters::set(2, R1, OWNER2);
			MockMeters::set(3, R2, OWNER3);
		});
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Billing::do_try_state().expect("invariants hold");
		})
	}
}
