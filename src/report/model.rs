//! The report model: everything one run (or a merge of runs) knows, in the
//! form every writer reads and `--json` saves. It is a public contract:
//! versioned by [`FORMAT_VERSION`] (`format-version` in the file), kebab-case
//! keys, and described by `report.schema.json`, which is generated from
//! these types (`tests/report_schema.rs` fails when they drift apart).
//!
//! Everything derived (tallies, the suite matrix, scores, the capability
//! matrix, rule coverage) is computed once by [`Report::build`] from the
//! raw parts (targets, cases, rules, results), so that a merge of saved
//! reports recomputes it the same way a run does. Writers never recompute.
//!
//! Stability: within format version 1, keys are only added, never renamed or
//! removed; readers ignore keys they do not know. Transcripts keep the
//! fixture message form of `suites/README.md` (snake_case keys such as
//! `body_base64`), since they can be pasted back into a suite.
//!
//! Not for: reading files or the clock. The caller passes `started-at`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::interop::Interop;
use crate::rules::{Level, MAIN_BRANCH_ONLY, Rule};
use crate::runner::judge::JudgeOptions;
use crate::runner::{CaseResult, KnownFailure, Status, TargetSummary};
use crate::suite::Case;

/// The report format version this build writes and reads.
pub const FORMAT_VERSION: &str = "1";

/// The levels in report order, strongest first.
pub const LEVELS: [Level; 3] = [Level::Must, Level::Should, Level::May];

/// A conformance report: one run, or several merged into one matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(title = "cespec conformance report")]
#[non_exhaustive]
pub struct Report {
    /// The report format version (`"1"`).
    #[schemars(extend("const" = "1"))]
    pub format_version: String,
    /// The tool that wrote the report.
    pub tool: Tool,
    /// When the run started (RFC 3339), when the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// The options that changed how results were judged; left out when
    /// none did.
    #[serde(default, skip_serializing_if = "JudgeOptions::is_default")]
    pub judging: JudgeOptions,
    /// Counts over every target.
    pub tally: Counts,
    /// The targets, in the order the run named them.
    pub targets: Vec<TargetReport>,
    /// Suite ids that have cases or results, sorted.
    pub suites: Vec<String>,
    /// Targets that could not be used at all, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_failures: Vec<TargetFailure>,
    /// The cases that were selected, sorted by id.
    pub cases: Vec<CaseInfo>,
    /// Every result, sorted by target, case and reply encoding.
    pub results: Vec<CaseResult>,
    /// Per-rule coverage and verdicts.
    pub coverage: Coverage,
    /// Benchmark results, when the run had any. Opaque in format version 1;
    /// writers chart `{"results": [{"name", "target", "events-per-second"}]}`
    /// (see `html.rs`) and show anything else as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bench: Option<serde_json::Value>,
    /// The interop matrix (producer × consumer × encoding), when the run
    /// had one (`cespec run --interop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interop: Option<Box<Interop>>,
}

/// The tool that wrote a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// Returns `cespec` at `version`.
    pub fn cespec(version: &str) -> Self {
        Self {
            name: "cespec".to_owned(),
            version: version.to_owned(),
        }
    }
}

/// Counts of results by status: the runner's [`Tally`](crate::runner::Tally),
/// kept per run, target and suite.
pub type Counts = crate::runner::Tally;

/// A target as the run described it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct TargetInfo {
    /// The name the run gave the target (unique within a report).
    pub name: String,
    /// How it was reached: `reference`, `http://...`, `cmd:...`.
    #[serde(default)]
    pub address: String,
    /// What the implementation says about itself.
    #[serde(default)]
    pub implementation: Implementation,
    /// The capabilities the target declared.
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// An implementation's name, language and version, as it reported them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Implementation {
    pub name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub version: String,
}

impl From<&TargetSummary> for TargetInfo {
    fn from(t: &TargetSummary) -> Self {
        Self {
            name: t.name.clone(),
            address: t.address.clone(),
            implementation: Implementation {
                name: t.info.name.clone(),
                language: t.info.language.clone(),
                version: t.info.version.clone(),
            },
            capabilities: t.capabilities.iter().cloned().collect(),
        }
    }
}

/// One target of the report, with everything derived for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct TargetReport {
    #[serde(flatten)]
    pub target: TargetInfo,
    /// Counts over the target's results.
    pub tally: Counts,
    /// Counts per suite: one row of the targets x suites matrix.
    pub suites: BTreeMap<String, Counts>,
    /// Per level, how many results that ran passed (MUST, SHOULD, MAY).
    pub scores: Vec<LevelScore>,
    /// Declared capabilities against the results of the cases that need them.
    pub capability_matrix: Vec<CapabilityCell>,
}

