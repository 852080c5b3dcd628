//! Fuzzes the suite loader with suite files: no input may panic it, and
//! every problem must come back as a load error. The file is given the
//! path `suites/<id>.yaml` after its own `suite:` line, so that inputs get
//! past the id check to the cases; `*_file` names read the fixtures
//! compiled into cespec.

#![no_main]

use std::path::PathBuf;

use cespec::rules::Catalog;
use cespec::suite::{embedded, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(catalog) = Catalog::embedded() else {
        panic!("the embedded catalog does not load");
    };
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("suite:"))
        .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|v| !v.is_empty() && v.len() < 64 && !v.contains(['/', '\\']))
        .unwrap_or("fuzz");
    let path = PathBuf::from(format!("suites/{id}.yaml"));
    let resolve = |name: &str| -> Result<Vec<u8>, String> {
        embedded::fixture(name)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("{name}: no such fixture"))
    };
    let _ = load::check_str(text, &path, catalog, &resolve);
});
