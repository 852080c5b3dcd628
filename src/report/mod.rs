//! Reports: consumers of the runner's event stream ([`crate::runner::Reporter`]).
//!
//! This issue brings the terminal report only. The JSON (versioned schema),
//! JUnit XML, Markdown step summary and self-contained HTML writers come in
//! a later issue; they will sit here, one file per format, and share
//! [`text`] for escaping whatever a target sent.

pub mod display;
pub mod terminal;
pub mod text;

pub use display::{
    ColorChoice, DisplayConfig, DisplayRequest, Progress, ProgressChoice, Verbosity,
};
pub use terminal::TerminalReporter;
