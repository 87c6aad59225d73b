# Shared settings of the gridmask scripts (sourced, not run).
# The cargo target dir lives outside the work tree so that builds survive a fresh clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gridmask/target}"
GRIDMASK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRIDMASK_NODE="${GRIDMASK_NODE:-$CARGO_TARGET_DIR/release/gridmask-node}"
export GRIDMASK_ROOT GRIDMASK_NODE

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Build the node (release: the project's one cargo profile) unless it is up to date.
build_node() {
	log "building gridmask-node (release, target dir $CARGO_TARGET_DIR)"
	(cd "$GRIDMASK_ROOT" && cargo build --release --locked -p gridmask-node) || die "build failed"
}
