#!/usr/bin/env bash
# Install what building and testing gridmask needs. Idempotent: re-running changes nothing.
#   - Debian packages: protobuf-compiler (libp2p/litep2p protocol code), make, perl (vendored
#     OpenSSL build), curl, libxml2-utils (xmllint: the Green Button exports in the tests),
#     chromium (the portal's browser test: playwright-core downloads no browser)
#   - Rust: the wasm targets and rust-src for the runtime's wasm build; cargo-fuzz (pinned);
#     wasm-bindgen-cli (the version of the wasm-bindgen crate in Cargo.lock) for the portal
#   - npm packages (pinned in scripts/js/package-lock.json) for the polkadot.js checks and tests,
#     and a real IPFS node for them (scripts/ipfs/package-lock.json, installed in
#     $GRIDMASK_IPFS_DIR, default ~/.cache/gridmask/ipfs)
#   - launchers ~/.local/bin/gridmask and gridmask-node for the built binaries
set -euo pipefail
source "$(dirname "$0")/common.sh"

need_pkgs=()
# libxml2-utils: xmllint, which validates the Green Button (ESPI) exports in the tests.
# chromium: the headless browser the portal's test drives (scripts/js/lib/portal.mjs).
for p in protobuf-compiler make perl curl libxml2-utils chromium; do
	dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
	log "installing Debian packages: ${need_pkgs[*]}"
	SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null 2>&1 || {
		$SUDO apt-get update -q >/dev/null
		$SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null
	}
fi

command -v rustup >/dev/null || die "rustup is required (https://rustup.rs)"
installed_targets="$(rustup target list --installed)"
for t in wasm32v1-none wasm32-unknown-unknown; do
	grep -qx "$t" <<<"$installed_targets" || { log "adding rust target $t"; rustup target add "$t" >/dev/null; }
done
rustup component list --installed | grep -q '^rust-src' || { log "adding rust-src"; rustup component add rust-src >/dev/null; }

# cargo-fuzz (pinned) for scripts/fuzz.sh; libFuzzer itself is built by the libfuzzer-sys crate.
CARGO_FUZZ_VERSION=0.13.1
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
	log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
	cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION" || die "cargo-fuzz install failed"
fi

# wasm-bindgen-cli for scripts/portal.sh: exactly the wasm-bindgen crate's version in Cargo.lock
# (the two must match), without its default features (a TLS stack for its test runner).
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print }' "$GRIDMASK_ROOT/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
	log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
	cargo install --locked --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
		--no-default-features --bin wasm-bindgen || die "wasm-bindgen-cli install failed"
fi

command -v node >/dev/null || die "Node.js is required for the polkadot.js checks"
# scripts/js: polkadot.js and the tests' helpers, installed in the work tree. scripts/ipfs: a
# real IPFS node (js-ipfs, 997 packages) for the tests' content store, installed outside it
# (GRIDMASK_IPFS_DIR), like the target dir, so that a fresh clone does not install it again.
# Each is installed again only when its lock file changed.
export GRIDMASK_IPFS_DIR="${GRIDMASK_IPFS_DIR:-$HOME/.cache/gridmask/ipfs}"
mkdir -p "$GRIDMASK_IPFS_DIR"
for pkg in js ipfs; do
	src="$GRIDMASK_ROOT/scripts/$pkg"
	dir="$src"
	[ "$pkg" = ipfs ] && dir="$GRIDMASK_IPFS_DIR"
	lock_sum="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
	if [ "$(cat "$dir/node_modules/.gridmask-lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
		log "installing pinned npm packages (scripts/$pkg into $dir)"
		[ "$dir" = "$src" ] || cp "$src/package.json" "$src/package-lock.json" "$dir/"
		# js-ipfs has an optional dependency on a GitHub tarball (electron-eval → headless), which
		# cannot be fetched here: `npm ci` refuses a lock without it, `npm install` skips it and
		# otherwise installs exactly the locked versions (`--no-save`: the lock is not rewritten).
		install=(ci)
		[ "$pkg" = ipfs ] && install=(install --no-save)
		(cd "$dir" && npm "${install[@]}" --no-audit --no-fund --loglevel=error >/dev/null) ||
			die "npm ${install[*]} in $dir failed"
		echo "$lock_sum" >"$dir/node_modules/.gridmask-lock.sha256"
	fi
done
# `gridmask` and `gridmask-node` as commands: small launchers in ~/.local/bin (on PATH in a
# Debian login shell) that run the binaries of the target dir, so that the README's commands
# work as typed. They point at the target dir, not at this clone.
bin_dir="$HOME/.local/bin"
mkdir -p "$bin_dir"
for b in gridmask gridmask-node; do
	launcher="#!/bin/sh
# Written by gridmask's scripts/setup.sh: runs $b from the cargo target dir.
bin=\"\${CARGO_TARGET_DIR:-\$HOME/.cache/gridmask/target}/release/$b\"
[ -x \"\$bin\" ] || { echo \"$b is not built yet: run scripts/dev.sh or scripts/test.sh in a gridmask clone\" >&2; exit 127; }
exec \"\$bin\" \"\$@\""
	[ "$(cat "$bin_dir/$b" 2>/dev/null)" = "$launcher" ] || {
		printf '%s\n' "$launcher" >"$bin_dir/$b"
		chmod 0755 "$bin_dir/$b"
		log "installed the launcher $bin_dir/$b"
	}
done
case ":$PATH:" in
*":$bin_dir:"*) ;;
*) log "note: add $bin_dir to PATH to run gridmask and gridmask-node by name" ;;
esac
log "setup complete"
