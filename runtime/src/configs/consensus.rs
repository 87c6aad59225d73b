//! Consensus: the aggregator registry drives `pallet-session`, which hands each session's
//! validators to Aura (authoring) and GRANDPA (finality).

use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::traits::ConvertInto;

use crate::{
	time::{SESSION_PERIOD, SLOT_DURATION},
	AccountId, Aggregators, Balances, BlockNumber, Runtime, SessionKeys,
};

/// The most aggregators (authorities) the chain supports.
pub const MAX_AGGREGATORS: u32 = 32;

parameter_types! {
	/// One aggregator can run a dev chain; removing the last one would halt the chain.
	pub const MinAggregators: u32 = 1;
	pub const SessionPeriod: BlockNumber = SESSION_PERIOD;
	pub const SessionOffset: BlockNumber = 0;
}

impl pallet_aggregators::Config for Runtime {
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type MinAggregators = MinAggregators;
	type MaxAggregators = ConstU32<MAX_AGGREGATORS>;
	/// Chains whose genesis names no slot duration run at the dev chain's block time.
	type DefaultSlotDuration = ConstU64<SLOT_DURATION>;
	type WeightInfo = pallet_aggregators::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = AggregatorsBenchmarkHelper;
}

/// Benchmarks only: fresh Aura + GRANDPA keys in the keystore and their proof of possession
/// over `owner` (what `author_rotateKeysWithOwner(owner)` returns on a node).
#[cfg(feature = "runtime-benchmarks")]
pub struct AggregatorsBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_aggregators::BenchmarkHelper<AccountId, crate::SessionKeys>
	for AggregatorsBenchmarkHelper
{
	fn generate_session_keys_and_proof(
		owner: AccountId,
	) -> (crate::SessionKeys, alloc::vec::Vec<u8>) {
		use codec::Encode;
		let generated = crate::SessionKeys::generate(&owner.encode(), None);
		(generated.keys, generated.proof.encode())
	}
}

/// Quiet time for session rotations: between reading windows.
pub struct BetweenReadingWindows;
impl pallet_aggregators::QuietTime for BetweenReadingWindows {
	fn is_quiet() -> bool {
		crate::Readings::between_windows()
	}
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	/// Every `SessionPeriod` blocks at the earliest, between reading windows: a rotation block
	/// takes no transactions (`pallet-session` charges it `max_block`).
	type ShouldEndSession =
		pallet_aggregators::QuietSessions<Runtime, SessionPeriod, BetweenReadingWindows>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type SessionManager = Aggregators;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// Aggregators are admitted by the admin; there is no slashing to disable them for.
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Permissioned set: no deposit for session keys (the admin vets aggregators).
	type KeyDeposit = ();
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = sp_consensus_aura::sr25519::AuthorityId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AGGREGATORS>;
	type AllowMultipleBlocksPerSlot = frame_support::traits::ConstBool<false>;
	/// The genesis' choice, constant for the chain's life (`pallet-aggregators`).
	type SlotDuration = pallet_aggregators::SlotDurationMs<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = crate::RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AGGREGATORS>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = frame_support::traits::ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}
