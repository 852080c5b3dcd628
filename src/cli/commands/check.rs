//! `cespec check FILE|-`: validates one event or wire message with the
//! strict validator and prints every violation with its rule, level and
//! location. Exit 1 when any is a MUST violation.
//!
//! What the file holds is recognised, in this order:
//! 1. JSON that is an object naming `http`, `kafka` or `json` (and no
//!    `specversion`): a serialised wire message, as written in suites;
//! 2. other JSON: an event-format document, a batch when it is an array;
//! 3. YAML that reads as a serialised wire message;
//! 4. anything else: an event-format document that is not valid JSON, which
//!    the validator reports as such. A `.yaml`/`.yml` file that is not a
//!    wire message is a load error instead (exit 3).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Color, Style};
use cespec::error::LoadError;
use cespec::exit_codes;
use cespec::report::text;
use cespec::rules::Level;
use cespec::suite::input::InputSpec;
use cespec::validate;
use cespec::wire::{JsonDocument, MEDIA_JSON, MEDIA_JSON_BATCH, Message};

use crate::cli::plan::{CheckCommand, Source};

/// Checks the file and returns 1 on a MUST violation, 0 otherwise.
pub fn execute(cmd: &CheckCommand, mut out: Box<dyn Write + Send>) -> anyhow::Result<i32> {
    let (bytes, name) = read(&cmd.source)?;
    let (message, what) = interpret(&bytes, &name, matches!(cmd.source, Source::File(_)))?;
    let validation = validate::message(&message);
    let count = |level| {
        validation
            .violations
            .iter()
            .filter(|v| v.level == level)
            .count()
    };
    let (must, should, may) = (count(Level::Must), count(Level::Should), count(Level::May));
    let verdict = match (must, validation.is_valid(), should + may) {
        (0, true, 0) => "valid",
        (0, true, _) => "valid, with findings",
        (0, false, _) => "refused by the reference (a choice the spec allows)",
        _ => "invalid",
    };
    let encoding = validation
        .encoding
        .map(|e| format!(", {e}"))
        .unwrap_or_default();
    let mut report = format!(
        "{}: {what}{encoding}: {verdict}\n",
        text::line(&name.display().to_string())
    );
    for v in &validation.violations {
        let style = match v.level {
            Level::Must => Style::new()
                .fg_color(Some(Color::Ansi(AnsiColor::Red)))
                .bold(),
            Level::Should => Style::new().fg_color(Some(Color::Ansi(AnsiColor::Yellow))),
            Level::May => Style::new().fg_color(Some(Color::Ansi(AnsiColor::Cyan))),
        };
        let rule = if cmd.color {
            format!("{style}{}{style:#}", v.rule)
        } else {
            v.rule.clone()
        };
        let at =
            v.at.as_deref()
                .map(|a| format!(" (at {})", text::line(a)))
                .unwrap_or_default();
        let _ = writeln!(
            report,
            "  {rule} [{}] {}{at}",
            v.level,
            text::line(&v.message)
        );
    }
    if !validation.violations.is_empty() {
        let _ = writeln!(
            report,
            "{must} MUST, {should} SHOULD, {may} MAY violation(s)"
        );
    }
    out.write_all(report.as_bytes())?;
    out.flush()?;
    Ok(if must > 0 {
        exit_codes::FAILURE
    } else {
        exit_codes::SUCCESS
    })
}

fn read(source: &Source) -> Result<(Vec<u8>, PathBuf), LoadError> {
    let mut bytes = Vec::new();
    match source {
        Source::Stdin => {
            let path = PathBuf::from("<stdin>");
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|source| LoadError::Io {
                    path: path.clone(),
                    source,
                })?;
            Ok((bytes, path))
        }
        Source::File(path) => {
            bytes = std::fs::read(path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            Ok((bytes, path.clone()))
        }
    }
}

/// Returns the message the bytes hold and what kind of input it was.
/// `from_file` allows `body_file` paths, relative to the file's directory.
pub fn interpret(
    bytes: &[u8],
    path: &Path,
    from_file: bool,
) -> Result<(Message, &'static str), LoadError> {
    let fixtures = from_file.then(|| path.parent().unwrap_or(Path::new(".")));
    let wire = |spec: InputSpec| {
        spec.to_message(fixtures)
            .map(|m| (m, "wire message"))
            .map_err(|e| LoadError::Invalid {
                path: path.to_owned(),
                message: e.to_string(),
            })
    };
    let document = |media_type: &str, what| {
        let doc = JsonDocument {
            media_type: media_type.into(),
            body: bytes.to_vec(),
        };
        Ok((Message::Json(doc), what))
    };
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(map))
            if ["http", "kafka", "json"]
                .iter()
                .any(|k| map.contains_key(*k))
                && !map.contains_key("specversion") =>
        {
            let spec = serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
                LoadError::Invalid {
                    path: path.to_owned(),
                    message: e.to_string(),
                }
            })?;
            wire(spec)
        }
        Ok(serde_json::Value::Array(_)) => document(MEDIA_JSON_BATCH, "JSON-format batch"),
        Ok(_) => document(MEDIA_JSON, "JSON-format event"),
        Err(_) => {
            let yaml = std::str::from_utf8(bytes)
                .ok()
                .map(|text| cespec::suite::load::parse_yaml::<InputSpec>(text, path));
            let named_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            match yaml {
                Some(Ok(spec)) => wire(spec),
                Some(Err(e)) if named_yaml => Err(e),
                _ if named_yaml => Err(LoadError::Invalid {
                    path: path.to_owned(),
                    message: "not UTF-8 text".into(),
                }),
                _ => document(MEDIA_JSON, "JSON-format event"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str, name: &str) -> Result<(Message, &'static str), LoadError> {
        interpret(text.as_bytes(), Path::new(name), false)
    }

    #[test]
    fn recognises_what_it_is_given() {
        assert_eq!(
            kind(r#"{"specversion":"1.0"}"#, "e.json").unwrap().1,
            "JSON-format event"
        );
        assert_eq!(kind("[]", "b.json").unwrap().1, "JSON-format batch");
        assert_eq!(
            kind(r#"{"http":{"body":"x"}}"#, "m.json").unwrap().1,
            "wire message"
        );
        let (message, what) = kind("kafka:\n  headers: [[ce_id, '1']]\n", "m.yaml").unwrap();
        assert_eq!((message.binding(), what), ("kafka", "wire message"));
        assert_eq!(
            kind("{not json", "e.json").unwrap().1,
            "JSON-format event",
            "broken JSON is checked, not refused"
        );
        assert!(matches!(
            kind("{not: [valid", "m.yaml"),
            Err(LoadError::Yaml { .. })
        ));
        assert!(matches!(
            kind(r#"{"http":{},"kafka":{}}"#, "m.json"),
            Err(LoadError::Invalid { .. })
        ));
    }
}
