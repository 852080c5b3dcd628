//! The conformance tool's event files: multi-document YAML, one event per
//! document, each an HTTP message to send:
//!
//! ```yaml
//! # a comment, used as the case title
//! Mode: binary                 # optional: binary (default) | structured
//! ContextAttributes:           # keys in any case: specversion, SpecVersion, ...
//!   specversion: 1.0
//!   id: e-1
//!   Extensions: {myext: v}     # values are strings
//! TransportExtensions: {x-h: v}  # extra HTTP headers, sent as they are
//! Data: ...                    # the body, a string
//! ```
//!
//! Each document becomes a case with an `http` input in its mode and an
//! accept expectation built from the attributes (not from the reference,
//! so proving the corpus checks the reference against the file). Empty
//! attribute values are unset, as in the tool.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::{ImportedCase, Input, slug, unique};
use crate::codec::percent;
use crate::error::LoadError;
use crate::event::{binary, is_json_content_type};

/// Attribute name and text, in file order; `extension` marks members of
/// the nested `Extensions` map.
#[derive(Debug, Default)]
struct Attributes(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Attributes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of attribute names to values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Attributes, E> {
                Ok(Attributes::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key.eq_ignore_ascii_case("extensions") {
                        let nested: Attributes = map.next_value()?;
                        out.extend(nested.0);
                    } else if let Some(value) = map.next_value::<Option<String>>()? {
                        out.push((key, value));
                    }
                }
                Ok(Attributes(out))
            }
        }
        deserializer.deserialize_any(Entries)
    }
}

/// One document of an event file.
#[derive(Debug, Deserialize)]
struct ToolEvent {
    #[serde(rename = "Mode", alias = "mode", default)]
    mode: Option<String>,
    #[serde(
        rename = "ContextAttributes",
        alias = "contextattributes",
        alias = "contextAttributes"
    )]
    attributes: Attributes,
    #[serde(
        rename = "TransportExtensions",
        alias = "transportextensions",
        alias = "transportExtensions",
        default
    )]
    transport: Attributes,
    #[serde(rename = "Data", alias = "data", default)]
    data: Option<String>,
}

/// Returns the attribute name a tool key stands for: lower-cased, with the
/// tool's historical misspelling of `datacontentencoding` repaired.
fn attribute_name(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    match lower.as_str() {
        "dataecontentncoding" => "datacontentencoding".to_owned(),
        _ => lower,
    }
}

/// A document's text with the line it starts on (1-based).
struct Document<'a> {
    text: &'a str,
    first_line: usize,
}

/// Splits multi-document YAML at `---` lines (a document marker at column 0
/// also ends any block scalar, so this agrees with YAML).
fn documents(text: &str) -> Vec<Document<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut first_line = 1;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" || bare.starts_with("--- ") {
            out.push(Document {
                text: &text[start..offset],
                first_line,
            });
            start = offset + line.len();
            first_line = i + 2;
        }
        offset += line.len();
    }
    out.push(Document {
        text: &text[start..],
        first_line,
    });
    out.retain(|d| {
        d.text
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "...")
    });
    out
}

/// Returns the comment just above a document's content, as a title.
fn comment_title(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with('#'))
        .filter_map(|l| l.strip_prefix('#').map(str::trim).filter(|t| !t.is_empty()))
        .last()
        .map(str::to_owned)
}

