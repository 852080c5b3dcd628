//! The terminal report: one line per result as libtest prints them
//! (`test http-binary/minimal@http-structured ... ok`), an optional progress
//! display, and at the end, per target, every failure and error in detail
//! followed by a summary line.
//!
//! A failure in detail shows the requirement first (rule, level, spec
//! section and link, the rule's text), then expected and actual in fenced
//! blocks, the findings, and the wire transcript of request and response
//! (style rule 6). Every string that came from a target is escaped for the
//! terminal (see [`super::text`]).
//!
//! The reporter writes to whatever the binary hands it; it never opens a
//! stream itself, except that indicatif draws the progress bar on stderr.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Color, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::display::{DisplayConfig, Progress, Verbosity};
use super::text;
use crate::rules::Catalog;
use crate::runner::{CaseResult, Reporter, RunEvent, Status, Tally, TargetSummary};

const fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(Color::Ansi(color)))
}

const OK: Style = fg(AnsiColor::Green);
const FAILED: Style = fg(AnsiColor::Red).bold();
const WARN: Style = fg(AnsiColor::Yellow);
const INFO: Style = fg(AnsiColor::Cyan);
const SKIP: Style = Style::new().dimmed();
const ERROR: Style = fg(AnsiColor::Magenta).bold();
const HEADING: Style = Style::new().bold();

/// Expected and actual values longer than this are cut.
const TEXT_LIMIT: usize = 8 * 1024;

/// What the reporter keeps about one target until the end.
struct Block {
    summary: TargetSummary,
    tally: Tally,
    failed: Option<String>,
    /// Results worth a word in the summary: not plain passes or skips.
    notable: Vec<CaseResult>,
}

/// The terminal reporter.
pub struct TerminalReporter {
    out: Box<dyn Write + Send>,
    progress_out: Option<Box<dyn Write + Send>>,
    config: DisplayConfig,
    catalog: Arc<Catalog>,
    filtered_out: usize,
    blocks: Vec<Block>,
    bar: Option<ProgressBar>,
    started: Instant,
    expected_results: usize,
    seen: usize,
    counted: (usize, Instant),
    /// What the summary says when nothing was judged.
    nothing_ran: String,
}

/// What the summary of a run says when nothing was judged.
const NO_CASE_SELECTED: &str =
    "no case was selected: check the filters and the targets' capabilities";

impl TerminalReporter {
    /// Returns a reporter writing to `out`, describing rules from `catalog`.
    pub fn new(out: Box<dyn Write + Send>, config: DisplayConfig, catalog: Arc<Catalog>) -> Self {
        Self {
            out,
            progress_out: None,
            config,
            catalog,
            filtered_out: 0,
            blocks: Vec::new(),
            bar: None,
            started: Instant::now(),
            expected_results: 0,
            seen: 0,
            counted: (0, Instant::now()),
            nothing_ran: NO_CASE_SELECTED.to_owned(),
        }
    }

    /// Returns the reporter saying `hint` in the summary when nothing was
    /// judged, instead of pointing at case filters: for a command whose
    /// results are not selected cases (`listen`, where nothing arrived).
    pub fn when_nothing_ran(mut self, hint: impl Into<String>) -> Self {
        self.nothing_ran = hint.into();
        self
    }

    /// Returns the reporter writing counter-mode progress lines to `out`
    /// (usually stderr); without one, counter mode prints nothing.
    pub fn with_progress_output(mut self, out: Box<dyn Write + Send>) -> Self {
        self.progress_out = Some(out);
        self
    }

