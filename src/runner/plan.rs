//! A run plan: the cases selected by the filters, the options, and each
//! target's known failures. It is built and checked before anything runs
//! (style rule 2); the runner only executes it.
//!
//! Targets are not part of the plan: opening one may start a process or a
//! server, which is the caller's business. The runner receives them already
//! open, named as the plan's known failures name them.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use crate::codec::Encoding;
use crate::rules::Level;
use crate::suite::{Case, Suite};

use super::judge::JudgeOptions;
use super::outcome::KnownFailure;

/// A case-id pattern: `*` matches any run of characters (`/` included), `?`
/// exactly one character, and every other character itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    pattern: String,
}

impl Glob {
    /// Returns a glob for `pattern`.
    pub fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.to_owned(),
        }
    }

    /// Returns the pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Returns true if and only if the pattern holds no wildcard.
    pub fn is_literal(&self) -> bool {
        !self.pattern.contains(['*', '?'])
    }

    /// Returns true if and only if the pattern matches the whole of `text`.
    pub fn matches(&self, text: &str) -> bool {
        // Iterative wildcard matching: remember the last `*` and how much of
        // the text it has swallowed; on a mismatch, let it swallow one more.
        let (p, t): (Vec<char>, Vec<char>) =
            (self.pattern.chars().collect(), text.chars().collect());
        let (mut pi, mut ti) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            match p.get(pi) {
                Some('*') => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                Some(&c) if c == '?' || c == t[ti] => {
                    pi += 1;
                    ti += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }

    /// Returns true when the pattern selects the case `id`: it matches the
    /// whole id, or a prefix of it that ends just before a `/` or a `.`. So
    /// `http-binary` selects a whole suite and `json-format/minimal` selects
    /// an abstract case with every encoding it was expanded into
    /// (`json-format/minimal.http-binary`, ...).
    pub fn selects(&self, id: &str) -> bool {
        self.matches(id)
            || id
                .char_indices()
                .filter(|&(_, c)| c == '/' || c == '.')
                .any(|(i, _)| self.matches(&id[..i]))
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

/// Which cases run. Every filter that is given must hold (AND); within one
/// filter, any value may match (OR). Empty filters select everything.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Case-id patterns (see [`Glob::selects`]).
    pub cases: Vec<Glob>,
    /// Suite ids, compared exactly.
    pub suites: Vec<String>,
    /// Rule-id patterns; a case is selected when it cites a matching rule.
    pub rules: Vec<Glob>,
    /// The weakest case level to run: `Should` runs SHOULD and MUST cases.
    pub min_level: Option<Level>,
    /// Input encodings (how the case's message is put on the wire).
    pub encodings: Vec<Encoding>,
}

impl Selection {
    /// Returns true if and only if `case` passes every filter.
    pub fn matches(&self, case: &Case) -> bool {
        (self.cases.is_empty() || self.cases.iter().any(|g| g.selects(&case.id)))
            && (self.suites.is_empty() || self.suites.contains(&case.suite))
            && (self.rules.is_empty()
                || self
                    .rules
                    .iter()
                    .any(|g| case.rules.iter().any(|r| g.matches(r))))
            && self.min_level.is_none_or(|min| case.level >= min)
            && (self.encodings.is_empty() || self.encodings.contains(&case.input_encoding))
    }
}

/// A target's known failures, usually read from its expectations file.
///
/// The runner asks with a result's name (`suite/case@reply`) first and then
/// with the case id, so an entry can name one reply encoding or the whole case.
pub trait KnownFailures: Send + Sync {
    /// Returns the entry that lists `id`, if any (`now_passes` false).
    fn lookup(&self, id: &str) -> Option<KnownFailure>;

    /// Returns where the entries come from (a file name), for the
    /// "remove it from ..." hint.
    fn origin(&self) -> String;
}

/// A fixed list of known failures, by exact case id or result name.
#[derive(Clone, Debug, Default)]
pub struct KnownFailureList {
    pub origin: String,
    pub entries: BTreeMap<String, KnownFailure>,
}

impl KnownFailures for KnownFailureList {
    fn lookup(&self, id: &str) -> Option<KnownFailure> {
        self.entries.get(id).cloned()
    }

    fn origin(&self) -> String {
        self.origin.clone()
    }
}

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// How many echoes may be in flight at once, over all targets.
    pub jobs: NonZeroUsize,
    /// How long one echo may take before it is an error.
    pub case_timeout: Duration,
    /// How long the whole run may take; what has not finished by then is an error.
    pub run_timeout: Option<Duration>,
    /// How results are judged (`--strict`, `--released-spec`).
    pub judging: JudgeOptions,
    /// Stop starting new cases after the first failure.
    pub fail_fast: bool,
    /// A known failure that now passes fails the run.
    pub strict_expectations: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            jobs: NonZeroUsize::MIN,
            case_timeout: Duration::from_secs(5),
            run_timeout: None,
            judging: JudgeOptions::default(),
            fail_fast: false,
            strict_expectations: false,
        }
    }
}

