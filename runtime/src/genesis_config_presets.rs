//! Genesis presets.
//!
//! - `development` (alias `dev`): Alice is the only aggregator and the sudo key; Bob holds the
//!   KGC role, Charlie the CC role.
//! - `local_testnet` (alias `local`): Alice, Bob, Charlie and Dave are aggregators (4 tolerate
//!   1 faulty one); Eve holds the KGC role, Ferdie the CC role; Alice is sudo.
//! - `test` and `test-local`: the same roles as `development` and `local_testnet` on the
//!   integration tests' time scale (2-second slots, 20-second periods, 15-second windows,
//!   6-period cycles), so that a test of whole billing cycles takes minutes, not an hour.
//!
//! Every well-known development account is endowed. The dev and local chains keep
//! human-friendly times: 6-second blocks, 1-minute periods, a 30-second reading window,
//! 10-period billing cycles. Sessions are 10 blocks on every chain.

use crate::{
	time::{SLOT_DURATION, TEST_MILLI_SECS_PER_BLOCK},
	AccountId, AggregatorsConfig, BalancesConfig, MetersConfig, ReadingsConfig,
	RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The k-anonymity floor of every preset (readings' `MinRegionMeters`): 3, so that a demo or
/// a test needs few meters. Chains built from these presets are not for production, whose
/// default is [`crate::configs::PRODUCTION_MIN_REGION_METERS`].
const DEMO_MIN_REGION_METERS: u32 = 3;

/// Balance of each endowed development account.
const ENDOWMENT: u128 = 1_000_000 * UNIT;

/// The accounts and roles of a chain.
struct ChainRoles {
	aggregators: Vec<Sr25519Keyring>,
	sudo: Sr25519Keyring,
	kgc: Sr25519Keyring,
	cc: Sr25519Keyring,
	time: MeteringTime,
}

/// The chain's clocks: Aura's slot and the metering clock (PROTOCOL §2). Period 0 starts at
/// the first block.
struct MeteringTime {
	slot_ms: u64,
	period_ms: u64,
	periods_per_cycle: u32,
	window_ms: u64,
}

/// Dev and local chains: 6-second blocks, 1-minute periods, readings accepted during the first
/// 30 s after a period ends, 10-period (10-minute) billing cycles, so a demo sees whole cycles
/// quickly.
const DEV_TIME: MeteringTime = MeteringTime {
	slot_ms: SLOT_DURATION,
	period_ms: 60_000,
	periods_per_cycle: 10,
	window_ms: 30_000,
};

/// Test chains: 2-second blocks, 20-second periods, 15-second windows, 6-period (2-minute)
/// cycles. The window is the shortest a meter accepts at this block time with room to spread
/// its two shares (`gridmask meter run` sends from one slot + 1 s after the window opens until
/// three slots + 1 s before it closes, so that two missed slots cannot push a share out).
const TEST_TIME: MeteringTime = MeteringTime {
	slot_ms: TEST_MILLI_SECS_PER_BLOCK,
	period_ms: 20_000,
	periods_per_cycle: 6,
	window_ms: 15_000,
};

/// Session keys of a well-known development aggregator: Aura `//Name` (sr25519) and GRANDPA
/// `//Name` (ed25519), the keys `--alice` & co. put into a node's keystore.
fn dev_session_keys(who: Sr25519Keyring) -> SessionKeys {
	let ed = match who {
		Sr25519Keyring::Alice => Ed25519Keyring::Alice,
		Sr25519Keyring::Bob => Ed25519Keyring::Bob,
		Sr25519Keyring::Charlie => Ed25519Keyring::Charlie,
		Sr25519Keyring::Dave => Ed25519Keyring::Dave,
		Sr25519Keyring::Eve => Ed25519Keyring::Eve,
		Sr25519Keyring::Ferdie => Ed25519Keyring::Ferdie,
		other => panic!("{other:?} is not a development aggregator"),
	};
	SessionKeys { aura: who.public().into(), grandpa: ed.public().into() }
}

fn genesis(roles: ChainRoles) -> Value {
	let endowed: Vec<AccountId> = Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|a| (a, ENDOWMENT)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(roles.sudo.to_account_id()) },
		aggregators: AggregatorsConfig {
			aggregators: roles.aggregators.iter().map(|k| k.to_account_id()).collect::<Vec<_>>(),
			slot_duration_ms: roles.time.slot_ms,
		},
		session: SessionConfig {
			keys: roles
				.aggregators
				.iter()
				.map(|k| (k.to_account_id(), k.to_account_id(), dev_session_keys(*k)))
				.collect::<Vec<_>>(),
		},
		meters: MetersConfig {
			kgc: Some(roles.kgc.to_account_id()),
			cc: Some(roles.cc.to_account_id())
		},
		readings: ReadingsConfig {
			genesis_start_ms: 0,
			period_ms: roles.time.period_ms,
			periods_per_cycle: roles.time.periods_per_cycle,
			window_ms: roles.time.window_ms,
			min_region_meters: DEMO_MIN_REGION_METERS,
		},
	})
}

