//! `cespec prop`: differential property testing of one target. Opens it as
//! `run` would, drives the round-trip engine (or, with `--mutations`, the
//! wire mutations of the selected valid cases), shows progress on stderr
//! and prints the summary, and any disagreement, on stdout.
//!
//! The engine's future is not `Send` (proptest's value trees are not), so
//! it is awaited right here, on the thread `main` blocks on; nothing in
//! this module may hand it to `tokio::spawn`.

use std::fmt::Write as _;
use std::io::Write;
use std::time::{Duration, Instant};

use cespec::exit_codes;
use cespec::prop::mutate::{self, MutationResult};
use cespec::prop::roundtrip::{self, DisagreementKind, Ending, Progress, PropReport};
use cespec::prop::save::{self, Saved};
use cespec::prop::{PropOptions, run_observed};
use cespec::report::{Progress as ProgressMode, text};
use cespec::rules::Level;
use cespec::suite::Case;
use cespec::target::Target;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::target::open_target;
use crate::cli::Io;
use crate::cli::plan::{PropCommand, PropMode};

/// Runs the command and returns its exit code (see `cespec prop --help`).
pub async fn execute(cmd: PropCommand, io: Io) -> anyhow::Result<i32> {
    let PropCommand {
        target,
        mode,
        strict,
        display,
    } = cmd;
    let name = target.name.clone();
    let slot = open_target(target).await;
    let target = slot
        .target
        .map_err(|reason| anyhow::anyhow!("target {name} could not be opened: {reason}"))?;
    let meter = Meter::new(io.err, display.progress);
    let outcome = match mode {
        PropMode::RoundTrip {
            options,
            clock_seed,
            save,
        } => {
            let run = RoundTrip {
                name: &name,
                options,
                clock_seed,
                save: save.as_deref(),
                strict,
            };
            run.execute(target.as_ref(), io.out, meter).await
        }
        PropMode::Mutations { cases } => {
            mutations(&name, target.as_ref(), &cases, io.out, meter).await
        }
    };
    target.shutdown().await;
    outcome
}

/// Progress on stderr, as `--progress` resolved: a bar on a terminal, a
/// line now and then under CI, nothing otherwise.
struct Meter {
    out: Box<dyn Write + Send>,
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    last: (u32, Instant),
}

impl Meter {
    fn new(out: Box<dyn Write + Send>, mode: ProgressMode) -> Self {
        Self {
            out,
            mode,
            bar: None,
            last: (0, Instant::now()),
        }
    }