    /// Returns the reporter telling, in the summary, how many cases the
    /// filters left out.
    pub fn with_filtered_out(mut self, filtered_out: usize) -> Self {
        self.filtered_out = filtered_out;
        self
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.config.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    /// Writes `text` without tearing the progress bar.
    fn write(&mut self, text: &str) -> io::Result<()> {
        let out = &mut self.out;
        match &self.bar {
            Some(bar) => bar.suspend(|| out.write_all(text.as_bytes()).and_then(|()| out.flush())),
            None => out.write_all(text.as_bytes()).and_then(|()| out.flush()),
        }
    }

    fn started(&mut self, targets: &[TargetSummary], results: usize) -> io::Result<()> {
        self.started = Instant::now();
        self.expected_results = results;
        self.blocks = targets
            .iter()
            .map(|summary| Block {
                summary: summary.clone(),
                tally: Tally::default(),
                failed: None,
                notable: Vec::new(),
            })
            .collect();
        let names: Vec<String> = targets
            .iter()
            .map(|t| {
                if t.name == t.address {
                    text::line(&t.name).into_owned()
                } else {
                    format!("{} ({})", text::line(&t.name), text::line(&t.address))
                }
            })
            .collect();
        let plural = if results == 1 { "" } else { "s" };
        let on = match names.as_slice() {
            [] => String::new(),
            [one] => format!(" on {one}"),
            many => format!(" on {} targets: {}", many.len(), many.join(", ")),
        };
        self.write(&format!("\nrunning {results} result{plural}{on}\n"))?;
        if self.config.progress == Progress::Bar && results > 0 {
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            let bar = ProgressBar::with_draw_target(
                Some(results as u64),
                ProgressDrawTarget::stderr_with_hz(4),
            );
            bar.set_style(style);
            self.bar = Some(bar);
        }
        Ok(())
    }

    fn block(&mut self, target: &str) -> Option<&mut Block> {
        self.blocks.iter_mut().find(|b| b.summary.name == target)
    }

    fn finished(&mut self, result: &CaseResult) -> io::Result<()> {
        self.seen += 1;
        // A target that could not be used gives each case the same error,
        // said once already; its lines come back with -v.
        let unavailable = result.status == Status::Error
            && self.config.verbosity < Verbosity::Verbose
            && self
                .block(&result.target)
                .is_some_and(|b| b.failed.is_some());
        let show = !unavailable
            && (self.config.verbosity > Verbosity::Quiet
                || !matches!(result.status, Status::Pass | Status::Skip)
                || result.known_failure.is_some());
        if show {
            let prefix = if self.blocks.len() > 1 {
                format!("[{}] ", text::line(&result.target))
            } else {
                String::new()
            };
            let mut line = format!(
                "test {prefix}{} ... {}",
                text::line(&result.name()),
                self.verdict(result)
            );
            if self.config.verbosity == Verbosity::Verbose && result.duration > Duration::ZERO {
                let _ = write!(line, " <{:.1?}>", result.duration);
            }
            line.push('\n');
            self.write(&line)?;
        }
        let notable =
            !matches!(result.status, Status::Pass | Status::Skip) || result.known_failure.is_some();
        if let Some(block) = self.block(&result.target) {
            block.tally.record(result);
            if notable {
                block.notable.push(result.clone());
            }
        }
        self.progress()
    }

    fn progress(&mut self) -> io::Result<()> {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            return Ok(());
        }
        let Some(out) = self
            .progress_out
            .as_mut()
            .filter(|_| self.config.progress == Progress::Counter)
        else {
            return Ok(());
        };
        let step = (self.expected_results / 10).max(1);
        let (last, at) = self.counted;
        if self.seen == self.expected_results
            || self.seen - last >= step
            || at.elapsed() >= Duration::from_secs(10)
        {
            let mut tally = Tally::default();
            self.blocks.iter().for_each(|b| tally.merge(&b.tally));
            writeln!(
                out,
                "progress: {}/{} results ({} failed, {} errors)",
                self.seen, self.expected_results, tally.fail, tally.error
            )?;
            self.counted = (self.seen, Instant::now());
        }
        Ok(())
    }

    /// Returns the word after `...` on a result's line.
    fn verdict(&self, r: &CaseResult) -> String {
        let mut verdict = self.status_word(r);
        if matches!(r.status, Status::Skip | Status::Error) && !r.message.is_empty() {
            let _ = write!(verdict, " ({})", text::line(&r.message));
        }
        verdict
    }

    /// Returns the status word, coloured, with the known-failure mark.
    fn status_word(&self, r: &CaseResult) -> String {
        let known = r.known_failure.as_ref();
        let now_passes = known.is_some_and(|k| k.now_passes);
        let expected = r.is_expected_failure();
        let (style, word) = match r.status {
            Status::Pass if now_passes => (WARN, "ok"),
            Status::Pass => (OK, "ok"),
            Status::Fail if expected => (WARN, "FAILED"),
            Status::Fail => (FAILED, "FAILED"),
            Status::Warn => (WARN, "warn"),
            Status::Info => (INFO, "info"),
            Status::Skip => (SKIP, "skipped"),
            Status::Error => (ERROR, "error"),
        };
        let mut verdict = self.paint(style, word);
        if now_passes {
            verdict.push_str(" (known failure now passes)");
        } else if expected {
            verdict.push_str(" (known failure)");
        }
        verdict
    }

    fn target_failed(&mut self, target: &str, reason: &str) -> io::Result<()> {
        if let Some(block) = self.block(target) {
            block.failed = Some(reason.to_owned());
        }
        let line = format!(
            "{}: target {} could not be used: {}\n",
            self.paint(ERROR, "error"),
            text::line(target),
            text::line(reason)
        );
        self.write(&line)
    }

