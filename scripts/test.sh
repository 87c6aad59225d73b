#!/usr/bin/env bash
# Everything CI runs (`.ci/run` calls this). On a fresh machine it installs what it needs
# (scripts/setup.sh), builds with the release profile into $CARGO_TARGET_DIR (outside the
# clone, default ~/.cache/gridmask/target) and runs:
#   1. the Rust unit tests of every library crate (pallets with mock runtimes, the runtime);
#   2. the node build;
#   3. a short run of every fuzz target (scripts/fuzz.sh: 20 s each, corpora kept between runs);
#   4. the integration tests against real nodes on free loopback ports (scripts/js/*.test.mjs).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$GRIDMASK_ROOT"

start=$(date +%s)
phase() { log "== $* (at $(($(date +%s) - start))s)"; }

phase "setup"
scripts/setup.sh

# One cargo invocation over the whole workspace: the node package is selected too, so every
# dependency is compiled with the same features as in the node build below and nothing is
# compiled twice. (The node's bin has `test = false`.)
phase "unit tests (cargo test --workspace)"
cargo test --release --locked --workspace

phase "node and client build"
build_node

phase "fuzzing (short run)"
scripts/fuzz.sh "${GRIDMASK_FUZZ_SECONDS:-20}"

for t in scripts/js/*.test.mjs; do
	phase "integration test $t"
	GRIDMASK_NODE="$GRIDMASK_NODE" GRIDMASK_CLIENT="$GRIDMASK_CLIENT" node "$t"
done

phase "all tests passed"
