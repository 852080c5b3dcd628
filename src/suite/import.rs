//! `cespec import`: turns the files of the official CloudEvents conformance
//! tool (`cloudevents/conformance`) into a cespec suite file (YAML text).
//!
//! Two inputs are understood: the tool's *event files* (multi-document YAML,
//! one event per document with `ContextAttributes`, `TransportExtensions`,
//! `Data` and optionally `Mode`; see `import/events.rs`) and the JSON test files of its
//! `format/` suite (`{testType, tests: [...]}`; see `import/format_tests.rs`).
//!
//! The import is honest about what it cannot know: the tool's files name no
//! requirement, so every case cites `CORE-GEN-1` and its `notes` say where
//! it came from and that the precise rule must be cited before the case
//! joins the corpus. The generated text is loaded back with the suite
//! loader and anything it refuses is returned in [`Imported::problems`].
//! This module never writes files; the CLI does.

mod events;
mod format_tests;

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::error::LoadError;
use crate::rules::Catalog;

/// The rule every imported case cites until a person cites the right one.
pub const PLACEHOLDER_RULE: &str = "CORE-GEN-1";

/// Which kind of file is imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// The tool's event files: multi-document YAML.
    EventYaml,
    /// The tool's `format/json/*.json` test files.
    FormatJson,
}

impl ImportFormat {
    /// Returns the format of `path`: `.json` files are format tests,
    /// anything else is taken for event YAML.
    pub fn detect(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Self::FormatJson,
            _ => Self::EventYaml,
        }
    }
}

/// The result of an import.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The suite id; write the text to `<suite>.yaml`.
    pub suite: String,
    /// How many cases were written.
    pub cases: usize,
    /// The suite file.
    pub yaml: String,
    /// What the suite loader says about the generated file (empty when it
    /// loads): imported events the reference rejects, for instance.
    pub problems: Vec<String>,
}