/// Converts an event file into a suite title and cases.
pub(super) fn cases(text: &str, source: &Path) -> Result<(String, Vec<ImportedCase>), LoadError> {
    let name = source.file_name().map_or_else(
        || source.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut taken = Vec::new();
    let mut out = Vec::new();
    for (n, doc) in documents(text).into_iter().enumerate() {
        let event: ToolEvent = crate::suite::load::parse_yaml(doc.text, source)
            .map_err(|e| shift(e, doc.first_line - 1))?;
        let at = |message: String| LoadError::Invalid {
            path: source.to_owned(),
            message: format!("{}:1: document {}: {message}", doc.first_line, n + 1),
        };
        let case = convert(
            event,
            &name,
            n + 1,
            doc.first_line,
            comment_title(doc.text),
            &mut taken,
        )
        .map_err(at)?;
        out.push(case);
    }
    Ok((
        format!("Events imported from the conformance tool's {name}"),
        out,
    ))
}

/// Moves a YAML error's line numbers by `lines` (the document's offset in the file).
fn shift(error: LoadError, lines: usize) -> LoadError {
    match error {
        LoadError::Yaml { path, message } => {
            let message = match message.split_once(':') {
                Some((line, rest))
                    if line.bytes().all(|b| b.is_ascii_digit()) && !line.is_empty() =>
                {
                    let line: usize = line.parse().unwrap_or(0);
                    format!("{}:{rest}", line + lines)
                }
                _ => message,
            };
            LoadError::Yaml { path, message }
        }
        other => other,
    }
}

fn convert(
    event: ToolEvent,
    file: &str,
    number: usize,
    line: usize,
    title: Option<String>,
    taken: &mut Vec<String>,
) -> Result<ImportedCase, String> {
    let structured = match event
        .mode
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("binary") => false,
        Some("structured") => true,
        Some(other) => return Err(format!("Mode {other:?} is neither binary nor structured")),
    };
    let attributes: Vec<(String, String)> = event
        .attributes
        .0
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (attribute_name(&k), v))
        .collect();
    let get = |name: &str| {
        attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let content_type = get("datacontenttype").map(str::to_owned);
    let id_source = get("id").unwrap_or_default();
    let id = unique(
        slug(id_source).unwrap_or_else(|| format!("event-{number}")),
        taken,
    );
    let data = event.data.unwrap_or_default();
    let json_type = content_type.as_deref().is_some_and(is_json_content_type);
    let parsed = if json_type || content_type.is_none() {
        serde_json::from_str::<Value>(&data).ok()
    } else {
        None
    };

    let mut expected = Map::new();
    for (k, v) in &attributes {
        expected.insert(k.clone(), Value::String(v.clone()));
    }
    let mut notes = format!(
        "Imported from {file} (document {number}, line {line}) of the CloudEvents conformance tool's event files, sent in {} mode. The importer cannot know which requirement this exercises: cite the precise rule(s) instead of {}.",
        if structured { "structured" } else { "binary" },
        super::PLACEHOLDER_RULE
    );
    let input = if structured {
        let mut body = expected.clone();
        if !data.is_empty() {
            let member = match &parsed {
                Some(value) if json_type || content_type.is_none() => value.clone(),
                _ => Value::String(data.clone()),
            };
            body.insert("data".to_owned(), member.clone());
            expected.insert("data".to_owned(), member);
        }
        let mut headers = vec![(
            "content-type".to_owned(),
            crate::wire::MEDIA_JSON.to_owned(),
        )];
        headers.extend(event.transport.0);
        Input::Http {
            headers,
            body: Value::Object(body).to_string(),
        }
    } else {
        let mut headers = Vec::with_capacity(attributes.len() + event.transport.0.len());
        for (k, v) in &attributes {
            if k == "datacontenttype" {
                headers.push(("content-type".to_owned(), v.clone()));
            } else {
                headers.push((format!("ce-{k}"), percent::encode(v).into_owned()));
            }
        }
        headers.extend(event.transport.0);
        if !data.is_empty() {
            let member = match (&parsed, &content_type) {
                (Some(value), Some(_)) => ("data", value.clone()),
                (None, Some(_)) if !json_type => ("data", Value::String(data.clone())),
                _ => {
                    if json_type {
                        notes.push_str(" The Data is not JSON although the content type says so; the expectation takes it as bytes: check the verdict.");
                    }
                    (
                        "data_base64",
                        Value::String(binary::encode(data.as_bytes())),
                    )
                }
            };
            expected.insert(member.0.to_owned(), member.1);
        }
        Input::Http {
            headers,
            body: data,
        }
    };
    let requires = if get("specversion") == Some("0.3") {
        vec![crate::suite::load::SPECVERSION_03]
    } else {
        Vec::new()
    };
    let title = title.unwrap_or_else(|| {
        format!(
            "Event {id_source:?} from {file} in {} mode is accepted",
            if structured { "structured" } else { "binary" }
        )
    });
    Ok(ImportedCase {
        id,
        title,
        notes,
        requires,
        input,
        accept: true,
        expected: Some(Value::Object(expected)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_finds_titles() {
        let text = "# first\nContextAttributes: {id: a}\n---\n\n---\n# second\nContextAttributes: {id: b}\n";
        let docs = documents(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].first_line, 6);
        assert_eq!(comment_title(docs[0].text).as_deref(), Some("first"));
        assert_eq!(comment_title(docs[1].text).as_deref(), Some("second"));
        assert_eq!(attribute_name("DataEContentNCoding"), "datacontentencoding");
        assert_eq!(attribute_name("SpecVersion"), "specversion");
    }
}
