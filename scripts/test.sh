#!/usr/bin/env bash
# Everything CI runs (`.ci/run` calls this). On a fresh machine it installs what it needs
# (scripts/setup.sh), builds with the release profile into $CARGO_TARGET_DIR (outside the
# clone, default ~/.cache/gridmask/target) and runs:
#   1. the Rust unit tests of every library crate (pallets with mock runtimes, the runtime);
#   2. the node build, and the owner's portal (scripts/portal.sh: the verifier's wasm, its size
#      and a check in Node, then the web app's bundle, which the demo test drives in Chromium);
#   3. the fuzz targets' build and a short run of every fuzz target (scripts/fuzz.sh: 20 s
#      each, corpora kept between runs), in the background at the lowest priority, alongside
#   4. the integration tests against real nodes on free loopback ports (scripts/js/*.test.mjs,
#      on the `test` chains' time scale, three at a time: scripts/js/run-tests.mjs), which wait
#      for the chain's clock most of the time.
# Prints each phase's time as it ends and all of them at the end.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$GRIDMASK_ROOT"

start=$(date +%s)
phases=()
current=""
phase_start=$start
end_phase() {
	[ -n "$current" ] || return 0
	local now; now=$(date +%s)
	phases+=("$(printf '%-38s %5d s' "$current" $((now - phase_start)))")
	log "== $current: $((now - phase_start)) s"
	current=""
}
phase() {
	end_phase
	current="$*"
	phase_start=$(date +%s)
	log "== $* (at $((phase_start - start))s)"
}
summary() {
	local status=$?
	end_phase
	log "== phases"
	printf '   %s\n' "${phases[@]}" >&2
	printf '   %-38s %5d s\n' "total" $(($(date +%s) - start)) >&2
	[ "$status" -eq 0 ] && log "== all tests passed" || log "== FAILED (exit $status)"
}
trap summary EXIT

phase "setup"
scripts/setup.sh

# With the flags of common.sh every crate gets the features of the node build; the node's and
# the client's integration tests (node/tests, client/tests) make cargo build both binaries in
# this same invocation, so the node build below finds them up to date.
phase "unit tests and binaries"
cargo test "${WORKSPACE_TEST_FLAGS[@]}"

phase "node and client (up to date)"
build_node

phase "portal: wasm build, size, Node check, web bundle"
scripts/portal.sh

# The fuzz targets' build and their short run go on in the background at the lowest CPU
# priority, on what the integration tests leave idle (they mostly wait for the chain's
# clock), so that neither the nodes' timing nor the test command's length suffers.
phase "integration tests, fuzzing alongside"
fuzz_log="$(mktemp)"
(
	t0=$(date +%s)
	nice -n 19 scripts/fuzz.sh "${GRIDMASK_FUZZ_SECONDS:-20}" && s=0 || s=$?
	echo "[fuzz build and run: $(($(date +%s) - t0)) s, exit $s]"
	exit "$s"
) >"$fuzz_log" 2>&1 &
fuzz_pid=$!
tests_ok=true
node scripts/js/run-tests.mjs || tests_ok=false
fuzz_ok=true
wait "$fuzz_pid" || fuzz_ok=false
log "short fuzz run (alongside the integration tests):"
cat "$fuzz_log" >&2
rm -f "$fuzz_log"
$fuzz_ok || die "a fuzz target failed (above)"
$tests_ok || die "an integration test failed (above)"
