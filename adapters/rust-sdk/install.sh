#!/usr/bin/env bash
# Builds the rust-sdk adapter (cloudevents-sdk 0.9.0) with the dependency
# versions of the committed Cargo.lock (--locked): in release mode, or in
# debug mode with --debug (faster to build; run it with
# RUST_SDK_ADAPTER_PROFILE=debug, see ./adapter).
# Idempotent: a second run only checks that nothing changed.
# The binary lands in adapters/rust-sdk/target/<profile>/rust-sdk-adapter,
# or under $CARGO_TARGET_DIR/<profile>/ when that is set.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

profile=release
flags=(--release)
if [ "${1:-}" = "--debug" ]; then
    profile=debug
    flags=()
fi
cargo build "${flags[@]}" --locked --manifest-path "$here/Cargo.toml"

target="${CARGO_TARGET_DIR:-$here/target}"
bin="$target/$profile/rust-sdk-adapter"
if [ ! -x "$bin" ]; then
    echo "rust-sdk adapter: the build did not produce $bin" >&2
    exit 1
fi
echo "rust-sdk adapter: cloudevents-sdk 0.9.0 in $bin"
