//! The JSON report (`--json FILE`): the [`Report`] model serialised with
//! kebab-case keys, described by `report.schema.json`, and read back by
//! `cespec report` to render, merge or diff saved runs.
//!
//! Strings from targets need no escaping beyond what JSON itself does
//! (serde_json escapes quotes, backslashes and control characters).

use std::io::{self, Read, Write};

use super::model::{FORMAT_VERSION, Report};

/// Writes `report` as pretty-printed JSON followed by a newline.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// Why a saved report could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("cannot read the report: {0}")]
    Io(#[from] io::Error),
    #[error("not a cespec report: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "report format version {found:?} is not supported (this cespec reads {FORMAT_VERSION:?})"
    )]
    Version { found: String },
}

/// Reads a report saved by [`write()`], refusing other format versions.
pub fn read(input: &mut dyn Read) -> Result<Report, ReadError> {
    let mut text = String::new();
    input.read_to_string(&mut text)?;
    from_str(&text)
}

/// Parses a report from JSON text, refusing other format versions.
pub fn from_str(text: &str) -> Result<Report, ReadError> {
    // Check the version first, so a future report fails with a clear message
    // rather than with whatever field it renamed.
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "format-version")]
        format_version: Option<String>,
    }
    let head: Head = serde_json::from_str(text)?;
    match head.format_version {
        Some(v) if v == FORMAT_VERSION => Ok(serde_json::from_str(text)?),
        found => Err(ReadError::Version {
            found: found.unwrap_or_default(),
        }),
    }
}
