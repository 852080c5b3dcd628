//! Process exit codes (DESIGN.md §6), as named constants. The binary maps
//! every way a command ends to exactly one of these; tests check each.

/// All selected cases passed, warned or were skipped.
pub const SUCCESS: i32 = 0;
/// At least one conformance failure (MUST, or SHOULD under `--strict`).
pub const FAILURE: i32 = 1;
/// The command line is wrong (clap uses 2 as well).
pub const USAGE: i32 = 2;
/// A suite, fixture, catalog or config file could not be loaded.
pub const LOAD_ERROR: i32 = 3;
/// The filters selected no case.
pub const NO_CASES: i32 = 4;
/// Harness or transport errors, but no conformance failure.
pub const ERRORS: i32 = 5;
/// A benchmark regressed beyond the threshold.
pub const BENCH_REGRESSION: i32 = 6;

/// The exit-code table as shown in `--help` and the README.
pub const TABLE: &str = "\
Exit codes:
  0  every selected case passed, warned or was skipped
  1  a conformance failure (MUST, or SHOULD with --strict)
  2  usage error
  3  a suite, fixture, catalog or config file could not be loaded
  4  no case selected
  5  harness or transport errors (timeouts, crashes, refused connections), no failure
  6  benchmark regression beyond the threshold";
