//! The `cargo test` front end: runs the conformance suites against an
//! in-process [`Implementation`] as a libtest-mimic harness, one trial per
//! case and reply encoding, so `cargo test` and `cargo nextest run` both
//! work and every case can be run, filtered and listed by name.
//!
//! A Rust implementer adds an adapter for their SDK (the
//! [`Implementation`] trait) and a three-line test target:
//!
//! ```no_run
//! # use cespec::target::reference::Reference as MyAdapter;
//! // tests/conformance.rs, declared in Cargo.toml with `harness = false`
//! fn main() -> std::process::ExitCode {
//!     cespec::harness::run(MyAdapter::default())
//! }
//! ```
//!
//! **Trial names** are `suite::case` for a case judged once (a case that
//! must be rejected, a batch, an unsupported case) and
//! `suite::case::<reply-encoding>` for an accepted event echoed in each
//! reply encoding of its binding (`http-binary::minimal::http-structured`);
//! an expanded abstract case keeps its encoding suffix
//! (`core-attributes::ext-int.kafka-binary::kafka-structured`). A suite
//! file that does not load becomes one failing trial `<file-stem>::__load__`
//! (case ids cannot contain `_`, so it never collides with a case).
//!
//! **Unsupported cases** (whose `requires` the implementation's
//! capabilities lack) are *ignored* trials: `--list --ignored` lists them,
//! and running them with `--ignored` reports the missing capability.
//!
//! **Verdicts**: by default ([`Strictness::Conformance`]) a trial fails on
//! a MUST deviation or a broken exchange; SHOULD and MAY deviations pass.
//! [`Strictness::Strict`] also fails SHOULD deviations (`--strict` in
//! `cespec run`); [`Strictness::Exact`] fails on anything but a clean pass,
//! which is how the corpus is proved against the reference
//! (`tests/conformance.rs` in this repository).
//!
//! The harness reads only the command line (libtest's flags, through
//! [`libtest_mimic::Arguments::from_args`]); it never reads environment
//! variables and prints only through libtest-mimic.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};

use crate::rules::Catalog;
use crate::runner::judge::{JudgeOptions, TargetView, judge, per_reply, replies};
use crate::runner::{CaseResult, Status};
use crate::suite::{Case, Checked, check_with_overrides, corpus};
use crate::target::{Capabilities, Implementation, InProcess, Target};
use crate::wire::Message;

/// Which deviations fail a trial.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strictness {
    /// MUST deviations and broken exchanges fail; SHOULD (warn) and MAY
    /// (info) deviations pass.
    #[default]
    Conformance,
    /// SHOULD deviations fail too (like `cespec run --strict`).
    Strict,
    /// Anything but a clean pass fails: the implementation must agree with
    /// every expectation, MAY ones included. Used to prove the corpus
    /// against the reference.
    Exact,
}

/// Runs the embedded suites against `implementation` with libtest's
/// command line and returns the process exit code (101 on failure, as
/// libtest). The three-line entry point of a `harness = false` test.
pub fn run<I: Implementation + 'static>(implementation: I) -> ExitCode {
    Harness::new(implementation).run()
}

/// A configurable harness; [`run`] is `Harness::new(i).run()`.
pub struct Harness<I> {
    target: Arc<InProcess<I>>,
    extra_suites: Vec<PathBuf>,
    strictness: Strictness,
    released_spec: bool,
}

