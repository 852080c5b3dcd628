//! Reports against reports: [`merge`] puts runs of several targets into one
//! matrix, and [`diff`] compares a run with a baseline (newly failing,
//! newly passing, changed messages), for `cespec report --merge` and
//! `--baseline`.
//!
//! Results are matched by target name and result name (`suite/case@reply`).
//! "Failing" means `fail` or `error`, whether or not the case is listed as
//! a known failure: a diff is about behaviour, and a known failure that
//! was already failing in the baseline is not new. Not for: benchmark
//! regressions (`cespec bench` compares those).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::escape;
use super::model::{Report, ReportParts};
use crate::rules::Level;
use crate::runner::judge::JudgeOptions;
use crate::runner::{CaseResult, Status};

/// Why reports could not be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error(
        "target {0:?} appears in more than one report; rename it in one run (targets are matched by name)"
    )]
    DuplicateTarget(String),
    #[error(
        "the reports were judged differently ({0} and {1}); merge reports of runs with the same --strict and --released-spec"
    )]
    DifferentJudging(String, String),
}

/// Merges reports of different targets into one: targets in the order
/// given, cases and rules united (the first report's entry wins), results
/// concatenated, everything derived recomputed. The tool and start time
/// are the first report's; benchmark `results` lists are concatenated when
/// every report that has benchmarks has that shape, else the first wins;
/// so does the first interop matrix. Reports judged differently
/// (`--strict`, `--released-spec`) are refused: one matrix, one verdict.
pub fn merge(reports: Vec<Report>) -> Result<Report, MergeError> {
    let mut iter = reports.into_iter();
    let mut parts: ReportParts = iter.next().ok_or(MergeError::Empty)?.into_parts();
    for report in iter {
        let other = report.into_parts();
        if other.judging != parts.judging {
            let name = |j: &JudgeOptions| j.describe().unwrap_or_else(|| "by default".to_owned());
            return Err(MergeError::DifferentJudging(
                name(&parts.judging),
                name(&other.judging),
            ));
        }
        for t in other.targets {
            if parts.targets.iter().any(|k| k.name == t.name) {
                return Err(MergeError::DuplicateTarget(t.name));
            }
            parts.targets.push(t);
        }
        for c in other.cases {
            if !parts.cases.iter().any(|k| k.id == c.id) {
                parts.cases.push(c);
            }
        }
        for r in other.rules {
            if !parts.rules.iter().any(|k| k.id == r.id) {
                parts.rules.push(r);
            }
        }
        parts.target_failures.extend(other.target_failures);
        parts.results.extend(other.results);
        parts.bench = merge_bench(parts.bench.take(), other.bench);
        // One interop matrix compares the participants of one run; the first wins.
        parts.interop = parts.interop.take().or(other.interop);
    }
    Ok(Report::build(parts))
}

fn merge_bench(
    a: Option<serde_json::Value>,
    b: Option<serde_json::Value>,
) -> Option<serde_json::Value> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            let extra = b.get("results").and_then(|r| r.as_array()).cloned();
            if let (Some(list), Some(extra)) =
                (a.get_mut("results").and_then(|r| r.as_array_mut()), extra)
            {
                list.extend(extra);
            }
            Some(a)
        }
        (a, b) => a.or(b),
    }
}

/// One result that differs between the baseline and the current run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Change {
    pub target: String,
    /// `suite/case@reply`.
    pub result: String,
    pub level: Level,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_message: Option<String>,
}

/// How a run differs from its baseline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Diff {
    /// Not failing in the baseline, failing now: the regressions.
    pub newly_failing: Vec<Change>,
    /// Failing in the baseline, passing now (pass, warn or info).
    pub newly_passing: Vec<Change>,
    /// Failing in both, with another message or status.
    pub changed_messages: Vec<Change>,
    /// Any other status change (pass to warn, pass to skip, fail to skip, ...).
    pub other_changes: Vec<Change>,
    /// Results only in the current run (new cases or targets).
    pub added: Vec<Change>,
    /// Results only in the baseline.
    pub removed: Vec<Change>,
}

impl Diff {
    /// Returns the number of regressions (newly failing results).
    pub fn regressions(&self) -> usize {
        self.newly_failing.len()
    }

