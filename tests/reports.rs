//! Report writers, comparison and badges on a small fixed report
//! (`report_fixture`): insta snapshots of every format, the JUnit output
//! parsed back, a hostile target whose texts must come out escaped in every
//! format, merge and baseline diff, and badges.
//!
//! Update snapshots with `cargo insta review` (or `INSTA_UPDATE=always`).

mod report_fixture;

use std::time::Duration;

use cespec::codec::Encoding;
use cespec::report::collect::Format;
use cespec::report::model::{CapabilityState, Report};
use cespec::report::{badge, compare, escape, html, json, junit, markdown, split};
use cespec::rules::Level;
use cespec::runner::{Finding, KnownFailure, Status, Transcript};
use cespec::suite::input::InputSpec;
use cespec::wire::{HttpMessage, Message};
use report_fixture::{STARTED_AT, collect, report, result, results, targets};

fn render(format: Format, report: &Report) -> String {
    let mut out = Vec::new();
    format.render(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn model_derives_matrix_capabilities_coverage_and_scores() {
    let r = report();
    assert_eq!(r.format_version, "1");
    assert_eq!(r.started_at.as_deref(), Some(STARTED_AT));
    assert_eq!(r.targets.len(), 2);
    assert_eq!(r.target_failures.len(), 1);
    // Sorted by target, case, reply.
    let names: Vec<String> = r
        .results
        .iter()
        .map(|x| format!("{} {}", x.target, x.name()))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    let sdk = r.target("sdk-x").unwrap();
    assert_eq!(
        (
            sdk.tally.pass,
            sdk.tally.fail,
            sdk.tally.warn,
            sdk.tally.skip,
            sdk.tally.error,
            sdk.tally.expected
        ),
        (1, 1, 1, 1, 1, 1)
    );
    let must = sdk.score(Level::Must);
    assert_eq!((must.passed, must.ran), (1, 4));
    let state = |t: &str, c: &str| {
        r.target(t)
            .unwrap()
            .capability_matrix
            .iter()
            .find(|x| x.capability == c)
            .map(|x| x.state)
    };
    assert_eq!(
        state("sdk-x", "http-binary"),
        Some(CapabilityState::ClaimedButFailing)
    );
    assert_eq!(
        state("sdk-x", "http-batch"),
        Some(CapabilityState::ClaimedButFailing)
    );
    assert_eq!(
        state("sdk-x", "kafka-binary"),
        Some(CapabilityState::Unclaimed)
    );
    assert_eq!(state("sdk-x", "json"), Some(CapabilityState::Passing));
    assert_eq!(
        state("reference", "kafka-binary"),
        Some(CapabilityState::Passing)
    );

    let rule = |id: &str| r.coverage.rules.iter().find(|x| x.rule.id == id).unwrap();
    // The failing result names CORE-ID-1 in its findings: HTTP-BIN-3 counts as passed.
    assert_eq!(rule("CORE-ID-1").targets["sdk-x"].fail, 1);
    assert_eq!(rule("HTTP-BIN-3").targets["sdk-x"].fail, 0);
    assert_eq!(rule("HTTP-BIN-3").targets["sdk-x"].pass, 2);
    assert_eq!(rule("HTTP-BIN-3").cases, vec!["http-binary/minimal"]);
    let must_cov = &r.coverage.summary[0];
    assert_eq!(must_cov.level, Level::Must);
    assert_eq!(must_cov.uncovered, vec!["CORE-UNCOVERED-1"]);
    assert_eq!(r.exit_code(), cespec::exit_codes::FAILURE);
}

#[test]
fn json_snapshot_and_round_trip() {
    let r = report();
    let text = render(Format::Json, &r);
    let back = json::from_str(&text).unwrap();
    assert_eq!(back, r);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    insta::assert_json_snapshot!("report_json", value, {
        ".results[].duration" => "[duration]",
        "[\"started-at\"]" => "[started-at]",
    });
}

#[test]
fn json_refuses_other_format_versions() {
    let err = json::from_str(r#"{"format-version":"2"}"#).unwrap_err();
    assert!(err.to_string().contains("\"2\""), "{err}");
    assert!(json::from_str("[]").is_err());
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("report_junit", render(Format::Junit, &report()));
}

#[test]
fn junit_parses_back() {
    let xml = render(Format::Junit, &report());
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    let suites: Vec<&str> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        suites,
        [
            "reference::http-batch",
            "reference::http-binary",
            "reference::json-format",
            "reference::kafka-binary",
            "sdk-x::http-batch",
            "sdk-x::http-binary",
            "sdk-x::json-format",
            "sdk-x::kafka-binary",
        ]
    );
    assert_eq!(parsed.tests, 12);
    assert_eq!(parsed.failures, 1);
    assert_eq!(parsed.errors, 1);
    let sdk_binary = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == "sdk-x::http-binary")
        .unwrap();
    let failing = sdk_binary
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "http-binary/minimal@http-structured")
        .unwrap();
    assert_eq!(failing.classname.as_ref().unwrap().as_str(), "http-binary");
    match &failing.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(
                message.as_ref().unwrap().as_str(),
                "CORE-ID-1 [MUST] the reply is not equivalent to the input — https://github.com/cloudevents/spec/blob/main/cloudevents/spec.md#id"
            );
            let body = description.as_ref().unwrap().as_str();
            assert!(body.contains("Expected:"), "{body}");
            assert!(body.contains("x-raw: v\\xff"), "{body}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // The known failure is skipped, with its reason.
    let batch = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == "sdk-x::http-batch")
        .unwrap();
    match &batch.test_cases[0].status {
        quick_junit::TestCaseStatus::Skipped { message, ty, .. } => {
            assert_eq!(ty.as_ref().unwrap().as_str(), "known-failure");
            assert!(
                message
                    .as_ref()
                    .unwrap()
                    .as_str()
                    .starts_with("known failure: batches are not implemented yet")
            );
        }
        other => panic!("expected skipped, got {other:?}"),
    }
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("report_markdown", render(Format::Markdown, &report()));
}

