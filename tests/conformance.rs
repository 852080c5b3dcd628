//! Proves the corpus: every case of every embedded suite runs against the
//! reference implementation, in-process, which must agree with every
//! expectation (anything but a clean pass fails the trial). One trial per
//! case and reply encoding, named `suite::case[::reply]`; see
//! `cespec::harness` for the naming and `cargo nextest run` support.

use cespec::harness::{Harness, Strictness};
use cespec::target::reference::Reference;

fn main() -> std::process::ExitCode {
    Harness::new(Reference).strictness(Strictness::Exact).run()
}
