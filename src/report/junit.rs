//! The JUnit XML report (`--junit FILE`), in the Jenkins/Ant dialect that
//! GitLab, Jenkins and the GitHub JUnit actions read, written with
//! quick-junit (nextest's serializer).
//!
//! Mapping (see `shared/reference` B.1 for the conventions):
//! - one `<testsuite>` per target x suite, named `target::suite`, with the
//!   target's address, implementation and capabilities as properties;
//! - one `<testcase>` per result: name `suite/case@reply`, classname the
//!   suite (GitLab shows the classname as the suite), `file` the suite file;
//! - `fail` is a `<failure>` whose message is `RULE [LEVEL] message — link`
//!   and whose body holds the requirement, expected, actual, findings and
//!   the transcript; `error` is an `<error>` with the same body;
//! - `skip` is `<skipped message="reason">`;
//! - `warn` (SHOULD) and `info` (MAY) are *passed* test cases with the
//!   deviation in `<system-out>`: JUnit has no warning state, and those
//!   deviations do not fail a run (under `--strict` the runner reports a
//!   SHOULD deviation as `fail`, and it becomes a `<failure>`);
//! - an expected failure (listed in the target's expectations file) is
//!   `<skipped type="known-failure">` with the reason, as pytest does for
//!   xfail, so the file agrees with the exit code; a listed case that now
//!   passes is a passed test case with a note in `<system-out>`.
//!
//! Every string is passed through [`escape::terminal`] (control characters
//! made visible, which also keeps the XML well-formed); quick-junit
//! escapes the markup characters.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite, XmlString};

use super::escape;
use super::model::{Report, RuleInfo};
use super::transcript;
use crate::runner::{CaseResult, Status};

/// The most transcript text one test case carries.
const MAX_BODY: usize = 64 * 1024;

/// Writes `report` as JUnit XML.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    to_junit(report)
        .serialize(out)
        .map_err(|e| writer_error(&e))
}

