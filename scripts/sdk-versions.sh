#!/usr/bin/env bash
# Print, for every polkadot-sdk crate in the workspace's [workspace.dependencies], the version
# that the umbrella crate `polkadot-sdk` of one release pins, and flag those that differ.
# All polkadot-sdk crates must come from one release: bump them together with this list.
#
# usage: scripts/sdk-versions.sh [umbrella-version]    (default 2609.2.0 = stable2609-2)
set -euo pipefail
source "$(dirname "$0")/common.sh"
ver="${1:-2609.2.0}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
curl -sSfL "https://static.crates.io/crates/polkadot-sdk/polkadot-sdk-$ver.crate" | tar xz -C "$tmp"
python3 - "$tmp/polkadot-sdk-$ver/Cargo.toml" "$GRIDMASK_ROOT/Cargo.toml" <<'PY'
import sys, tomllib
umbrella = tomllib.load(open(sys.argv[1], "rb"))["dependencies"]
ours = tomllib.load(open(sys.argv[2], "rb"))["workspace"]["dependencies"]
bad = 0
for name, spec in sorted(ours.items()):
    if name not in umbrella or not isinstance(spec, dict) or "version" not in spec:
        continue
    want = umbrella[name]["version"] if isinstance(umbrella[name], dict) else umbrella[name]
    have = spec["version"]
    flag = "" if have == want else "   <-- differs"
    bad += bool(flag)
    print(f"{name:45} {have:10} {want:10}{flag}")
sys.exit(1 if bad else 0)
PY
