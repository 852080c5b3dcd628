//! The Markdown report (`--markdown FILE`), written for a CI step summary
//! (`$GITHUB_STEP_SUMMARY`): a summary table first (targets, then the
//! targets x suites matrix, capabilities and rule coverage), then every
//! deviation, most serious first, each folded in a `<details>` block with
//! the requirement, expected versus actual and the transcript.
//!
//! GitHub drops a step summary over 1 MiB whole, so the output stops before
//! [`Options::max_bytes`] (900 KiB by default) at a block boundary and says
//! where it was cut and how much is missing.
//!
//! Escaping: inline text and table cells go through [`super::escape::markdown`];
//! text inside HTML elements (`<summary>`, `<pre>`) through
//! [`super::escape::html`], since GitHub does not read Markdown there.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::{html, markdown as md};
use super::junit::headline;
use super::model::{CapabilityState, Counts, LEVELS, Report, RuleInfo, TargetReport};
use super::transcript;
use crate::runner::{CaseResult, Status};

/// How the Markdown report is written.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The most bytes written (the cut note included).
    pub max_bytes: usize,
    /// Where the full report is, named in the cut note (a file or a link).
    pub full_report: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_bytes: 900 * 1024,
            full_report: None,
        }
    }
}

impl Options {
    /// Returns options with a byte budget of `max_bytes`.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Returns options naming `full_report` in the cut note.
    pub fn with_full_report(mut self, full_report: impl Into<String>) -> Self {
        self.full_report = Some(full_report.into());
        self
    }
}

/// Room kept for the cut note.
const NOTE_ROOM: usize = 600;
/// The most transcript text one deviation shows.
const MAX_TRANSCRIPT: usize = 16 * 1024;

/// Writes `report` as GitHub-flavoured Markdown within `options.max_bytes`.
pub fn write(report: &Report, out: &mut dyn Write, options: &Options) -> io::Result<()> {
    out.write_all(render(report, options).as_bytes())
}

/// Returns `report` as GitHub-flavoured Markdown within `options.max_bytes`.
pub fn render(report: &Report, options: &Options) -> String {
    let rules = report.rule_index();
    let deviations = report.deviations();
    let mut blocks: Vec<(String, usize)> = vec![
        (summary(report), 0),
        (suites(report), 0),
        (capabilities(report), 0),
        (interop_section(report), 0),
        (coverage(report), 0),
        (bench(report), 0),
    ];
    let shown: Vec<&CaseResult> = deviations
        .iter()
        .copied()
        .filter(|r| !r.is_expected_failure())
        .collect();
    if !shown.is_empty() {
        blocks.push((format!("### Deviations ({})\n\n", shown.len()), 0));
        blocks.extend(shown.iter().map(|r| (deviation(r, &rules), 1)));
    }
    blocks.push((known(report, &rules), 0));

    let budget = options.max_bytes.saturating_sub(NOTE_ROOM);
    let mut out = String::new();
    let mut omitted = 0;
    let mut cut = false;
    for (block, results) in blocks {
        if cut || out.len() + block.len() > budget {
            cut = true;
            omitted += results;
            continue;
        }
        out.push_str(&block);
    }
    if cut {
        let mut note =
            String::from("\n> **Cut here** to keep this summary under GitHub's 1 MiB limit");
        if omitted > 0 {
            let _ = write!(note, ": {omitted} more deviations are not shown");
        }
        note.push('.');
        match &options.full_report {
            Some(full) => {
                let _ = write!(note, " The full report: {}.", md(full));
            }
            None => note.push_str(" The JSON and HTML reports have everything."),
        }
        note.push('\n');
        if out.len() + note.len() > options.max_bytes {
            // Even the head was too large: keep whole lines that fit.
            let mut end = options.max_bytes.saturating_sub(note.len()).min(out.len());
            while !out.is_char_boundary(end) {
                end -= 1;
            }
            let end = out[..end].rfind('\n').map_or(0, |i| i + 1);
            out.truncate(end);
        }
        out.push_str(&note);
    }
    out
}

