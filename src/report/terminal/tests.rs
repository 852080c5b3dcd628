//! The terminal report's lines, summary and failure details.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::codec::Encoding;
use crate::report::display::{DisplayConfig, Progress};
use crate::runner::KnownFailure;
use crate::runner::judge::{self, JudgeOptions, TargetView};
use crate::runner::testing::case;
use crate::suite::Verdict;
use crate::target::{Echo, ImplementationInfo, all_capabilities};
use crate::wire::{HttpMessage, Message};

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn catalog() -> Arc<Catalog> {
    Arc::new(Catalog::embedded().unwrap().clone())
}

fn summary(name: &str) -> TargetSummary {
    TargetSummary {
        name: name.into(),
        address: "http://127.0.0.1:1/".into(),
        info: ImplementationInfo::default(),
        capabilities: all_capabilities(),
    }
}

/// Feeds a whole run of `results` to a reporter and returns what it wrote.
fn render(config: DisplayConfig, results: &[CaseResult]) -> String {
    render_after(config, &[], results)
}

/// Like [`render`], with `events` between the start and the results.
fn render_after(config: DisplayConfig, events: &[RunEvent], results: &[CaseResult]) -> String {
    let out = Shared::default();
    let mut reporter = TerminalReporter::new(Box::new(out.clone()), config, catalog());
    let mut tally = Tally::default();
    reporter
        .on_event(&RunEvent::Started {
            targets: vec![summary("t")],
            cases: results.len(),
        })
        .unwrap();
    for event in events {
        reporter.on_event(event).unwrap();
    }
    for r in results {
        tally.record(r);
        reporter
            .on_event(&RunEvent::Finished(Box::new(r.clone())))
            .unwrap();
    }
    reporter.on_event(&RunEvent::Done { tally }).unwrap();
    out.text()
}

/// A binary-mode reply that changes the id, smuggles escape sequences in a
/// header and the body, and so fails the minimal case.
fn hostile_failure() -> CaseResult {
    let c = case(
        "s/a",
        Encoding::HttpBinary,
        Verdict::Accept,
        &["CORE-ID-1"],
        &[],
    );
    let reply = Message::Http(HttpMessage {
        method: String::new(),
        path: String::new(),
        status: 200,
        headers: vec![
            ("ce-specversion".into(), b"1.0".to_vec()),
            ("ce-id".into(), b"2".to_vec()),
            ("ce-source".into(), b"/s".to_vec()),
            ("ce-type".into(), b"t.x".to_vec()),
            ("x-evil".into(), b"\x1b[2J".to_vec()),
        ],
        body: Vec::new(),
    });
    let caps = all_capabilities();
    let view = TargetView {
        name: "t",
        capabilities: &caps,
    };
    let echo = Echo::Accepted(reply);
    judge::judge(
        &c,
        Encoding::HttpBinary,
        &echo,
        &view,
        JudgeOptions::default(),
        Duration::from_millis(3),
    )
}

fn pass(name: &str, reply: Encoding) -> CaseResult {
    let mut r = hostile_failure();
    r.case = name.into();
    r.reply = Some(reply);
    r.status = Status::Pass;
    r.findings.clear();
    r.message = "as expected".into();
    r
}

