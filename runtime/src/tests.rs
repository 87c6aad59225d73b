//! Runtime-level tests: the genesis presets build a consistent state.

use crate::{
	genesis_config_presets::{get_preset, preset_names},
	AccountId, Aggregators, Meters, Runtime, RuntimeGenesisConfig, Session,
};
use frame_support::traits::Hooks;
use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring::{self, *};

/// RFC 7386 merge: what the node does with a preset (a patch) over the default config.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
			for (k, v) in p {
				merge(b.entry(k).or_insert(serde_json::Value::Null), v);
			}
		},
		(b, p) => *b = p,
	}
}

fn ext_for(preset: &str) -> sp_io::TestExternalities {
	let patch: serde_json::Value =
		serde_json::from_slice(&get_preset(&PresetId::from(preset)).expect("preset exists")).unwrap();
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, patch);
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(&config).unwrap(),
		)
		.expect("preset builds a genesis state");
	});
	ext
}

fn accounts(keys: &[Sr25519Keyring]) -> Vec<AccountId> {
	let mut v: Vec<AccountId> = keys.iter().map(|k| k.to_account_id()).collect();
	v.sort();
	v
}

#[test]
fn presets_are_listed_and_aliases_resolve() {
	let names: Vec<String> =
		preset_names().iter().map(|p| String::from_utf8_lossy(p.as_ref()).into_owned()).collect();
	assert_eq!(names, vec!["development", "local_testnet"]);
	assert_eq!(get_preset(&PresetId::from("dev")), get_preset(&PresetId::from("development")));
	assert_eq!(get_preset(&PresetId::from("local")), get_preset(&PresetId::from("local_testnet")));
	assert!(get_preset(&PresetId::from("mainnet")).is_none());
}

#[test]
fn dev_preset_has_alice_as_the_only_aggregator() {
	ext_for("development").execute_with(|| {
		assert_eq!(Aggregators::aggregators(), accounts(&[Alice]));
		assert_eq!(Session::validators(), accounts(&[Alice]));
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Alice.to_account_id()));
		assert_eq!(pallet_meters::Kgc::<Runtime>::get(), Some(Bob.to_account_id()));
		assert_eq!(pallet_meters::Cc::<Runtime>::get(), Some(Charlie.to_account_id()));
		Aggregators::do_try_state().unwrap();
		assert_eq!(Meters::role_holder(pallet_meters::Role::Kgc), Some(Bob.to_account_id()));
	});
}

#[test]
fn local_preset_has_four_aggregators() {
	ext_for("local_testnet").execute_with(|| {
		assert_eq!(Aggregators::aggregators(), accounts(&[Alice, Bob, Charlie, Dave]));
		assert_eq!(Session::validators().len(), 4);
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 4);
		assert_eq!(pallet_meters::Kgc::<Runtime>::get(), Some(Eve.to_account_id()));
		assert_eq!(pallet_meters::Cc::<Runtime>::get(), Some(Ferdie.to_account_id()));
		Aggregators::do_try_state().unwrap();
	});
}

#[test]
fn integrity_tests_pass() {
	sp_io::TestExternalities::default().execute_with(|| {
		<crate::AllPalletsWithSystem as frame_support::traits::IntegrityTest>::integrity_test();
		<Aggregators as Hooks<crate::BlockNumber>>::integrity_test();
	});
}
