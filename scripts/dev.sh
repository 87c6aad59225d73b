#!/usr/bin/env bash
# Run a gridmask development chain: one aggregator (Alice, also sudo), Bob holds the KGC role,
# Charlie the CC role. Builds the node first if needed. State is temporary (--tmp) unless
# GRIDMASK_DEV_BASE is set. Extra arguments go to the node and win over the defaults below
# (e.g. `scripts/dev.sh --rpc-port 9945` when 9944 is taken).
#   RPC (WebSocket + HTTP, safe methods, any origin: polkadot.js apps)  ws://127.0.0.1:9944
#   admin RPC (unsafe methods: keystore, off-chain storage; loopback,
#              requests from web pages refused)                          ws://127.0.0.1:9933
#   Prometheus                                                           http://127.0.0.1:9615/metrics
# The KGC secrets key (which opens the master secrets the node keeps sealed) is read from
# $GRIDMASK_KGC_SECRETS_KEY, default ~/.local/share/gridmask/kgc-secrets.key, made if absent.
set -euo pipefail
source "$(dirname "$0")/common.sh"
"$GRIDMASK_ROOT/scripts/setup.sh"
build_node

# given <flag>: whether the caller passed <flag> (as `--flag value` or `--flag=value`).
given() { local a; for a in "${ARGS[@]}"; do [[ "$a" == "$1" || "$a" == "$1="* ]] && return 0; done; return 1; }
ARGS=("$@")
defaults=()
given --rpc-port || defaults+=(--rpc-port 9944)
given --admin-rpc-port || defaults+=(--admin-rpc-port 9933)
given --prometheus-port || defaults+=(--prometheus-port 9615)
given --pool-limit || defaults+=(--pool-limit "$GRIDMASK_POOL_LIMIT")
# The dev node is the KGC's node too: it holds the KGC secrets key in memory (made once, where
# `gridmask kgc provision|push-secrets` look for it by default).
if ! given --kgc-secrets-key-file; then
	key="${GRIDMASK_KGC_SECRETS_KEY:-${XDG_DATA_HOME:-$HOME/.local/share}/gridmask/kgc-secrets.key}"
	[ -f "$key" ] || "$GRIDMASK_CLIENT" kgc new-secrets-key --out "$key" >/dev/null
	defaults+=(--kgc-secrets-key-file "$key")
fi
if ! given --base-path && ! given --tmp; then
	if [ -n "${GRIDMASK_DEV_BASE:-}" ]; then
		defaults+=(--base-path "$GRIDMASK_DEV_BASE")
	else
		defaults+=(--tmp)
	fi
fi
log "starting the dev chain: $GRIDMASK_NODE --dev ${defaults[*]} $*"
exec "$GRIDMASK_NODE" --dev "${defaults[@]}" "$@"