#[test]
fn markdown_stays_within_its_budget() {
    let mut results = Vec::new();
    for i in 0..400 {
        let mut r = result(
            "sdk-x",
            "http-binary/minimal",
            Some(Encoding::HttpBinary),
            Status::Fail,
        );
        r.case = format!("http-binary/generated-{i:03}");
        r.actual = Some("x".repeat(2000));
        results.push(r);
    }
    let big = collect(targets(), results, &[]);
    let options = markdown::Options::default()
        .with_max_bytes(64 * 1024)
        .with_full_report("report.html");
    let text = markdown::render(&big, &options);
    assert!(text.len() <= 64 * 1024, "{} bytes", text.len());
    assert!(text.contains("**Cut here**"), "no cut note");
    assert!(text.contains("more deviations are not shown"));
    assert!(text.contains("report.html"));
    // The summary table comes first and survives the cut.
    assert!(text.starts_with("## CloudEvents conformance"));
    // Unlimited, the same report is far larger.
    let full = markdown::render(
        &big,
        &markdown::Options::default().with_max_bytes(usize::MAX),
    );
    assert!(full.len() > 800 * 1024);
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("report_html", render(Format::Html, &report()));
}

#[test]
fn html_is_self_contained() {
    let page = render(Format::Html, &report());
    for needle in ["src=", "<link", "@import", "url("] {
        assert!(!page.contains(needle), "found {needle}");
    }
    assert!(page.contains("default-src 'none'"));
    assert!(page.contains("<svg"));
    // The filter form is hidden until the script shows it.
    assert!(page.contains("<form id=\"filters\" hidden>"));
}

const HOSTILE: &str = "<script>alert(1)</script>\u{1b}[31m\u{7}";

