//! Mock runtime for the meters pallet: System + Meters, KGC = 2, CC = 3.

use crate as pallet_meters;
use frame_support::{derive_impl, traits::ConstU32};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Meters: pallet_meters,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

pub const MAX_BATCH: u32 = 8;

impl pallet_meters::Config for Test {
	type RoleAdminOrigin = frame_system::EnsureRoot<u64>;
	type MaxNameLen = ConstU32<16>;
	type MaxRegionAggregators = ConstU32<3>;
	type MaxRegisterBatch = ConstU32<MAX_BATCH>;
	type WeightInfo = ();
}

pub const KGC: u64 = 2;
pub const CC: u64 = 3;

pub struct ExtBuilder {
	roles: bool,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { roles: true }
	}
}

impl ExtBuilder {
	pub fn without_roles(mut self) -> Self {
		self.roles = false;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		if self.roles {
			pallet_meters::GenesisConfig::<Test> { kgc: Some(KGC), cc: Some(CC) }
				.assimilate_storage(&mut t)
				.unwrap();
		}
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Meters::do_try_state().expect("invariants hold");
		})
	}
}
