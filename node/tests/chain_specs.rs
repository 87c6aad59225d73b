//! The node binary's chain specifications: every named chain builds from the runtime's presets,
//! and each carries its clock in genesis (one runtime; the test chains run on the integration
//! tests' time scale). Also builds the node binary in the same cargo invocation as the unit
//! tests, so that `scripts/test.sh` compiles it alongside them.

use serde_json::Value;
use std::process::Command;

fn export(chain: &str) -> std::process::Output {
	Command::new(env!("CARGO_BIN_EXE_gridmask-node"))
		.args(["export-chain-spec", "--chain", chain])
		.output()
		.expect("gridmask-node runs")
}

fn spec(chain: &str) -> Value {
	let out = export(chain);
	assert!(
		out.status.success(),
		"export-chain-spec --chain {chain}: {}",
		String::from_utf8_lossy(&out.stderr)
	);
	serde_json::from_slice(&out.stdout).expect("a JSON chain spec")
}

#[test]
fn named_chains_carry_their_roles_and_clocks() {
	// chain, id, slot ms, period ms, window ms, periods per cycle, aggregators
	let chains = [
		("dev", "gridmask_dev", 6_000, 60_000, 30_000, 10, 1),
		("local", "gridmask_local", 6_000, 60_000, 30_000, 10, 4),
		("test", "gridmask_test", 2_000, 20_000, 15_000, 6, 1),
		("test-local", "gridmask_test_local", 2_000, 20_000, 15_000, 6, 4),
	];
	for (chain, id, slot, period, window, cycle, aggregators) in chains {
		let s = spec(chain);
		assert_eq!(s["id"], id, "{chain}");
		let g = &s["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(g["aggregators"]["slotDurationMs"], slot, "{chain}: slot");
		assert_eq!(g["aggregators"]["aggregators"].as_array().map(Vec::len), Some(aggregators));
		let r = &g["readings"];
		assert_eq!((&r["periodMs"], &r["windowMs"]), (&period.into(), &window.into()), "{chain}");
		assert_eq!(r["periodsPerCycle"], cycle, "{chain}: cycle");
	}
	// The test chains have the dev and local chains' roles.
	let roles = |c: &str| spec(c)["genesis"]["runtimeGenesis"]["patch"]["meters"].clone();
	assert_eq!(roles("test"), roles("dev"));
	assert_eq!(roles("test-local"), roles("local"));
}

#[test]
fn an_unknown_chain_is_refused_by_name() {
	let out = export("no-such-chain");
	assert!(!out.status.success());
	assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-chain"));
}
