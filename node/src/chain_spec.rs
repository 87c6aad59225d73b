//! Chain specifications: `dev`, `local`, `test`, `test-local` and `test-pair` are built from the
//! runtime's genesis presets (`test` and `test-local` are `dev` and `local` on the integration
//! tests' time scale: 2-second blocks, 20-second periods; `test-pair` has two aggregators).

use gridmask_runtime::{
	genesis_config_presets::{
		TEST_LOCAL_RUNTIME_PRESET, TEST_PAIR_RUNTIME_PRESET, TEST_RUNTIME_PRESET,
	},
	WASM_BINARY,
};
use sc_service::ChainType;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// A chain specification of gridmask (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

fn properties() -> sc_chain_spec::Properties {
	let mut p = sc_chain_spec::Properties::new();
	p.insert("tokenSymbol".into(), gridmask_primitives::currency::SYMBOL.into());
	p.insert("tokenDecimals".into(), gridmask_primitives::currency::DECIMALS.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime's wasm binary is not available (built with SKIP_WASM_BUILD?)".to_string()
	})
}

/// A chain of the runtime's genesis preset `preset`.
fn from_preset(name: &str, id: &str, kind: ChainType, preset: &str) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(kind)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// The single-aggregator development chain (preset `development`).
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	from_preset("gridmask dev", "gridmask_dev", ChainType::Development, DEV_RUNTIME_PRESET)
}

/// The four-aggregator local testnet (preset `local_testnet`).
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	from_preset("gridmask local", "gridmask_local", ChainType::Local, LOCAL_TESTNET_RUNTIME_PRESET)
}

/// The single-aggregator chain of the integration tests (preset `test`).
pub fn test_chain_spec() -> Result<ChainSpec, String> {
	from_preset("gridmask test", "gridmask_test", ChainType::Development, TEST_RUNTIME_PRESET)
}

/// The four-aggregator chain of the integration tests (preset `test-local`).
pub fn test_local_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"gridmask test local",
		"gridmask_test_local",
		ChainType::Local,
		TEST_LOCAL_RUNTIME_PRESET,
	)
}

/// The two-aggregator chain of the integration tests (preset `test-pair`).
pub fn test_pair_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"gridmask test pair",
		"gridmask_test_pair",
		ChainType::Local,
		TEST_PAIR_RUNTIME_PRESET,
	)
}
