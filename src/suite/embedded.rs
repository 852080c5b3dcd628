//! The suites and fixtures compiled into the binary. `build.rs` lists
//! `suites/**/*.yaml` (except `rules.yaml`) and `fixtures/**` and writes an
//! `include_bytes!` table; this module only exposes it. Parsing and checks
//! live in [`super::load`].

include!(concat!(env!("OUT_DIR"), "/embedded_suites.rs"));

/// Every embedded suite file: its path relative to `suites/` and its bytes,
/// sorted by path.
pub fn suites() -> &'static [(&'static str, &'static [u8])] {
    SUITES
}

/// Every embedded fixture file: its path relative to `fixtures/` (with `/`
/// separators) and its bytes, sorted by path.
pub fn fixtures() -> &'static [(&'static str, &'static [u8])] {
    FIXTURES
}

/// Returns the bytes of the embedded fixture `name` (relative to `fixtures/`).
pub fn fixture(name: &str) -> Option<&'static [u8]> {
    let name = name.strip_prefix("./").unwrap_or(name);
    FIXTURES
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| FIXTURES[i].1)
}
