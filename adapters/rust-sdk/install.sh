#!/usr/bin/env bash
# Builds the rust-sdk adapter (cloudevents-sdk 0.9.0) in release mode, with
# the dependency versions of the committed Cargo.lock (--locked).
# Idempotent: a second run only checks that nothing changed.
# The binary lands in adapters/rust-sdk/target/release/rust-sdk-adapter,
# or under $CARGO_TARGET_DIR/release/ when that is set.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

cargo build --release --locked --manifest-path "$here/Cargo.toml"

target="${CARGO_TARGET_DIR:-$here/target}"
bin="$target/release/rust-sdk-adapter"
if [ ! -x "$bin" ]; then
    echo "rust-sdk adapter: the build did not produce $bin" >&2
    exit 1
fi
echo "rust-sdk adapter: cloudevents-sdk 0.9.0 in $bin"
