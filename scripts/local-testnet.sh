#!/usr/bin/env bash
# A local gridmask network of 4 aggregators (Alice, Bob, Charlie, Dave; 4 tolerate 1 fault),
# from the `local` genesis preset, all on 127.0.0.1:
#
#   node     p2p     RPC (ws/http)   admin RPC   Prometheus
#   alice    30333   9944            9933        9615
#   bob      30334   9945            9934        9616
#   charlie  30335   9946            9935        9617
#   dave     30336   9947            9936        9618
#
# RPC serves the safe methods to local origins (polkadot.js apps included); the admin RPC
# serves the unsafe ones (keystore, off-chain storage) on loopback and refuses requests from
# web pages (README, "Running an aggregator / the KGC node").
#
# usage: local-testnet.sh start [node...]   start all nodes (or the named ones)
#        local-testnet.sh stop [node...]    stop all nodes (or the named ones)
#        local-testnet.sh status            per node: running?, best and finalized block
#        local-testnet.sh logs [node]       follow a node's log (default alice)
#        local-testnet.sh purge             stop everything and delete the chain data
# State (chain spec, databases, logs, pids): $GRIDMASK_TESTNET_DIR, default
# ~/.local/share/gridmask/local-testnet.
set -euo pipefail
source "$(dirname "$0")/common.sh"

DIR="${GRIDMASK_TESTNET_DIR:-$HOME/.local/share/gridmask/local-testnet}"
NODES=(alice bob charlie dave)

idx() { local i; for i in "${!NODES[@]}"; do [ "${NODES[$i]}" = "$1" ] && { echo "$i"; return; }; done; die "unknown node '$1' (one of: ${NODES[*]})"; }
p2p_port() { echo $((30333 + $(idx "$1"))); }
rpc_port() { echo $((9944 + $(idx "$1"))); }
prom_port() { echo $((9615 + $(idx "$1"))); }
admin_port() { echo $((9933 + $(idx "$1"))); }
# Fixed node keys make the peer ids, hence the bootnode addresses, known in advance.
node_key() { printf '%064x' $(($(idx "$1") + 1)); }
pid_of() { cat "$DIR/$1.pid" 2>/dev/null || true; }
running() { local p; p="$(pid_of "$1")"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

rpc() { # rpc <node> <method> [params-json]
	curl -s --max-time 2 -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$(rpc_port "$1")"
}
block_number() { # block_number <node> best|finalized
	local hash="" hdr
	if [ "$2" = finalized ]; then
		hash="$(rpc "$1" chain_getFinalizedHead | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')"
		[ -n "$hash" ] || { echo "?"; return; }
		hdr="$(rpc "$1" chain_getHeader "[\"$hash\"]")"
	else
		hdr="$(rpc "$1" chain_getHeader)"
	fi
	local hex; hex="$(sed -n 's/.*"number":"0x\([0-9a-f]*\)".*/\1/p' <<<"$hdr")"
	[ -n "$hex" ] && echo $((16#$hex)) || echo "?"
}

chain_spec() {
	mkdir -p "$DIR"
	if [ ! -f "$DIR/local.json" ]; then
		log "building the chain spec from the 'local' preset"
		"$GRIDMASK_NODE" build-spec --chain local --raw --disable-default-bootnode 2>/dev/null >"$DIR/local.json.tmp"
		mv "$DIR/local.json.tmp" "$DIR/local.json"
	fi
}

# Alice's node is the KGC's node: it holds the KGC secrets key, in memory.
secrets_key() {
	local key="${GRIDMASK_KGC_SECRETS_KEY:-${XDG_DATA_HOME:-$HOME/.local/share}/gridmask/kgc-secrets.key}"
	[ -f "$key" ] || "$GRIDMASK_CLIENT" kgc new-secrets-key --out "$key" >/dev/null
	echo "$key"
}

start_node() {
	local n="$1"
	if running "$n"; then log "$n is already running (pid $(pid_of "$n"))"; return; fi
	local kgc=()
	[ "$n" = alice ] && kgc=(--kgc-secrets-key-file "$(secrets_key)")
	local boot
	boot="/ip4/127.0.0.1/tcp/$(p2p_port alice)/p2p/$("$GRIDMASK_NODE" key inspect-node-key --file <(node_key alice))"
	nohup "$GRIDMASK_NODE" \
		--chain "$DIR/local.json" --base-path "$DIR/$n" --name "$n" --"$n" --validator \
		--node-key "$(node_key "$n")" \
		--listen-addr "/ip4/127.0.0.1/tcp/$(p2p_port "$n")" --bootnodes "$boot" \
		--rpc-port "$(rpc_port "$n")" --admin-rpc-port "$(admin_port "$n")" \
		--prometheus-port "$(prom_port "$n")" \
		--no-mdns --no-telemetry --pool-limit "$GRIDMASK_POOL_LIMIT" "${kgc[@]}" \
		>>"$DIR/$n.log" 2>&1 &
	echo $! >"$DIR/$n.pid"
	log "started $n (pid $!): p2p $(p2p_port "$n"), rpc $(rpc_port "$n"), admin rpc $(admin_port "$n"), metrics http://127.0.0.1:$(prom_port "$n")/metrics (gridmask_*: README, Metrics), log $DIR/$n.log"
}

stop_node() {
	local n="$1" p
	if ! running "$n"; then rm -f "$DIR/$n.pid"; log "$n is not running"; return; fi
	p="$(pid_of "$n")"
	kill -INT "$p"
	for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
	kill -0 "$p" 2>/dev/null && kill -KILL "$p"
	rm -f "$DIR/$n.pid"
	log "stopped $n"
}

cmd="${1:-status}"; shift || true
targets=("$@"); ((${#targets[@]})) || targets=("${NODES[@]}")
case "$cmd" in
start)
	{ [ -x "$GRIDMASK_NODE" ] && [ -x "$GRIDMASK_CLIENT" ]; } || build_node
	chain_spec
	for n in "${targets[@]}"; do start_node "$n"; done
	;;
stop)
	for n in "${targets[@]}"; do stop_node "$n"; done
	;;
status)
	printf '%-8s %-8s %-7s %-6s %-9s\n' node state pid best finalized
	for n in "${NODES[@]}"; do
		if running "$n"; then
			printf '%-8s %-8s %-7s %-6s %-9s\n' "$n" up "$(pid_of "$n")" "$(block_number "$n" best)" "$(block_number "$n" finalized)"
		else
			printf '%-8s %-8s %-7s %-6s %-9s\n' "$n" down - - -
		fi
	done
	;;
logs)
	n="${targets[0]}"; [ "$#" -eq 0 ] && n=alice
	exec tail -n 50 -f "$DIR/$n.log"
	;;
purge)
	for n in "${NODES[@]}"; do stop_node "$n"; done
	rm -rf "$DIR"
	log "removed $DIR"
	;;
*)
	die "unknown command '$cmd' (start|stop|status|logs|purge)"
	;;
esac
