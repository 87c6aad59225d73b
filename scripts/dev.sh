#!/usr/bin/env bash
# Run a gridmask development chain: one aggregator (Alice, also sudo), Bob holds the KGC role,
# Charlie the CC role. Builds the node first if needed. State is temporary (--tmp) unless
# GRIDMASK_DEV_BASE is set. Extra arguments go to the node.
#   RPC (WebSocket + HTTP): ws://127.0.0.1:9944   Prometheus: http://127.0.0.1:9615/metrics
set -euo pipefail
source "$(dirname "$0")/common.sh"
"$GRIDMASK_ROOT/scripts/setup.sh"
build_node
if [ -n "${GRIDMASK_DEV_BASE:-}" ]; then
	state=(--base-path "$GRIDMASK_DEV_BASE")
else
	state=(--tmp)
fi
pool=(--pool-limit "$GRIDMASK_POOL_LIMIT")
[[ " $* " == *" --pool-limit"* ]] && pool=()
log "starting the dev chain: RPC ws://127.0.0.1:9944, Prometheus http://127.0.0.1:9615/metrics"
exec "$GRIDMASK_NODE" --dev "${state[@]}" "${pool[@]}" --rpc-port 9944 --prometheus-port 9615 "$@"
