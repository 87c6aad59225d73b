//! Mock runtime: System, Balances, Session and Aggregators, with `UintAuthorityId` session keys
//! whose ownership proofs are real (checked) test signatures.

use crate as pallet_aggregators;
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
};
use sp_runtime::{
	impl_opaque_keys,
	testing::{TestSignature, UintAuthorityId},
	traits::ConvertInto,
	BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Session: pallet_session,
		Aggregators: pallet_aggregators,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

/// Binds the `dummy` session key to `UintAuthorityId`.
pub struct DummyKey;
impl sp_runtime::BoundToRuntimeAppPublic for DummyKey {
	type Public = UintAuthorityId;
}

impl_opaque_keys! {
	pub struct MockSessionKeys {
		pub dummy: DummyKey,
	}
}

pub const SESSION_PERIOD: u64 = 5;

parameter_types! {
	pub const Period: u64 = SESSION_PERIOD;
	pub const Offset: u64 = 0;
}

std::thread_local! {
	static QUIET: core::cell::Cell<bool> = const { core::cell::Cell::new(true) };
}

/// The mock's quiet time: a switch the tests set (quiet unless told otherwise).
pub struct MockQuiet;
impl MockQuiet {
	pub fn set(quiet: bool) {
		QUIET.with(|q| q.set(quiet));
	}
}
impl pallet_aggregators::QuietTime for MockQuiet {
	fn is_quiet() -> bool {
		QUIET.with(|q| q.get())
	}
}

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_aggregators::QuietSessions<Test, Period, MockQuiet>;
	type NextSessionRotation = pallet_session::PeriodicSessions<Period, Offset>;
	type SessionManager = Aggregators;
	type SessionHandler = pallet_session::TestSessionHandler;
	type Keys = MockSessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU64<0>;
}

pub const MIN_AGGREGATORS: u32 = 2;
pub const MAX_AGGREGATORS: u32 = 4;
pub const DEFAULT_SLOT_MS: u64 = 6_000;

impl pallet_aggregators::Config for Test {
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type MinAggregators = ConstU32<MIN_AGGREGATORS>;
	type MaxAggregators = ConstU32<MAX_AGGREGATORS>;
	type DefaultSlotDuration = ConstU64<DEFAULT_SLOT_MS>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Random `UintAuthorityId` keys (as `generate` makes them) with their real proof.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, MockSessionKeys> for MockBenchmarkHelper {
	fn generate_session_keys_and_proof(owner: AccountId) -> (MockSessionKeys, Vec<u8>) {
		let generated = MockSessionKeys::generate(&owner.encode(), None);
		(generated.keys, generated.proof.encode())
	}
}

/// Session keys of account `who` in tests: the key id is `who * 100`, so keys and accounts
/// never collide by accident.
pub fn keys_of(who: AccountId) -> MockSessionKeys {
	MockSessionKeys { dummy: UintAuthorityId(who * 100) }
}

/// The ownership proof `author_rotateKeysWithOwner(who)` would return for `keys`.
pub fn proof_for(keys: &MockSessionKeys, who: AccountId) -> Vec<u8> {
	(TestSignature(keys.dummy.0, who.encode()),).encode()
}

pub struct ExtBuilder {
	aggregators: Vec<AccountId>,
	endowed: Vec<AccountId>,
	slot_duration_ms: u64,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { aggregators: vec![1, 2, 3], endowed: (1..=10).collect(), slot_duration_ms: 0 }
	}
}

impl ExtBuilder {
	pub fn aggregators(mut self, aggregators: Vec<AccountId>) -> Self {
		self.aggregators = aggregators;
		self
	}

	/// The genesis slot duration (0: the default).
	pub fn slot_duration_ms(mut self, ms: u64) -> Self {
		self.slot_duration_ms = ms;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: self.endowed.iter().map(|a| (*a, 1_000)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut t)
		.unwrap();
		pallet_session::GenesisConfig::<Test> {
			keys: self.aggregators.iter().map(|a| (*a, *a, keys_of(*a))).collect(),
			non_authority_keys: vec![],
		}
		.assimilate_storage(&mut t)
		.unwrap();
		pallet_aggregators::GenesisConfig::<Test> {
			aggregators: self.aggregators,
			slot_duration_ms: self.slot_duration_ms,
		}
		.assimilate_storage(&mut t)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Aggregators::do_try_state().expect("invariants hold");
		})
	}
}

/// Advance to block `n`, running the session pallet's hook (which rotates sessions).
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Session::on_initialize(next);
	}
}

/// Advance to the first block of session `index`.
pub fn run_to_session(index: u32) {
	while Session::current_index() < index {
		run_to_block(System::block_number() + 1);
	}
}
