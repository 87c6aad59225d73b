#!/usr/bin/env bash
# Regenerates the `weights.rs` of our pallets on this machine from their v2 benchmarks.
#
#   scripts/weights.sh [pallet …]      (default: all of ours; STEPS / REPEAT override the defaults)
#   scripts/weights.sh storage DIR     the database's read and write cost (`runtime/src/weights/db.rs`),
#                                      measured on the state of the dev chain whose base path is DIR,
#                                      e.g. `gridmask bench ingest --keep --dir D` then DIR = D/base
#
# Needs the node built with `--features runtime-benchmarks`, a different feature set from the
# normal build, so it gets its own target dir (a first build takes about as long as a cold one).
set -euo pipefail
source "$(dirname "$0")/common.sh"

BENCH_TARGET_DIR="${BENCH_TARGET_DIR:-$HOME/.cache/gridmask/target-bench}"
STEPS="${STEPS:-20}"
REPEAT="${REPEAT:-10}"
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] ||
	pallets=(pallet_aggregators pallet_meters pallet_readings pallet_pricing pallet_billing pallet_faults)

log "building gridmask-node --features runtime-benchmarks (target dir $BENCH_TARGET_DIR)"
# The benchmarking CLI's storage-access test runtime is only for `benchmark storage`, and its
# wasm build cannot find itself in this workspace's (feature-less) `cargo metadata`, where the
# CLI is an optional dependency: skip it.
(cd "$GRIDMASK_ROOT" && CARGO_TARGET_DIR="$BENCH_TARGET_DIR" SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 \
	cargo build --release --locked -p gridmask-node --features runtime-benchmarks) || die "build failed"
node="$BENCH_TARGET_DIR/release/gridmask-node"
wasm="$BENCH_TARGET_DIR/release/wbuild/gridmask-runtime/gridmask_runtime.compact.compressed.wasm"

if [ "${pallets[0]}" = storage ]; then
	[ ${#pallets[@]} -eq 2 ] && [ -d "${pallets[1]}" ] || die "usage: scripts/weights.sh storage DIR (a dev chain's base path)"
	log "benchmarking the database under ${pallets[1]}"
	mkdir -p "$GRIDMASK_ROOT/runtime/src/weights"
	# The dev chain's state is trie version 1; `--db paritydb` is the node's only database.
	# Writes are committed in batches of 2,000 keys, fewer than a full block of bundles writes
	# (the storage root is recomputed once per batch: smaller batches cost more per key). The
	# average is taken with 50% headroom: a utility's state (millions of shares retained) is a
	# few trie levels deeper than a benchmark run's.
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT
	cp -r "${pallets[1]}" "$work/base" # the benchmark writes into the database it measures
	"$node" benchmark storage --dev --base-path "$work/base" --db paritydb --state-version 1 \
		--batch-size 2000 --mul 1.5 \
		--template-path "$GRIDMASK_ROOT/scripts/db-weight-template.hbs" \
		--weight-path "$GRIDMASK_ROOT/runtime/src/weights/db.rs"
	log "done: review runtime/src/weights/db.rs"
	exit 0
fi

for p in "${pallets[@]}"; do
	dir="$GRIDMASK_ROOT/pallets/${p#pallet_}"
	[ -d "$dir" ] || die "no pallet directory for $p"
	log "benchmarking $p (steps $STEPS, repeat $REPEAT)"
	"$node" benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder=runtime --genesis-builder-preset=development \
		--pallet "$p" --extrinsic '*' \
		--steps "$STEPS" --repeat "$REPEAT" \
		--wasm-execution compiled --heap-pages 4096 \
		--template "$GRIDMASK_ROOT/scripts/weight-template.hbs" \
		--output "$dir/src/weights.rs"
done
log "done: review the diff of pallets/*/src/weights.rs"
