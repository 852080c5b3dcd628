//! `report.schema.json` is generated from the report model
//! (`src/report/model.rs`) with schemars and committed; this test fails when
//! the committed file and the types drift apart, and says how to update it:
//!
//! ```text
//! CESPEC_UPDATE_SCHEMA=1 cargo test --test report_schema
//! ```
//!
//! It also validates a serialised report against the schema, which catches
//! a mirror in `src/report/schema.rs` that no longer matches its type.

mod report_fixture;

use std::path::PathBuf;

use cespec::report::model::Report;

fn generated() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).unwrap();
    text.push('\n');
    text
}

#[test]
fn committed_schema_matches_the_model() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("report.schema.json");
    let text = generated();
    if std::env::var_os("CESPEC_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "report.schema.json is out of date with src/report/model.rs; regenerate it with:\n\n    \
         CESPEC_UPDATE_SCHEMA=1 cargo test --test report_schema\n"
    );
}

#[test]
fn reports_validate_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    let report = serde_json::to_value(report_fixture::report()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the fixture report breaks the schema:\n{}",
        errors.join("\n")
    );
    // An unknown member inside a result is refused (results are closed).
    let mut broken = report.clone();
    broken["results"][0]["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&broken));
}
