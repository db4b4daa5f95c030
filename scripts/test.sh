#!/usr/bin/env bash
# The one test command: installs what the tests need, then runs every check CI runs.
#   ./scripts/test.sh
# Steps: install, rustfmt, tests (all targets), doctests, the benchmarks against their C peers
# (spandsp, speexdsp) once in test mode, clippy, rustdoc, fuzz targets compile, the book.
# Each step prints its time; the whole run stays under 30 minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

start=$SECONDS
step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "==> $name: $*"
  "$@"
  echo "==> $name: done in $((SECONDS - t0)) s"
}

step install ./scripts/install.sh
step fmt cargo fmt --all --check
step fmt-fuzz cargo fmt --manifest-path fuzz/Cargo.toml --check
step test cargo test --workspace --all-targets
step doctest cargo test --workspace --doc
step test-postgres cargo test -p hotline-flow --features postgres
step external ./scripts/external-examples.sh
step no-serde cargo check -p hotline-erlang -p hotline-rtp -p hotline-dsp --no-default-features
step peers cargo test -p hotline-benches --all-features --benches
step validation cargo test -p hotline-sim --release --test validation
step clippy cargo clippy --workspace --all-targets -- -D warnings
step clippy-postgres cargo clippy -p hotline-flow --all-targets --features postgres -- -D warnings
step clippy-peers cargo clippy -p hotline-benches --all-features --benches -- -D warnings
step rustdoc env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
step fuzz-check cargo check --manifest-path fuzz/Cargo.toml --bins --quiet
step book mdbook build book
echo "==> all checks passed in $((SECONDS - start)) s"