impl TargetReport {
    /// Returns the score at `level`.
    pub fn score(&self, level: Level) -> LevelScore {
        self.scores
            .iter()
            .copied()
            .find(|s| s.level == level)
            .unwrap_or(LevelScore {
                level,
                passed: 0,
                ran: 0,
            })
    }
}

/// How many results of one level passed, of those that ran (skips left
/// out; errors and expected failures count as not passed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct LevelScore {
    pub level: Level,
    pub passed: usize,
    pub ran: usize,
}

impl LevelScore {
    /// Returns the pass percentage rounded down (so 99.9% is never shown as
    /// 100%), or `None` when nothing ran.
    pub fn percent(&self) -> Option<usize> {
        (self.ran > 0).then(|| self.passed * 100 / self.ran)
    }
}

/// One capability of one target: declared or not, and what its cases say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CapabilityCell {
    pub capability: String,
    pub declared: bool,
    /// An `adapter:<feature>` capability: glue the adapter supplies because
    /// the implementation lacks it, not the implementation's own behaviour.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adapter_supplied: bool,
    pub state: CapabilityState,
    /// Results of the cases that need the capability (its encoding as
    /// input, or as the reply asked for).
    pub counts: Counts,
}

/// The verdict on one capability of one target. A case "passes" here when
/// it neither fails nor errs (warnings and MAY notes do not count against
/// it); an expected failure still counts against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CapabilityState {
    /// Declared, and every case that ran passed.
    Passing,
    /// Declared, but a case failed, errored or is a known failure.
    ClaimedButFailing,
    /// Declared, but no case needing it ran.
    Untested,
    /// Not declared; its cases were skipped (or failed).
    Unclaimed,
    /// Not declared, yet its cases ran and passed.
    PassingButUnclaimed,
}

impl CapabilityState {
    /// Returns the kebab-case name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passing => "passing",
            Self::ClaimedButFailing => "claimed-but-failing",
            Self::Untested => "untested",
            Self::Unclaimed => "unclaimed",
            Self::PassingButUnclaimed => "passing-but-unclaimed",
        }
    }

    fn judge(declared: bool, counts: &Counts) -> Self {
        let failing = counts.failing() + counts.expected > 0;
        match (declared, counts.ran() > 0, failing) {
            (true, false, _) => Self::Untested,
            (true, true, true) => Self::ClaimedButFailing,
            (true, true, false) => Self::Passing,
            (false, true, false) => Self::PassingButUnclaimed,
            (false, _, _) => Self::Unclaimed,
        }
    }
}

/// A target that could not be used at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct TargetFailure {
    pub target: String,
    pub reason: String,
}

/// A selected case, as the reports need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CaseInfo {
    /// `suite/case`.
    pub id: String,
    pub suite: String,
    #[serde(default)]
    pub title: String,
    pub level: Level,
    pub rules: Vec<String>,
    /// Capabilities a target needs for it, the input's encoding included.
    #[serde(default)]
    pub requires: Vec<String>,
    /// The suite file, relative to the suites directory's parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl From<&Case> for CaseInfo {
    fn from(c: &Case) -> Self {
        let path = c.location.path.to_string_lossy().replace('\\', "/");
        Self {
            id: c.id.clone(),
            suite: c.suite.clone(),
            title: c.title.clone(),
            level: c.level,
            rules: c.rules.clone(),
            requires: c.requires.iter().cloned().collect(),
            file: (!path.is_empty()).then_some(path),
            line: (c.location.line > 0).then_some(c.location.line),
        }
    }
}

/// A requirement of the catalog, as the reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct RuleInfo {
    pub id: String,
    pub level: Level,
    #[serde(default)]
    pub section: String,
    /// The spec section it comes from.
    #[serde(default)]
    pub url: String,
    /// The requirement in the catalog's words.
    #[serde(default)]
    pub text: String,
    /// False for advisory rules and rules no harness can check.
    pub testable: bool,
    /// True when the rule is only in the spec's main branch (work in
    /// progress), not in a released version: a target built to v1.0.2 may
    /// rightly break it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wip: bool,
}

impl RuleInfo {
    /// Returns the section, marked when the rule is main-branch text only.
    pub fn section_label(&self) -> String {
        if self.wip {
            format!("{} ({MAIN_BRANCH_ONLY})", self.section)
        } else {
            self.section.clone()
        }
    }
}