impl<I: Implementation + 'static> Harness<I> {
    /// Returns a harness for `implementation` over the embedded suites.
    pub fn new(implementation: I) -> Self {
        Self {
            target: Arc::new(InProcess(implementation)),
            extra_suites: Vec::new(),
            strictness: Strictness::default(),
            released_spec: false,
        }
    }

    /// Adds a suite directory (like `--suites DIR`): its suites replace
    /// embedded ones with the same id and add new ones.
    pub fn suites_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.extra_suites.push(dir.into());
        self
    }

    /// Sets which deviations fail a trial.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Judges by the released spec (v1.0.2): a deviation from a rule found
    /// only on the spec's main branch is informational, so it fails a trial
    /// only under [`Strictness::Exact`].
    pub fn released_spec(mut self, released: bool) -> Self {
        self.released_spec = released;
        self
    }

    /// Parses libtest's arguments from the command line, runs, and returns
    /// the exit code.
    pub fn run(self) -> ExitCode {
        let args = Arguments::from_args();
        self.run_with_args(&args).exit_code()
    }

    /// Runs with `args` and returns libtest-mimic's conclusion.
    pub fn run_with_args(self, args: &Arguments) -> Conclusion {
        let trials = self.trials(args);
        libtest_mimic::run(args, trials)
    }

    /// Builds the trials. With `--exact NAME` and no extra suite
    /// directories, only the embedded suite NAME's first segment names is
    /// loaded, so nextest's one-process-per-test stays fast.
    pub fn trials(&self, args: &Arguments) -> Vec<Trial> {
        let catalog = match Catalog::embedded() {
            Ok(c) => c,
            Err(e) => {
                let message = format!("the rule catalog does not load: {e}");
                return vec![Trial::test("cespec::__catalog__", move || {
                    Err(message.into())
                })];
            }
        };
        let checked = match (&args.filter, args.exact, self.extra_suites.is_empty()) {
            (Some(name), true, true) => {
                let id = name.split("::").next().unwrap_or_default();
                match corpus::load_embedded_suite(id, catalog) {
                    Ok(suite) => Checked {
                        suites: suite.into_iter().collect(),
                        problems: Vec::new(),
                    },
                    Err(e) => Checked {
                        suites: Vec::new(),
                        problems: vec![(PathBuf::from(id), e)],
                    },
                }
            }
            _ => check_with_overrides(&self.extra_suites, catalog),
        };
        let caps = Arc::new(self.target.capabilities());
        let mut trials = load_problem_trials(&checked);
        for case in checked.suites.into_iter().flat_map(|s| s.cases) {
            let case = Arc::new(case);
            let base = trial_name(&case);
            let missing: Vec<&str> = case
                .requires
                .iter()
                .filter(|r| !caps.contains(*r))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let reason = format!(
                    "unsupported: the implementation lacks {}",
                    missing.join(", ")
                );
                trials.push(
                    Trial::ignorable_test(base, move || Ok(Completion::ignored_with(reason)))
                        .with_ignored_flag(true),
                );
                continue;
            }
            let split = per_reply(&case, &caps);
            for reply in replies(&case, &caps) {
                let name = if split {
                    format!("{base}::{reply}")
                } else {
                    base.clone()
                };
                let (case, caps, target) = (
                    Arc::clone(&case),
                    Arc::clone(&caps),
                    Arc::clone(&self.target),
                );
                let options = JudgeOptions {
                    strict: self.strictness == Strictness::Strict,
                    released_spec: self.released_spec,
                };
                let strictness = self.strictness;
                trials.push(Trial::test(name, move || {
                    run_one(&case, reply, &caps, target.as_ref(), strictness, options)
                }));
            }
        }
        trials
    }
}

/// Returns `suite::case` for a case id `suite/case`.
fn trial_name(case: &Case) -> String {
    let local = case
        .id
        .strip_prefix(&format!("{}/", case.suite))
        .unwrap_or(&case.id);
    format!("{}::{local}", case.suite)
}

fn load_problem_trials(checked: &Checked) -> Vec<Trial> {
    let mut by_file: Vec<(String, Vec<String>)> = Vec::new();
    for (path, error) in &checked.problems {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("suites")
            .to_owned();
        match by_file.iter_mut().find(|(s, _)| *s == stem) {
            Some((_, messages)) => messages.push(error.to_string()),
            None => by_file.push((stem, vec![error.to_string()])),
        }
    }
    by_file
        .into_iter()
        .map(|(stem, messages)| {
            let message = format!("the suite does not load:\n{}", messages.join("\n"));
            Trial::test(format!("{stem}::__load__"), move || Err(message.into()))
        })
        .collect()
}

fn run_one<T: Target>(
    case: &Case,
    reply: crate::codec::Encoding,
    caps: &Capabilities,
    target: &T,
    strictness: Strictness,
    options: JudgeOptions,
) -> Result<(), Failed> {
    let started = Instant::now();
    let echo = block_on(crate::target::echo_case(target, case, reply));
    let info = target.info();
    let view = TargetView {
        name: &info.name,
        capabilities: caps,
    };
    let result = judge(case, reply, &echo, &view, options, started.elapsed());
    let fails = match strictness {
        Strictness::Exact => result.status != Status::Pass,
        Strictness::Conformance | Strictness::Strict => {
            matches!(result.status, Status::Fail | Status::Error)
        }
    };
    if fails {
        Err(failure_message(case, &result).into())
    } else {
        Ok(())
    }
}

