//! A small fixed report for the report tests: two targets (one failing in
//! every way a result can), a target that never started, a known failure,
//! HTTP and Kafka transcripts, a body that is not UTF-8 and benchmark
//! results. Durations and the start time are fixed, so writers' output is
//! deterministic. The catalog is a small one of its own, so changes to
//! `suites/rules.yaml` do not churn the snapshots.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cespec::codec::Encoding;
use cespec::report::collect::Collector;
use cespec::report::model::Report;
use cespec::rules::{Catalog, Level};
use cespec::runner::{
    CaseResult, Finding, KnownFailure, Reporter, RunEvent, Status, Tally, TargetSummary, Transcript,
};
use cespec::suite::input::InputSpec;
use cespec::suite::{Case, Expectation, Location, Verdict};
use cespec::target::ImplementationInfo;
use cespec::wire::{HttpMessage, KafkaRecord, Message};

pub const STARTED_AT: &str = "2026-01-02T03:04:05Z";
pub const TOOL_VERSION: &str = "0.0.0-test";

const CATALOG: &str = r#"
catalog-version: 1
rules:
  - id: HTTP-BIN-3
    level: MUST
    keyword: MUST
    document: bindings/http-protocol-binding.md
    anchor: 311-http-content-type
    section: "HTTP 3.1.1 Content-Type"
    text: In binary mode the event attributes travel as ce- headers.
    versions: ["1.0"]
    testable: true
  - id: CORE-ID-1
    level: MUST
    keyword: MUST
    document: spec.md
    anchor: id
    section: "Context attributes: id"
    text: The id attribute is a non-empty string.
    versions: ["1.0"]
    testable: true
  - id: HTTP-HDR-7
    level: MUST
    keyword: MUST
    document: bindings/http-protocol-binding.md
    anchor: 3131-http-header-values
    section: "HTTP 3.1.3.1 Header values"
    text: Header values are percent-encoded outside printable ASCII.
    versions: ["1.0"]
    testable: true
  - id: JSON-DATA-1
    level: SHOULD
    keyword: SHOULD
    document: formats/json-format.md
    anchor: 31-handling-of-data
    section: "JSON 3.1 Handling of data"
    text: JSON data is kept as a JSON value, not a string.
    versions: ["1.0"]
    testable: true
  - id: KAFKA-KEY-1
    level: MAY
    keyword: MAY
    document: bindings/kafka-protocol-binding.md
    anchor: 31-key-mapping
    section: "Kafka 3.1 Key mapping"
    text: The message key may carry the partitionkey extension.
    versions: ["1.0"]
    testable: true
  - id: HTTP-BATCH-1
    level: MUST
    keyword: MUST
    document: bindings/http-protocol-binding.md
    anchor: 33-batched-content-mode
    section: "HTTP 3.3 Batched content mode"
    text: A batch is a JSON array of events.
    versions: ["1.0"]
    testable: true
  - id: CORE-UNCOVERED-1
    level: MUST
    keyword: MUST
    document: spec.md
    anchor: source
    section: "Context attributes: source"
    text: A rule no case of this fixture covers.
    versions: ["1.0"]
    testable: true
  - id: CORE-ADVICE-1
    level: SHOULD
    keyword: SHOULD
    document: spec.md
    anchor: privacy-and-security
    section: Privacy and security
    text: Advice no harness can check.
    versions: ["1.0"]
    testable: false
"#;

pub fn catalog() -> Catalog {
    Catalog::parse(CATALOG, Path::new("fixture-rules.yaml")).expect("fixture catalog parses")
}

fn http(headers: &[(&str, &[u8])], body: &[u8]) -> Message {
    Message::Http(HttpMessage::post(
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
            .collect(),
        body.to_vec(),
    ))
}

fn kafka(key: Option<&[u8]>, headers: &[(&str, &[u8])], value: Option<&[u8]>) -> Message {
    Message::Kafka(KafkaRecord {
        key: key.map(<[u8]>::to_vec),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
            .collect(),
        value: value.map(<[u8]>::to_vec),
    })
}

fn minimal_http() -> Message {
    http(
        &[
            ("ce-specversion", b"1.0"),
            ("ce-id", b"1"),
            ("ce-source", b"/s"),
            ("ce-type", b"t.x"),
        ],
        b"",
    )
}

