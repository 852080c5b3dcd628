//! Writes a disagreement found by `cespec prop` as a ready suite case
//! (`/work/notes/fixture-format.md`, DESIGN.md §4), so `cespec run` replays
//! it on every target from then on.
//!
//! The case is an abstract `event:` case rendered in the encoding the event
//! was sent in, expected to be accepted and to decode to the event itself.
//! Its id is `prop-` and a hash of the event, so the same event always gets
//! the same id and is saved once. Not here: deciding *whether* to save
//! (the command line) and loading suites (`suite`).

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::roundtrip::{Disagreement, DisagreementKind};
use crate::codec::Encoding;
use crate::error::{LoadError, SaveError};

/// A saved case's expectation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SavedExpect {
    /// Always `accept`: the event is valid.
    pub outcome: &'static str,
    /// The decoded event, for a single-event encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Value>,
    /// The decoded events, for a batch encoding (a batch of one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Value>>,
}

/// One suite case, in the order its fields are written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SavedCase {
    pub id: String,
    pub title: String,
    pub rules: Vec<String>,
    pub notes: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The event in JSON-format shape.
    pub event: Value,
    pub encodings: Vec<Encoding>,
    pub expect: SavedExpect,
}

/// What [`save`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// A new suite file was written with the case; holds the case id.
    Created(String),
    /// The case was added to an existing suite file.
    Added(String),
    /// A case with this id was already in the file; nothing was written.
    AlreadyPresent(String),
}

/// Returns the 64-bit FNV-1a hash of `bytes`: small, and stable across
/// Rust versions and platforms, unlike `std`'s hashers.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Returns the case id for an event given in the JSON format: `prop-` and
/// 12 hex digits of its hash.
pub fn case_id(event_json: &str) -> String {
    format!("prop-{:012x}", fnv1a(event_json.as_bytes()) >> 16)
}

fn clip(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit).collect();
    out.push('…');
    out
}

fn describe(kind: DisagreementKind) -> &'static str {
    match kind {
        DisagreementKind::Differs => "decoded to a different event",
        DisagreementKind::Rejected => "was rejected",
        DisagreementKind::Broken => "broke the exchange",
        DisagreementKind::BadReply => "came back as a reply that breaks a rule",
    }
}

/// Returns the suite case for `found`, a disagreement of the run with `seed`.
pub fn case(found: &Disagreement, seed: u64) -> SavedCase {
    let event: Value = serde_json::from_str(&found.event_json).unwrap_or(Value::Null);
    let first = found.differences.first().map_or("", String::as_str);
    let mut notes = format!(
        "Found by cespec prop (seed {seed}): the event sent in {} with the reply asked in {} {}: {}.",
        found.send,
        found.reply,
        describe(found.kind),
        found.differences.join("; ")
    );
    if found.send.is_batch() {
        notes.push_str(" It is sent as a batch of one.");
    }
    let rules = if found.rules.is_empty() {
        vec!["CORE-GEN-1".to_owned()]
    } else {
        found.rules.clone()
    };
    let requires = if event.get("specversion").and_then(Value::as_str) == Some("0.3") {
        vec!["specversion-0.3".to_owned()]
    } else {
        Vec::new()
    };
    let expect = SavedExpect {
        outcome: "accept",
        event: (!found.send.is_batch()).then(|| event.clone()),
        events: found.send.is_batch().then(|| vec![event.clone()]),
    };
    SavedCase {
        id: case_id(&found.event_json),
        title: format!(
            "cespec prop, {} to {}: {}",
            found.send,
            found.reply,
            clip(first, 60)
        ),
        rules,
        notes,
        requires,
        event,
        encodings: vec![found.send],
        expect,
    }
}

fn options() -> serde_saphyr::SerializerOptions {
    let mut options = serde_saphyr::SerializerOptions::default();
    // Folded block scalars would rewrap long values; plain and quoted
    // scalars keep every event value exact.
    options.prefer_block_scalars = false;
    options
}

