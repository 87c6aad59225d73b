# Shared settings of the gridmask scripts (sourced, not run).
# The cargo target dir lives outside the work tree so that builds survive a fresh clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gridmask/target}"
GRIDMASK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Binaries named by the caller (GRIDMASK_NODE or GRIDMASK_CLIENT already set: by the user, or
# by a script that built them, such as test.sh for the demo it runs) are used as they are, and
# build_node builds nothing.
if [ -n "${GRIDMASK_NODE:-}${GRIDMASK_CLIENT:-}" ]; then GRIDMASK_BINARIES_GIVEN=1; else GRIDMASK_BINARIES_GIVEN=0; fi
GRIDMASK_NODE="${GRIDMASK_NODE:-$CARGO_TARGET_DIR/release/gridmask-node}"
GRIDMASK_CLIENT="${GRIDMASK_CLIENT:-$CARGO_TARGET_DIR/release/gridmask}"
export GRIDMASK_ROOT GRIDMASK_NODE GRIDMASK_CLIENT

# Transactions an aggregator's pool holds (Substrate's default is 8,192). The pool keeps each
# transaction until it is finalized, so it must hold a whole reading window of shares (a few
# thousand per block, finality two or three blocks behind); BENCHMARKS.md has the figures.
GRIDMASK_POOL_LIMIT="${GRIDMASK_POOL_LIMIT:-32768}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The feature flags of every `cargo test --workspace`: no crate's `default` feature, `std` where a
# crate has it. Each crate then gets exactly the features the node and client build gives it
# (the workspace's crates are otherwise built with their `default` feature as test targets and
# without it as the node's dependencies), so one build never recompiles what the other built.
# (The same holds for dev-dependencies: none may add a feature to a crate the node uses; see
# the comments at `proptest` and `arbitrary` in Cargo.toml.)
WORKSPACE_TEST_FLAGS=(--release --locked --workspace --no-default-features --features std)

# Build the node and the client (release: the project's one cargo profile) unless they are up
# to date. Always both in one invocation: their shared dependencies (jsonrpsee, tokio) then get
# one feature set, the same as in `cargo test "${WORKSPACE_TEST_FLAGS[@]}"`, and are never
# compiled twice.
build_node() {
	if [ "$GRIDMASK_BINARIES_GIVEN" = 1 ]; then
		log "using the given binaries: $GRIDMASK_NODE, $GRIDMASK_CLIENT"
		return
	fi
	log "building gridmask-node and gridmask (release, target dir $CARGO_TARGET_DIR)"
	(cd "$GRIDMASK_ROOT" && cargo build --release --locked -p gridmask-node -p gridmask-client) ||
		die "build failed"
}
