//! The requirement catalog (`suites/rules.yaml`) and [`Violation`], the
//! unit in which every check reports a broken rule.
//!
//! The catalog is compiled into the binary. [`Catalog::embedded`] parses it
//! once; [`Catalog::load`] reads another copy and checks it (unique IDs,
//! known levels), so a broken catalog is a load error with its path, never a
//! panic at run time.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::error::LoadError;

/// The catalog text compiled into the binary.
pub const EMBEDDED_RULES: &str = include_str!("../suites/rules.yaml");

/// An RFC 2119 requirement level, normalised (MUST NOT is MUST, and so on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Informational: a deviation is reported as `info`.
    May,
    /// A deviation is a warning (a failure under `--strict`).
    Should,
    /// A deviation is a failure.
    Must,
}

impl Level {
    /// Returns the level as the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Must => "MUST",
            Self::Should => "SHOULD",
            Self::May => "MAY",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One requirement of the catalog.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub level: Level,
    pub keyword: String,
    pub document: String,
    pub anchor: String,
    pub section: String,
    pub text: String,
    pub versions: Vec<String>,
    #[serde(default)]
    pub wip: bool,
    pub testable: bool,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

impl Rule {
    /// Returns the link to the rule's section in the spec repository.
    pub fn url(&self) -> String {
        format!(
            "https://github.com/cloudevents/spec/blob/main/cloudevents/{}#{}",
            self.document, self.anchor
        )
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct CatalogFile {
    #[allow(dead_code)]
    catalog_version: u32,
    rules: Vec<Rule>,
}

/// The loaded requirement catalog.
#[derive(Clone, Debug)]
pub struct Catalog {
    rules: Vec<Rule>,
    index: HashMap<String, usize>,
}

static EMBEDDED: LazyLock<Result<Catalog, LoadError>> =
    LazyLock::new(|| Catalog::parse(EMBEDDED_RULES, Path::new("suites/rules.yaml")));

impl Catalog {
    /// Returns the catalog compiled into the binary.
    ///
    /// The embedded file is checked by the test suite, so an error here means
    /// the binary was built from a broken tree; it is still returned, not panicked.
    pub fn embedded() -> Result<&'static Catalog, &'static LoadError> {
        EMBEDDED.as_ref()
    }

    /// Reads and checks a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and checks catalog text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Catalog, LoadError> {
        // The suites' YAML dialect and error form: `FILE:LINE:COL: message`.
        let file: CatalogFile = crate::suite::load::parse_yaml(text, path)?;
        let mut index = HashMap::with_capacity(file.rules.len());
        for (i, rule) in file.rules.iter().enumerate() {
            if index.insert(rule.id.clone(), i).is_some() {
                return Err(LoadError::Invalid {
                    path: path.to_owned(),
                    message: format!("rule id {} appears more than once", rule.id),
                });
            }
        }
        Ok(Catalog {
            rules: file.rules,
            index,
        })
    }

    /// Returns the rule with `id`.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.index.get(id).map(|&i| &self.rules[i])
    }

    /// Iterates every rule in catalog order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// Returns the number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Returns true when the catalog has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Returns the level of rule `id` from the embedded catalog (MUST when the
/// rule is unknown, so that a typo in code errs on the strict side; a test
/// checks that every rule the code cites exists).
pub fn level_of(id: &str) -> Level {
    Catalog::embedded()
        .ok()
        .and_then(|c| c.get(id))
        .map_or(Level::Must, |r| r.level)
}

/// How a rule that is only in the spec's main branch is labelled next to
/// its section in listings and reports.
pub const MAIN_BRANCH_ONLY: &str = "main branch only, not in v1.0.2";

/// Returns true when rule `id` is only in the spec's main branch (`wip`
/// in the catalog), not in a released version.
pub fn is_wip(id: &str) -> bool {
    Catalog::embedded()
        .ok()
        .and_then(|c| c.get(id))
        .is_some_and(|r| r.wip)
}

/// A broken rule: which, how strongly, what, and where in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Violation {
    pub rule: String,
    pub level: Level,
    pub message: String,
    /// Where in the input: `attribute time`, `header ce-id`, `member data_base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The reference refuses the input although the rule is not a MUST:
    /// the spec lets a receiver reject here (e.g. JSON-DATA-13), and cespec does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refuse: bool,
}

impl Violation {
    /// Returns a violation of `rule` at its catalog level.
    pub fn new(rule: &str, message: impl Into<String>) -> Self {
        Self {
            rule: rule.to_owned(),
            level: level_of(rule),
            message: message.into(),
            at: None,
            refuse: false,
        }
    }

    /// Returns this violation located at `at`.
    pub fn at(mut self, at: impl Into<String>) -> Self {
        self.at = Some(at.into());
        self
    }

    /// Returns true when the violation makes the input invalid (a MUST).
    pub fn is_error(&self) -> bool {
        self.level == Level::Must || self.refuse
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}", self.rule, self.level, self.message)?;
        if let Some(at) = &self.at {
            write!(f, " ({at})")?;
        }
        Ok(())
    }
}
