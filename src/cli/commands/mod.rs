//! One file per command, and what several commands share: opening a
//! target ([`target`]) and the report files a run writes
//! ([`report_files`]).

pub mod bench;
pub mod check;
pub mod import;
pub mod list;
pub mod listen;
pub mod prop;
pub mod report;
pub mod run;
pub mod serve;
pub mod target;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use cespec::report::{Collector, ReportFiles};

use crate::cli::plan::ReportFile;

/// Returns the reporter writing `files` (created by the plan) from what the
/// collector `collector()` returns gathers, or `None` when no file was
/// asked for. The run's start time is now.
pub fn report_files(
    files: Vec<ReportFile>,
    collector: impl FnOnce() -> Collector,
) -> Option<ReportFiles> {
    if files.is_empty() {
        return None;
    }
    let started_at = crate::cli::clock::now_rfc3339();
    let mut reporter = ReportFiles::new(collector().started_at(Some(started_at)));
    for ReportFile { format, path, file } in files {
        reporter.add(
            format,
            Box::new(Named {
                path,
                inner: BufWriter::new(file),
            }),
        );
    }
    Some(reporter)
}

/// A file writer whose errors name the file (a full disk is otherwise
/// reported as a bare "No space left on device").
pub struct Named<W> {
    pub path: PathBuf,
    pub inner: W,
}

impl<W: Write> Named<W> {
    fn name(&self, error: io::Error) -> io::Error {
        io::Error::new(error.kind(), format!("{}: {error}", self.path.display()))
    }
}

impl<W: Write> Write for Named<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.name(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.name(e))
    }
}