fn to_yaml(value: &impl Serialize, path: &Path) -> Result<String, SaveError> {
    serde_saphyr::to_string_with_options(value, options()).map_err(|e| SaveError::Yaml {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Returns a suite id from a file name: its stem, lower-cased, with every
/// character outside `a-z0-9-` turned into `-`.
pub fn suite_id(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.is_empty() { "prop".to_owned() } else { id }
}

/// Returns a whole suite file holding `cases`.
pub fn suite_yaml(suite: &str, cases: &[SavedCase]) -> Result<String, SaveError> {
    #[derive(Serialize)]
    struct SuiteFile<'a> {
        suite: &'a str,
        title: &'a str,
        specversion: &'a str,
        cases: &'a [SavedCase],
    }
    to_yaml(
        &SuiteFile {
            suite,
            title: "Cases found by cespec prop",
            specversion: "1.0",
            cases,
        },
        Path::new(suite),
    )
}

/// Saves `found` (from the run with `seed`) in the suite file at `path`:
/// creates the file, named after the suite, or adds the case to the suite
/// already there. An existing file is rewritten from its parsed form, so
/// comments in it are not kept; the `prop-` cases are meant to live in a
/// file of their own.
pub fn save(path: &Path, found: &Disagreement, seed: u64) -> Result<Saved, SaveError> {
    let new = case(found, seed);
    let io = |source| SaveError::Io {
        path: path.to_owned(),
        source,
    };
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(e)),
    };
    let Some(text) = existing else {
        let yaml = suite_yaml(&suite_id(path), std::slice::from_ref(&new))?;
        std::fs::write(path, yaml).map_err(io)?;
        return Ok(Saved::Created(new.id));
    };
    let not_a_suite = |message: String| SaveError::NotASuite {
        path: PathBuf::from(path),
        message,
    };
    // Read as suites are read, so that a file that is not one is named with
    // the line and column where it stops being YAML (or a mapping).
    // parse_yaml's errors are Yaml ones; their message already starts
    // with the line and column, and the path is named once, by SaveError.
    let mut suite: Value = crate::suite::load::parse_yaml(&text, path).map_err(|e| match e {
        LoadError::Yaml { message, .. } => not_a_suite(message),
        other => not_a_suite(other.to_string()),
    })?;
    let Some(cases) = suite.get_mut("cases").and_then(Value::as_array_mut) else {
        return Err(not_a_suite("no `cases:` list".to_owned()));
    };
    if cases
        .iter()
        .any(|c| c.get("id").and_then(Value::as_str) == Some(new.id.as_str()))
    {
        return Ok(Saved::AlreadyPresent(new.id));
    }
    cases.push(serde_json::to_value(&new).map_err(|e| not_a_suite(e.to_string()))?);
    std::fs::write(path, to_yaml(&suite, path)?).map_err(io)?;
    Ok(Saved::Added(new.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Level;

    fn found(event_json: &str, send: Encoding) -> Disagreement {
        Disagreement {
            event_json: event_json.to_owned(),
            send,
            reply: Encoding::HttpBinary,
            kind: DisagreementKind::Differs,
            level: Level::Should,
            differences: vec!["time: precision lost, expected \"a\", got \"b\"".into()],
            rules: vec!["CORE-TS-1".into()],
        }
    }

    const EVENT: &str = r#"{"specversion":"1.0","id":"a","source":"https://a","type":"a","time":"0000-01-01T00:00:00.7511Z","data":null}"#;

    #[test]
    fn ids_are_stable_and_well_formed() {
        assert_eq!(case_id(EVENT), case_id(EVENT));
        assert_ne!(case_id(EVENT), case_id(&EVENT.replace('7', "8")));
        let id = case_id(EVENT);
        assert_eq!(id.len(), "prop-".len() + 12);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert_eq!(suite_id(Path::new("/x/Found Cases.yaml")), "found-cases");
    }

    #[test]
    fn a_case_is_an_abstract_event_case() {
        let c = case(&found(EVENT, Encoding::HttpStructured), 7);
        assert_eq!(c.encodings, [Encoding::HttpStructured]);
        assert_eq!(c.expect.event.as_ref(), Some(&c.event));
        assert!(c.notes.contains("seed 7") && c.notes.contains("http-binary"));
        let yaml = suite_yaml("found", &[c]).unwrap();
        assert!(
            yaml.contains("encodings:\n  - http-structured") || yaml.contains("- http-structured"),
            "{yaml}"
        );
        let back: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(back["cases"][0]["event"]["data"], Value::Null);
        assert!(
            back["cases"][0]["event"]
                .as_object()
                .unwrap()
                .contains_key("data")
        );
        assert_eq!(back["cases"][0]["expect"]["outcome"], "accept");
        let batch = case(&found(EVENT, Encoding::JsonBatch), 7);
        assert!(batch.expect.event.is_none());
        assert_eq!(batch.expect.events.as_ref().map(Vec::len), Some(1));
    }

    #[test]
    fn save_creates_adds_and_skips_repeats() {
        let dir = std::env::temp_dir().join(format!("cespec-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("prop-found.yaml");
        let _ = std::fs::remove_file(&path);
        let first = found(EVENT, Encoding::Json);
        let other = found(
            &EVENT.replace("\"id\":\"a\"", "\"id\":\"b\""),
            Encoding::KafkaBinary,
        );
        assert!(matches!(save(&path, &first, 1).unwrap(), Saved::Created(_)));
        assert!(matches!(save(&path, &other, 1).unwrap(), Saved::Added(_)));
        assert!(matches!(
            save(&path, &first, 2).unwrap(),
            Saved::AlreadyPresent(_)
        ));
        let suite: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(suite["suite"], "prop-found");
        assert_eq!(suite["cases"].as_array().unwrap().len(), 2);
        std::fs::write(&path, "just: text").unwrap();
        assert!(matches!(
            save(&path, &first, 1),
            Err(SaveError::NotASuite { .. })
        ));
        // Not YAML at all: the error names the file, line and column, and
        // the file is left as it was.
        std::fs::write(&path, "cases:\n  - id: a\n   bad: [\n").unwrap();
        let error = save(&path, &first, 1).unwrap_err().to_string();
        let expected = format!("{}:3:", path.display());
        assert!(error.starts_with(&expected), "{error}");
        assert!(!error.contains("<input>"), "{error}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "cases:\n  - id: a\n   bad: [\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
