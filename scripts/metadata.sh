#!/usr/bin/env bash
# Regenerates client/metadata/gridmask.scale (the runtime's metadata v16, from which the client's
# subxt interface is generated) after a runtime change. The runtime test
# `committed_client_metadata_is_current` fails until this has been run and the file committed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$GRIDMASK_ROOT"
test_name=committed_client_metadata_is_current
# The whole workspace (the usual feature set, nothing recompiled) unless the client no longer
# compiles against the stale file; then the runtime alone.
GRIDMASK_BLESS=1 cargo test "${WORKSPACE_TEST_FLAGS[@]}" --lib -- "$test_name" ||
	GRIDMASK_BLESS=1 cargo test --release --locked -p gridmask-runtime --lib -- "$test_name"
log "wrote client/metadata/gridmask.scale ($(stat -c %s client/metadata/gridmask.scale) bytes)"