impl From<&Rule> for RuleInfo {
    fn from(r: &Rule) -> Self {
        Self {
            id: r.id.clone(),
            level: r.level,
            section: r.section.clone(),
            url: r.url(),
            text: r.text.clone(),
            testable: r.testable,
            wip: r.wip,
        }
    }
}

/// Per-rule coverage, and a summary per level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Coverage {
    /// MUST, SHOULD and MAY, in that order.
    pub summary: Vec<LevelCoverage>,
    /// Every rule of the catalog (and any other rule a result cites), in
    /// catalog order.
    pub rules: Vec<RuleCoverage>,
}

/// How many rules of one level some case covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct LevelCoverage {
    pub level: Level,
    pub rules: usize,
    pub testable: usize,
    /// Testable rules that at least one selected case cites.
    pub covered: usize,
    /// Testable rules no selected case cites.
    pub uncovered: Vec<String>,
}

/// One rule: the cases citing it and, per target, what their results say.
///
/// A result counts for every rule its case cites, with the result's status;
/// except that when a failing (or warning) result names rules in its
/// findings, those rules get its status and the other cited rules count as
/// passed. A rule named by a finding but not cited by the case counts too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct RuleCoverage {
    #[serde(flatten)]
    pub rule: RuleInfo,
    /// Ids of the selected cases citing the rule.
    pub cases: Vec<String>,
    /// Per target name.
    pub targets: BTreeMap<String, Counts>,
}

/// The raw material of a report; [`Report::build`] derives the rest.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ReportParts {
    pub tool: Option<Tool>,
    pub started_at: Option<String>,
    pub judging: JudgeOptions,
    pub targets: Vec<TargetInfo>,
    pub target_failures: Vec<TargetFailure>,
    pub cases: Vec<CaseInfo>,
    pub rules: Vec<RuleInfo>,
    pub results: Vec<CaseResult>,
    pub bench: Option<serde_json::Value>,
    pub interop: Option<Box<Interop>>,
}

impl ReportParts {
    /// Returns empty parts for a report written by `tool`.
    pub fn new(tool: Tool) -> Self {
        Self {
            tool: Some(tool),
            ..Self::default()
        }
    }
}

