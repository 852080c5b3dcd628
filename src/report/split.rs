//! One report per target: [`split`] is the inverse of
//! [`compare::merge`](super::compare::merge), for a matrix too large to
//! read (or to keep) as one file. `cespec report --split-targets` writes
//! each part next to `--out`, and with HTML an index page that links them.
//!
//! Each part keeps the whole run's context (every case, every rule, the
//! interop matrix, which compares the run's targets with each other) and
//! only its own target's results, failures and benchmark rows (the first
//! also the failures of targets that never ran), so merging the parts, in
//! their order, gives back the report they came from.

use super::model::{Report, ReportParts};

/// Returns one report per target of `report`, in its order, each with
/// that target's name.
pub fn split(report: &Report) -> Vec<(String, Report)> {
    let parts = report.clone().into_parts();
    let has_part = |name: &str| parts.targets.iter().any(|t| t.name == name);
    parts
        .targets
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let name = target.name.clone();
            let part = ReportParts {
                tool: parts.tool.clone(),
                started_at: parts.started_at.clone(),
                judging: parts.judging,
                targets: vec![target.clone()],
                // A target that could not be started has no results and so
                // no part of its own: the first part says so.
                target_failures: (parts.target_failures.iter())
                    .filter(|f| f.target == name || (i == 0 && !has_part(&f.target)))
                    .cloned()
                    .collect(),
                cases: parts.cases.clone(),
                rules: parts.rules.clone(),
                results: (parts.results.iter())
                    .filter(|r| r.target == name)
                    .cloned()
                    .collect(),
                bench: parts.bench.as_ref().and_then(|b| bench_of(b, &name)),
                interop: parts.interop.clone(),
            };
            (name, Report::build(part))
        })
        .collect()
}

/// The benchmark section with only `target`'s rows; `None` when it has none.
fn bench_of(bench: &serde_json::Value, target: &str) -> Option<serde_json::Value> {
    let mut bench = bench.clone();
    let rows = bench.get_mut("results")?.as_array_mut()?;
    rows.retain(|row| row.get("target").and_then(|t| t.as_str()) == Some(target));
    (!rows.is_empty()).then_some(bench)
}

/// Returns `name` with every character outside `[A-Za-z0-9._-]` replaced by
/// `_` and no leading dot: safe as a part of a file name.
pub fn safe_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.trim_start_matches('.').to_owned()
}

/// Returns a distinct file name per target of `report`, `{prefix}{name}{suffix}`
/// with [`safe_name`]s; names that collide after sanitising get `-2`,
/// `-3`, ... before the suffix.
pub fn file_names(report: &Report, prefix: &str, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(report.targets.len());
    for t in &report.targets {
        let base = format!("{prefix}{}", safe_name(&t.target.name));
        let mut name = format!("{base}{suffix}");
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}-{n}{suffix}");
            n += 1;
        }
        names.push(name);
    }
    names
}