/// Everything the runner needs besides the open targets.
#[derive(Clone, Default)]
pub struct RunPlan {
    /// The selected cases, in suite order and then file order.
    pub cases: Vec<Case>,
    /// How many loaded cases the filters left out.
    pub filtered_out: usize,
    pub options: RunOptions,
    /// Known failures by target name.
    pub known_failures: BTreeMap<String, Arc<dyn KnownFailures>>,
}

impl RunPlan {
    /// Returns a plan of the cases of `suites` that `selection` selects.
    pub fn new(suites: &[Suite], selection: &Selection, options: RunOptions) -> Self {
        let all = suites.iter().flat_map(|s| &s.cases);
        let cases: Vec<Case> = all
            .clone()
            .filter(|c| selection.matches(c))
            .cloned()
            .collect();
        Self {
            filtered_out: all.count() - cases.len(),
            cases,
            options,
            known_failures: BTreeMap::new(),
        }
    }

    /// Returns a plan of exactly `cases`.
    pub fn from_cases(cases: Vec<Case>, options: RunOptions) -> Self {
        Self {
            cases,
            options,
            ..Self::default()
        }
    }

    /// Returns the plan with `known` as the known failures of `target`.
    pub fn with_known_failures(mut self, target: &str, known: Arc<dyn KnownFailures>) -> Self {
        self.known_failures.insert(target.to_owned(), known);
        self
    }
}

impl fmt::Debug for RunPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunPlan")
            .field("cases", &self.cases.len())
            .field("filtered_out", &self.filtered_out)
            .field("options", &self.options)
            .field(
                "known_failures",
                &self.known_failures.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::testing::case;
    use crate::suite::Verdict;

    #[test]
    fn glob_wildcards() {
        let g = Glob::new("http-*/min?mal");
        assert!(g.matches("http-binary/minimal"));
        assert!(g.matches("http-a/b/minXmal"), "* crosses /");
        assert!(!g.matches("http-binary/minimal-put"));
        assert!(!g.matches("json/minimal"));
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("a**b").matches("ab"));
        assert!(Glob::new("*a*a*a").matches("aaaa"));
        assert!(!Glob::new("*a*a*a").matches("aab"));
        assert!(!Glob::new("?").matches(""));
        assert!(Glob::new("é?").matches("éü"), "characters, not bytes");
        assert!(Glob::new("x").is_literal() && !Glob::new("x*").is_literal());
    }

    #[test]
    fn glob_selects_at_id_boundaries() {
        let suite = Glob::new("http-binary");
        assert!(suite.selects("http-binary/minimal"));
        assert!(!suite.selects("http-binary-extra/minimal"));
        let abstract_case = Glob::new("types/int");
        assert!(abstract_case.selects("types/int.http-binary"));
        assert!(!abstract_case.selects("types/integer"));
        assert!(Glob::new("*/int").selects("types/int.json"));
    }

    #[test]
    fn selection_ands_filters_and_ors_values() {
        let a = case(
            "s1/a",
            Encoding::HttpBinary,
            Verdict::Accept,
            &["HTTP-BIN-5"],
            &[],
        );
        let mut b = case(
            "s2/b",
            Encoding::Json,
            Verdict::Reject,
            &["JSON-ENV-1"],
            &[],
        );
        b.level = Level::Should;
        let all = Selection::default();
        assert!(all.matches(&a) && all.matches(&b));

        let by_suite = Selection {
            suites: vec!["s2".into(), "s3".into()],
            ..Selection::default()
        };
        assert!(!by_suite.matches(&a) && by_suite.matches(&b));

        let by_rule = Selection {
            rules: vec![Glob::new("HTTP-*")],
            ..Selection::default()
        };
        assert!(by_rule.matches(&a) && !by_rule.matches(&b));

        let must_only = Selection {
            min_level: Some(Level::Must),
            ..Selection::default()
        };
        assert!(must_only.matches(&a) && !must_only.matches(&b));

        let json_and_s1 = Selection {
            encodings: vec![Encoding::Json],
            suites: vec!["s1".into()],
            ..Selection::default()
        };
        assert!(!json_and_s1.matches(&a) && !json_and_s1.matches(&b));

        let by_case = Selection {
            cases: vec![Glob::new("nope"), Glob::new("s1/*")],
            ..Selection::default()
        };
        assert!(by_case.matches(&a) && !by_case.matches(&b));
    }

    #[test]
    fn plan_counts_what_the_filters_leave_out() {
        let suite = Suite {
            id: "s1".into(),
            title: String::new(),
            specversion: "1.0".into(),
            path: "s1.yaml".into(),
            cases: vec![
                case(
                    "s1/a",
                    Encoding::HttpBinary,
                    Verdict::Accept,
                    &["HTTP-BIN-5"],
                    &[],
                ),
                case(
                    "s1/b",
                    Encoding::Json,
                    Verdict::Accept,
                    &["JSON-ENV-1"],
                    &[],
                ),
            ],
        };
        let selection = Selection {
            encodings: vec![Encoding::Json],
            ..Selection::default()
        };
        let plan = RunPlan::new(&[suite], &selection, RunOptions::default());
        assert_eq!(plan.cases.len(), 1);
        assert_eq!(plan.cases[0].id, "s1/b");
        assert_eq!(plan.filtered_out, 1);
    }
}
