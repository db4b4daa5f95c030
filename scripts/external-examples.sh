#!/usr/bin/env bash
# Compiles and runs every building block's README examples from examples-external/, a crate
# outside the workspace that depends on the blocks by path only (issue 27): an example that
# needs something the blocks do not export fails here even though it passes inside its crate.
# It shares the workspace's target directory and Cargo.lock, so it rebuilds little.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cp "$root/Cargo.lock" "$root/examples-external/Cargo.lock"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo test --manifest-path "$root/examples-external/Cargo.toml" --doc "$@"
