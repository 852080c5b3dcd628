//! cespec: a conformance test and benchmark harness for CloudEvents
//! implementations.
//!
//! The library holds everything: the reference implementation (`event`,
//! `codec`, `validate`), the requirement catalog (`rules`), the suites
//! (`suite`), targets, the runner and the reports. It never prints and never
//! reads the environment; the `cespec` binary resolves both at the edge.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod bench;
pub mod codec;
pub mod error;
pub mod event;
pub mod exit_codes;
pub mod fuzz_input;
pub mod harness;
pub mod http1;
pub mod prop;
pub mod report;
pub mod rules;
pub mod runner;
pub mod server;
pub mod suite;
pub mod target;
pub mod tls;
pub mod validate;
pub mod webhook;
pub mod wire;