impl Report {
    /// Builds a report: sorts the results, fills in targets the results
    /// name but `parts` does not, and derives tallies, the suite matrix,
    /// scores, capability matrices and rule coverage.
    pub fn build(parts: ReportParts) -> Report {
        let ReportParts {
            tool,
            started_at,
            judging,
            mut targets,
            target_failures,
            mut cases,
            rules,
            mut results,
            bench,
            interop,
        } = parts;

        results.sort_by(|a, b| (&a.target, &a.case, a.reply).cmp(&(&b.target, &b.case, b.reply)));

        // Every result needs a target and a case entry.
        let mut known: BTreeSet<String> = targets.iter().map(|t| t.name.clone()).collect();
        for r in &results {
            if known.insert(r.target.clone()) {
                targets.push(TargetInfo {
                    name: r.target.clone(),
                    ..TargetInfo::default()
                });
            }
        }
        let mut case_ids: BTreeSet<String> = cases.iter().map(|c| c.id.clone()).collect();
        for r in &results {
            if case_ids.insert(r.case.clone()) {
                cases.push(CaseInfo {
                    id: r.case.clone(),
                    suite: r.suite.clone(),
                    title: String::new(),
                    level: r.level,
                    rules: r.rules.clone(),
                    requires: Vec::new(),
                    file: None,
                    line: None,
                });
            }
        }
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        let case_index: HashMap<&str, &CaseInfo> =
            cases.iter().map(|c| (c.id.as_str(), c)).collect();

        let suites: Vec<String> = cases
            .iter()
            .map(|c| c.suite.clone())
            .chain(results.iter().map(|r| r.suite.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();

        let targets: Vec<TargetReport> = targets
            .into_iter()
            .map(|t| target_report(t, &results, &case_index))
            .collect();
        let mut tally = Counts::default();
        for t in &targets {
            tally.merge(&t.tally);
        }
        let coverage = coverage(rules, &cases, &results);

        Report {
            format_version: FORMAT_VERSION.to_owned(),
            tool: tool.unwrap_or_else(|| Tool::cespec(env!("CARGO_PKG_VERSION"))),
            started_at,
            judging,
            tally,
            targets,
            suites,
            target_failures,
            cases,
            results,
            coverage,
            bench,
            interop,
        }
    }

    /// Returns the raw parts of this report (the inverse of [`Report::build`]).
    pub fn into_parts(self) -> ReportParts {
        ReportParts {
            tool: Some(self.tool),
            started_at: self.started_at,
            judging: self.judging,
            targets: self.targets.into_iter().map(|t| t.target).collect(),
            target_failures: self.target_failures,
            cases: self.cases,
            rules: self.coverage.rules.into_iter().map(|r| r.rule).collect(),
            results: self.results,
            bench: self.bench,
            interop: self.interop,
        }
    }

    /// Returns the target named `name`.
    pub fn target(&self, name: &str) -> Option<&TargetReport> {
        self.targets.iter().find(|t| t.target.name == name)
    }

    /// Returns the case with id `id`.
    pub fn case(&self, id: &str) -> Option<&CaseInfo> {
        self.cases
            .binary_search_by(|c| c.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.cases[i])
    }

    /// Returns an index of the rules by id.
    pub fn rule_index(&self) -> HashMap<&str, &RuleInfo> {
        self.coverage
            .rules
            .iter()
            .map(|r| (r.rule.id.as_str(), &r.rule))
            .collect()
    }

    /// Returns the exit code the report earns (DESIGN.md §6).
    pub fn exit_code(&self) -> i32 {
        self.tally.exit_code()
    }

    /// Returns the results worth a detailed look (fail, error, warn, info,
    /// expected failures), most serious first: status, then level, then
    /// target and name.
    pub fn deviations(&self) -> Vec<&CaseResult> {
        let mut out: Vec<&CaseResult> = self
            .results
            .iter()
            .filter(|r| !matches!(r.status, Status::Pass | Status::Skip))
            .collect();
        out.sort_by_key(|r| (severity(r), std::cmp::Reverse(r.level)));
        out
    }
}

/// Returns a rank for ordering deviations: failures first, expected ones last.
fn severity(r: &CaseResult) -> u8 {
    if r.is_expected_failure() {
        return 4;
    }
    match r.status {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Warn => 2,
        Status::Info => 3,
        Status::Pass | Status::Skip => 5,
    }
}

/// Returns the capabilities a result exercises: its case's requirements and
/// the reply encoding it asked for.
fn exercised<'a>(r: &'a CaseResult, case: Option<&&'a CaseInfo>) -> BTreeSet<&'a str> {
    let mut set: BTreeSet<&str> = case
        .map(|c| c.requires.iter().map(String::as_str).collect())
        .unwrap_or_default();
    if let Some(reply) = r.reply {
        set.insert(reply.as_str());
    }
    set
}

fn target_report(
    target: TargetInfo,
    results: &[CaseResult],
    cases: &HashMap<&str, &CaseInfo>,
) -> TargetReport {
    let mut tally = Counts::default();
    let mut suites: BTreeMap<String, Counts> = BTreeMap::new();
    let mut scores: Vec<LevelScore> = LEVELS
        .iter()
        .map(|&level| LevelScore {
            level,
            passed: 0,
            ran: 0,
        })
        .collect();
    let mut capabilities: BTreeMap<String, Counts> = target
        .capabilities
        .iter()
        .map(|c| (c.clone(), Counts::default()))
        .collect();

    for r in results.iter().filter(|r| r.target == target.name) {
        tally.record(r);
        suites.entry(r.suite.clone()).or_default().record(r);
        if r.status != Status::Skip
            && let Some(score) = scores.iter_mut().find(|s| s.level == r.level)
        {
            score.ran += 1;
            if r.status == Status::Pass {
                score.passed += 1;
            }
        }
        for cap in exercised(r, cases.get(r.case.as_str())) {
            capabilities.entry(cap.to_owned()).or_default().record(r);
        }
    }

    let declared: BTreeSet<&str> = target.capabilities.iter().map(String::as_str).collect();
    let capability_matrix = capabilities
        .into_iter()
        .map(|(capability, counts)| {
            let declared = declared.contains(capability.as_str());
            CapabilityCell {
                state: CapabilityState::judge(declared, &counts),
                adapter_supplied: crate::target::is_adapter_supplied(&capability),
                capability,
                declared,
                counts,
            }
        })
        .collect();

    TargetReport {
        target,
        tally,
        suites,
        scores,
        capability_matrix,
    }
}

/// Returns the (rule, status) pairs a result counts for (see [`RuleCoverage`]).
fn attributions(r: &CaseResult) -> Vec<(&str, Status)> {
    let blamed: BTreeSet<&str> = if matches!(r.status, Status::Fail | Status::Warn | Status::Info) {
        r.findings.iter().map(|f| f.rule.as_str()).collect()
    } else {
        BTreeSet::new()
    };
    if blamed.is_empty() {
        return r.rules.iter().map(|id| (id.as_str(), r.status)).collect();
    }
    let mut out: Vec<(&str, Status)> = r
        .rules
        .iter()
        .map(|id| {
            let status = if blamed.contains(id.as_str()) {
                r.status
            } else {
                Status::Pass
            };
            (id.as_str(), status)
        })
        .collect();
    out.extend(
        blamed
            .into_iter()
            .filter(|id| !r.rules.iter().any(|c| c == id))
            .map(|id| (id, r.status)),
    );
    out
}

fn coverage(rules: Vec<RuleInfo>, cases: &[CaseInfo], results: &[CaseResult]) -> Coverage {
    let mut entries: Vec<RuleCoverage> = Vec::with_capacity(rules.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(rules.len());
    let mut add = |entries: &mut Vec<RuleCoverage>, rule: RuleInfo| -> usize {
        if let Some(&i) = index.get(&rule.id) {
            return i;
        }
        index.insert(rule.id.clone(), entries.len());
        entries.push(RuleCoverage {
            rule,
            cases: Vec::new(),
            targets: BTreeMap::new(),
        });
        entries.len() - 1
    };
    for rule in rules {
        add(&mut entries, rule);
    }
    // A rule the catalog does not know (a newer suite, a merged report).
    let unknown = |id: &str, level: Level| RuleInfo {
        id: id.to_owned(),
        level,
        section: String::new(),
        url: String::new(),
        text: String::new(),
        testable: true,
        wip: false,
    };
    for case in cases {
        for id in &case.rules {
            let i = add(&mut entries, unknown(id, case.level));
            entries[i].cases.push(case.id.clone());
        }
    }
    for r in results {
        for (id, status) in attributions(r) {
            let level = r
                .findings
                .iter()
                .find(|f| f.rule == id)
                .map_or(r.level, |f| f.level);
            let i = add(&mut entries, unknown(id, level));
            let expected = status != Status::Pass && r.is_expected_failure();
            let now_passes = r
                .known_failure
                .as_ref()
                .is_some_and(|k: &KnownFailure| k.now_passes);
            entries[i]
                .targets
                .entry(r.target.clone())
                .or_default()
                .count(status, expected, now_passes);
        }
    }
    for e in &mut entries {
        e.cases.sort();
        e.cases.dedup();
    }

    let summary = LEVELS
        .iter()
        .map(|&level| {
            let at_level = entries.iter().filter(|e| e.rule.level == level);
            let testable: Vec<&RuleCoverage> =
                at_level.clone().filter(|e| e.rule.testable).collect();
            LevelCoverage {
                level,
                rules: at_level.count(),
                testable: testable.len(),
                covered: testable.iter().filter(|e| !e.cases.is_empty()).count(),
                uncovered: testable
                    .iter()
                    .filter(|e| e.cases.is_empty())
                    .map(|e| e.rule.id.clone())
                    .collect(),
            }
        })
        .collect();

    Coverage {
        summary,
        rules: entries,
    }
}

/// One bar of a benchmark chart: the shape writers recognise in
/// [`Report::bench`] is `{"results": [{"name", "target",
/// "events-per-second", "conformant"?}]}`. A row whose `conformant` is
/// `false` is drawn but flagged, never ranked (DESIGN.md §1.4).
#[derive(Clone, Debug, PartialEq)]
pub struct BenchRow {
    pub name: String,
    pub target: String,
    pub events_per_second: f64,
    pub conformant: bool,
}

impl Report {
    /// Returns the benchmark rows when [`Report::bench`] has the charted
    /// shape (every row complete), `None` otherwise.
    pub fn bench_rows(&self) -> Option<Vec<BenchRow>> {
        let results = self.bench.as_ref()?.get("results")?.as_array()?;
        results
            .iter()
            .map(|row| {
                Some(BenchRow {
                    name: row.get("name")?.as_str()?.to_owned(),
                    target: row.get("target")?.as_str()?.to_owned(),
                    events_per_second: row
                        .get("events-per-second")?
                        .as_f64()
                        .filter(|v| v.is_finite() && *v >= 0.0)?,
                    conformant: row
                        .get("conformant")
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(true),
                })
            })
            .collect()
    }
}
