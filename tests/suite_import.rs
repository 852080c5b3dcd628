//! `cespec import` on invented samples of the official conformance tool's
//! two file formats (`tests/data/import/`): the generated suite loads, every
//! case cites the placeholder rule with a note saying where it came from,
//! and the reference implementation agrees with every imported expectation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cespec::codec::Encoding;
use cespec::rules::Catalog;
use cespec::runner::Status;
use cespec::runner::judge::{JudgeOptions, TargetView, judge, replies};
use cespec::suite::import::{ImportFormat, import_file, import_text};
use cespec::suite::{Suite, load_str};
use cespec::target::reference::Reference;
use cespec::target::{Echo, Implementation};

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("the embedded catalog loads")
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(name)
}

fn load_generated(yaml: &str, id: &str) -> Suite {
    let path = PathBuf::from(format!("suites/{id}.yaml"));
    load_str(yaml, &path, catalog(), &|n| Err(n.to_owned()))
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// Runs every case of `suite` against the reference, echoing in-process.
fn prove(suite: &Suite) {
    let reference = Reference;
    let caps = reference.capabilities();
    let view = TargetView {
        name: "reference",
        capabilities: &caps,
    };
    for case in &suite.cases {
        for reply in replies(case, &caps) {
            let echo = match reference.decode(&case.input) {
                Err(reason) => Echo::rejected(reason),
                Ok(events) => match reference.encode(&events, reply) {
                    Ok(message) => Echo::Accepted(message),
                    Err(reason) => Echo::broken(reason),
                },
            };
            let result = judge(
                case,
                reply,
                &echo,
                &view,
                JudgeOptions::default(),
                Duration::ZERO,
            );
            assert_eq!(
                result.status,
                Status::Pass,
                "{} @ {reply}: {} {:?}",
                case.id,
                result.message,
                result.findings
            );
        }
    }
}

#[test]
fn tool_event_files_become_http_cases() {
    let imported = import_file(&data("tool-events.yaml"), None, catalog()).unwrap();
    assert_eq!(imported.suite, "imported-tool-events");
    assert_eq!(imported.cases, 5);
    assert!(
        imported.problems.is_empty(),
        "{:?}\n{}",
        imported.problems,
        imported.yaml
    );
    let suite = load_generated(&imported.yaml, &imported.suite);
    let ids: Vec<&str> = suite.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "imported-tool-events/sample-text-1",
            "imported-tool-events/sample-json-2",
            "imported-tool-events/sample-json-3",
            "imported-tool-events/sample-bytes-4",
            "imported-tool-events/sample-old-5",
        ]
    );
    assert_eq!(suite.cases[0].title, "A plain-text event in binary mode");
    assert_eq!(suite.cases[2].input_encoding, Encoding::HttpStructured);
    assert!(suite.cases[4].requires.contains("specversion-0.3"));
    for case in &suite.cases {
        assert_eq!(case.rules, ["CORE-GEN-1"]);
        let notes = case.notes.as_deref().unwrap_or_default();
        assert!(
            notes.contains("tool-events.yaml") && notes.contains("cite the precise rule"),
            "{notes}"
        );
    }
    let cespec::wire::Message::Http(m) = &suite.cases[1].input else {
        panic!("http")
    };
    assert_eq!(m.header("ce-id"), Some("Sample%20JSON%202"));
    assert_eq!(m.header("x-sample-trace"), Some("abc123"));
    prove(&suite);
}

#[test]
fn format_test_files_become_json_cases() {
    let imported = import_file(
        &data("format-events.json"),
        Some("sample-format"),
        catalog(),
    )
    .unwrap();
    assert_eq!(imported.cases, 7);
    assert!(
        imported.problems.is_empty(),
        "{:?}\n{}",
        imported.problems,
        imported.yaml
    );
    let suite = load_generated(&imported.yaml, "sample-format");
    let summary: Vec<(&str, bool, Encoding)> = suite
        .cases
        .iter()
        .map(|c| {
            (
                c.id.trim_start_matches("sample-format/"),
                c.expect.verdict == cespec::suite::Verdict::Accept,
                c.input_encoding,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("sample-minimal", true, Encoding::Json),
            ("sample-typed-extensions", true, Encoding::Json),
            ("sample-binary-data", true, Encoding::Json),
            ("sample-no-type", false, Encoding::Json),
            ("sample-fractional-extension", false, Encoding::Json),
            ("sample-batch-of-two", true, Encoding::JsonBatch),
            ("sample-mixed-versions", false, Encoding::JsonBatch),
        ]
    );
    // The exact number text survives: 7.0 is not turned into 7.
    let cespec::wire::Message::Json(doc) = &suite.cases[4].input else {
        panic!("json")
    };
    assert!(String::from_utf8_lossy(&doc.body).contains("\"samplecount\":7.0"));
    assert!(
        suite.cases[1]
            .notes
            .as_deref()
            .unwrap_or_default()
            .contains("sample extension attribute")
    );
    assert_eq!(suite.cases[0].title, "A minimal invented event");
    prove(&suite);
}

#[test]
fn import_errors_name_the_file_and_place() {
    let source = Path::new("in/events.yaml");
    let text = "ContextAttributes: {id: a}\n---\n# two\nContextAttributes: [oops\n";
    let err = import_text(text, source, ImportFormat::EventYaml, "x", catalog())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("in/events.yaml:4:"), "{err}");
    let text = "Mode: sideways\nContextAttributes: {id: a}\n";
    let err = import_text(text, source, ImportFormat::EventYaml, "x", catalog())
        .unwrap_err()
        .to_string();
    assert!(err.contains("Mode \"sideways\""), "{err}");
    let json = Path::new("in/t.json");
    let err = import_text(
        "{\"tests\": [{\"id\": \"a\", \"event\": {}}]}",
        json,
        ImportFormat::FormatJson,
        "x",
        catalog(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("test \"a\": no testType"), "{err}");
    let err = import_text(
        "{\"testType\": \"ValidBatch\", \"tests\": [{\"id\": \"a\", \"event\": {}}]}",
        json,
        ImportFormat::FormatJson,
        "x",
        catalog(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("a batch test needs a `batch`"), "{err}");
    let err = import_text(
        "{\"tests\": [",
        json,
        ImportFormat::FormatJson,
        "x",
        catalog(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("in/t.json:1:"), "{err}");
    let err = import_text(
        "# nothing\n",
        source,
        ImportFormat::EventYaml,
        "x",
        catalog(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no event or test found"), "{err}");
    assert!(
        import_text(
            "ContextAttributes: {id: a}\n",
            source,
            ImportFormat::EventYaml,
            "Bad_Id",
            catalog()
        )
        .is_err()
    );
}

#[test]
fn an_imported_event_the_reference_rejects_is_reported_not_hidden() {
    // A tool event without `type`: the import still writes it, and says the
    // suite does not load because the expected event is invalid.
    let text = "ContextAttributes: {specversion: '1.0', id: x1, source: /s}\n";
    let imported = import_text(
        text,
        Path::new("e.yaml"),
        ImportFormat::EventYaml,
        "x",
        catalog(),
    )
    .unwrap();
    assert_eq!(imported.cases, 1);
    assert_eq!(imported.problems.len(), 1, "{:?}", imported.problems);
    assert!(
        imported.problems[0].contains("the expected event is not a valid event"),
        "{:?}",
        imported.problems
    );
}
