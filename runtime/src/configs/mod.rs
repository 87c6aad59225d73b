//! Pallet configurations. `consensus.rs`: aggregators, session, Aura, GRANDPA;
//! `gridmask.rs`: the metering pallets; this file: system, time, currency, fees, sudo.

pub mod consensus;
mod gridmask;
mod offchain;

use frame_support::dispatch::DispatchClass;
use frame_support::traits::Contains;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU8, VariantCountOf},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, ConstantMultiplier, IdentityFee, Weight},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use sp_runtime::{traits::One, FixedPointNumber, Perbill, Perquintill};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, EXISTENTIAL_DEPOSIT, MICRO_UNIT, VERSION,
};

pub use consensus::MinAggregators;
pub use gridmask::PRODUCTION_MIN_REGION_METERS;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per 6-second block, as in the Substrate templates.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB per block; normal transactions may use 75% of it.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |m| *m = NORMAL_DISPATCH_RATIO * *m)
		.build();
	/// Generic Substrate SS58 prefix.
	pub const SS58Prefix: u8 = 42;
}

/// Storage is charged at what one read and one write of the node's database (ParityDB; RocksDB
/// is not compiled in) were measured to cost on this project's machine
/// ([`crate::weights::db`], `scripts/weights.sh storage`: about 8 µs a read and 17 µs a write,
/// headroom included), not polkadot-sdk's reference `ParityDbWeight` (8 µs, 50 µs) or
/// `RocksDbWeight` (25 µs, 100 µs), which overcharged every transaction (BENCHMARKS.md). The
/// transaction extensions' weights use the same figures (`SubstrateExtensionsWeight` reads
/// `DbWeight`; the default `()` has RocksDB's built in).
#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = crate::weights::db::MeasuredDbWeight;
	type ExtensionsWeightInfo = frame_system::SubstrateExtensionsWeight<Runtime>;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type BaseCallFilter = NoRemarks;
}

/// Refuses `system.remark` and `system.remark_with_event` (root, which bypasses the filter,
/// may still remark): they do nothing but put bytes into blocks that every aggregator keeps
/// forever. A filtered call is still included and pays its fee (`CallFiltered`).
pub struct NoRemarks;
impl Contains<RuntimeCall> for NoRemarks {
	fn contains(call: &RuntimeCall) -> bool {
		!matches!(
			call,
			RuntimeCall::System(
				frame_system::Call::remark { .. } | frame_system::Call::remark_with_event { .. }
			)
		)
	}
}

impl pallet_timestamp::Config for Runtime {
	/// Aura reads the slot from the timestamp.
	type Moment = u64;
	type OnTimestampSet = Aura;
	/// Half the chain's slot duration (which its genesis chooses: `pallet-aggregators`).
	type MinimumPeriod = pallet_aggregators::HalfSlotDurationMs<Runtime>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// What a byte of a signed transaction costs: 10 µGMT, so a MiB costs 10.5 GMT and one
	/// block's normal length (3.75 MiB) about 39 GMT (`one_full_block_costs_dozens_of_units`
	/// in `tests.rs`). Blocks are kept forever by every aggregator; bytes are what spam costs
	/// them. The length fee is not scaled by the congestion multiplier: it is a floor.
	pub const TransactionByteFee: Balance = 10 * MICRO_UNIT;
	/// Congestion pricing (`TargetedFeeAdjustment`): above a quarter of the normal block
	/// weight the weight fee rises, below it falls, never under its base (1 GMT per second of
	/// compute) and never above 100 times it, so the operators' own transactions (KGC, CC,
	/// bills) stay affordable while free meter readings fill blocks.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(3, 100_000);
	pub MinimumMultiplier: Multiplier = Multiplier::one();
	pub MaximumMultiplier: Multiplier = Multiplier::saturating_from_integer(100);
}

/// Fees of signed transactions (readings are authorized and pay none): weight at 1 GMT per
/// second of compute times the congestion multiplier, plus [`TransactionByteFee`] per byte.
impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

/// Sudo is dev governance only: it is the admin origin (root) on the dev and local chains.
impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}
