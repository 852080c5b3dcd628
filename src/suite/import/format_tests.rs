//! The conformance tool's JSON format tests (`format/json/*.json`): one
//! object with a default `testType` and a list of `tests`, each with an
//! `id`, an optional `description` and `testType`, and an `event` or a
//! `batch`. Test types: `ValidSingleEvent`, `ValidBatch`,
//! `InvalidSingleEvent`, `InvalidBatch`.
//!
//! Each test becomes a case with a `json` input holding the test's exact
//! JSON text (whitespace between tokens removed, nothing else touched, so
//! `5.0` stays `5.0`): accept with the event(s) as the expectation for the
//! valid types, reject for the invalid ones. Fields this importer does not
//! use (`sampleId`) are ignored; the flags that make a test depend on
//! definitions cespec does not have are noted on the case.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{ImportedCase, Input, slug, unique};
use crate::error::LoadError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
enum TestType {
    ValidSingleEvent,
    ValidBatch,
    InvalidSingleEvent,
    InvalidBatch,
}

#[derive(Debug, Deserialize)]
struct TestFile {
    #[serde(rename = "testType", default)]
    test_type: Option<TestType>,
    tests: Vec<Test>,
}

#[derive(Debug, Deserialize)]
struct Test {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "testType", default)]
    test_type: Option<TestType>,
    #[serde(default)]
    event: Option<Box<RawValue>>,
    #[serde(default)]
    batch: Option<Box<RawValue>>,
    #[serde(rename = "sampleExtensionAttributes", default)]
    sample_extension_attributes: bool,
    #[serde(rename = "extensionConstraints", default)]
    extension_constraints: bool,
}

/// Returns JSON text without the whitespace between tokens.
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

/// Converts a format test file into a suite title and cases.
pub(super) fn cases(text: &str, source: &Path) -> Result<(String, Vec<ImportedCase>), LoadError> {
    let file: TestFile = serde_json::from_str(text).map_err(|e| LoadError::Yaml {
        path: source.to_owned(),
        message: format!("{}:{}: {e}", e.line(), e.column()),
    })?;
    let name = source.file_name().map_or_else(
        || source.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let invalid = |id: &str, message: &str| LoadError::Invalid {
        path: source.to_owned(),
        message: format!("test {id:?}: {message}"),
    };
    let mut taken = Vec::new();
    let mut out = Vec::with_capacity(file.tests.len());
    for test in file.tests {
        let Some(kind) = test.test_type.or(file.test_type) else {
            return Err(invalid(
                &test.id,
                "no testType, neither on the test nor on the file",
            ));
        };
        let batch = matches!(kind, TestType::ValidBatch | TestType::InvalidBatch);
        let raw = match (batch, &test.event, &test.batch) {
            (false, Some(event), _) => event,
            (true, _, Some(batch)) => batch,
            (false, _, _) => return Err(invalid(&test.id, "a single-event test needs an `event`")),
            (true, _, _) => return Err(invalid(&test.id, "a batch test needs a `batch`")),
        };
        let text = minify(raw.get());
        let accept = matches!(kind, TestType::ValidSingleEvent | TestType::ValidBatch);
        let expected = if accept {
            Some(
                serde_json::from_str::<Value>(&text)
                    .map_err(|e| invalid(&test.id, &e.to_string()))?,
            )
        } else {
            None
        };
        let mut notes = format!(
            "Imported from {name}#{} ({kind:?}) of the CloudEvents conformance tool's format tests. The importer cannot know which requirement this exercises: cite the precise rule(s) instead of {}.",
            test.id,
            super::PLACEHOLDER_RULE
        );
        if test.sample_extension_attributes {
            notes.push_str(" The source test relies on the tool's sample extension attribute definitions (typed extensions); cespec types extensions by their JSON representation, so check the expectation.");
        }
        if test.extension_constraints {
            notes.push_str(" The source test applies extension constraints cespec does not know; the reference may decide differently: check the verdict.");
        }
        let title = match &test.description {
            Some(d) if !d.trim().is_empty() && !d.contains('\n') => d.trim().to_owned(),
            _ => format!("{} {}", if accept { "Accepts" } else { "Rejects" }, test.id),
        };
        let id = unique(
            slug(&test.id).unwrap_or_else(|| format!("test-{}", out.len() + 1)),
            &mut taken,
        );
        out.push(ImportedCase {
            id,
            title,
            notes,
            requires: Vec::new(),
            input: Input::Json { text, batch },
            accept,
            expected,
        });
    }
    Ok((
        format!("Format tests imported from the conformance tool's {name}"),
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings_and_numbers() {
        assert_eq!(
            minify("{ \"a b\" : [ 1e2 , 5.0 ],\n \"c\\\" d\": \"x \\\\\" }"),
            "{\"a b\":[1e2,5.0],\"c\\\" d\":\"x \\\\\"}"
        );
    }
}
