//! The interop section of the reports and adapter-supplied capabilities:
//! snapshots of the HTML and Markdown interop parts on the fixed report
//! plus a small hand-made matrix, the section's place in the full page,
//! its JSON round trip and merge, and escaping of participant names.
//!
//! Update snapshots with `cargo insta review` (or `INSTA_UPDATE=always`).

mod report_fixture;

use cespec::report::collect::Format;
use cespec::report::compare;
use cespec::report::interop::Interop;
use cespec::report::model::Report;
use cespec::report::{html, markdown};
use cespec::runner::TargetSummary;
use report_fixture::{collect, report, results, targets};

/// A matrix of three participants: a clean pair, a pair broken by an
/// attribute the consumer adds, a producer that rejected one case, and
/// HTTP binary with a consumer that replies in HTTP structured.
fn matrix() -> Interop {
    serde_json::from_value(serde_json::json!({
        "participants": ["reference", "sdk-x", "sdk-<y>"],
        "suites": ["core-attributes", "extensions"],
        "cases": 3,
        "max-listed": 2,
        "producers": [
            {"producer": "reference", "encoding": "json", "attempted": 3, "produced": 3, "rejected": 0, "errors": 0},
            {"producer": "sdk-x", "encoding": "json", "attempted": 3, "produced": 2, "rejected": 1, "errors": 0},
            {"producer": "reference", "encoding": "http-binary", "attempted": 3, "produced": 3, "rejected": 0, "errors": 0}
        ],
        "cells": [
            {"producer": "reference", "consumer": "sdk-x", "encoding": "json", "reply": "json",
             "passed": 0, "failed": 3,
             "kinds": {"attribute added: time": 2, "rejected": 1},
             "failures": [
                {"case": "core-attributes/minimal", "kind": "attribute added: time", "detail": "time: not expected, got \"2026-01-01T00:00:00Z\""},
                {"case": "extensions/bool", "kind": "rejected", "detail": "rejected: <bad> & wrong"}
             ]},
            {"producer": "reference", "consumer": "sdk-<y>", "encoding": "json", "reply": "json", "passed": 3, "failed": 0},
            {"producer": "sdk-x", "consumer": "reference", "encoding": "json", "reply": "json", "passed": 2, "failed": 0},
            {"producer": "sdk-x", "consumer": "sdk-<y>", "encoding": "json", "reply": "json", "passed": 1, "failed": 1,
             "kinds": {"value changed: subject": 1},
             "failures": [{"case": "core-attributes/subject", "kind": "value changed: subject", "detail": "subject: expected \"a b\", got \"a%20b\""}]},
            {"producer": "reference", "consumer": "sdk-<y>", "encoding": "http-binary", "reply": "http-structured", "passed": 3, "failed": 0}
        ]
    }))
    .expect("a valid interop section")
}

fn with_interop() -> Report {
    let mut r = report();
    r.interop = Some(Box::new(matrix()));
    r
}

#[test]
fn interop_html_snapshot() {
    insta::assert_snapshot!("interop_html", html::interop_section(&with_interop()));
}

#[test]
fn interop_markdown_snapshot() {
    insta::assert_snapshot!(
        "interop_markdown",
        markdown::interop_section(&with_interop())
    );
}

#[test]
fn the_section_is_in_the_page_only_when_the_report_has_one() {
    let with = html::render(&with_interop());
    assert!(with.contains("<a href=\"#interop\">Interop</a>"));
    assert!(with.contains("<section id=\"interop\">"));
    let capabilities = with.find("id=\"capabilities\"").unwrap();
    let interop = with.find("id=\"interop\"").unwrap();
    let coverage = with.find("id=\"coverage\"").unwrap();
    assert!(capabilities < interop && interop < coverage);
    let without = html::render(&report());
    assert!(!without.contains("interop"));
    assert!(html::interop_section(&report()).is_empty());
    assert!(markdown::interop_section(&report()).is_empty());
    let md = markdown::render(&with_interop(), &markdown::Options::default());
    assert!(md.contains("### Interop"));
}

#[test]
fn names_and_details_are_escaped() {
    let page = html::interop_section(&with_interop());
    assert!(page.contains("sdk-&lt;y&gt;"));
    assert!(!page.contains("sdk-<y>"));
    assert!(page.contains("rejected: &lt;bad&gt; &amp; wrong"));
    let md = markdown::interop_section(&with_interop());
    assert!(!md.contains("sdk-<y>"), "{md}");
}

#[test]
fn the_json_round_trips_and_merge_keeps_the_first_matrix() {
    let r = with_interop();
    let mut out = Vec::new();
    Format::Json.render(&r, &mut out).unwrap();
    let back: Report = serde_json::from_slice(&out).unwrap();
    assert_eq!(back.interop, r.interop);
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["interop"]["cells"][0]["kinds"]["rejected"], 1);
    assert!(value["interop"]["cells"][1].get("failures").is_none());

    let other = collect(
        vec![TargetSummary {
            name: "sdk-z".into(),
            ..targets().remove(1)
        }],
        Vec::new(),
        &[],
    );
    let merged = compare::merge(vec![r.clone(), other.clone()]).unwrap();
    assert_eq!(merged.interop, r.interop);
    let merged = compare::merge(vec![other, r.clone()]).unwrap();
    assert_eq!(merged.interop, r.interop);
}

#[test]
fn adapter_supplied_capabilities_show_apart() {
    let mut ts = targets();
    ts[1].capabilities.insert("adapter:body-bytes".into());
    let r = collect(ts, results(), &[]);
    let cell = r
        .target("sdk-x")
        .unwrap()
        .capability_matrix
        .iter()
        .find(|c| c.capability == "adapter:body-bytes")
        .unwrap()
        .clone();
    assert!(cell.adapter_supplied && cell.declared);
    let plain = r
        .target("sdk-x")
        .unwrap()
        .capability_matrix
        .iter()
        .find(|c| c.capability == "json")
        .unwrap();
    assert!(!plain.adapter_supplied);
    let value = serde_json::to_value(&r).unwrap();
    let caps = value["targets"][1]["capability-matrix"].as_array().unwrap();
    assert!(
        caps.iter()
            .any(|c| c["capability"] == "adapter:body-bytes" && c["adapter-supplied"] == true)
    );
    assert!(caps.iter().all(|c| c["capability"] == "adapter:body-bytes"
        || c.get("adapter-supplied").is_none()));

    let page = html::render(&r);
    assert!(page.contains(">adapter-supplied</td>"), "html");
    // Listed after the implementation's own capabilities.
    let at = |s: &str| page.find(&format!("<tr><th>{s}</th>")).unwrap();
    assert!(at("adapter:body-bytes") > at("kafka-binary"));
    let md = markdown::render(&r, &markdown::Options::default());
    assert!(
        md.contains("| adapter:body-bytes | ➖ unclaimed | 🔧 adapter-supplied |"),
        "{md}"
    );
}

#[test]
fn a_split_part_points_to_the_index_for_the_interop_matrix() {
    let r = with_interop();
    let options = html::Options {
        index_page: Some("m.html".into()),
        ..html::Options::default()
    };
    let part = html::render_with(&r, &options);
    let matrix = html::interop_section(&r);
    assert!(!matrix.is_empty());
    assert!(
        part.contains("<a href=\"m.html\">All targets</a>"),
        "{part}"
    );
    assert!(part.contains("href=\"m.html#interop\""));
    assert!(!part.contains(&matrix));
    assert!(html::render(&r).contains(&matrix));
}
