//! Writes a sample conformance report in every format, from the fixed
//! report the report tests use (a reference target and a hypothetical
//! `sdk-x` that deviates in every way a result can):
//!
//! ```text
//! cargo run --example sample_report -- reports/sample
//! ```
//!
//! writes `report.json`, `junit.xml`, `summary.md`, `report.html` and one
//! badge per target into the directory (created if needed). The HTML is the
//! page shown in the README.

#[path = "../tests/report_fixture/mod.rs"]
mod report_fixture;

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::PathBuf;

use cespec::report::badge;
use cespec::report::collect::Format;

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .unwrap_or_else(|| "reports/sample".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let report = report_fixture::report();
    for (format, name) in [
        (Format::Json, "report.json"),
        (Format::Junit, "junit.xml"),
        (Format::Markdown, "summary.md"),
        (Format::Html, "report.html"),
    ] {
        let mut out = BufWriter::new(File::create(dir.join(name))?);
        format.render(&report, &mut out)?;
        out.flush()?;
    }
    badge::write_badges(&report, &dir)?;
    Ok(())
}