    fn done(&mut self, tally: &Tally) -> io::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let mut report = String::new();
        let multi = self.blocks.len() > 1;
        for block in &self.blocks {
            self.summarise(block, multi, &mut report);
        }
        let elapsed = self.started.elapsed();
        let _ = writeln!(
            report,
            "\ntest result: {}. {}; finished in {:.2}s",
            self.outcome_word(tally),
            counts(tally, self.filtered_out),
            elapsed.as_secs_f64()
        );
        if tally.total() == 0 {
            let _ = writeln!(report, "{}", self.nothing_ran);
        }
        self.write(&report)
    }

    fn outcome_word(&self, tally: &Tally) -> String {
        match tally.exit_code() {
            crate::exit_codes::SUCCESS => self.paint(OK, "ok"),
            crate::exit_codes::FAILURE => self.paint(FAILED, "FAILED"),
            crate::exit_codes::ERRORS => self.paint(ERROR, "ERRORS"),
            _ => self.paint(WARN, "NOTHING RUN"),
        }
    }

    /// Writes one target's part of the summary.
    fn summarise(&self, block: &Block, multi: bool, out: &mut String) {
        let name = text::line(&block.summary.name);
        let of = if multi {
            format!(" ({name})")
        } else {
            String::new()
        };
        let detailed = |r: &&CaseResult| {
            !r.is_expected_failure()
                && match r.status {
                    Status::Fail => true,
                    // An error without a transcript (the target could not be
                    // opened, the run timed out before it was sent) is all
                    // said by its line.
                    Status::Error => r.transcript.is_some(),
                    Status::Warn | Status::Info => self.config.verbosity == Verbosity::Verbose,
                    Status::Pass | Status::Skip => false,
                }
        };
        let details: Vec<&CaseResult> = block.notable.iter().filter(detailed).collect();
        if !details.is_empty() {
            let has = |status| details.iter().any(|r| r.status == status);
            let kind = match (has(Status::Fail), has(Status::Error)) {
                (true, true) => "failures and errors",
                (false, true) => "errors",
                _ => "failures",
            };
            let heading = self.paint(HEADING, &format!("{kind}{of}:"));
            let _ = writeln!(out, "\n{heading}\n");
            for r in &details {
                self.detail(r, out);
            }
            let _ = writeln!(out, "{heading}");
            for r in &details {
                let _ = writeln!(out, "    {}", text::line(&r.name()));
            }
        }
        let brief =
            |title: &str, pick: &dyn Fn(&CaseResult) -> Option<String>, out: &mut String| {
                let lines: Vec<String> = block.notable.iter().filter_map(pick).collect();
                if !lines.is_empty() {
                    let _ = writeln!(out, "\n{}", self.paint(HEADING, &format!("{title}{of}:")));
                    for line in lines {
                        let _ = writeln!(out, "    {line}");
                    }
                }
            };
        if self.config.verbosity < Verbosity::Verbose {
            brief(
                "warnings",
                &|r| {
                    (matches!(r.status, Status::Warn | Status::Info) && !r.is_expected_failure())
                        .then(|| format!("{}: {}", text::line(&r.name()), text::line(&r.message)))
                },
                out,
            );
        }
        brief(
            "known failures, deviating as listed",
            &|r| {
                let k = r
                    .known_failure
                    .as_ref()
                    .filter(|_| r.is_expected_failure())?;
                let link = k
                    .link
                    .as_deref()
                    .map(|l| format!(" <{}>", text::line(l)))
                    .unwrap_or_default();
                Some(format!(
                    "{}: {}{link}",
                    text::line(&r.name()),
                    text::line(&k.reason)
                ))
            },
            out,
        );
        brief(
            "known failures that now pass",
            &|r| {
                r.known_failure
                    .as_ref()
                    .filter(|k| k.now_passes)
                    .map(|_| format!("{}: {}", text::line(&r.name()), text::line(&r.message)))
            },
            out,
        );
        if let Some(reason) = &block.failed {
            let unlisted = if self.config.verbosity < Verbosity::Verbose {
                format!(
                    " (each of its {} results is an error; -v lists them)",
                    block.tally.error
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "\n{}: {}{unlisted}",
                self.paint(ERROR, &format!("target unavailable{of}")),
                text::line(reason)
            );
        }
        if multi {
            let _ = writeln!(
                out,
                "\ntest result ({name}): {}. {}",
                self.outcome_word(&block.tally),
                counts(&block.tally, 0)
            );
        }
    }

    /// Writes one result in detail: requirement, expected, actual,
    /// findings, transcript.
    fn detail(&self, r: &CaseResult, out: &mut String) {
        let target = text::line(&r.target);
        let _ = writeln!(
            out,
            "{}",
            self.paint(
                HEADING,
                &format!("---- {} on {target} ----", text::line(&r.name()))
            )
        );
        let _ = writeln!(out, "{}: {}", self.status_word(r), text::line(&r.message));
        if !r.rules.is_empty() {
            let _ = writeln!(
                out,
                "case rules: {} (case level {})",
                text::line(&r.rules.join(", ")),
                r.level
            );
        }
        let mut rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
        if rules.is_empty() && r.status != Status::Error {
            rules = r.rules.iter().map(String::as_str).collect();
        }
        rules.dedup();
        let mut seen = Vec::new();
        for id in rules {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            self.requirement(id, out);
        }
        if !r.findings.is_empty() {
            out.push_str("\nfindings:\n");
            for f in &r.findings {
                let _ = writeln!(
                    out,
                    "  - {} [{}] {}",
                    text::line(&f.rule),
                    f.level,
                    text::line(&f.message)
                );
            }
        }
        for (label, value) in [("expected", &r.expected), ("actual", &r.actual)] {
            if let Some(value) = value {
                let (content, lang, left) = pretty(value);
                fenced(
                    out,
                    label,
                    lang,
                    &content,
                    left.then(|| format!("cut at {} KiB", TEXT_LIMIT / 1024)),
                );
            }
        }
        if let Some(t) = &r.transcript {
            for (label, spec) in [("request", &t.request), ("response", &t.response)] {
                if let Some(spec) = spec {
                    let shown = text::transcribe(spec);
                    let lang = if spec.http.is_some() { "http" } else { "text" };
                    fenced(out, label, lang, &shown.text, shown.note);
                }
            }
            if let Some(note) = &t.note {
                let _ = writeln!(out, "\nnote: {}", text::line(note));
            }
        }
        out.push('\n');
    }

    /// Writes what the catalog says about rule `id`.
    fn requirement(&self, id: &str, out: &mut String) {
        match self.catalog.get(id) {
            Some(rule) => {
                let _ = writeln!(
                    out,
                    "\nrule {} [{}] {}\n  {}\n  {}",
                    self.paint(HEADING, &rule.id),
                    rule.level,
                    rule.section,
                    rule.url(),
                    rule.text.trim()
                );
                if let Some(choice) = &rule.choice {
                    let _ = writeln!(out, "  cespec's reading: {}", choice.trim());
                }
            }
            None => {
                let _ = writeln!(out, "\nrule {} (not in the catalog)", text::line(id));
            }
        }
    }
}

