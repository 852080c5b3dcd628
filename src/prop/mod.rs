//! Property-based and differential testing (DESIGN.md §1.3, issue 6).
//!
//! - [`strategy`]: proptest strategies for valid events of spec 1.0 and 0.3
//!   and for batches, shared by `tests/properties.rs` and the engine.
//! - [`roundtrip`]: the engine of `cespec prop`: generated events through a
//!   target in every encoding pair, compared by equivalence, the first
//!   disagreement shrunk to a small event.
//! - [`save`]: a disagreement written as a ready suite case.
//! - [`mutate`]: invalid messages derived from valid cases, which a target
//!   must reject.
//!
//! Everything here is library code that runs in the binary as well as in
//! tests: it never prints and takes its seed, budget and limits as values.

pub mod mutate;
pub mod roundtrip;
pub mod save;
pub mod strategy;

pub use roundtrip::{Disagreement, PropOptions, PropReport, run, run_observed};