fn hostile_report() -> Report {
    let mut targets = targets();
    targets[1].info.name = format!("evil {HOSTILE}");
    targets[1].info.version = HOSTILE.into();
    let mut results = results();
    for r in results
        .iter_mut()
        .filter(|r| r.target == "sdk-x" && r.status != Status::Pass)
    {
        r.message = HOSTILE.into();
        r.actual = Some(HOSTILE.into());
        r.findings.push(Finding {
            rule: "CORE-ID-1".into(),
            level: Level::Must,
            message: HOSTILE.into(),
        });
        let mut reply = HttpMessage::post(
            vec![("x-evil".into(), HOSTILE.as_bytes().to_vec())],
            HOSTILE.as_bytes().to_vec(),
        );
        reply.status = 500;
        r.transcript = Some(Transcript {
            request: None,
            response: Some(InputSpec::from_message(&Message::Http(reply))),
            note: Some(HOSTILE.into()),
        });
    }
    if let Some(r) = results
        .iter_mut()
        .find(|r| r.known_failure.is_some() && r.target == "sdk-x")
    {
        r.known_failure = Some(KnownFailure {
            reason: HOSTILE.into(),
            link: Some("javascript:alert(1)".into()),
            now_passes: false,
        });
    }
    collect(targets, results, &[("sdk-broken", HOSTILE)])
}

