//! Runs cespec's suites against the Rust SDK in-process. It fails on the
//! SDK's deviations: that is the point (see README.md, "Findings").
//! `cargo test --manifest-path adapters/rust-sdk/Cargo.toml --test conformance`

use cespec_adapter_rust_sdk::RustSdk;

fn main() -> std::process::ExitCode {
    cespec::harness::run(RustSdk::default())
}
