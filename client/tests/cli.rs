//! The `gridmask` binary's command line, without a node. Also builds the binary in the same
//! cargo invocation as the unit tests, so that `scripts/test.sh` compiles it alongside them.

use std::process::Command;

fn gridmask(args: &[&str]) -> (bool, String, String) {
	let out = Command::new(env!("CARGO_BIN_EXE_gridmask")).args(args).output().expect("runs");
	let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
	(out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn help_names_every_role() {
	let (ok, out, _) = gridmask(&["--help"]);
	assert!(ok);
	for cmd in ["kgc", "meter", "cc", "owner", "status", "bench"] {
		assert!(out.contains(cmd), "--help lists `{cmd}`:\n{out}");
	}
}

#[test]
fn no_live_endpoint_is_a_readable_error() {
	// Port 9 (discard) on loopback: nothing listens there.
	let (ok, _, err) = gridmask(&["--url", "ws://127.0.0.1:9", "status"]);
	assert!(!ok);
	assert!(err.contains("no node endpoint answered") && err.contains("ws://127.0.0.1:9"), "{err}");
}

#[test]
fn a_bad_silent_meter_is_named() {
	let (ok, _, err) = gridmask(&["meter", "run", "--credentials", "x", "--silent", "1004:x"]);
	assert!(!ok);
	assert!(err.contains("1004:x"), "{err}");
}

#[test]
fn a_channel_list_parses_and_a_bad_one_is_named() {
	// Parsed in full, then the (absent) node is the first thing that fails.
	let provision = |channels: &str| {
		gridmask(&[
			"--url",
			"ws://127.0.0.1:9",
			"kgc",
			"provision",
			"--store",
			"/nonexistent",
			"--channels",
			channels,
			"--prosumers",
			"30",
		])
	};
	let (ok, _, err) = provision("import_wh,export_wh");
	assert!(!ok);
	assert!(err.contains("no node endpoint answered"), "{err}");
	let (ok, _, err) = provision("export_wh,import_wh");
	assert!(!ok);
	assert!(
		err.contains("import_wh first") || err.contains("first channel must be import_wh"),
		"{err}"
	);
}