#[test]
fn hostile_target_text_is_escaped_in_every_format() {
    let r = hostile_report();
    for format in Format::ALL {
        let out = render(format, &r);
        assert!(!out.contains('\u{1b}'), "{format}: raw ESC");
        assert!(!out.contains('\u{7}'), "{format}: raw BEL");
        if format != Format::Json {
            assert!(!out.contains("<script>alert"), "{format}: raw <script>");
            assert!(
                out.contains("\\u{1b}[31m\\u{7}"),
                "{format}: control characters not shown"
            );
        }
    }
    let page = render(Format::Html, &r);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[31m\\u{7}"));
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(!page.contains("href=\"javascript:"));
    let xml = render(Format::Junit, &r);
    assert!(xml.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[31m\\u{7}"));
    // Well-formed: it parses, and the text comes back (controls made visible).
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed XML");
    let props: Vec<&str> = parsed
        .test_suites
        .iter()
        .flat_map(|s| s.properties.iter().map(|p| p.value.as_str()))
        .collect();
    assert!(
        props.contains(&"<script>alert(1)</script>\\u{1b}[31m\\u{7}"),
        "{props:?}"
    );
    let md = render(Format::Markdown, &r);
    assert!(!md.contains("](javascript"), "clickable javascript: link");
    assert!(
        md.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\\\u{1b}[31m\\\\u{7}")
            || md.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[31m\\u{7}")
    );
    // JSON keeps the text as data, with the controls escaped by JSON.
    let json_text = render(Format::Json, &r);
    assert!(json_text.contains("\\u001b[31m\\u0007"));
    assert_eq!(json::from_str(&json_text).unwrap(), r);
    // The terminal form and the diff text.
    assert_eq!(
        escape::terminal(HOSTILE),
        "<script>alert(1)</script>\\u{1b}[31m\\u{7}"
    );
    let mut diff_text = Vec::new();
    compare::write_text(&compare::diff(&report(), &r), &mut diff_text).unwrap();
    let diff_text = String::from_utf8(diff_text).unwrap();
    assert!(!diff_text.contains('\u{1b}') && diff_text.contains("\\u{1b}"));
    let mut diff_md = Vec::new();
    compare::write_markdown(&compare::diff(&report(), &r), &mut diff_md).unwrap();
    let diff_md = String::from_utf8(diff_md).unwrap();
    assert!(!diff_md.contains('\u{1b}') && !diff_md.contains("<script>"));
}

/// The fixture's run as two reports, one per target (reference, sdk-x).
fn halves() -> (Report, Report) {
    let all = results();
    let only = |t: &str| {
        all.iter()
            .filter(|r| r.target == t)
            .cloned()
            .collect::<Vec<_>>()
    };
    let targets = targets();
    let a = collect(vec![targets[0].clone()], only("reference"), &[]);
    let b = collect(vec![targets[1].clone()], only("sdk-x"), &[]);
    (a, b)
}

#[test]
fn merge_puts_targets_side_by_side() {
    let (a, b) = halves();
    let merged = compare::merge(vec![a.clone(), b]).unwrap();
    let mut whole = collect(targets(), results(), &[]);
    whole.bench = None;
    assert_eq!(merged, whole);
    assert_eq!(
        compare::merge(vec![a.clone(), a]).unwrap_err(),
        compare::MergeError::DuplicateTarget("reference".into())
    );
    assert_eq!(
        compare::merge(vec![]).unwrap_err(),
        compare::MergeError::Empty
    );
}

#[test]
fn split_by_target_is_undone_by_merge() {
    let mut whole = report();
    whole.bench = None;
    let parts = split::split(&whole);
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["reference", "sdk-x"]);
    for (name, part) in &parts {
        assert_eq!(part.targets.len(), 1);
        assert!(!part.results.is_empty() && part.results.iter().all(|r| r.target == *name));
        assert_eq!(part.cases, whole.cases, "every part keeps the run's cases");
    }
    let merged = compare::merge(parts.into_iter().map(|(_, r)| r).collect()).unwrap();
    assert_eq!(merged, whole);
}

#[test]
fn split_keeps_each_targets_bench_rows_only() {
    let whole = report();
    let rows = |r: &Report| r.bench_rows().unwrap_or_default().len();
    let parts = split::split(&whole);
    assert!(rows(&whole) > 0);
    assert_eq!(
        parts.iter().map(|(_, p)| rows(p)).sum::<usize>(),
        rows(&whole)
    );
    for (name, part) in &parts {
        let part_rows = part.bench_rows().unwrap_or_default();
        assert!(part_rows.iter().all(|row| row.target == *name), "{name}");
    }
}

#[test]
fn split_file_names_are_safe_and_distinct() {
    let mut r = report();
    r.targets[0].target.name = "sdk/x".into();
    r.targets[1].target.name = "sdk:x".into();
    assert_eq!(
        split::file_names(&r, "m.", ".html"),
        ["m.sdk_x.html", "m.sdk_x-2.html"]
    );
    assert_eq!(split::safe_name("../etc"), "_etc");
}

#[test]
fn html_index_links_target_pages_and_leaves_results_to_them() {
    let r = report();
    let options = html::Options {
        target_pages: vec!["m.reference.html".into(), "m.sdk-x.html".into()],
        ..html::Options::default()
    };
    let index = html::render_with(&r, &options);
    let full = html::render(&r);
    assert!(
        index.contains("<a href=\"m.sdk-x.html\">sdk-x</a>"),
        "{index}"
    );
    for section in ["id=\"results\"", "id=\"known\"", "href=\"#results\""] {
        assert!(!index.contains(section), "{section}");
    }
    assert!(full.contains("id=\"results\"") && !full.contains("m.sdk-x.html"));
    // What the index keeps is what the full page shows.
    for section in ["id=\"matrix\"", "id=\"coverage\"", "id=\"deviations\""] {
        assert!(
            index.contains(section) && full.contains(section),
            "{section}"
        );
    }
}

#[test]
fn diff_against_a_baseline() {
    let baseline = report();
    let mut now = results();
    let find = |now: &mut Vec<cespec::runner::CaseResult>, t: &str, name: &str| {
        now.iter()
            .position(|r| r.target == t && r.name() == name)
            .unwrap()
    };
    // Newly failing: reference's http-binary/percent.
    let i = find(&mut now, "reference", "http-binary/percent@http-binary");
    now[i].status = Status::Fail;
    now[i].message = "header not percent-encoded".into();
    // Newly passing: sdk-x's structured reply.
    let i = find(&mut now, "sdk-x", "http-binary/minimal@http-structured");
    now[i].status = Status::Pass;
    // Changed message: sdk-x's error.
    let i = find(&mut now, "sdk-x", "http-binary/percent@http-binary");
    now[i].message = "timed out after 5s".into();
    // Other change: reference's batch case is now skipped.
    let i = find(&mut now, "reference", "http-batch/two");
    now[i].status = Status::Skip;
    // Removed and added.
    let i = find(&mut now, "sdk-x", "kafka-binary/key");
    now.remove(i);
    let mut added = result(
        "sdk-x",
        "http-binary/minimal",
        Some(Encoding::HttpBatch),
        Status::Fail,
    );
    added.duration = Duration::from_micros(1);
    now.push(added);
    let current = collect(targets(), now, &[]);

    let d = compare::diff(&baseline, &current);
    let names = |l: &[compare::Change]| {
        l.iter()
            .map(|c| format!("{} {}", c.target, c.result))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&d.newly_failing),
        ["reference http-binary/percent@http-binary"]
    );
    assert_eq!(
        names(&d.newly_passing),
        ["sdk-x http-binary/minimal@http-structured"]
    );
    assert_eq!(
        names(&d.changed_messages),
        ["sdk-x http-binary/percent@http-binary"]
    );
    assert_eq!(names(&d.other_changes), ["reference http-batch/two"]);
    assert_eq!(names(&d.added), ["sdk-x http-binary/minimal@http-batch"]);
    assert_eq!(names(&d.removed), ["sdk-x kafka-binary/key"]);
    assert_eq!(d.regressions(), 1);
    assert_eq!(d.exit_code(), cespec::exit_codes::FAILURE);

    let same = compare::diff(&baseline, &baseline);
    assert!(same.is_empty());
    assert_eq!(same.regressions(), 0);
    assert_eq!(same.exit_code(), cespec::exit_codes::SUCCESS);

    let mut text = Vec::new();
    compare::write_text(&d, &mut text).unwrap();
    insta::assert_snapshot!("diff_text", String::from_utf8(text).unwrap());
    let mut md = Vec::new();
    compare::write_markdown(&d, &mut md).unwrap();
    insta::assert_snapshot!("diff_markdown", String::from_utf8(md).unwrap());
}

#[test]
fn badges_per_target() {
    let r = report();
    let badges = badge::badges(&r);
    let json: Vec<(String, serde_json::Value)> = badges
        .iter()
        .map(|(name, b)| (name.clone(), serde_json::to_value(b).unwrap()))
        .collect();
    assert_eq!(
        json,
        [
            (
                "cloudevents-reference.json".to_owned(),
                serde_json::json!({"schemaVersion": 1, "label": "CloudEvents", "message": "100% MUST (4/4)", "color": "brightgreen"})
            ),
            (
                "cloudevents-sdk-x.json".to_owned(),
                serde_json::json!({"schemaVersion": 1, "label": "CloudEvents", "message": "25% MUST (1/4)", "color": "red"})
            ),
        ]
    );
    let dir = std::env::temp_dir().join(format!("cespec-badges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let written = badge::write_badges(&r, &dir).unwrap();
    assert_eq!(written.len(), 2);
    let text = std::fs::read_to_string(&written[1]).unwrap();
    assert!(text.contains("\"schemaVersion\": 1"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_chart_marks_nonconformant_rows() {
    let svg = html::bench_svg(&report().bench_rows().unwrap());
    assert!(svg.contains("160000/s (fails conformance)"));
    assert_eq!(svg.matches("<rect").count(), 3);
    let _ = junit::to_junit(&report());
}

/// A sink the test can read after the reporter is done with it.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn report_files_write_every_format_at_done() {
    use cespec::report::collect::{Collector, ReportFiles};
    use cespec::runner::{Reporter, RunEvent, Tally};

    let catalog = report_fixture::catalog();
    let collector = Collector::new(
        &catalog,
        report_fixture::TOOL_VERSION,
        &report_fixture::cases(),
    )
    .started_at(Some(STARTED_AT.into()));
    let mut files = ReportFiles::new(collector);
    let sinks: Vec<(Format, Shared)> = Format::ALL
        .iter()
        .map(|f| (*f, Shared::default()))
        .collect();
    for (format, sink) in &sinks {
        files.add(*format, Box::new(sink.clone()));
    }
    files
        .on_event(&RunEvent::Started {
            targets: targets(),
            cases: 5,
        })
        .unwrap();
    for r in results() {
        files.on_event(&RunEvent::Finished(Box::new(r))).unwrap();
    }
    assert!(
        sinks.iter().all(|(_, s)| s.0.lock().unwrap().is_empty()),
        "written before Done"
    );
    files
        .on_event(&RunEvent::Done {
            tally: Tally::default(),
        })
        .unwrap();
    let expected = collect(targets(), results(), &[]);
    for (format, sink) in &sinks {
        let written = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(written, render(*format, &expected), "{format}");
    }
}

#[test]
fn published_sample_is_current() {
    // The README links reports/sample/report.html; keep it in step with the writers.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/sample");
    let r = report();
    for (format, name) in [
        (Format::Json, "report.json"),
        (Format::Junit, "junit.xml"),
        (Format::Markdown, "summary.md"),
        (Format::Html, "report.html"),
    ] {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == render(format, &r),
            "reports/sample/{name} is stale; regenerate it with:\n\n    \
             cargo run --example sample_report -- reports/sample\n"
        );
    }
}

#[test]
fn known_failures_are_grouped_by_expectations_entry() {
    // Two more results under the same entry of sdk-x's expectations file,
    // and one under another: two folds, a row per result, no article.
    let mut all = results();
    let known = all
        .iter()
        .find(|r| r.is_expected_failure())
        .cloned()
        .expect("the fixture has a known failure");
    for (case, reason) in [
        ("http-batch/three", None),
        ("http-batch/four", None),
        ("http-batch/five", Some("another entry")),
    ] {
        let mut r = known.clone();
        r.case = case.into();
        if let (Some(reason), Some(k)) = (reason, r.known_failure.as_mut()) {
            k.reason = reason.into();
        }
        all.push(r);
    }
    let page = html::render(&collect(targets(), all, &[]));
    assert_eq!(page.matches("<details class=\"known\">").count(), 2);
    assert!(page.contains("<b>sdk-x</b> · 3 result(s) · batches are not implemented yet"));
    assert!(page.contains("<b>sdk-x</b> · 1 result(s) · another entry"));
    assert!(page.contains("<h2>Known failures (4)</h2>"));
    assert!(!page.contains("<article class=\"result s-known\""));
    for case in [
        "http-batch/two",
        "http-batch/three",
        "http-batch/four",
        "http-batch/five",
    ] {
        assert!(
            page.contains(&format!(
                "data-suite=\"http-batch\"><td><code>{case}</code>"
            )),
            "{case} has a row"
        );
    }
    // The unexpected deviations keep their articles.
    assert_eq!(page.matches("<article class=\"result").count(), 4);
}

#[test]
fn a_main_branch_rule_is_marked_wherever_its_section_is_shown() {
    let mut r = report();
    let failing: Vec<String> = (r.results.iter())
        .filter(|x| x.status == cespec::runner::Status::Fail)
        .flat_map(|x| x.rules.clone())
        .collect();
    let rule = (r.coverage.rules.iter_mut())
        .find(|c| failing.contains(&c.rule.id) && !c.rule.section.is_empty())
        .expect("a failing result cites a catalog rule");
    assert!(!rule.rule.wip, "the fixture's rules are all released");
    rule.rule.wip = true;
    let marked = format!("{} (main branch only, not in v1.0.2)", rule.rule.section);
    for format in [Format::Markdown, Format::Junit, Format::Html] {
        assert!(
            render(format, &r).contains(&marked),
            "{format:?} does not mark the rule"
        );
        assert!(!render(format, &report()).contains("main branch only"));
    }
    let json = render(Format::Json, &r);
    assert!(json.contains("\"wip\": true") || json.contains("\"wip\":true"));
}

#[test]
fn a_report_says_how_it_was_judged_and_merges_only_alike() {
    let plain = report();
    assert!(plain.judging.is_default());
    for format in [Format::Json, Format::Markdown, Format::Html] {
        assert!(!render(format, &plain).contains("udging"), "{format:?}");
    }

    let mut released = report();
    released.judging.released_spec = true;
    let json = render(Format::Json, &released);
    assert!(json.contains("\"released-spec\": true"), "{json}");
    assert_eq!(json::from_str(&json).unwrap().judging, released.judging);
    for format in [Format::Markdown, Format::Html] {
        let text = render(format, &released);
        assert!(
            text.contains("Judging: judged by the released spec v1.0.2"),
            "{format:?}"
        );
    }

    let (mut a, mut b) = halves();
    b.judging.strict = true;
    assert!(matches!(
        compare::merge(vec![a.clone(), b.clone()]).unwrap_err(),
        compare::MergeError::DifferentJudging(..)
    ));
    a.judging.strict = true;
    assert!(compare::merge(vec![a, b]).unwrap().judging.strict);
}