#[test]
fn a_failure_is_shown_with_its_requirement_values_and_transcript() {
    let failure = hostile_failure();
    assert_eq!(failure.status, Status::Fail, "{failure:?}");
    let out = render(DisplayConfig::plain(), &[failure]);
    for want in [
        "test s/a@http-binary ... FAILED\n",
        "---- s/a@http-binary on t ----",
        "FAILED: CORE-TS-2 [MUST] id: expected \"1\", got \"2\"\ncase rules: CORE-ID-1 (case level MUST)\n",
        "rule CORE-TS-2 [MUST] Core § Type System",
        "https://github.com/cloudevents/spec/blob/main/cloudevents/spec.md#type-system",
        "converts attribute values to and from their canonical strings",
        "findings:\n  - CORE-TS-2 [MUST] id: expected \"1\", got \"2\"",
        "expected:\n```json\n{\n  \"specversion\": \"1.0\",\n  \"id\": \"1\"",
        "actual:\n```json\n",
        "\"id\": \"2\"",
        "request:\n```http\nPOST /\nce-specversion: 1.0\nce-id: 1\n",
        "response:\n```http\nHTTP 200\n",
        "x-evil: \\x1b[2J",
        "test result: FAILED. 0 passed; 1 failed;",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(
        !out.contains('\u{1b}'),
        "a raw escape reached the terminal:\n{out}"
    );
}

#[test]
fn lines_look_like_libtest() {
    let mut skipped = pass("s/b", Encoding::Json);
    skipped.reply = None;
    skipped.status = Status::Skip;
    skipped.message = "unsupported: needs kafka-binary".into();
    let mut error = pass("s/c", Encoding::Json);
    error.reply = None;
    error.status = Status::Error;
    error.message = "timed out after 5s\u{7}".into();
    let results = [pass("s/a", Encoding::HttpBinary), skipped, error];
    let out = render(DisplayConfig::plain(), &results);
    assert!(
        out.starts_with("\nrunning 3 results on t (http://127.0.0.1:1/)\n"),
        "{out}"
    );
    assert!(out.contains("test s/a@http-binary ... ok\n"), "{out}");
    assert!(
        out.contains("test s/b ... skipped (unsupported: needs kafka-binary)\n"),
        "{out}"
    );
    assert!(
        out.contains("test s/c ... error (timed out after 5s\\x07)\n"),
        "{out}"
    );
    assert!(
        out.contains("---- s/c on t ----"),
        "errors are detailed: {out}"
    );
    assert!(
        out.contains(
            "test result: ERRORS. 1 passed; 0 failed; 0 warned; 0 info; 1 skipped; 1 errors;"
        ),
        "{out}"
    );

    let quiet = DisplayConfig {
        verbosity: Verbosity::Quiet,
        ..DisplayConfig::plain()
    };
    let out = render(quiet, &results);
    assert!(!out.contains("test s/a@http-binary"), "{out}");
    assert!(out.contains("test s/c ... error"), "{out}");
}

/// A target that could not be used is said once, with how many of its
/// results are errors; its identical lines come back with -v.
#[test]
fn an_unavailable_target_is_said_once() {
    let errors: Vec<CaseResult> = ["s/a", "s/b", "s/c"]
        .iter()
        .map(|name| {
            let mut r = pass(name, Encoding::Json);
            r.reply = None;
            r.status = Status::Error;
            r.message = "target unavailable: refused".into();
            r
        })
        .collect();
    let failed = [RunEvent::TargetFailed {
        target: "t".into(),
        reason: "refused".into(),
    }];
    let render_down = |verbosity| {
        let config = DisplayConfig {
            verbosity,
            ..DisplayConfig::plain()
        };
        render_after(config, &failed, &errors)
    };
    let out = render_down(Verbosity::Normal);
    assert!(
        out.contains("error: target t could not be used: refused\n"),
        "{out}"
    );
    assert!(!out.contains("test s/a"), "{out}");
    assert!(
        out.contains(
            "target unavailable: refused (each of its 3 results is an error; -v lists them)"
        ),
        "{out}"
    );
    assert!(out.contains("3 errors;"), "{out}");
    let out = render_down(Verbosity::Verbose);
    assert!(
        out.contains("test s/a ... error (target unavailable: refused)"),
        "{out}"
    );
}

#[test]
fn known_failures_are_marked_and_summarised() {
    let mut expected = hostile_failure();
    expected.known_failure = Some(KnownFailure {
        reason: "upstream issue 12".into(),
        link: Some("https://example.com/12".into()),
        now_passes: false,
    });
    let mut now = pass("s/b", Encoding::HttpBinary);
    now.known_failure = Some(KnownFailure {
        reason: "old".into(),
        link: None,
        now_passes: true,
    });
    now.message = "known failure now passes: remove it from t.yaml".into();
    let out = render(DisplayConfig::plain(), &[expected, now]);
    assert!(
        out.contains("test s/a@http-binary ... FAILED (known failure)\n"),
        "{out}"
    );
    assert!(
        !out.contains("---- s/a"),
        "expected failures are not detailed: {out}"
    );
    assert!(
        out.contains("    s/a@http-binary: upstream issue 12 <https://example.com/12>"),
        "{out}"
    );
    assert!(
        out.contains("test s/b@http-binary ... ok (known failure now passes)"),
        "{out}"
    );
    assert!(out.contains("known failures that now pass:\n    s/b@http-binary: known failure now passes: remove it from t.yaml"), "{out}");
    assert!(out.contains("test result: ok. 1 passed; 0 failed; 0 warned; 0 info; 0 skipped; 0 errors; 1 known failures; 1 known failures now pass"), "{out}");
}

#[test]
fn colour_only_when_asked() {
    let coloured = DisplayConfig {
        color: true,
        ..DisplayConfig::plain()
    };
    let out = render(coloured, &[pass("s/a", Encoding::Json)]);
    assert!(out.contains("\u{1b}[32mok\u{1b}[0m"), "{out:?}");
}

#[test]
fn an_empty_run_says_so() {
    let out = render(DisplayConfig::plain(), &[]);
    assert!(out.contains("test result: NOTHING RUN. 0 passed"), "{out}");
    assert!(out.contains("no case was selected"), "{out}");
    // listen says what it waited for instead.
    let out = Shared::default();
    let mut reporter =
        TerminalReporter::new(Box::new(out.clone()), DisplayConfig::plain(), catalog())
            .when_nothing_ran("no request arrived");
    reporter
        .on_event(&RunEvent::Done {
            tally: Tally::default(),
        })
        .unwrap();
    let text = out.text();
    assert!(text.ends_with("no request arrived\n"), "{text}");
    assert!(!text.contains("no case was selected"), "{text}");
}

#[test]
fn several_targets_get_prefixed_lines_and_their_own_result_lines() {
    let out = Shared::default();
    let mut reporter =
        TerminalReporter::new(Box::new(out.clone()), DisplayConfig::plain(), catalog());
    let mut a = pass("s/a", Encoding::Json);
    a.target = "one".into();
    let mut b = hostile_failure();
    b.target = "two".into();
    let mut tally = Tally::default();
    let events = [
        RunEvent::Started {
            targets: vec![summary("one"), summary("two")],
            cases: 2,
        },
        RunEvent::Finished(Box::new(a)),
        RunEvent::Finished(Box::new(b)),
    ];
    for event in &events {
        if let RunEvent::Finished(r) = event {
            tally.record(r);
        }
        reporter.on_event(event).unwrap();
    }
    reporter.on_event(&RunEvent::Done { tally }).unwrap();
    let out = out.text();
    assert!(
        out.contains("running 2 results on 2 targets: one (http://127.0.0.1:1/), two"),
        "{out}"
    );
    assert!(out.contains("test [one] s/a@json ... ok\n"), "{out}");
    assert!(
        out.contains("test [two] s/a@http-binary ... FAILED\n"),
        "{out}"
    );
    assert!(out.contains("failures (two):"), "{out}");
    assert!(out.contains("test result (one): ok. 1 passed;"), "{out}");
    assert!(
        out.contains("test result (two): FAILED. 0 passed; 1 failed;"),
        "{out}"
    );
    assert!(
        out.contains("\ntest result: FAILED. 1 passed; 1 failed;"),
        "{out}"
    );
}

#[test]
fn counter_mode_writes_progress_lines_to_its_own_stream() {
    let (out, progress) = (Shared::default(), Shared::default());
    let config = DisplayConfig {
        progress: Progress::Counter,
        ..DisplayConfig::plain()
    };
    let mut reporter = TerminalReporter::new(Box::new(out.clone()), config, catalog())
        .with_progress_output(Box::new(progress.clone()));
    reporter
        .on_event(&RunEvent::Started {
            targets: vec![summary("t")],
            cases: 20,
        })
        .unwrap();
    for i in 0..20 {
        let r = pass(&format!("s/{i}"), Encoding::Json);
        reporter.on_event(&RunEvent::Finished(Box::new(r))).unwrap();
    }
    let progress = progress.text();
    assert_eq!(progress.lines().count(), 10, "{progress}");
    assert!(
        progress.ends_with("progress: 20/20 results (0 failed, 0 errors)\n"),
        "{progress}"
    );
    assert!(!out.text().contains("progress:"));
}
