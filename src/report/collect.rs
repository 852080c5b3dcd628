//! From the runner's event stream to reports: [`Collector`] gathers
//! [`RunEvent`]s into a [`Report`], and [`ReportFiles`] is the reporter a
//! run plugs into its fan-out to write any set of formats (`--json`,
//! `--junit`, `--markdown`, `--html`) once the run is done.
//!
//! Every format needs the whole run (the Markdown summary puts its totals
//! first, JUnit counts per suite), so the writers run at
//! [`RunEvent::Done`], all from one model. Not for: the terminal display,
//! which prints as results arrive.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use crate::rules::Catalog;
use crate::runner::judge::JudgeOptions;
use crate::runner::{CaseResult, Reporter, RunEvent};
use crate::suite::Case;

use super::model::{CaseInfo, Report, ReportParts, RuleInfo, TargetFailure, TargetInfo, Tool};

/// Gathers run events into a [`Report`].
#[derive(Clone, Debug)]
pub struct Collector {
    parts: ReportParts,
}

impl Collector {
    /// Returns a collector for a run of `cases` (the selected cases) with
    /// the rules of `catalog`, written by cespec `tool_version`.
    pub fn new(catalog: &Catalog, tool_version: &str, cases: &[Case]) -> Self {
        let mut parts = ReportParts::new(Tool::cespec(tool_version));
        parts.rules = catalog.rules().map(RuleInfo::from).collect();
        parts.cases = cases.iter().map(CaseInfo::from).collect();
        Self { parts }
    }

    /// Sets when the run started (RFC 3339); the library never reads the clock.
    pub fn started_at(mut self, started_at: Option<String>) -> Self {
        self.parts.started_at = started_at;
        self
    }

    /// Records the options that changed how results were judged.
    pub fn judging(mut self, judging: JudgeOptions) -> Self {
        self.parts.judging = judging;
        self
    }

    /// Attaches benchmark results (see [`Report::bench`]).
    pub fn set_bench(&mut self, bench: serde_json::Value) {
        self.parts.bench = Some(bench);
    }

    /// Attaches the interop matrix (see [`Report::interop`]).
    pub fn set_interop(&mut self, interop: super::interop::Interop) {
        self.parts.interop = Some(Box::new(interop));
    }

    /// Records one result directly (what a `Finished` event does).
    pub fn push(&mut self, result: CaseResult) {
        self.parts.results.push(result);
    }

    /// Returns the report of what was collected so far.
    pub fn report(&self) -> Report {
        Report::build(self.parts.clone())
    }

    /// Returns the report, consuming the collector.
    pub fn into_report(self) -> Report {
        Report::build(self.parts)
    }
}

impl Reporter for Collector {
    fn on_event(&mut self, event: &RunEvent) -> io::Result<()> {
        match event {
            RunEvent::Started { targets, .. } => {
                for t in targets {
                    if !self.parts.targets.iter().any(|k| k.name == t.name) {
                        self.parts.targets.push(TargetInfo::from(t));
                    }
                }
            }
            RunEvent::Finished(result) => self.parts.results.push((**result).clone()),
            RunEvent::TargetFailed { target, reason } => {
                self.parts.target_failures.push(TargetFailure {
                    target: target.clone(),
                    reason: reason.clone(),
                })
            }
            // The report derives its own tally from the results.
            RunEvent::Done { .. } => {}
        }
        Ok(())
    }
}

/// A report file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    Json,
    Junit,
    Markdown,
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [Self::Json, Self::Junit, Self::Markdown, Self::Html];

    /// Returns the format's name as the command line spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Junit => "junit",
            Self::Markdown => "markdown",
            Self::Html => "html",
        }
    }

    /// Returns the usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Junit => "xml",
            Self::Markdown => "md",
            Self::Html => "html",
        }
    }

    /// Writes `report` in this format with default options.
    pub fn render(self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Self::Json => super::json::write(report, out),
            Self::Junit => super::junit::write(report, out),
            Self::Markdown => {
                super::markdown::write(report, out, &super::markdown::Options::default())
            }
            Self::Html => super::html::write(report, out),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s || (s == "md" && *f == Self::Markdown))
            .ok_or_else(|| format!("unknown report format {s:?} (json, junit, markdown, html)"))
    }
}

/// A reporter that collects the run and, at `Done`, writes the report in
/// every format it was given, each to its own sink.
pub struct ReportFiles {
    collector: Collector,
    outputs: Vec<(Format, Box<dyn Write + Send>)>,
    written: bool,
}

impl ReportFiles {
    /// Returns a reporter writing what `collector` gathers.
    pub fn new(collector: Collector) -> Self {
        Self {
            collector,
            outputs: Vec::new(),
            written: false,
        }
    }

    /// Adds an output: `format` written to `sink` (a file, usually) at the end.
    pub fn add(&mut self, format: Format, sink: Box<dyn Write + Send>) -> &mut Self {
        self.outputs.push((format, sink));
        self
    }

    /// Returns the collector (for example to attach benchmark results).
    pub fn collector_mut(&mut self) -> &mut Collector {
        &mut self.collector
    }
}

impl Reporter for ReportFiles {
    fn on_event(&mut self, event: &RunEvent) -> io::Result<()> {
        self.collector.on_event(event)?;
        if matches!(event, RunEvent::Done { .. }) && !self.written {
            self.written = true;
            let report = self.collector.report();
            for (format, sink) in &mut self.outputs {
                format.render(&report, sink.as_mut())?;
                sink.flush()?;
            }
        }
        Ok(())
    }
}