/// The id of the single-aggregator test chain's preset.
pub const TEST_RUNTIME_PRESET: &str = "test";
/// The id of the four-aggregator test chain's preset.
pub const TEST_LOCAL_RUNTIME_PRESET: &str = "test-local";
/// The id of the two-aggregator test chain's preset (collection of readings).
pub const TEST_PAIR_RUNTIME_PRESET: &str = "test-pair";

/// One aggregator (Alice, also sudo); Bob the KGC, Charlie the CC.
fn single_aggregator(time: MeteringTime) -> ChainRoles {
	ChainRoles {
		aggregators: vec![Sr25519Keyring::Alice],
		sudo: Sr25519Keyring::Alice,
		kgc: Sr25519Keyring::Bob,
		cc: Sr25519Keyring::Charlie,
		time,
	}
}

/// Four aggregators (Alice, Bob, Charlie, Dave; Alice sudo); Eve the KGC, Ferdie the CC.
fn four_aggregators(time: MeteringTime) -> ChainRoles {
	ChainRoles {
		aggregators: vec![
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		],
		sudo: Sr25519Keyring::Alice,
		kgc: Sr25519Keyring::Eve,
		cc: Sr25519Keyring::Ferdie,
		time,
	}
}

/// Two aggregators (Alice, Bob; Alice sudo); Eve the KGC, Ferdie the CC.
fn two_aggregators(time: MeteringTime) -> ChainRoles {
	ChainRoles {
		aggregators: vec![Sr25519Keyring::Alice, Sr25519Keyring::Bob],
		sudo: Sr25519Keyring::Alice,
		kgc: Sr25519Keyring::Eve,
		cc: Sr25519Keyring::Ferdie,
		time,
	}
}

/// The `development` preset.
pub fn development_config_genesis() -> Value {
	genesis(single_aggregator(DEV_TIME))
}

/// The `local_testnet` preset.
pub fn local_config_genesis() -> Value {
	genesis(four_aggregators(DEV_TIME))
}

/// The `test` preset: `development` on the test time scale.
pub fn test_config_genesis() -> Value {
	genesis(single_aggregator(TEST_TIME))
}

/// The `test-local` preset: `local_testnet` on the test time scale.
pub fn test_local_config_genesis() -> Value {
	genesis(four_aggregators(TEST_TIME))
}

/// The `test-pair` preset: two aggregators on the test time scale.
pub fn test_pair_config_genesis() -> Value {
	genesis(two_aggregators(TEST_TIME))
}

/// The preset with the given id (`dev` and `local` are accepted as aliases).
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET | "dev" => development_config_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET | "local" => local_config_genesis(),
		TEST_RUNTIME_PRESET => test_config_genesis(),
		TEST_LOCAL_RUNTIME_PRESET => test_local_config_genesis(),
		TEST_PAIR_RUNTIME_PRESET => test_pair_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(DEV_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(TEST_RUNTIME_PRESET),
		PresetId::from(TEST_LOCAL_RUNTIME_PRESET),
		PresetId::from(TEST_PAIR_RUNTIME_PRESET),
	]
}