fn case(
    id: &str,
    rules: &[&str],
    level: Level,
    requires: &[&str],
    input: Message,
    line: usize,
) -> Case {
    let suite = id.split('/').next().unwrap().to_owned();
    Case {
        id: id.to_owned(),
        suite: suite.clone(),
        title: format!("The case {id}"),
        rules: rules.iter().map(|r| (*r).to_owned()).collect(),
        level,
        notes: None,
        requires: requires
            .iter()
            .map(|r| (*r).to_owned())
            .collect::<BTreeSet<_>>(),
        input,
        raw: None,
        input_encoding: Encoding::HttpBinary,
        expect: Expectation {
            verdict: Verdict::Accept,
            events: None,
            reply: BTreeMap::new(),
            refusal: None,
        },
        location: Location {
            path: PathBuf::from(format!("suites/{suite}.yaml")),
            line,
        },
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "http-binary/minimal",
            &["HTTP-BIN-3", "CORE-ID-1"],
            Level::Must,
            &["http-binary"],
            minimal_http(),
            12,
        ),
        case(
            "http-binary/percent",
            &["HTTP-HDR-7"],
            Level::Must,
            &["http-binary"],
            minimal_http(),
            40,
        ),
        case(
            "json-format/data-string",
            &["JSON-DATA-1"],
            Level::Should,
            &["json"],
            minimal_http(),
            7,
        ),
        case(
            "kafka-binary/key",
            &["KAFKA-KEY-1"],
            Level::May,
            &["kafka-binary"],
            kafka(Some(b"k"), &[("ce_id", b"1")], Some(b"{}")),
            5,
        ),
        case(
            "http-batch/two",
            &["HTTP-BATCH-1"],
            Level::Must,
            &["http-batch"],
            minimal_http(),
            3,
        ),
    ]
}