    /// Writes a line (a header or a note), above the bar if one is drawn.
    fn note(&mut self, line: &str) {
        let out = &mut self.out;
        let mut write = || {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn start(&mut self, total: u64, unit: &str) {
        if self.mode == ProgressMode::Bar && total > 0 {
            let template = format!(
                "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} {{msg}}"
            );
            let style = ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            let bar =
                ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
            bar.set_style(style);
            self.bar = Some(bar);
        }
        self.last = (0, Instant::now());
    }

    /// Shows that `done` of `total` are done; `message` says more.
    fn update(&mut self, done: u32, total: u32, unit: &str, message: impl FnOnce() -> String) {
        if let Some(bar) = &self.bar {
            bar.set_position(u64::from(done));
            bar.set_message(message());
            return;
        }
        if self.mode != ProgressMode::Counter {
            return;
        }
        // A line at every tenth of the way, and at least every 10 s (a
        // slow target, or a long shrink).
        let step = (total / 10).max(1);
        let (last, at) = self.last;
        if done / step > last / step || at.elapsed() >= Duration::from_secs(10) {
            let line = format!("progress: {done}/{total} {unit}, {}", message());
            self.note(&line);
            self.last = (done, Instant::now());
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The round-trip mode.
struct RoundTrip<'a> {
    name: &'a str,
    options: PropOptions,
    clock_seed: bool,
    save: Option<&'a std::path::Path>,
    strict: bool,
}

impl RoundTrip<'_> {
    async fn execute(
        self,
        target: &dyn Target,
        mut out: Box<dyn Write + Send>,
        mut meter: Meter,
    ) -> anyhow::Result<i32> {
        let seed = self.options.seed;
        let cases = self.options.cases;
        let capabilities = target.capabilities();
        let pairs = roundtrip::pairs(&capabilities, self.options.encodings.as_deref());
        if self.clock_seed {
            meter.note(&format!(
                "seed {seed} (taken from the clock; --seed {seed} repeats this run)"
            ));
        }
        let versions: Vec<&str> = roundtrip::specversions(&capabilities)
            .iter()
            .map(|v| v.as_str())
            .collect();
        meter.note(&format!(
            "generating {cases} events of spec {} through {}, in {} encoding pair{}",
            versions.join(" and "),
            text::line(self.name),
            pairs.len(),
            if pairs.len() == 1 { "" } else { "s" }
        ));
        meter.start(u64::from(cases), "events");
        let report = run_observed(target, self.options.clone(), &mut |p: &Progress| {
            meter.update(p.cases, cases, "events", || {
                if p.shrink_steps > 0 {
                    format!("shrinking a disagreement, step {}", p.shrink_steps)
                } else {
                    format!("{} round trips", p.echoes)
                }
            });
        })
        .await;
        meter.finish();
        let mut text = String::new();
        let code = self.summarise(&report, &mut text)?;
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(code)
    }

    /// Writes the summary of `report` and returns the exit code.
    fn summarise(&self, report: &PropReport, s: &mut String) -> anyhow::Result<i32> {
        let seed = report.seed;
        let ran = format!(
            "{} event{}, {} round trips over {} encoding pair{} on {}; seed {seed}; finished in {:.2}s",
            report.cases,
            if report.cases == 1 { "" } else { "s" },
            report.echoes,
            report.pairs.len(),
            if report.pairs.len() == 1 { "" } else { "s" },
            text::line(self.name),
            report.elapsed.as_secs_f64()
        );
        let code = match &report.ending {
            Ending::Completed => {
                let _ = writeln!(s, "\nprop result: ok. no disagreement; {ran}");
                exit_codes::SUCCESS
            }
            Ending::Budget => {
                let _ = writeln!(
                    s,
                    "\nthe time budget ran out after {} of {} events",
                    report.cases, self.options.cases
                );
                let _ = writeln!(s, "prop result: ok. no disagreement; {ran}");
                exit_codes::SUCCESS
            }
            Ending::NoPairs => {
                let asked = self.options.encodings.as_ref().map_or_else(
                    || "any encoding".to_owned(),
                    |e| e.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
                );
                let _ = writeln!(
                    s,
                    "prop result: NOTHING RUN. {} supports no pair of {asked} within one binding",
                    text::line(self.name)
                );
                exit_codes::NO_CASES
            }
            Ending::Generation(reason) => {
                anyhow::bail!("cannot generate events: {reason}");
            }
            Ending::Disagreement => {
                let Some(found) = &report.disagreement else {
                    anyhow::bail!("the engine reported a disagreement without one");
                };
                let shrink = report.shrink.as_ref();
                let _ = writeln!(
                    s,
                    "\ndisagreement at event {} of {}{}:\n",
                    report.cases,
                    self.options.cases,
                    shrink.map_or(String::new(), |st| format!(
                        ", shrunk in {} step{}{}",
                        st.steps,
                        if st.steps == 1 { "" } else { "s" },
                        if st.complete {
                            ""
                        } else {
                            " (cut short: budget or step limit)"
                        }
                    ))
                );
                let _ = writeln!(s, "{}", text::block(&found.to_string()));
                if let Some(st) = shrink.filter(|st| st.original_event_json != found.event_json) {
                    let _ = writeln!(
                        s,
                        "as first generated:\n  {}",
                        text::line(&st.original_event_json)
                    );
                }
                let _ = writeln!(s, "\n--seed {seed} repeats this run.");
                if let Some(path) = self.save {
                    let saved = match save::save(path, found, seed) {
                        Ok(saved) => saved,
                        Err(e) => {
                            let _ = writeln!(s, "error: cannot save the case: {e}");
                            return Ok(exit_codes::LOAD_ERROR);
                        }
                    };
                    let line = match saved {
                        Saved::Created(id) => {
                            format!("saved as case {id} in the new suite {}", path.display())
                        }
                        Saved::Added(id) => format!("saved as case {id} in {}", path.display()),
                        Saved::AlreadyPresent(id) => {
                            format!("case {id} is already in {}", path.display())
                        }
                    };
                    let _ = writeln!(s, "{line}");
                }
                let (word, code) = match (found.kind, found.level) {
                    (DisagreementKind::Broken, _) => {
                        let _ = writeln!(
                            s,
                            "prop result: ERRORS. the exchange broke on a valid event; {ran}"
                        );
                        return Ok(exit_codes::ERRORS);
                    }
                    (_, Level::Must) => ("FAILED", exit_codes::FAILURE),
                    (_, Level::Should) if self.strict => ("FAILED", exit_codes::FAILURE),
                    (_, level) => {
                        let strict = if level == Level::Should {
                            " (--strict makes it a failure)"
                        } else {
                            ""
                        };
                        let _ = writeln!(s, "warning: a {level}-level disagreement{strict}");
                        ("ok", exit_codes::SUCCESS)
                    }
                };
                let _ = writeln!(
                    s,
                    "prop result: {word}. a {} disagreement; {ran}",
                    found.level
                );
                code
            }
        };
        Ok(code)
    }
}

/// The mutation mode: lists the mutations the target accepted.
async fn mutations(
    name: &str,
    target: &dyn Target,
    cases: &[Case],
    mut out: Box<dyn Write + Send>,
    mut meter: Meter,
) -> anyhow::Result<i32> {
    let capabilities = target.capabilities();
    let usable: Vec<Case> = cases
        .iter()
        .filter(|c| c.requires.iter().all(|r| capabilities.contains(r)))
        .cloned()
        .collect();
    let total: usize = usable.iter().map(|c| mutate::mutations(c).len()).sum();
    if total == 0 {
        writeln!(
            out,
            "prop result: NOTHING RUN. no mutation of a selected valid case that {} supports",
            text::line(name)
        )?;
        return Ok(exit_codes::NO_CASES);
    }
    meter.note(&format!(
        "sending {total} mutations of {} valid cases to {}",
        usable.len(),
        text::line(name)
    ));
    let started = Instant::now();
    let total_u32 = u32::try_from(total).unwrap_or(u32::MAX);
    meter.start(u64::from(total_u32), "mutations");
    // One case at a time, so that progress can be shown between them.
    let mut results: Vec<MutationResult> = Vec::with_capacity(total);
    for (i, case) in usable.iter().enumerate() {
        results.extend(mutate::run_mutations(target, std::slice::from_ref(case)).await);
        let done = u32::try_from(results.len()).unwrap_or(u32::MAX);
        meter.update(done, total_u32, "mutations", || {
            format!("{} of {} cases", i + 1, usable.len())
        });
    }
    meter.finish();
    let accepted: Vec<&MutationResult> = results.iter().filter(|r| r.accepted).collect();
    let broken: Vec<&MutationResult> = results.iter().filter(|r| r.broken.is_some()).collect();
    let mut s = String::new();
    if !accepted.is_empty() {
        let _ = writeln!(s, "\naccepted, but each breaks a MUST rule:");
        for r in &accepted {
            let _ = writeln!(
                s,
                "    {} / {} [{}]",
                text::line(&r.case),
                r.mutation,
                r.rule
            );
        }
    }
    if !broken.is_empty() {
        let _ = writeln!(s, "\nerrors (the exchange broke):");
        for r in &broken {
            let _ = writeln!(
                s,
                "    {} / {}: {}",
                text::line(&r.case),
                r.mutation,
                text::line(r.broken.as_deref().unwrap_or_default())
            );
        }
    }
    let (word, code) = if !accepted.is_empty() {
        ("FAILED", exit_codes::FAILURE)
    } else if !broken.is_empty() {
        ("ERRORS", exit_codes::ERRORS)
    } else {
        ("ok", exit_codes::SUCCESS)
    };
    let rejected = results.len() - accepted.len() - broken.len();
    let _ = writeln!(
        s,
        "\nprop result: {word}. {} mutations of {} cases on {}: {rejected} rejected; {} accepted; {} errors; finished in {:.2}s",
        results.len(),
        usable.len(),
        text::line(name),
        accepted.len(),
        broken.len(),
        started.elapsed().as_secs_f64()
    );
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(code)
}
