//! JSON Schema for the shared types a report embeds (results, statuses,
//! levels, encodings, transcripts), so that `report.schema.json` can be
//! generated from [`super::model::Report`].
//!
//! Those types live in the runner, rules, codec and suite modules, which do
//! not depend on schemars. Each gets a `JsonSchema` implementation here that
//! delegates to a private mirror describing its *serialised* form. A mirror
//! that falls out of step with its type is caught by `tests/report_schema.rs`,
//! which validates a serialised report against the generated schema.
//!
//! Not for: the report's own types (they derive `JsonSchema` in `model.rs`).

#![allow(dead_code)] // the mirrors are only read by the schema derive

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::codec::Encoding;
use crate::rules::Level;
use crate::runner::judge::JudgeOptions;
use crate::runner::{CaseResult, Finding, KnownFailure, Status, Transcript};
use crate::suite::input::InputSpec;

/// Implements `JsonSchema` for `$ty` by delegating to the mirror `$mirror`.
macro_rules! mirror {
    ($ty:ty => $mirror:ty, $name:literal) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn schema_id() -> Cow<'static, str> {
                Cow::Borrowed(concat!("cespec::", $name))
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                <$mirror>::json_schema(generator)
            }
        }
    };
}

mirror!(Status => StatusDef, "Status");
mirror!(Level => LevelDef, "Level");
mirror!(Encoding => EncodingDef, "Encoding");
mirror!(Finding => FindingDef, "Finding");
mirror!(JudgeOptions => JudgeOptionsDef, "Judging");
mirror!(Transcript => TranscriptDef, "Transcript");
mirror!(KnownFailure => KnownFailureDef, "KnownFailure");
mirror!(CaseResult => CaseResultDef, "CaseResult");
mirror!(InputSpec => InputSpecDef, "Message");

/// The outcome of one result: pass, fail (MUST, or SHOULD under --strict),
/// warn (SHOULD), info (MAY), skip (with reason), error (harness or
/// transport broke).
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum StatusDef {
    Pass,
    Fail,
    Warn,
    Info,
    Skip,
    Error,
}

/// An RFC 2119 requirement level, normalised (MUST NOT is MUST, ...).
#[derive(JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
enum LevelDef {
    May,
    Should,
    Must,
}

/// A way events are put on the wire.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum EncodingDef {
    Json,
    JsonBatch,
    HttpBinary,
    HttpStructured,
    HttpBatch,
    KafkaBinary,
    KafkaStructured,
}

/// One broken rule found while judging a result.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FindingDef {
    rule: String,
    level: Level,
    message: String,
}

/// The options that changed how results were judged.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct JudgeOptionsDef {
    /// SHOULD deviations failed (`--strict`).
    #[serde(default)]
    strict: bool,
    /// Deviations from main-branch-only rules were informational
    /// (`--released-spec`).
    #[serde(default)]
    released_spec: bool,
}

/// The messages exchanged for one result, in the fixture message form.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct TranscriptDef {
    /// What the harness sent.
    request: Option<InputSpec>,
    /// What the target replied, when it did.
    response: Option<InputSpec>,
    /// Status line or rejection reason the target gave.
    note: Option<String>,
}

/// An entry of the target's expectations file that matched the case.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct KnownFailureDef {
    reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    /// True when the case now passes, so the entry can be removed.
    #[serde(default)]
    now_passes: bool,
}

/// The result of one case, or one reply encoding of a case, on one target.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct CaseResultDef {
    /// `suite/case` (or `suite/case.encoding` for an expanded abstract case).
    case: String,
    suite: String,
    target: String,
    /// The reply encoding the echo asked for, when the case was echoed per encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply: Option<Encoding>,
    status: Status,
    /// The case's level (strongest among its rules).
    level: Level,
    rules: Vec<String>,
    /// One line saying what happened.
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actual: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transcript: Option<Transcript>,
    /// Microseconds.
    duration: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    known_failure: Option<KnownFailure>,
}

/// A wire message in the fixture form (`suites/README.md`): exactly one of
/// `http`, `kafka` and `json`. Bytes that are not UTF-8 are in the
/// `*_base64` members.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct InputSpecDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http: Option<HttpDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kafka: Option<KafkaDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    json: Option<JsonDef>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct HttpDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default)]
    headers: HeadersDef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_file: Option<String>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct KafkaDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_base64: Option<String>,
    #[serde(default)]
    headers: HeadersDef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value_file: Option<String>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct JsonDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
}

impl Default for HeadersDef {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

/// Headers: a list of `[name, value]` pairs (order, case and duplicates
/// kept) or a map.
#[derive(JsonSchema, serde::Serialize)]
#[serde(untagged)]
enum HeadersDef {
    List(Vec<HeaderDef>),
    Map(std::collections::BTreeMap<String, HeaderValueDef>),
}

#[derive(JsonSchema, serde::Serialize)]
#[serde(untagged)]
enum HeaderValueDef {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

#[derive(JsonSchema, serde::Serialize)]
#[serde(untagged)]
enum HeaderDef {
    /// `[name, value]`, the value as UTF-8 text.
    Pair(String, String),
    /// A value that is not UTF-8.
    Raw { name: String, value_base64: String },
}
