//! `cespec list`: the selected cases, the catalog with the cases covering
//! each rule, or coverage per level.

use std::collections::BTreeMap;
use std::io::Write;

use cespec::report::text;
use cespec::rules::{Catalog, Level, MAIN_BRANCH_ONLY};
use cespec::webhook;

use crate::cli::plan::{ListCommand, ListMode};
use cespec::suite::coverage::Coverage;

/// Prints what was asked for; always exits 0.
pub fn execute(cmd: &ListCommand, mut out: Box<dyn Write + Send>) -> anyhow::Result<i32> {
    let mut text = String::new();
    let coverage = Coverage::new(&cmd.catalog, &cmd.selected);
    let by_rule: BTreeMap<String, Vec<String>> = coverage
        .iter()
        .map(|(rule, cases)| (rule.to_owned(), cases.to_vec()))
        .collect();
    match cmd.mode {
        ListMode::Cases => cases(cmd, &mut text),
        ListMode::Rules => rules(&cmd.catalog, &by_rule, &mut text),
        ListMode::Coverage => covered(&cmd.catalog, &by_rule, &mut text),
    }
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(cespec::exit_codes::SUCCESS)
}

fn cases(cmd: &ListCommand, out: &mut String) {
    use std::fmt::Write as _;
    for case in cmd.selected.iter().flat_map(|s| &s.cases) {
        if cmd.verbose {
            let _ = writeln!(
                out,
                "{}  [{}] {}  {}  ({})",
                case.id,
                case.level,
                case.input_encoding,
                text::line(&case.title),
                case.rules.join(", ")
            );
        } else {
            let _ = writeln!(out, "{}", case.id);
        }
    }
}

fn rules(catalog: &Catalog, covering: &BTreeMap<String, Vec<String>>, out: &mut String) {
    use std::fmt::Write as _;
    for rule in catalog.rules() {
        let cases = covering.get(&rule.id).map_or(&[][..], Vec::as_slice);
        let note = match (cases.len(), rule.testable) {
            (0, false) => "not testable".to_owned(),
            (0, true) => "no case".to_owned(),
            (1, _) => "1 case".to_owned(),
            (n, _) => format!("{n} cases"),
        };
        let note = if rule.wip {
            format!("{note}; {MAIN_BRANCH_ONLY}")
        } else {
            note
        };
        let (id, level) = (&rule.id, rule.level.as_str());
        let _ = writeln!(out, "{id:<14} {level:<6} {}  ({note})", rule.section);
        for case in cases {
            let _ = writeln!(out, "    {case}");
        }
    }
}

fn covered(catalog: &Catalog, covering: &BTreeMap<String, Vec<String>>, out: &mut String) {
    use std::fmt::Write as _;
    let testable: Vec<_> = catalog.rules().filter(|r| r.testable).collect();
    // `covering` lists every rule, with no cases for the uncovered ones.
    let is_covered = |id: &str| covering.get(id).is_some_and(|cases| !cases.is_empty());
    for level in [Level::Must, Level::Should, Level::May] {
        let at: Vec<_> = testable.iter().filter(|r| r.level == level).collect();
        let hit = at.iter().filter(|r| is_covered(&r.id)).count();
        let percent = if at.is_empty() {
            100.0
        } else {
            100.0 * hit as f64 / at.len() as f64
        };
        let _ = writeln!(
            out,
            "{:<6}  {hit:>4} of {:>4} testable rules covered ({percent:.0}%)",
            level.as_str(),
            at.len()
        );
    }
    // Per document, in catalog order, so that a spec with no suite at all
    // (the Web Hook spec) reads as such instead of as a list of gaps.
    let mut documents: Vec<(&str, usize, usize)> = Vec::new();
    for rule in &testable {
        let hit = usize::from(is_covered(&rule.id));
        match documents.iter_mut().find(|(d, _, _)| *d == rule.document) {
            Some((_, covered, total)) => {
                *covered += hit;
                *total += 1;
            }
            None => documents.push((&rule.document, hit, 1)),
        }
    }
    let _ = writeln!(out, "\nby document:");
    for (document, hit, total) in documents {
        let in_document = |ids: &[&str]| {
            ids.iter()
                .filter(|id| {
                    testable
                        .iter()
                        .any(|r| r.id == **id && r.document == document)
                })
                .count()
        };
        let by_listen = in_document(&webhook::SENDER_RULES_CHECKED);
        let on_targets = in_document(&webhook::RESPONSE_RULES_CHECKED);
        // Rules no case cites but that cespec checks all the same.
        let note = match (hit, by_listen, on_targets) {
            (0, 0, 0) => "  no suite yet".to_owned(),
            (_, 0, 0) => String::new(),
            (_, k, t) => format!(
                "  besides, `listen --webhook` checks {k} sender rules, a `webhook` target is held to {t} response rules"
            ),
        };
        let _ = writeln!(out, "    {document:<36} {hit:>4} of {total:>4}{note}");
    }
    let uncovered: Vec<_> = testable.iter().filter(|r| !is_covered(&r.id)).collect();
    if !uncovered.is_empty() {
        let _ = writeln!(out, "\nuncovered testable rules:");
        for rule in uncovered {
            let (id, level) = (&rule.id, rule.level.as_str());
            let by_listen = if webhook::SENDER_RULES_CHECKED.contains(&id.as_str()) {
                "  (checked by `listen --webhook`)"
            } else if webhook::RESPONSE_RULES_CHECKED.contains(&id.as_str()) {
                "  (checked on targets declaring `webhook`)"
            } else {
                ""
            };
            let _ = writeln!(out, "    {id:<14} {level:<6} {}{by_listen}", rule.section);
        }
    }
}
