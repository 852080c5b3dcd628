//! The coverage gate: every testable MUST rule of the core spec, the JSON
//! format and the HTTP and Kafka bindings (ids `CORE-`, `JSON-`, `HTTP-`,
//! `KAFKA-`) is cited by at least one case of the embedded corpus.
//!
//! It fails, listing the missing rules, until the corpus is complete; that
//! is the point. Suites that do not load count as citing nothing (their
//! problems fail `tests/suite_load.rs`), so a broken suite cannot hide a gap.

use cespec::rules::Catalog;
use cespec::suite::check_embedded;
use cespec::suite::coverage::Coverage;

#[test]
fn every_testable_must_rule_has_a_case() {
    let catalog = Catalog::embedded().expect("the embedded catalog loads");
    let checked = check_embedded(catalog);
    let coverage = Coverage::new(catalog, &checked.suites);
    let missing = coverage.gate_failures(catalog);
    let lines: Vec<String> = missing
        .iter()
        .map(|r| format!("  {:<14} {} ({})", r.id, r.section, r.level))
        .collect();
    let broken = if checked.problems.is_empty() {
        String::new()
    } else {
        format!(
            "\n({} problem(s) kept some suites from loading; see tests/suite_load.rs)",
            checked.problems.len()
        )
    };
    assert!(
        missing.is_empty(),
        "{} testable MUST rule(s) have no case:\n{}{broken}",
        missing.len(),
        lines.join("\n")
    );
}
