#!/usr/bin/env bash
# Fuzzing with cargo fuzz (libFuzzer), targets in fuzz/fuzz_targets/:
#   submit_reading    pool validation and block application of reading extrinsics
#   runtime_sequence  the native runtime under arbitrary blocks of extrinsics, invariants checked
#   bf1, cid, reading_payload   the parsers
# Built without a sanitizer (`-s none`: the code is safe Rust, and this works on the stable
# toolchain) and without the Wasm runtime (SKIP_WASM_BUILD: the harness runs it natively).
# Corpora persist outside the work tree ($GRIDMASK_FUZZ_DIR, default ~/.cache/gridmask/fuzz);
# a crashing input is kept there under artifacts/<target>/ and the script fails.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 20)] [TARGET ...]   (default: all)
#        scripts/fuzz.sh 3600 runtime_sequence      # a long run of one target
#        scripts/fuzz.sh --build-only               # build the targets, run none
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$GRIDMASK_ROOT"

build_only=false
if [ "${1:-}" = "--build-only" ]; then build_only=true; shift; fi
seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(submit_reading runtime_sequence bf1 cid reading_payload)
dir="${GRIDMASK_FUZZ_DIR:-$HOME/.cache/gridmask/fuzz}"
export SKIP_WASM_BUILD=1

log "building fuzz targets (cargo fuzz, target dir $CARGO_TARGET_DIR)"
cargo fuzz build -s none || die "fuzz build failed"
$build_only && exit 0
for t in "${targets[@]}"; do
	mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
	log "fuzzing $t for ${seconds}s (corpus $dir/corpus/$t)"
	out="$(mktemp)"
	if ! cargo fuzz run -s none "$t" "$dir/corpus/$t" -- -max_total_time="$seconds" \
		-artifact_prefix="$dir/artifacts/$t/" -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 \
		>"$out" 2>&1; then
		tail -60 "$out" >&2
		die "fuzz target $t failed; the input is in $dir/artifacts/$t/"
	fi
	# The final stats: executions, rate, coverage.
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|cov: ' "$out" |
		tail -4 | sed "s/^/  $t: /" >&2
	rm -f "$out"
done
log "fuzzing done: no crash"
