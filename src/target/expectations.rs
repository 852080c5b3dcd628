//! A target's known failures (DESIGN.md §5): the cases it is known to
//! fail, why, and where the issue is tracked. The runner marks a failing
//! case listed here as *expected*, and one that now passes as ready to be
//! removed from the list. This module only loads the file and answers
//! lookups.
//!
//! ```yaml
//! known-failures:
//!   - case: http-binary/percent-encoded-unicode     # one case, every reply encoding
//!     reason: the SDK does not percent-decode header values
//!     link: https://github.com/cloudevents/sdk-x/issues/1
//!   - case: http-binary/minimal@http-structured     # one reply encoding only
//!     reason: structured replies drop extensions
//!   - case: "json-batch/*"                          # `*` matches any run of characters
//!     reason: no batch support
//!   - case: hostile-size/extensions-100000          # only on the targets named
//!     reason: the stdio adapter panics; the HTTP server refuses the headers first
//!     targets: [sdk-stdio]
//! ```
//!
//! `targets:` is for a file shared by several targets of one
//! implementation (its stdio adapter and its HTTP server) when a case fails
//! on one front end and passes on another: without it the passing target
//! would report the entry as ready to be removed.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::LoadError;
use crate::runner::KnownFailure;

/// One known failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// A case id (`suite/case`, optionally `@reply`), or a pattern with `*`.
    pub case: String,
    pub reason: String,
    pub link: Option<String>,
    /// The targets the entry applies to; `None` for every target.
    pub targets: Option<Vec<String>>,
    /// The line the entry starts on.
    pub line: usize,
}

impl Entry {
    /// Returns the entry as a result records it.
    pub fn known_failure(&self, now_passes: bool) -> KnownFailure {
        KnownFailure {
            reason: self.reason.clone(),
            link: self.link.clone(),
            now_passes,
        }
    }
}

/// A loaded known-failures file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    path: PathBuf,
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    known_failures: Vec<Spanned<EntryShape>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryShape {
    case: String,
    reason: String,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    targets: Option<Vec<String>>,
}

impl Expectations {
    /// Reads and checks a known-failures file.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and checks known-failures text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, LoadError> {
        // The suites' YAML dialect and error form: `FILE:LINE:COL: message`.
        let file: FileShape = crate::suite::load::parse_yaml(text, path)?;
        let invalid = |line: usize, message: String| LoadError::Invalid {
            path: path.to_owned(),
            message: format!("line {line}: {message}"),
        };
        let mut entries: Vec<Entry> = Vec::with_capacity(file.known_failures.len());
        for spanned in file.known_failures {
            let line = usize::try_from(spanned.referenced.line()).unwrap_or(0);
            let EntryShape {
                case,
                reason,
                link,
                targets,
            } = spanned.value;
            let case = case.trim().to_owned();
            if case.is_empty() || !case.contains('/') && !case.contains('*') {
                return Err(invalid(
                    line,
                    format!("case {case:?} is not a case id (suite/case) or a pattern with *"),
                ));
            }
            if reason.trim().is_empty() {
                return Err(invalid(line, format!("{case}: give a reason")));
            }
            if targets.as_ref().is_some_and(|t| t.is_empty()) {
                return Err(invalid(
                    line,
                    format!(
                        "{case}: `targets: []` matches no target; leave it out to match every one"
                    ),
                ));
            }
            let overlaps = |earlier: &Entry| match (&earlier.targets, &targets) {
                (Some(a), Some(b)) => a.iter().any(|t| b.contains(t)),
                _ => true,
            };
            if let Some(earlier) = entries.iter().find(|e| e.case == case && overlaps(e)) {
                return Err(invalid(
                    line,
                    format!("{case} is already listed on line {}", earlier.line),
                ));
            }
            entries.push(Entry {
                case,
                reason: reason.trim().to_owned(),
                link,
                targets,
                line,
            });
        }
        Ok(Self {
            path: path.to_owned(),
            entries,
        })
    }

    /// Returns the entries that apply to the target named `name`: those
    /// without a `targets:` list and those whose list names it.
    pub fn for_target(mut self, name: &str) -> Self {
        self.entries.retain(|e| {
            e.targets
                .as_ref()
                .is_none_or(|targets| targets.iter().any(|t| t == name))
        });
        self
    }

    /// Returns the file the entries came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns every entry in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Returns the entry that names `id` itself (`suite/case` or
    /// `suite/case@reply`): an entry naming it exactly wins over a
    /// pattern; among patterns the first in the file wins. A pattern
    /// without `@` names cases, so it matches no `case@reply` id.
    ///
    /// A case-level entry does *not* match the case's reply ids here: the
    /// runner looks a result up by its name and then by its case id
    /// ([`crate::runner::execute::settle`]), and only a match by name lets a
    /// passing reply count as "now passes" while another reply still fails.
    pub fn matching(&self, id: &str) -> Option<&Entry> {
        let reply_level = id.contains('@');
        self.entries.iter().find(|e| e.case == id).or_else(|| {
            self.entries.iter().find(|e| {
                e.case.contains('*') && e.case.contains('@') == reply_level && glob(&e.case, id)
            })
        })
    }
}

impl crate::runner::KnownFailures for Expectations {
    fn lookup(&self, id: &str) -> Option<KnownFailure> {
        self.matching(id).map(|e| e.known_failure(false))
    }

    fn origin(&self) -> String {
        self.path.display().to_string()
    }
}

