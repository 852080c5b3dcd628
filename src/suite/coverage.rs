//! Rule coverage: which cases cite each rule of the catalog, which rules no
//! case cites, and the gate the corpus must pass (every testable MUST rule
//! of the core spec, the JSON format and the HTTP and Kafka bindings has at
//! least one case).
//!
//! Coverage counts citations only; whether the cases pass is a run's
//! business (reports join the two). Expanded abstract cases count once per
//! encoding, under their runnable ids (`suite/case.encoding`).

use std::collections::BTreeMap;

use super::Suite;
use crate::rules::{Catalog, Level, Rule};

/// The id prefixes of the documents the coverage gate applies to: core
/// spec, JSON format, HTTP binding, Kafka binding (not the Web Hook spec,
/// `HOOK-`, whose rules need a sender and a handshake).
pub const GATED_PREFIXES: [&str; 4] = ["CORE-", "JSON-", "HTTP-", "KAFKA-"];

/// Citations of each rule by the loaded cases.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Rule id to the ids of the cases citing it, in catalog order.
    by_rule: Vec<(String, Vec<String>)>,
    /// Rules cited by a case but absent from the catalog (the loader refuses
    /// these, so this is empty unless suites were built by hand).
    unknown: BTreeMap<String, Vec<String>>,
}

impl Coverage {
    /// Computes the coverage of `catalog` by the cases of `suites`.
    pub fn new(catalog: &Catalog, suites: &[Suite]) -> Self {
        let mut cited: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for case in suites.iter().flat_map(|s| &s.cases) {
            for rule in &case.rules {
                cited
                    .entry(rule.as_str())
                    .or_default()
                    .push(case.id.clone());
            }
        }
        let by_rule = catalog
            .rules()
            .map(|r| {
                (
                    r.id.clone(),
                    cited.remove(r.id.as_str()).unwrap_or_default(),
                )
            })
            .collect();
        let unknown = cited
            .into_iter()
            .map(|(rule, cases)| (rule.to_owned(), cases))
            .collect();
        Self { by_rule, unknown }
    }

    /// Iterates every catalog rule with the cases citing it, in catalog order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.by_rule
            .iter()
            .map(|(rule, cases)| (rule.as_str(), cases.as_slice()))
    }

    /// Returns the ids of the cases citing `rule` (empty when none or unknown).
    pub fn cases(&self, rule: &str) -> &[String] {
        self.by_rule
            .iter()
            .find(|(r, _)| r == rule)
            .map_or(&[], |(_, cases)| cases.as_slice())
    }

    /// Iterates the catalog rules no case cites, in catalog order.
    pub fn uncovered(&self) -> impl Iterator<Item = &str> {
        self.by_rule
            .iter()
            .filter(|(_, cases)| cases.is_empty())
            .map(|(rule, _)| rule.as_str())
    }

    /// Returns the rules cases cite that the catalog does not know.
    pub fn unknown(&self) -> &BTreeMap<String, Vec<String>> {
        &self.unknown
    }

    /// Returns the rules that fail the coverage gate: testable MUST rules
    /// whose id starts with one of [`GATED_PREFIXES`] and that no case cites.
    pub fn gate_failures<'c>(&self, catalog: &'c Catalog) -> Vec<&'c Rule> {
        catalog
            .rules()
            .filter(|r| is_gated(r) && self.cases(&r.id).is_empty())
            .collect()
    }
}

/// Returns true when the coverage gate requires a case for `rule`.
pub fn is_gated(rule: &Rule) -> bool {
    rule.testable
        && rule.level == Level::Must
        && GATED_PREFIXES.iter().any(|p| rule.id.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn counts_citations_and_gaps() {
        let catalog = Catalog::embedded().expect("catalog");
        let text = "suite: t\ntitle: T\ncases:\n  - id: a\n    title: t\n    rules: [CORE-GEN-1]\n    event: {id: '1', source: /s, type: t}\n    encodings: [json, kafka-binary]\n    expect: {outcome: accept}\n";
        let suite = super::super::load_str(text, Path::new("suites/t.yaml"), catalog, &|n| {
            Err(n.to_owned())
        })
        .expect("loads");
        let coverage = Coverage::new(catalog, &[suite]);
        assert_eq!(
            coverage.cases("CORE-GEN-1"),
            ["t/a.json", "t/a.kafka-binary"]
        );
        assert!(coverage.cases("NOPE").is_empty());
        assert!(coverage.uncovered().all(|r| r != "CORE-GEN-1"));
        assert_eq!(coverage.uncovered().count(), catalog.len() - 1);
        let gated = catalog.rules().filter(|r| is_gated(r)).count();
        let failures = coverage.gate_failures(catalog);
        assert_eq!(
            failures.len(),
            gated - usize::from(catalog.get("CORE-GEN-1").is_some_and(is_gated))
        );
        assert!(failures.iter().all(|r| !r.id.starts_with("HOOK-")));
    }
}