/// Returns a value ready for a fence: pretty JSON when it parses, escaped
/// text otherwise; the language tag; whether it was cut.
fn pretty(value: &str) -> (String, &'static str, bool) {
    let (json, lang) = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(v) => (
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| value.to_owned()),
            "json",
        ),
        Err(_) => (value.to_owned(), "text"),
    };
    let (kept, left) = text::cut(&json, TEXT_LIMIT);
    (text::block(kept).into_owned(), lang, left > 0)
}

fn fenced(out: &mut String, label: &str, lang: &str, content: &str, note: Option<String>) {
    let fence = text::fence(content);
    let newline = if content.ends_with('\n') { "" } else { "\n" };
    let _ = write!(
        out,
        "\n{label}:\n{fence}{lang}\n{content}{newline}{fence}\n"
    );
    if let Some(note) = note {
        let _ = writeln!(out, "({note})");
    }
}

fn counts(t: &Tally, filtered_out: usize) -> String {
    let mut s = format!(
        "{} passed; {} failed; {} warned; {} info; {} skipped; {} errors",
        t.pass, t.fail, t.warn, t.info, t.skip, t.error
    );
    if t.expected > 0 {
        let _ = write!(s, "; {} known failures", t.expected);
    }
    if t.now_passes > 0 {
        let _ = write!(s, "; {} known failures now pass", t.now_passes);
    }
    if filtered_out > 0 {
        let _ = write!(s, "; {filtered_out} filtered out");
    }
    s
}

impl Reporter for TerminalReporter {
    fn on_event(&mut self, event: &RunEvent) -> io::Result<()> {
        match event {
            RunEvent::Started { targets, cases } => self.started(targets, *cases),
            RunEvent::Finished(result) => self.finished(result),
            RunEvent::TargetFailed { target, reason } => self.target_failed(target, reason),
            RunEvent::Done { tally } => self.done(tally),
        }
    }
}

#[cfg(test)]
mod tests;