/// Returns true if and only if `text` matches `pattern`, where `*` stands
/// for any run of characters (`/`, `.` and `@` included) and everything
/// else for itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
known-failures:
  - case: http-binary/unicode
    reason: no percent-decoding
    link: https://example.com/1
  - case: http-binary/minimal@http-structured
    reason: structured replies drop extensions
  - case: \"json-batch/*\"
    reason: no batch
  - case: \"*/*-0.3*\"
    reason: no spec 0.3
";

    #[test]
    fn looks_cases_up() {
        let x = Expectations::parse(FILE, Path::new("x.yaml")).unwrap();
        assert_eq!(x.entries().len(), 4);
        assert_eq!(x.entries()[1].line, 5);
        let reason = |id: &str| x.matching(id).map(|e| e.reason.as_str());
        assert_eq!(reason("http-binary/unicode"), Some("no percent-decoding"));
        // A case-level entry names the case, not its replies (the runner
        // falls back from a reply's name to its case id itself).
        assert_eq!(reason("http-binary/unicode@http-binary"), None);
        assert_eq!(
            reason("http-binary/minimal@http-structured"),
            Some("structured replies drop extensions")
        );
        assert_eq!(reason("http-binary/minimal@http-binary"), None);
        assert_eq!(reason("json-batch/empty"), Some("no batch"));
        assert_eq!(reason("json-batch/empty@http-batch"), None);
        assert_eq!(reason("core/time-0.3.json"), Some("no spec 0.3"));
        assert_eq!(reason("core/time"), None);
        let k = x
            .matching("http-binary/unicode")
            .unwrap()
            .known_failure(true);
        assert_eq!(
            (k.link.as_deref(), k.now_passes),
            (Some("https://example.com/1"), true)
        );
    }

    #[test]
    fn a_case_level_entry_does_not_now_pass_while_another_reply_fails() {
        use crate::codec::Encoding;
        use crate::runner::Status;
        let x = Expectations::parse(
            "known-failures:\n  - case: s/a\n    reason: r\n  - case: \"p/*\"\n    reason: p\n",
            Path::new("x.yaml"),
        )
        .unwrap();
        for case in ["s/a", "p/b"] {
            let result = |reply, status| crate::runner::testing::result(case, reply, status);
            let mut group = [
                result(Encoding::HttpBinary, Status::Pass),
                result(Encoding::HttpStructured, Status::Fail),
            ];
            crate::runner::execute::settle(&mut group, &x, true);
            assert_eq!(group[0].status, Status::Pass, "{case}");
            assert_eq!(group[0].known_failure, None, "{case}");
            assert!(group[1].is_expected_failure(), "{case}");

            let mut group = [
                result(Encoding::HttpBinary, Status::Pass),
                result(Encoding::HttpStructured, Status::Pass),
            ];
            crate::runner::execute::settle(&mut group, &x, true);
            assert!(
                group.iter().all(|r| r.status == Status::Fail
                    && r.known_failure.as_ref().is_some_and(|k| k.now_passes)),
                "{case}: every reply passes, so the entry can go"
            );
        }
    }

    #[test]
    fn entries_with_targets_apply_only_to_those_targets() {
        let text = "\
known-failures:
  - case: hostile/many
    reason: the stdio adapter panics
    targets: [sdk]
  - case: hostile/many
    reason: the server answers 500
    targets: [sdk-http]
  - case: core/x
    reason: everywhere
";
        let x = Expectations::parse(text, Path::new("x.yaml")).unwrap();
        let stdio = x.clone().for_target("sdk");
        let http = x.clone().for_target("sdk-http");
        let other = x.for_target("elsewhere");
        let reason = |x: &Expectations, id: &str| x.matching(id).map(|e| e.reason.clone());
        assert_eq!(
            reason(&stdio, "hostile/many").as_deref(),
            Some("the stdio adapter panics")
        );
        assert_eq!(
            reason(&http, "hostile/many").as_deref(),
            Some("the server answers 500")
        );
        assert_eq!(reason(&other, "hostile/many"), None);
        assert_eq!(reason(&other, "core/x").as_deref(), Some("everywhere"));
    }

    #[test]
    fn overlapping_or_empty_target_lists_are_refused() {
        let twice = "known-failures:\n  - case: a/b\n    reason: r\n    targets: [t, u]\n  - case: a/b\n    reason: r\n    targets: [u]\n";
        let err = Expectations::parse(twice, Path::new("x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 5") && err.contains("already listed on line 2"),
            "{err}"
        );
        let empty = "known-failures:\n  - case: a/b\n    reason: r\n    targets: []\n";
        let err = Expectations::parse(empty, Path::new("x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("matches no target"), "{err}");
    }

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("a*", "abc"));
        assert!(glob("*c", "abc"));
        assert!(glob("a*b*c", "a-b-b-c"));
        assert!(!glob("a*b*c", "a-c"));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("abc", "abc") && !glob("abc", "abcd"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dup = "known-failures:\n  - case: a/b\n    reason: x\n  - case: a/b\n    reason: y\n";
        let e = Expectations::parse(dup, Path::new("k.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("k.yaml: line 4") && e.contains("line 2"),
            "{e}"
        );
        let e = Expectations::parse(
            "known-failures:\n  - case: a/b\n    reason: ''\n",
            Path::new("k.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 2") && e.contains("reason"), "{e}");
        let e = Expectations::parse(
            "known-failures:\n  - case: a/b\n    why: x\n",
            Path::new("k.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("k.yaml:3:5: unknown field `why`"), "{e}");
        assert!(
            Expectations::parse("known-failures: []\n", Path::new("k.yaml"))
                .unwrap()
                .entries()
                .is_empty()
        );
    }
}