    /// Returns the exit code of `cespec report --baseline`: 1 when
    /// something regressed, 0 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.regressions() > 0 {
            crate::exit_codes::FAILURE
        } else {
            crate::exit_codes::SUCCESS
        }
    }

    /// Returns true when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.newly_failing.is_empty()
            && self.newly_passing.is_empty()
            && self.changed_messages.is_empty()
            && self.other_changes.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
    }

    fn sections(&self) -> [(&'static str, &Vec<Change>); 6] {
        [
            ("Newly failing", &self.newly_failing),
            ("Newly passing", &self.newly_passing),
            ("Changed messages", &self.changed_messages),
            ("Other status changes", &self.other_changes),
            ("Added", &self.added),
            ("Removed", &self.removed),
        ]
    }
}

fn failing(s: Status) -> bool {
    matches!(s, Status::Fail | Status::Error)
}

fn passing(s: Status) -> bool {
    matches!(s, Status::Pass | Status::Warn | Status::Info)
}

/// Returns how `current` differs from `baseline`, each list sorted by
/// target and result.
pub fn diff(baseline: &Report, current: &Report) -> Diff {
    let key = |r: &CaseResult| (r.target.clone(), r.name());
    let before: BTreeMap<(String, String), &CaseResult> =
        baseline.results.iter().map(|r| (key(r), r)).collect();
    let after: BTreeMap<(String, String), &CaseResult> =
        current.results.iter().map(|r| (key(r), r)).collect();
    let change = |(target, result): &(String, String),
                  b: Option<&CaseResult>,
                  a: Option<&CaseResult>| Change {
        target: target.clone(),
        result: result.clone(),
        level: a.or(b).map_or(Level::Must, |r| r.level),
        before: b.map(|r| r.status),
        after: a.map(|r| r.status),
        before_message: b.map(|r| r.message.clone()),
        after_message: a.map(|r| r.message.clone()),
    };

    let mut d = Diff::default();
    for (k, b) in &before {
        match after.get(k) {
            None => d.removed.push(change(k, Some(b), None)),
            Some(a) => {
                let (bs, as_) = (b.status, a.status);
                let c = change(k, Some(b), Some(a));
                if failing(as_) && !failing(bs) {
                    d.newly_failing.push(c);
                } else if failing(bs) && passing(as_) {
                    d.newly_passing.push(c);
                } else if failing(bs) && failing(as_) {
                    if bs != as_ || b.message != a.message {
                        d.changed_messages.push(c);
                    }
                } else if bs != as_ {
                    d.other_changes.push(c);
                }
            }
        }
    }
    for (k, a) in &after {
        if !before.contains_key(k) {
            d.added.push(change(k, None, Some(a)));
        }
    }
    d
}

fn status_text(s: Option<Status>) -> &'static str {
    s.map_or("absent", Status::as_str)
}

/// Writes the diff as plain text for a terminal (target strings escaped).
pub fn write_text(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    for (title, list) in diff.sections() {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{title} ({}):", list.len());
        for c in list {
            let _ = writeln!(
                s,
                "  {} on {} [{}]: {} -> {}",
                escape::terminal(&c.result),
                escape::terminal(&c.target),
                c.level,
                status_text(c.before),
                status_text(c.after)
            );
            if c.before_message != c.after_message {
                for (label, m) in [("was", &c.before_message), ("now", &c.after_message)] {
                    if let Some(m) = m {
                        let _ = writeln!(s, "      {label}: {}", escape::terminal(m));
                    }
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "{} regression(s), {} newly passing, {} changed message(s), {} added, {} removed",
        diff.regressions(),
        diff.newly_passing.len(),
        diff.changed_messages.len(),
        diff.added.len(),
        diff.removed.len()
    );
    out.write_all(s.as_bytes())
}

/// Writes the diff as GitHub-flavoured Markdown (target strings escaped).
pub fn write_markdown(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    let md = escape::markdown;
    let mut s = format!(
        "## Against the baseline\n\n{} regression(s) · {} newly passing · {} changed message(s) · {} added · {} removed\n\n",
        diff.regressions(),
        diff.newly_passing.len(),
        diff.changed_messages.len(),
        diff.added.len(),
        diff.removed.len()
    );
    for (title, list) in diff.sections() {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "### {title} ({})\n\n| Result | Target | Level | Before | After | Message |\n|---|---|---|---|---|---|",
            list.len()
        );
        for c in list {
            let message = match (&c.before_message, &c.after_message) {
                (Some(b), Some(a)) if a != b => format!("{} → {}", md(b), md(a)),
                (_, Some(a)) => md(a).into_owned(),
                (Some(b), None) => md(b).into_owned(),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {message} |",
                md(&c.result),
                md(&c.target),
                c.level,
                status_text(c.before),
                status_text(c.after)
            );
        }
        s.push('\n');
    }
    out.write_all(s.as_bytes())
}
