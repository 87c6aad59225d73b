//! # gridmask runtime
//!
//! The state transition function of gridmask, a permissioned chain for privacy-preserving
//! smart-meter metering and dynamic billing (see `PROTOCOL.md`). The data aggregators are the
//! chain's authorities: [`pallet_aggregators`] is the session manager, so the Aura authors and
//! GRANDPA voters are exactly the registered aggregators.
//!
//! - `configs/`: every pallet's configuration, one file per concern.
//! - `apis.rs`: the runtime APIs the node and clients call.
//! - `genesis_config_presets.rs`: the `dev` and `local` chains.
#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// Before `apis`: it defines the `list_benchmarks!`/`add_benchmarks!` macros `apis` uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod extensions;
pub mod genesis_config_presets;
#[cfg(any(feature = "std", feature = "try-runtime"))]
pub mod invariants;
#[cfg(feature = "std")]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_support::{genesis_builder_helper, weights::Weight};
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: the node knows the block format without knowing the runtime's calls.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	/// The session keys of an aggregator: an Aura (sr25519) and a GRANDPA (ed25519) key.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("gridmask"),
	impl_name: alloc::borrow::Cow::Borrowed("gridmask"),
	authoring_version: 1,
	// Bump on every change of runtime logic; the node refuses to run a wasm whose version
	// does not match what the chain expects.
	spec_version: 113,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Time. Each chain chooses its slot duration in genesis (`pallet-aggregators`); the dev and
/// local chains run at `MILLI_SECS_PER_BLOCK`, the test chains faster (`TEST_MILLI_SECS_PER_BLOCK`).
/// A session lasts `SESSION_PERIOD` blocks on every chain.
pub mod time {
	use super::BlockNumber;

	/// Block time of the dev and local chains (and of any chain whose genesis names none).
	/// Aura authors one block per slot of this length.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
	/// Aura slot duration of the dev and local chains (equal to their block time).
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Block time of the `test` and `test-local` chains: the integration tests' time scale.
	pub const TEST_MILLI_SECS_PER_BLOCK: u64 = 2000;
	/// Blocks per minute at the dev chain's block time.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Length of a session (1 minute on the dev chain, 20 s on the test chains): authority-set
	/// changes take effect at session boundaries, so keep it short enough that adding or
	/// removing an aggregator is quick (two sessions at most).
	pub const SESSION_PERIOD: BlockNumber = MINUTES;
}

/// Currency: 1 GMT = 10^12 plancks (`gridmask_primitives::currency`).
pub use gridmask_primitives::currency::{MICRO_UNIT, MILLI_UNIT, UNIT};
/// The existential deposit.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Block number of a block.
pub type BlockNumber = u32;
/// Signature scheme of transactions.
pub type Signature = MultiSignature;
/// Account identifier: the public key of the signature scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Index of a transaction in the chain.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block identifier.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions, in order. `AuthorizeCall` comes first so that calls with a
/// `#[pallet::authorize]` origin (meter readings) can be sent as general transactions without
/// an account; the rest are the usual checks for signed transactions. Era, nonce and tip are
/// [`extensions::Canonical`]: an authorized transaction must be immortal, with nonce 0 and
/// tip 0, so that nobody can re-wrap a meter's reading in other extension bytes.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	extensions::Canonical<frame_system::CheckEra<Runtime>>,
	extensions::Canonical<frame_system::CheckNonce<Runtime>>,
	frame_system::CheckWeight<Runtime>,
	extensions::Canonical<pallet_transaction_payment::ChargeTransactionPayment<Runtime>>,
	frame_system::WeightReclaim<Runtime>,
);

/// The runtime's transaction extensions with this `era`, `nonce` and `tip` (what the node's
/// off-chain workers sign and the native test chain builds; the client builds the same from
/// the metadata).
pub fn tx_extension(era: sp_runtime::generic::Era, nonce: Nonce, tip: Balance) -> TxExtension {
	(
		frame_system::AuthorizeCall::new(),
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(era).into(),
		frame_system::CheckNonce::from(nonce).into(),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(tip).into(),
		frame_system::WeightReclaim::new(),
	)
}

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations applied on runtime upgrade (none yet).
type Migrations = ();

/// Executive: dispatches incoming extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(3)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(4)]
	pub type Sudo = pallet_sudo;

	// The aggregator registry must come before Session: it answers Session's
	// `new_session` calls during Session's hooks and genesis.
	#[runtime::pallet_index(10)]
	pub type Aggregators = pallet_aggregators;

	#[runtime::pallet_index(11)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(12)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(13)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(20)]
	pub type Meters = pallet_meters;

	#[runtime::pallet_index(21)]
	pub type Readings = pallet_readings;

	#[runtime::pallet_index(22)]
	pub type Pricing = pallet_pricing;

	#[runtime::pallet_index(23)]
	pub type Billing = pallet_billing;

	#[runtime::pallet_index(24)]
	pub type Faults = pallet_faults;
}
