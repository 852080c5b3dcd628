//! The serde shape of a suite file, exactly as written (DESIGN.md §4,
//! `suites/README.md`, `suites/schema.json`).
//!
//! These types only describe syntax: unknown fields are refused and the
//! nodes that later checks point at are [`Spanned`], so that every error
//! names a line and column. Meaning (known rules, one input kind, valid
//! expected events, expansion of abstract cases) is checked in
//! [`super::load`], never here.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::input::{HeadersSpec, InputSpec};

/// A whole suite file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuiteFile {
    pub suite: Spanned<String>,
    pub title: String,
    /// Default `"1.0"`; inserted into abstract events that lack `specversion`.
    #[serde(default)]
    pub specversion: Option<Spanned<String>>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    pub cases: Vec<Spanned<CaseFile>>,
}

/// One case as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseFile {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub rules: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    #[serde(default)]
    pub input: Option<Spanned<InputSpec>>,
    /// An abstract event (object) or batch (array), rendered per encoding.
    #[serde(default)]
    pub event: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    pub encodings: Option<Spanned<Vec<Spanned<String>>>>,
    pub expect: Spanned<ExpectFile>,
}

/// What a conformant receiver does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Outcome {
    Accept,
    Reject,
    /// Accept or reject, as long as the target stays up (hostile inputs).
    Survive,
}

/// A case's `expect:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectFile {
    pub outcome: Outcome,
    #[serde(default)]
    pub event: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    pub events: Option<Spanned<Vec<serde_json::Value>>>,
    /// Keyed by reply encoding name; names are checked by the loader so an
    /// unknown one gets a message listing the known ones.
    #[serde(default)]
    pub reply: ReplyMap,
    /// For `accept`: the SHOULD or MAY rule, cited by the case, under which
    /// a refusal is judged instead of failing at the case's level.
    #[serde(default)]
    pub refusal: Option<Spanned<String>>,
}

/// The `reply:` mapping in file order, keys and values with their spans.
#[derive(Debug, Default)]
pub(crate) struct ReplyMap(pub Vec<(Spanned<String>, Spanned<ReplyFile>)>);

impl<'de> Deserialize<'de> for ReplyMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = ReplyMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping from reply encoding to constraints")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ReplyMap, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(ReplyMap(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Constraints on an echo's reply in one encoding.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplyFile {
    /// Headers that must be present with these values.
    #[serde(default)]
    pub headers: HeadersSpec,
    /// Header names that must be absent.
    #[serde(default)]
    pub absent: Vec<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_base64: Option<String>,
}