/// The error of the writer under a serializer's error, when there is one:
/// quick-junit says only "error serializing JUnit report", and the
/// writer's own error names the file and the cause (a full disk).
fn writer_error(error: &(dyn std::error::Error + 'static)) -> io::Error {
    let mut cause = Some(error);
    while let Some(e) = cause {
        // quick-xml keeps the writer's error in an Arc.
        let io = e.downcast_ref::<io::Error>().or_else(|| {
            e.downcast_ref::<std::sync::Arc<io::Error>>()
                .map(AsRef::as_ref)
        });
        if let Some(io) = io {
            return io::Error::new(io.kind(), io.to_string());
        }
        cause = e.source();
    }
    io::Error::other(error.to_string())
}

fn text(s: &str) -> XmlString {
    XmlString::new(escape::terminal(s))
}

/// Returns the quick-junit model of `report`.
pub fn to_junit(report: &Report) -> quick_junit::Report {
    let rules = report.rule_index();
    let mut junit = quick_junit::Report::new(report.tool.name.as_str());
    if let Some(ts) = report
        .started_at
        .as_deref()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    {
        junit.set_timestamp(ts);
    }
    junit.set_time(report.results.iter().map(|r| r.duration).sum());

    for target in &report.targets {
        let name = &target.target.name;
        // Results are sorted by target then case, so a suite's results
        // keep their order within each group.
        let mut by_suite: Vec<(&str, Vec<&CaseResult>)> = Vec::new();
        for r in report.results.iter().filter(|r| &r.target == name) {
            match by_suite.iter_mut().find(|(s, _)| *s == r.suite) {
                Some((_, list)) => list.push(r),
                None => by_suite.push((r.suite.as_str(), vec![r])),
            }
        }
        by_suite.sort_by(|a, b| a.0.cmp(b.0));
        for (suite, results) in by_suite {
            let mut ts = TestSuite::new(text(&format!("{name}::{suite}")));
            let info = &target.target;
            ts.add_property(Property::new("target", text(name)));
            ts.add_property(Property::new("address", text(&info.address)));
            let imp = &info.implementation;
            ts.add_property(Property::new("implementation", text(&imp.name)));
            ts.add_property(Property::new("language", text(&imp.language)));
            ts.add_property(Property::new("version", text(&imp.version)));
            ts.add_property(Property::new(
                "capabilities",
                text(&info.capabilities.join(",")),
            ));
            ts.add_property(Property::new(
                "tool",
                text(&format!("{} {}", report.tool.name, report.tool.version)),
            ));
            ts.set_time(results.iter().map(|r| r.duration).sum());
            for r in results {
                ts.add_test_case(test_case(report, r, &rules));
            }
            junit.add_test_suite(ts);
        }
    }
    junit
}

/// Returns `RULE [LEVEL] message — link` for a result.
pub fn headline(r: &CaseResult, rules: &HashMap<&str, &RuleInfo>) -> String {
    let (rule, level) = match r.findings.first() {
        Some(f) => (f.rule.as_str(), f.level),
        None => (r.rules.first().map_or("", String::as_str), r.level),
    };
    let mut line = if rule.is_empty() {
        format!("[{level}] {}", r.message)
    } else {
        format!("{rule} [{level}] {}", r.message)
    };
    if let Some(url) = rules
        .get(rule)
        .map(|i| i.url.as_str())
        .filter(|u| !u.is_empty())
    {
        let _ = write!(line, " — {url}");
    }
    line
}

/// Returns the failure body: requirement, expected, actual, findings, transcript.
pub fn body(r: &CaseResult, rules: &HashMap<&str, &RuleInfo>) -> String {
    let mut out = String::new();
    for id in &r.rules {
        match rules.get(id.as_str()) {
            Some(rule) => {
                let _ = writeln!(
                    out,
                    "Requirement: {id} [{}] {} — {}\nSee: {}",
                    rule.level,
                    rule.section_label(),
                    rule.text,
                    rule.url
                );
            }
            None => {
                let _ = writeln!(out, "Requirement: {id}");
            }
        }
    }
    if let Some(e) = &r.expected {
        let _ = writeln!(out, "Expected:\n{e}");
    }
    if let Some(a) = &r.actual {
        let _ = writeln!(out, "Actual:\n{a}");
    }
    if !r.findings.is_empty() {
        out.push_str("Findings:\n");
        for f in &r.findings {
            let _ = writeln!(out, "  - {} [{}] {}", f.rule, f.level, f.message);
        }
    }
    if let Some(t) = &r.transcript {
        let rendered = transcript::render(t);
        if !rendered.is_empty() {
            out.push_str("Transcript:\n");
            out.push_str(&transcript::clip(&rendered, MAX_BODY));
        }
    }
    out
}

fn test_case(report: &Report, r: &CaseResult, rules: &HashMap<&str, &RuleInfo>) -> TestCase {
    let status = if r.is_expected_failure() {
        let known = r.known_failure.as_ref().map(|k| {
            let mut s = format!("known failure: {}", k.reason);
            if let Some(link) = &k.link {
                let _ = write!(s, " ({link})");
            }
            s
        });
        let mut st = TestCaseStatus::skipped();
        st.set_type("known-failure")
            .set_message(text(&format!(
                "{} — {}",
                known.unwrap_or_default(),
                headline(r, rules)
            )))
            .set_description(text(&body(r, rules)));
        st
    } else {
        match r.status {
            Status::Pass | Status::Warn | Status::Info => TestCaseStatus::success(),
            Status::Skip => {
                let mut st = TestCaseStatus::skipped();
                st.set_message(text(&r.message));
                st
            }
            Status::Fail | Status::Error => {
                let kind = if r.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut st = TestCaseStatus::non_success(kind);
                st.set_message(text(&headline(r, rules)))
                    .set_type(text(r.findings.first().map_or_else(
                        || r.rules.first().map_or("", String::as_str),
                        |f| f.rule.as_str(),
                    )))
                    .set_description(text(&body(r, rules)));
                st
            }
        }
    };
    let mut tc = TestCase::new(text(&r.name()), status);
    tc.set_classname(text(&r.suite)).set_time(r.duration);
    if let Some(file) = report.case(&r.case).and_then(|c| c.file.as_deref()) {
        tc.extra.insert(XmlString::new("file"), text(file));
    }
    let note = match (r.status, &r.known_failure) {
        (Status::Warn | Status::Info, _) if !r.is_expected_failure() => Some(format!(
            "{}: {}\n\n{}",
            r.status.as_str(),
            headline(r, rules),
            body(r, rules)
        )),
        (Status::Pass, Some(k)) if k.now_passes => Some(format!(
            "listed as a known failure ({}) but now passes: remove it from the expectations file",
            k.reason
        )),
        _ => None,
    };
    if let Some(note) = note {
        tc.set_system_out(text(&note));
    }
    tc
}
