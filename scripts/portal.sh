#!/usr/bin/env bash
# Builds the owner's portal's verifier (portal/wasm: gridmask-primitives compiled to wasm with
# wasm-bindgen) into $GRIDMASK_PORTAL_DIR (default ~/.cache/gridmask/portal), checks it and
# prints its size:
#   1. cargo build for wasm32-unknown-unknown, profile `portal` (small, panic=abort), in its own
#      target dir ($CARGO_TARGET_DIR-portal), so that it never waits on or invalidates the
#      node's build;
#   2. refuses a build that links an RNG (getrandom): opening a report needs none, and the
#      browser must not be asked for one by the protocol code;
#   3. wasm-bindgen (the CLI of the crate's exact version, installed by scripts/setup.sh);
#   4. prints the .wasm's size, raw and gzip -9, and fails above 1 MiB;
#   5. opens the committed test vector's sealed report with it in Node (scripts/js/portal-wasm.mjs);
#   6. bundles the web app (portal/web, with the wasm inlined) into $GRIDMASK_PORTAL_DIR/site
#      (scripts/js/build-portal.mjs, esbuild): the static site the gateway serves at /portal/.
# Idempotent; run by scripts/test.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$GRIDMASK_ROOT"

portal_dir="${GRIDMASK_PORTAL_DIR:-$HOME/.cache/gridmask/portal}"
target_dir="${CARGO_TARGET_DIR}-portal"
budget=$((1024 * 1024))

log "building portal/wasm (wasm32-unknown-unknown, profile portal, target dir $target_dir)"
CARGO_TARGET_DIR="$target_dir" cargo build --locked --quiet -p gridmask-portal \
	--target wasm32-unknown-unknown --profile portal || die "the portal's wasm build failed"

if CARGO_TARGET_DIR="$target_dir" cargo tree --locked -q -p gridmask-portal \
	--target wasm32-unknown-unknown -e normal -i getrandom >/dev/null 2>&1; then
	die "portal/wasm links getrandom (a dependency turned on an RNG): see primitives' bill-open feature"
fi

mkdir -p "$portal_dir/pkg"
wasm-bindgen --target web --out-dir "$portal_dir/pkg" \
	"$target_dir/wasm32-unknown-unknown/portal/gridmask_portal.wasm" ||
	die "wasm-bindgen failed (is wasm-bindgen-cli the crate's version? scripts/setup.sh installs it)"

wasm="$portal_dir/pkg/gridmask_portal_bg.wasm"
raw=$(stat -c %s "$wasm")
gz=$(gzip -9c "$wasm" | wc -c)
log "portal wasm: $raw bytes, $gz gzip -9 ($wasm)"
[ "$raw" -le "$budget" ] || die "the portal's wasm is $raw bytes, above its budget of $budget"

node scripts/js/portal-wasm.mjs "$portal_dir/pkg" || die "the portal's wasm failed its check in Node"

GRIDMASK_PORTAL_DIR="$portal_dir" node scripts/js/build-portal.mjs || die "the portal's web app did not bundle"
