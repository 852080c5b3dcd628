//! The requirement catalog compiled into the binary loads, and every rule ID
//! the reference implementation cites exists in it (a typo would otherwise
//! default to MUST silently; see `rules::level_of`).

use std::collections::BTreeSet;

use cespec::rules::{Catalog, Level};

fn cited_in_source() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for quoted in text.split('"').skip(1).step_by(2) {
                    let prefixes = ["CORE-", "JSON-", "HTTP-", "KAFKA-", "HOOK-"];
                    let looks_like_id = prefixes.iter().any(|p| quoted.starts_with(p))
                        && quoted
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
                        && quoted.ends_with(|c: char| c.is_ascii_digit());
                    if looks_like_id {
                        ids.insert(quoted.to_owned());
                    }
                }
            }
        }
    }
    ids
}

#[test]
fn embedded_catalog_loads_with_unique_ids() {
    let catalog = Catalog::embedded().expect("suites/rules.yaml loads");
    assert!(catalog.len() >= 160, "only {} rules", catalog.len());
    assert!(catalog.rules().any(|r| r.level == Level::Should));
    assert!(
        catalog
            .rules()
            .all(|r| !r.text.trim().is_empty() && !r.anchor.is_empty())
    );
}

#[test]
fn every_rule_the_code_cites_exists() {
    let catalog = Catalog::embedded().unwrap();
    let missing: Vec<String> = cited_in_source()
        .into_iter()
        .filter(|id| catalog.get(id).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "rule ids cited in src/ but absent from suites/rules.yaml: {missing:?}"
    );
}

#[test]
fn a_duplicate_id_is_a_load_error_naming_the_file() {
    let text = "catalog-version: 1\nrules:\n  - {id: A-1, level: MUST, keyword: MUST, document: d, anchor: a, section: s, text: t, versions: ['1.0'], testable: true}\n  - {id: A-1, level: MUST, keyword: MUST, document: d, anchor: a, section: s, text: t, versions: ['1.0'], testable: true}\n";
    let err = Catalog::parse(text, std::path::Path::new("x/rules.yaml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("x/rules.yaml") && err.contains("A-1"), "{err}");
    let bad_level = "catalog-version: 1\nrules:\n  - {id: A-1, level: SHALL, keyword: MUST, document: d, anchor: a, section: s, text: t, versions: ['1.0'], testable: true}\n";
    let err = Catalog::parse(bad_level, std::path::Path::new("x/rules.yaml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("x/rules.yaml"), "{err}");
}