/// Returns the emoji and text of one matrix cell.
fn cell(c: &Counts) -> String {
    let ran = c.ran();
    if ran == 0 {
        return if c.skip > 0 {
            format!("➖ skipped ({})", c.skip)
        } else {
            "➖".to_owned()
        };
    }
    let mark = if c.failing() > 0 {
        "❌"
    } else if c.warn + c.info + c.expected > 0 {
        "⚠️"
    } else {
        "✅"
    };
    let mut s = format!("{mark} {}/{ran}", c.pass);
    let mut extra = Vec::new();
    for (n, what) in [
        (c.fail, "fail"),
        (c.error, "error"),
        (c.warn, "warn"),
        (c.expected, "known"),
    ] {
        if n > 0 {
            extra.push(format!("{n} {what}"));
        }
    }
    if !extra.is_empty() {
        let _ = write!(s, " ({})", extra.join(", "));
    }
    s
}

fn target_label(t: &TargetReport) -> String {
    format!("**{}**", md(&t.target.name))
}

fn summary(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## CloudEvents conformance\n\n{} {} · {} target(s) · {} result(s){}\n",
        md(&report.tool.name),
        md(&report.tool.version),
        report.targets.len(),
        report.tally.total(),
        report
            .started_at
            .as_deref()
            .map(|s| format!(" · started {}", md(s)))
            .unwrap_or_default()
    );
    if let Some(judging) = report.judging.describe() {
        let _ = writeln!(out, "Judging: {}.\n", md(&judging));
    }
    out.push_str("| Target | Implementation | MUST | SHOULD | Pass | Fail | Warn | Info | Skip | Error | Known |\n");
    out.push_str("|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for t in &report.targets {
        let imp = &t.target.implementation;
        let mut implementation = [imp.name.as_str(), imp.version.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| md(s).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        if !imp.language.is_empty() {
            let _ = write!(implementation, " ({})", md(&imp.language));
        }
        let score = |level| {
            let s = t.score(level);
            s.percent().map_or_else(
                || "—".to_owned(),
                |p| format!("{p}% ({}/{})", s.passed, s.ran),
            )
        };
        let c = &t.tally;
        let mark = if c.failing() > 0 { "❌" } else { "✅" };
        let _ = writeln!(
            out,
            "| {mark} {} | {implementation} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            target_label(t),
            score(crate::rules::Level::Must),
            score(crate::rules::Level::Should),
            c.pass,
            c.fail,
            c.warn,
            c.info,
            c.skip,
            c.error,
            c.expected
        );
    }
    if !report.target_failures.is_empty() {
        out.push_str("\n**Targets that could not be used:**\n\n");
        for f in &report.target_failures {
            let _ = writeln!(out, "- {}: {}", md(&f.target), md(&f.reason));
        }
    }
    out.push('\n');
    out
}

