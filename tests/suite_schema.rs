//! `suites/schema.json` is a valid draft 2020-12 schema, every suite file
//! under `suites/` validates against it (YAML read with the loader's YAML
//! 1.2 rules, converted to JSON), and it refuses typical mistakes.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn schema() -> Value {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/schema.json"))
            .expect("suites/schema.json is readable");
    serde_json::from_str(&text).expect("suites/schema.json is JSON")
}

fn yaml_to_json(text: &str) -> Result<Value, String> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| e.to_string())
}

fn suite_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            suite_files(&path, out);
        } else if name.ends_with(".yaml") && name != "rules.yaml" {
            out.push(path);
        }
    }
}

fn problems(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_is_a_valid_schema() {
    jsonschema::meta::validate(&schema())
        .expect("suites/schema.json follows the draft 2020-12 meta-schema");
}

#[test]
fn every_suite_file_validates() {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    let mut files = Vec::new();
    suite_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("suites"),
        &mut files,
    );
    files.sort();
    assert!(!files.is_empty(), "no suite files found");
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        match yaml_to_json(&text) {
            Err(e) => failures.push(format!("{}: not YAML: {e}", path.display())),
            Ok(instance) => failures.extend(
                problems(&validator, &instance)
                    .into_iter()
                    .map(|p| format!("{}: {p}", path.display())),
            ),
        }
    }
    assert!(
        failures.is_empty(),
        "{} schema violation(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_schema_refuses_typical_mistakes() {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    let good = "suite: t\ntitle: T\ncases:\n  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    input: {json: {text: '{}'}}\n    expect: {outcome: reject}\n";
    assert_eq!(
        problems(&validator, &yaml_to_json(good).unwrap()),
        Vec::<String>::new()
    );
    let abstract_case = "suite: t\ntitle: T\ncases:\n  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: {id: '1'}\n    encodings: [json]\n    expect: {outcome: accept, event: {id: '1'}, reply: {json: {body: x}}}\n";
    assert_eq!(
        problems(&validator, &yaml_to_json(abstract_case).unwrap()),
        Vec::<String>::new()
    );
    let bad = [
        (
            "unknown case field",
            good.replace("    title: t\n", "    title: t\n    bogus: 1\n"),
        ),
        ("bad case id", good.replace("id: a", "id: A")),
        ("no rules", good.replace("[CORE-GEN-1]", "[]")),
        ("bad rule id", good.replace("CORE-GEN-1", "core-gen-1")),
        (
            "two input kinds",
            good.replace("{json: {text: '{}'}}", "{json: {text: '{}'}, http: {}}"),
        ),
        (
            "input and event",
            good.replace("    expect:", "    event: {id: '1'}\n    expect:"),
        ),
        (
            "encodings on an input",
            good.replace("    expect:", "    encodings: [json]\n    expect:"),
        ),
        (
            "two json sources",
            good.replace("{text: '{}'}", "{text: '{}', value: {}}"),
        ),
        (
            "unknown outcome",
            good.replace("outcome: reject", "outcome: maybe"),
        ),
        (
            "event on reject",
            good.replace("outcome: reject", "outcome: reject, event: {}"),
        ),
        ("unknown encoding", abstract_case.replace("[json]", "[xml]")),
        (
            "unknown reply encoding",
            abstract_case.replace("reply: {json:", "reply: {xml:"),
        ),
        (
            "fixture escaping",
            good.replace("{json: {text: '{}'}}", "{http: {body_file: ../x}}"),
        ),
        (
            "bad capability",
            good.replace("    expect:", "    requires: [kafka]\n    expect:"),
        ),
        (
            "two bodies",
            good.replace(
                "{json: {text: '{}'}}",
                "{http: {body: x, body_base64: eA==}}",
            ),
        ),
    ];
    for (what, text) in bad {
        let instance = yaml_to_json(&text).unwrap();
        assert!(
            !problems(&validator, &instance).is_empty(),
            "the schema accepts a suite with {what}:\n{text}"
        );
    }
}