/// Imports the file at `path` (format by extension, see
/// [`ImportFormat::detect`]) into suite `suite_id`, by default
/// `imported-<file stem>`.
pub fn import_file(
    path: &Path,
    suite_id: Option<&str>,
    catalog: &Catalog,
) -> Result<Imported, LoadError> {
    let bytes = super::load::read_limited(path)?;
    let text = String::from_utf8(bytes).map_err(|e| LoadError::Yaml {
        path: path.to_owned(),
        message: format!(
            "the file is not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let default_id;
    let suite_id = match suite_id {
        Some(id) => id,
        None => {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("suite");
            default_id = format!(
                "imported-{}",
                slug(stem).unwrap_or_else(|| "suite".to_owned())
            );
            &default_id
        }
    };
    import_text(&text, path, ImportFormat::detect(path), suite_id, catalog)
}

/// Imports `text` (read from `source`, which names it in notes and errors)
/// into a suite with id `suite_id`.
pub fn import_text(
    text: &str,
    source: &Path,
    format: ImportFormat,
    suite_id: &str,
    catalog: &Catalog,
) -> Result<Imported, LoadError> {
    if slug(suite_id).as_deref() != Some(suite_id) {
        return Err(LoadError::Invalid {
            path: source.to_owned(),
            message: format!("suite id {suite_id:?} must match [a-z0-9-]+"),
        });
    }
    let (title, cases) = match format {
        ImportFormat::EventYaml => events::cases(text, source)?,
        ImportFormat::FormatJson => format_tests::cases(text, source)?,
    };
    if cases.is_empty() {
        return Err(LoadError::Invalid {
            path: source.to_owned(),
            message: "no event or test found to import".to_owned(),
        });
    }
    let yaml = write_suite(suite_id, &title, source, &cases);
    let path = Path::new("suites").join(format!("{suite_id}.yaml"));
    let refuse_files = |name: &str| Err(format!("{name}: imported suites use no fixture files"));
    let problems = match super::load::check_str(&yaml, &path, catalog, &refuse_files) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    Ok(Imported {
        suite: suite_id.to_owned(),
        cases: cases.len(),
        yaml,
        problems,
    })
}

/// One case to write, already in suite terms.
#[derive(Clone, Debug)]
struct ImportedCase {
    id: String,
    title: String,
    notes: String,
    requires: Vec<&'static str>,
    input: Input,
    accept: bool,
    /// The expected event (object) or events (array), for accept.
    expected: Option<Value>,
}

#[derive(Clone, Debug)]
enum Input {
    Http {
        headers: Vec<(String, String)>,
        body: String,
    },
    Json {
        text: String,
        batch: bool,
    },
}

/// Returns `text` as an id: lower-case, runs of other characters as one
/// `-`, camelCase split (`invalidNoId` -> `invalid-no-id`); `None` if
/// nothing is left.
fn slug(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 4);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && i > 0
                && (chars[i - 1].is_ascii_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || (chars[i - 1].is_ascii_uppercase()
                        && chars.get(i + 1).is_some_and(char::is_ascii_lowercase)));
            if boundary && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    (!out.is_empty()).then_some(out)
}

/// Makes `id` unique among `taken` by appending `-2`, `-3`, ...
fn unique(id: String, taken: &mut Vec<String>) -> String {
    let mut candidate = id.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{id}-{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// Returns `text` as a YAML double-quoted scalar. Beyond JSON's escapes,
/// every character YAML does not print (C1 controls, U+FEFF, U+2028/9 and
/// noncharacters) is written as `\u` escape, so any string survives.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{20}'..='\u{7e}' => out.push(c),
            c if needs_escape(c) => {
                let n = u32::from(c);
                let _ = if n > 0xffff {
                    write!(out, "\\U{n:08X}")
                } else {
                    write!(out, "\\u{n:04X}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn needs_escape(c: char) -> bool {
    let n = u32::from(c);
    n < 0x20
        || (0x7f..=0xa0).contains(&n)
        || matches!(n, 0x2028 | 0x2029 | 0xfeff)
        || (0xfdd0..=0xfdef).contains(&n)
        || (n & 0xfffe) == 0xfffe
}

/// Writes a JSON value as YAML flow (JSON syntax, YAML-safe strings).
fn flow(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(&quote(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(k));
                out.push_str(": ");
                flow(v, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn write_suite(id: &str, title: &str, source: &Path, cases: &[ImportedCase]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `cespec import` from {}.",
        source.display()
    );
    let _ = writeln!(
        out,
        "# Every case cites {PLACEHOLDER_RULE} as a placeholder: cite the requirements it really"
    );
    let _ = writeln!(
        out,
        "# exercises (suites/rules.yaml), check each verdict, then move it into the corpus."
    );
    let _ = writeln!(out, "suite: {id}");
    let _ = writeln!(out, "title: {}", quote(title));
    let _ = writeln!(out, "cases:");
    for case in cases {
        let _ = writeln!(out, "  - id: {}", case.id);
        let _ = writeln!(out, "    title: {}", quote(&case.title));
        let _ = writeln!(out, "    rules: [{PLACEHOLDER_RULE}]");
        let _ = writeln!(out, "    notes: {}", quote(&case.notes));
        if !case.requires.is_empty() {
            let _ = writeln!(out, "    requires: [{}]", case.requires.join(", "));
        }
        let _ = writeln!(out, "    input:");
        match &case.input {
            Input::Http { headers, body } => {
                let _ = writeln!(out, "      http:");
                let _ = writeln!(out, "        headers:");
                for (name, value) in headers {
                    let _ = writeln!(out, "          - [{}, {}]", quote(name), quote(value));
                }
                if !body.is_empty() {
                    let _ = writeln!(out, "        body: {}", quote(body));
                }
            }
            Input::Json { text, batch } => {
                let _ = writeln!(out, "      json:");
                let _ = writeln!(out, "        text: {}", quote(text));
                if *batch {
                    let _ = writeln!(out, "        media_type: {}", crate::wire::MEDIA_JSON_BATCH);
                }
            }
        }
        let _ = writeln!(out, "    expect:");
        let _ = writeln!(
            out,
            "      outcome: {}",
            if case.accept { "accept" } else { "reject" }
        );
        if let Some(expected) = &case.expected {
            let key = if expected.is_array() {
                "events"
            } else {
                "event"
            };
            let mut text = String::new();
            flow(expected, &mut text);
            let _ = writeln!(out, "      {key}: {text}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_quotes() {
        assert_eq!(
            slug("invalidNoSpecVersion").as_deref(),
            Some("invalid-no-spec-version")
        );
        assert_eq!(
            slug("invalidNonRfc2046DataContentType").as_deref(),
            Some("invalid-non-rfc2046-data-content-type")
        );
        assert_eq!(slug("HTTPHeader").as_deref(), Some("http-header"));
        assert_eq!(
            slug("conformance-0001").as_deref(),
            Some("conformance-0001")
        );
        assert_eq!(slug("  A b_c!! "), Some("a-b-c".to_owned()));
        assert_eq!(slug("***"), None);
        let mut taken = vec!["a".to_owned()];
        assert_eq!(unique("a".to_owned(), &mut taken), "a-2");
        assert_eq!(
            quote("a\"b\\c\n\u{85}\u{1F30E}\u{7}"),
            "\"a\\\"b\\\\c\\n\\u0085\u{1F30E}\\u0007\""
        );
    }

    #[test]
    fn quoted_strings_read_back_unchanged() {
        for text in [
            "plain",
            "\u{0}\u{1f}\u{7f}\u{9f}\u{a0}",
            "\u{feff}x\u{2028}\u{fffe}\u{10ffff}",
            "'single' \"double\" #hash: colon",
        ] {
            let back: String =
                serde_saphyr::from_str(&quote(text)).expect("a quoted scalar parses");
            assert_eq!(back, text);
        }
    }
}
