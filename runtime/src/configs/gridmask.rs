//! The metering pallets. For now: the KGC and CC role accounts (`pallet-meters`).

use crate::{AccountId, Runtime};

impl pallet_meters::Config for Runtime {
	type RoleAdminOrigin = frame_system::EnsureRoot<AccountId>;
	type WeightInfo = pallet_meters::weights::SubstrateWeight<Runtime>;
}