pub fn targets() -> Vec<TargetSummary> {
    vec![
        TargetSummary {
            name: "reference".into(),
            address: "reference".into(),
            info: ImplementationInfo {
                name: "cespec-reference".into(),
                language: "Rust".into(),
                version: "0.1.0".into(),
            },
            capabilities: [
                "http-binary",
                "http-structured",
                "http-batch",
                "json",
                "kafka-binary",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        },
        TargetSummary {
            name: "sdk-x".into(),
            address: "http://127.0.0.1:8080/echo".into(),
            info: ImplementationInfo {
                name: "sdk-x".into(),
                language: "Go".into(),
                version: "2.1.0".into(),
            },
            capabilities: ["http-binary", "http-structured", "http-batch", "json"]
                .into_iter()
                .map(String::from)
                .collect(),
        },
    ]
}

pub fn result(target: &str, case: &str, reply: Option<Encoding>, status: Status) -> CaseResult {
    let c = cases()
        .into_iter()
        .find(|c| c.id == case)
        .expect("fixture case");
    let message = if status == Status::Pass {
        "ok".into()
    } else {
        format!("{} on {case}", status.as_str())
    };
    CaseResult {
        reply,
        rules: c.rules,
        duration: Duration::from_micros(1500),
        ..CaseResult::new(case, c.suite, target, status, c.level, message)
    }
}

/// Returns the results of the fixture run, in the order a runner might emit them.
pub fn results() -> Vec<CaseResult> {
    use Encoding::{HttpBinary, HttpStructured};
    let mut out = Vec::new();
    // The reference passes everything; its MAY case is informational.
    out.push(result(
        "reference",
        "http-binary/minimal",
        Some(HttpBinary),
        Status::Pass,
    ));
    out.push(result(
        "reference",
        "http-binary/minimal",
        Some(HttpStructured),
        Status::Pass,
    ));
    out.push(result(
        "reference",
        "http-binary/percent",
        Some(HttpBinary),
        Status::Pass,
    ));
    let mut now_passes = result("reference", "json-format/data-string", None, Status::Pass);
    now_passes.known_failure = Some(KnownFailure {
        reason: "data re-encoded as a string".into(),
        link: Some("https://github.com/example/sdk/issues/1".into()),
        now_passes: true,
    });
    out.push(now_passes);
    let mut info = result("reference", "kafka-binary/key", None, Status::Info);
    info.message = "the key does not carry partitionkey".into();
    info.findings = vec![Finding {
        rule: "KAFKA-KEY-1".into(),
        level: Level::May,
        message: "key is \"k\", partitionkey absent".into(),
    }];
    info.transcript = Some(Transcript {
        request: Some(InputSpec::from_message(&kafka(
            Some(b"k"),
            &[("ce_id", b"1"), ("ce_specversion", b"1.0")],
            Some(b"{}"),
        ))),
        response: Some(InputSpec::from_message(&kafka(
            None,
            &[("ce_id", b"1")],
            None,
        ))),
        note: None,
    });
    out.push(info);
    out.push(result("reference", "http-batch/two", None, Status::Pass));

    // sdk-x deviates in every way.
    out.push(result(
        "sdk-x",
        "http-binary/minimal",
        Some(HttpBinary),
        Status::Pass,
    ));
    let mut fail = result(
        "sdk-x",
        "http-binary/minimal",
        Some(HttpStructured),
        Status::Fail,
    );
    fail.message = "the reply is not equivalent to the input".into();
    fail.expected =
        Some("{\"id\":\"1\",\"source\":\"/s\",\"specversion\":\"1.0\",\"type\":\"t.x\"}".into());
    fail.actual =
        Some("{\"id\":\"\",\"source\":\"/s\",\"specversion\":\"1.0\",\"type\":\"t.x\"}".into());
    fail.findings = vec![Finding {
        rule: "CORE-ID-1".into(),
        level: Level::Must,
        message: "id is empty".into(),
    }];
    let mut response = http(
        &[
            ("content-type", b"application/cloudevents+json"),
            ("x-raw", &[b'v', 0xff]),
        ],
        &[b'{', 0xff, 0xfe, b'}'],
    );
    if let Message::Http(m) = &mut response {
        m.status = 200;
    }
    fail.transcript = Some(Transcript {
        request: Some(InputSpec::from_message(&minimal_http())),
        response: Some(InputSpec::from_message(&response)),
        note: Some("200 OK".into()),
    });
    out.push(fail);
    let mut error = result(
        "sdk-x",
        "http-binary/percent",
        Some(HttpBinary),
        Status::Error,
    );
    error.message = "connection refused".into();
    out.push(error);
    let mut warn = result("sdk-x", "json-format/data-string", None, Status::Warn);
    warn.message = "data came back as a JSON string".into();
    warn.expected = Some("{\"a\":1}".into());
    warn.actual = Some("\"{\\\"a\\\":1}\"".into());
    warn.findings = vec![Finding {
        rule: "JSON-DATA-1".into(),
        level: Level::Should,
        message: "data is a string".into(),
    }];
    out.push(warn);
    let mut skip = result("sdk-x", "kafka-binary/key", None, Status::Skip);
    skip.message = "unsupported: kafka-binary".into();
    out.push(skip);
    let mut known = result("sdk-x", "http-batch/two", None, Status::Fail);
    known.message = "the batch was rejected".into();
    known.known_failure = Some(KnownFailure {
        reason: "batches are not implemented yet".into(),
        link: Some("https://github.com/example/sdk-x/issues/42".into()),
        now_passes: false,
    });
    out.push(known);
    out
}

pub fn bench() -> serde_json::Value {
    serde_json::json!({
        "results": [
            {"name": "http-binary decode", "target": "reference", "events-per-second": 125000.0},
            {"name": "http-binary decode", "target": "sdk-x", "events-per-second": 160000.0, "conformant": false},
            {"name": "json encode", "target": "reference", "events-per-second": 98000.5}
        ]
    })
}

/// Feeds `results` through a [`Collector`] as a run would and returns the report.
pub fn collect(
    targets: Vec<TargetSummary>,
    results: Vec<CaseResult>,
    failed: &[(&str, &str)],
) -> Report {
    let catalog = catalog();
    let mut collector =
        Collector::new(&catalog, TOOL_VERSION, &cases()).started_at(Some(STARTED_AT.into()));
    collector
        .on_event(&RunEvent::Started {
            targets,
            cases: cases().len(),
        })
        .unwrap();
    let mut tally = Tally::default();
    for (target, reason) in failed {
        collector
            .on_event(&RunEvent::TargetFailed {
                target: (*target).into(),
                reason: (*reason).into(),
            })
            .unwrap();
    }
    // Out of order on purpose: the report sorts.
    for r in results.into_iter().rev() {
        tally.add(r.status);
        collector
            .on_event(&RunEvent::Finished(Box::new(r)))
            .unwrap();
    }
    collector.on_event(&RunEvent::Done { tally }).unwrap();
    collector.into_report()
}

/// Returns the fixed report every writer snapshot uses.
pub fn report() -> Report {
    let mut r = collect(
        targets(),
        results(),
        &[(
            "sdk-broken",
            "could not start: `sdk-broken --port 0` exited with status 1",
        )],
    );
    r.bench = Some(bench());
    r
}