fn suites(report: &Report) -> String {
    if report.suites.is_empty() || report.targets.is_empty() {
        return String::new();
    }
    let mut out = String::from("### Suites\n\n| Suite |");
    for t in &report.targets {
        let _ = write!(out, " {} |", target_label(t));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(report.targets.len()));
    out.push('\n');
    for suite in &report.suites {
        let _ = write!(out, "| {} |", md(suite));
        for t in &report.targets {
            let c = t.suites.get(suite).copied().unwrap_or_default();
            let _ = write!(out, " {} |", cell(&c));
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

fn state_cell(state: CapabilityState) -> &'static str {
    match state {
        CapabilityState::Passing => "✅ passing",
        CapabilityState::ClaimedButFailing => "❌ claimed but failing",
        CapabilityState::Untested => "➖ declared, untested",
        CapabilityState::Unclaimed => "➖ unclaimed",
        CapabilityState::PassingButUnclaimed => "⚠️ passing but unclaimed",
    }
}

fn capabilities(report: &Report) -> String {
    let mut names: Vec<&str> = report
        .targets
        .iter()
        .flat_map(|t| t.capability_matrix.iter().map(|c| c.capability.as_str()))
        .collect();
    // Adapter-supplied glue after the implementation's own capabilities.
    names.sort_unstable_by_key(|n| (crate::target::is_adapter_supplied(n), *n));
    names.dedup();
    if names.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "### Capabilities\n\nDeclared capabilities checked against the results of the cases that need them.\n\n| Capability |",
    );
    for t in &report.targets {
        let _ = write!(out, " {} |", target_label(t));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(report.targets.len()));
    out.push('\n');
    for name in names {
        let _ = write!(out, "| {} |", md(name));
        for t in &report.targets {
            let text = t
                .capability_matrix
                .iter()
                .find(|c| c.capability == name)
                .map_or("➖ unclaimed", |c| {
                    if c.adapter_supplied && c.declared {
                        "🔧 adapter-supplied"
                    } else {
                        state_cell(c.state)
                    }
                });
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Returns the interop matrix as compact tables (empty when the report has
/// none): one per encoding, producers as rows, consumers as columns, each
/// cell `passed/judged` with the most frequent kind of break.
pub fn interop_section(report: &Report) -> String {
    let Some(m) = &report.interop else {
        return String::new();
    };
    let (clean, broken) = m.clean_and_broken();
    let mut out = format!(
        "### Interop\n\nProducer (row) encodes, consumer (column) decodes and replies; the reply must be equivalent to the expected event. {} case(s); {clean} pair(s) clean, {broken} broken. The HTML report lists the breaking cases.\n\n",
        m.cases
    );
    for encoding in m.encodings() {
        let consumers = m.consumers(encoding);
        let _ = write!(out, "**{encoding}**\n\n| producer ↓ consumer → |");
        for c in &consumers {
            let _ = write!(out, " {} |", md(c));
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(consumers.len()));
        out.push('\n');
        for p in m.producers(encoding) {
            let _ = write!(out, "| {} |", md(p));
            for c in &consumers {
                let text = match m.cell(p, c, encoding).filter(|x| x.total() > 0) {
                    _ if p == *c => "—".to_owned(),
                    None => "➖".to_owned(),
                    Some(cell) if cell.failed == 0 => {
                        format!("✅ {}/{}", cell.passed, cell.total())
                    }
                    Some(cell) => {
                        let mark = if cell.ratio().unwrap_or(0.0) >= 0.5 {
                            "⚠️"
                        } else {
                            "❌"
                        };
                        let top = cell
                            .top_kinds()
                            .first()
                            .map(|(k, n)| format!(" ({} ×{n})", md(k)))
                            .unwrap_or_default();
                        format!("{mark} {}/{}{top}", cell.passed, cell.total())
                    }
                };
                let _ = write!(out, " {text} |");
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn coverage(report: &Report) -> String {
    let mut out = String::from(
        "### Rule coverage\n\n| Level | Rules | Testable | Covered by a case | Uncovered |\n|---|--:|--:|--:|---|\n",
    );
    for level in LEVELS {
        let Some(c) = report.coverage.summary.iter().find(|c| c.level == level) else {
            continue;
        };
        let pct = (c.covered * 100)
            .checked_div(c.testable)
            .map(|p| format!(" ({p}%)"))
            .unwrap_or_default();
        let uncovered = if c.uncovered.len() > 12 {
            format!(
                "{} and {} more",
                md(&c.uncovered[..12].join(", ")),
                c.uncovered.len() - 12
            )
        } else {
            md(&c.uncovered.join(", ")).into_owned()
        };
        let _ = writeln!(
            out,
            "| {level} | {} | {} | {}{pct} | {uncovered} |",
            c.rules, c.testable, c.covered
        );
    }
    out.push('\n');
    out
}

fn bench(report: &Report) -> String {
    let Some(rows) = report.bench_rows() else {
        return String::new();
    };
    let mut out =
        String::from("### Benchmarks\n\n| Benchmark | Target | Events/s |\n|---|---|--:|\n");
    for r in rows {
        let flag = if r.conformant {
            ""
        } else {
            " (fails conformance: not ranked)"
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.0}{flag} |",
            md(&r.name),
            md(&r.target),
            r.events_per_second
        );
    }
    out.push('\n');
    out
}

fn mark(r: &CaseResult) -> &'static str {
    match r.status {
        Status::Fail => "❌",
        Status::Error => "💥",
        Status::Warn => "⚠️",
        Status::Info => "ℹ️",
        Status::Pass => "✅",
        Status::Skip => "➖",
    }
}

fn deviation(r: &CaseResult, rules: &HashMap<&str, &RuleInfo>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<details><summary>{} <b>{}</b> <code>{}</code> · {} {}</summary>\n",
        mark(r),
        html(r.status.as_str()),
        html(&r.name()),
        html(&r.target),
        html(&headline(r, rules)),
    );
    for id in &r.rules {
        match rules
            .get(id.as_str())
            .and_then(|r| Some((r, safe_url(&r.url)?)))
        {
            Some((rule, url)) => {
                let _ = writeln!(
                    out,
                    "- **[{}]({url}) {}** {}: {}",
                    md(id),
                    rule.level,
                    md(&rule.section_label()),
                    md(&rule.text)
                );
            }
            _ => {
                let _ = writeln!(out, "- **{}**", md(id));
            }
        }
    }
    for f in &r.findings {
        let _ = writeln!(
            out,
            "- finding: {} [{}] {}",
            md(&f.rule),
            f.level,
            md(&f.message)
        );
    }
    out.push('\n');
    for (label, value) in [("Expected", &r.expected), ("Actual", &r.actual)] {
        if let Some(v) = value {
            let _ = writeln!(out, "**{label}**\n\n<pre>{}</pre>\n", html(v));
        }
    }
    if let Some(t) = &r.transcript {
        let text = transcript::render(t);
        if !text.is_empty() {
            let _ = writeln!(
                out,
                "**Transcript**\n\n<pre>{}</pre>\n",
                html(&transcript::clip(&text, MAX_TRANSCRIPT))
            );
        }
    }
    out.push_str("</details>\n\n");
    out
}

/// Returns `url` ready for a Markdown link target when it is an http(s)
/// URL (parentheses, angle brackets, whitespace and controls
/// percent-encoded), `None` otherwise: a `javascript:` link from an
/// expectations file is never made clickable.
fn safe_url(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' | ')' | '<' | '>' | '`' => {
                let _ = write!(out, "%{:02X}", u32::from(c));
            }
            c if c.is_whitespace() || c.is_control() => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "%{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// Returns ` ([link](url))` for an http(s) URL, ` (text)` otherwise.
fn md_link(url: &str) -> String {
    match safe_url(url) {
        Some(target) => format!(" ([link]({target}))"),
        None => format!(" ({})", md(url)),
    }
}

fn known(report: &Report, rules: &HashMap<&str, &RuleInfo>) -> String {
    let expected: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.is_expected_failure())
        .collect();
    let now_passing: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.known_failure.as_ref().is_some_and(|k| k.now_passes))
        .collect();
    let mut out = String::new();
    if !expected.is_empty() {
        let _ = writeln!(out, "### Known failures ({})\n", expected.len());
        for r in expected {
            let k = r.known_failure.as_ref().expect("filtered above");
            let link = k.link.as_deref().map(md_link).unwrap_or_default();
            let _ = writeln!(
                out,
                "- {} on {}: {}{link} — {}",
                md(&r.name()),
                md(&r.target),
                md(&k.reason),
                md(&headline(r, rules))
            );
        }
        out.push('\n');
    }
    if !now_passing.is_empty() {
        let _ = writeln!(
            out,
            "### Listed as known failures but now passing ({})\n\nRemove them from the expectations file:\n",
            now_passing.len()
        );
        for r in now_passing {
            let _ = writeln!(out, "- {} on {}", md(&r.name()), md(&r.target));
        }
        out.push('\n');
    }
    out
}