/// Formats a failure: requirement(s), then expected and actual, then the
/// input and reply (style rule 6).
fn failure_message(case: &Case, result: &CaseResult) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let reply = result
        .reply
        .map(|r| format!(", reply in {r}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}: {} ({}:{}{reply})",
        result.status.as_str().to_uppercase(),
        case.title,
        case.location.path.display(),
        case.location.line
    );
    let _ = writeln!(out, "{}", result.message);
    let catalog = Catalog::embedded().ok();
    let mut cited: Vec<&str> = result.findings.iter().map(|f| f.rule.as_str()).collect();
    cited.extend(case.rules.iter().map(String::as_str));
    cited.dedup();
    let mut shown = Vec::new();
    for rule in cited {
        if shown.contains(&rule) {
            continue;
        }
        shown.push(rule);
        if let Some(r) = catalog.and_then(|c| c.get(rule)) {
            let _ = writeln!(
                out,
                "Requirement {} [{}] {}: {}",
                r.id,
                r.level,
                r.section,
                r.text.trim()
            );
        }
    }
    if !result.findings.is_empty() {
        let _ = writeln!(out, "Findings:");
        for f in &result.findings {
            let _ = writeln!(out, "  - {} [{}] {}", f.rule, f.level, f.message);
        }
    }
    let mut block = |label: &str, text: &str| {
        let _ = writeln!(out, "{label}:\n```\n{}\n```", text.trim_end());
    };
    if let Some(expected) = &result.expected {
        block("Expected", expected);
    }
    if let Some(actual) = &result.actual {
        block("Actual", actual);
    }
    block("Input", &wire_text(&case.input));
    if let Some(t) = &result.transcript {
        if let Some(reply) = t.response.as_ref().and_then(|r| r.to_message(None).ok()) {
            block("Reply", &wire_text(&reply));
        }
        if let Some(note) = &t.note {
            block("Target said", note);
        }
    }
    if let Some(notes) = &case.notes {
        let _ = writeln!(out, "Case notes: {notes}");
    }
    out
}

/// Bodies longer than this are cut in failure messages.
const MAX_SHOWN_BODY: usize = 2048;

/// Returns a message as a reader expects to see it on the wire: an HTTP
/// request line and headers, Kafka headers and key, then the body. Bytes
/// that are not printable UTF-8 are escaped.
fn wire_text(message: &Message) -> String {
    let mut out = String::new();
    let headers = |headers: &[crate::wire::Header], out: &mut String| {
        for (name, value) in headers {
            out.push_str(&format!("{name}: {}\n", shown(value)));
        }
    };
    let body = match message {
        Message::Http(m) => {
            if m.status == 0 {
                out.push_str(&format!("{} {} HTTP/1.1\n", m.method, m.path));
            } else {
                out.push_str(&format!("HTTP/1.1 {}\n", m.status));
            }
            headers(&m.headers, &mut out);
            Some(m.body.as_slice())
        }
        Message::Kafka(r) => {
            out.push_str(&format!(
                "(kafka record) key: {}\n",
                r.key.as_deref().map_or_else(|| "null".to_owned(), shown)
            ));
            headers(&r.headers, &mut out);
            if r.value.is_none() {
                out.push_str("\n(null value)");
            }
            r.value.as_deref()
        }
        Message::Json(d) => {
            out.push_str(&format!("(JSON document) media type: {}\n", d.media_type));
            Some(d.body.as_slice())
        }
    };
    if let Some(body) = body {
        out.push('\n');
        out.push_str(&shown(&body[..body.len().min(MAX_SHOWN_BODY)]));
        if body.len() > MAX_SHOWN_BODY {
            out.push_str(&format!("... ({} more bytes)", body.len() - MAX_SHOWN_BODY));
        }
    }
    out
}

/// Returns bytes as text, escaping control characters and invalid UTF-8.
fn shown(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() && c != '\n' {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Wakes the thread that polls a future.
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives a future to completion on the current thread (trials run on
/// plain std threads; in-process targets are ready at once).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}
