#!/usr/bin/env bash
# The gridmask demo on a fresh dev chain: 50 meters in 2 regions (KGC = Bob, secrets pushed to
# the node's off-chain worker), tariffs (CC = Charlie), setups, meters reporting for two cycles
# of the dev chain's 1-minute periods with 2 meters silent for 2 periods, faults resolved by the
# off-chain worker, bills in the content store with their CIDs on chain, every owner verifying
# their bill; then a summary. About 25 minutes (two 10-period cycles); `--quick`: 10 meters, one
# cycle (about 12 minutes). Other options: see scripts/js/demo.mjs (`--url` runs against a node
# you started; `--json` prints the summary as JSON).
set -euo pipefail
source "$(dirname "$0")/common.sh"
"$GRIDMASK_ROOT/scripts/setup.sh" >&2
build_node >&2
exec node "$GRIDMASK_ROOT/scripts/js/demo.mjs" "$@"
