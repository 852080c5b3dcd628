//! Writes the seed corpus of the fuzz targets under `fuzz/` from the
//! suites compiled into cespec, so fuzzing starts from every input the
//! corpus already knows (docs/fuzzing.md):
//!
//! ```sh
//! cargo run --example fuzz-seed -- fuzz/corpus
//! ```
//!
//! - `suite_loader`: every suite file as it is;
//! - `json_decode`: JSON documents, and the bodies of structured and batch
//!   HTTP inputs;
//! - `http_binary_decode`: every HTTP input, in the format that target
//!   reads (`cespec::fuzz_input`, shared by both);
//! - `percent_decode`: every `ce-` header value of an HTTP input;
//! - `http1_parse`: raw requests, and HTTP inputs written as the raw
//!   sender would write them.
//!
//! Seeds larger than 128 KiB (the generated hostile inputs) are left out,
//! as they would only slow every mutation down, and so are repeats.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cespec::codec::Encoding;
use cespec::http1;
use cespec::rules::Catalog;
use cespec::suite::{self, embedded};
use cespec::wire::Message;

/// The largest seed written.
const MAX_SEED: usize = 128 << 10;

fn file_name(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Writes one seed unless it is too large or the target has it already.
fn write(
    seen: &mut HashSet<(&'static str, Vec<u8>)>,
    dir: &Path,
    target: &'static str,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<bool> {
    if bytes.len() > MAX_SEED || !seen.insert((target, bytes.to_vec())) {
        return Ok(false);
    }
    let dir = dir.join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(file_name(name)), bytes)?;
    Ok(true)
}

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: cargo run --example fuzz-seed -- fuzz/corpus");
        return ExitCode::from(2);
    };
    let catalog = match Catalog::embedded() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("the rule catalog does not load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let suites = match suite::load_embedded(catalog) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("the suites do not load: {e}");
            return ExitCode::FAILURE;
        }
    };
    match seed(&out, &suites) {
        Ok(count) => {
            eprintln!("wrote {count} seeds under {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write the seeds under {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

fn seed(out: &Path, suites: &[suite::Suite]) -> std::io::Result<usize> {
    let mut count = 0;
    let mut seen = HashSet::new();
    for (path, bytes) in embedded::suites() {
        count += usize::from(write(&mut seen, out, "suite_loader", path, bytes)?);
    }
    for case in suites.iter().flat_map(|s| &s.cases) {
        let id = &case.id;
        if let Some(raw) = &case.raw {
            let bytes = [&[7u8][..], &raw.bytes].concat();
            count += usize::from(write(&mut seen, out, "http1_parse", id, &bytes)?);
        }
        match &case.input {
            Message::Json(d) => {
                count += usize::from(write(&mut seen, out, "json_decode", id, &d.body)?);
            }
            Message::Http(m) => {
                if matches!(
                    case.input_encoding,
                    Encoding::HttpStructured | Encoding::HttpBatch
                ) {
                    count += usize::from(write(&mut seen, out, "json_decode", id, &m.body)?);
                }
                count += usize::from(write(
                    &mut seen,
                    out,
                    "http_binary_decode",
                    id,
                    &cespec::fuzz_input::write_http(m),
                )?);
                for (i, (name, value)) in m.headers.iter().enumerate() {
                    if name.to_ascii_lowercase().starts_with("ce-") {
                        let name = format!("{id}-{i}");
                        count +=
                            usize::from(write(&mut seen, out, "percent_decode", &name, value)?);
                    }
                }
                if case.raw.is_none() {
                    let bytes = [&[64u8][..], &http1::fields(m)].concat();
                    count += usize::from(write(&mut seen, out, "http1_parse", id, &bytes)?);
                }
            }
            Message::Kafka(_) => {}
        }
    }
    Ok(count)
}
