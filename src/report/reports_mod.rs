//! TEMPORARY hand-off note from the `reports` branch; not a module (nothing
//! declares it). Delete it once `src/report/mod.rs` has the lines below.
//!
//! Lines for `src/report/mod.rs` (owned by the CLI engineer):
//!
//! ```text
//! pub mod badge;
//! pub mod collect;
//! pub mod compare;
//! pub mod escape;
//! pub mod html;
//! pub mod json;
//! pub mod junit;
//! pub mod markdown;
//! pub mod model;
//! mod schema; // JsonSchema impls for the shared types; nothing public
//! pub mod transcript;
//!
//! pub use collect::{Collector, Format, ReportFiles};
//! pub use model::Report;
//! ```
//!
//! and `pub mod report;` in `src/lib.rs`.
//!
//! Public API in one paragraph: a run builds a
//! `collect::Collector::new(&catalog, env!("CARGO_PKG_VERSION"), &selected_cases)`
//! (optionally `.started_at(Some(rfc3339))`; the library never reads the
//! clock), wraps it in `collect::ReportFiles::new(collector)`, calls
//! `.add(Format::Json | Junit | Markdown | Html, Box<dyn Write + Send>)` once
//! per `--json/--junit/--markdown/--html FILE` flag and pushes it into the
//! runner's `FanOut`; every file is written from one `model::Report` when
//! `RunEvent::Done` arrives (I/O errors surface from `on_event`). A bare
//! `Collector` is itself a `Reporter` with `into_report()` for callers that
//! want the model. `cespec report` reads a saved file with
//! `json::read(&mut dyn Read) -> Result<Report, json::ReadError>` (other
//! format versions refused), renders it with `Format::from_str(name)?` +
//! `format.render(&report, &mut dyn Write)` (or
//! `markdown::write(&report, out, &markdown::Options::default().with_full_report("report.html"))`
//! for a budget or a pointer to the full report), merges with
//! `compare::merge(Vec<Report>) -> Result<Report, compare::MergeError>`,
//! compares with `compare::diff(&baseline, &current) -> compare::Diff`
//! (print with `compare::write_text` / `compare::write_markdown`; exit with
//! `diff.exit_code()`, 1 when `diff.regressions() > 0`), and writes badges
//! with `badge::write_badges(&report, &dir) -> io::Result<Vec<PathBuf>>`.
//! `report.exit_code()` gives the run's exit code from the report's own
//! counts (expected failures do not fail). The terminal reporter should
//! pass every target string through `escape::terminal`, and may use
//! `transcript::render` and `junit::headline` (`RULE [LEVEL] message — link`).
