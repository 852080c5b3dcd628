//! Reports: consumers of the runner's event stream ([`crate::runner::Reporter`]).
//!
//! One file per format: the terminal display, and the JSON (versioned
//! schema), JUnit XML, Markdown step summary and self-contained HTML writers
//! fed from one [`model::Report`] that [`Collector`] builds from the event
//! stream. [`compare`] merges and diffs saved reports, [`split`] cuts one
//! into a report per target; [`badge`] writes
//! shields.io endpoint files. Whatever a target sent is escaped for each
//! output by [`escape`].

pub mod badge;
pub mod collect;
pub mod compare;
pub mod display;
pub mod escape;
pub mod html;
pub mod interop;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
mod schema;
pub mod split;
pub mod terminal;
pub mod text;
pub mod transcript;

pub use collect::{Collector, Format, ReportFiles};
pub use model::Report;

pub use display::{
    ColorChoice, DisplayConfig, DisplayRequest, Progress, ProgressChoice, Verbosity,
};
pub use terminal::TerminalReporter;
