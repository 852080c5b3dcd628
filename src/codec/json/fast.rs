//! The JSON decoder's fast path: one pass over an event object that types
//! each attribute as it is read and pushes it straight into the [`Event`],
//! for the common case of a valid event.
//!
//! It gives up, returning `None`, on anything [`Direct`] gives up on, and on
//! a grammar error, a member name with escapes, or data that breaks a rule;
//! the caller then decodes the object again with the full decoder
//! ([`super::parse_event_fully`]), which finds and reports the problem. The
//! data rules are the full decoder's ([`super::payload`]). A test compares
//! the two over the corpus and thousands of mutations of it.

use super::{Kept, member_value, payload};
use crate::codec::direct::Direct;
use crate::codec::scan::Scanner;
use crate::codec::typing::Chars;
use crate::event::{Event, Known, SpecVersion};
use crate::rules::Violation;

/// Decodes the event object at the scanner, or returns `None` (the scanner
/// then stands anywhere inside it) when the full decoder must decide.
pub(super) fn event(scanner: &mut Scanner<'_>) -> Option<(Event, Vec<Violation>)> {
    scanner.expect(b'{', "").ok()?;
    let mut direct =
        Direct::with_capacity(((scanner.text().len() - scanner.pos()) / 24).clamp(4, 16));
    let mut data: Option<Kept<'_>> = None;
    let mut data_base64: Option<Kept<'_>> = None;
    loop {
        // A name with escapes is rare enough to leave to the full decoder.
        let name = scanner.plain_string()?;
        scanner.expect(b':', "").ok()?;
        let known = Known::of(name);
        direct.note(known, name)?;
        match name {
            "data" => data = Some(Kept::read(scanner).ok()?),
            "data_base64" => data_base64 = Some(Kept::read(scanner).ok()?),
            _ => match known {
                Known::Specversion => direct.specversion(scanner.plain_string()?)?,
                known if scanner.peek() == Some(b'"') => {
                    // Strings, most values, skip the RawValue.
                    let at = scanner.pos();
                    match scanner.plain_string() {
                        Some(text) => direct.string(known, name, text, Chars::Unchecked)?,
                        None => {
                            scanner.seek(at);
                            let text = scanner.string().ok()?.decode(at).ok()?;
                            direct.string(known, name, &text, Chars::Unchecked)?
                        }
                    }
                }
                known => direct.value(known, name, &member_value(scanner).ok()?.ok()?)?,
            },
        }
        match scanner.peek() {
            Some(b',') => scanner.bump(),
            Some(b'}') => {
                scanner.bump();
                break;
            }
            _ => return None,
        }
    }
    let (mut event, mut violations) = direct.finish()?;
    let version = event.specversion();
    // The content type and 0.3's encoding matter only to `data`.
    let (dct, encoding) = match data {
        Some(_) if version == SpecVersion::V0_3 => (
            event.datacontenttype(),
            event.get_str("datacontentencoding"),
        ),
        Some(_) => (event.datacontenttype(), None),
        None => (None, None),
    };
    let payload = payload(data, data_base64, dct, encoding, version, &mut violations);
    if violations.iter().any(Violation::is_error) {
        return None;
    }
    event.set_data(payload);
    Some((event, violations))
}

#[cfg(test)]
mod tests {
    use super::super::{encode_event, parse_event_fully};
    use super::*;
    use crate::codec::oracle::differential::each_document;
    use crate::event::AttributeType;

    /// Runs the fast path on the object `text` starts with; `None` when it
    /// gives up.
    fn fast(text: &str) -> Option<(Event, Vec<Violation>)> {
        event(&mut Scanner::new(text))
    }

    #[test]
    fn the_fast_path_returns_what_the_full_decoder_returns() {
        let (mut taken, mut declined) = (0, 0);
        each_document(|doc| {
            let Ok(text) = std::str::from_utf8(doc) else {
                return;
            };
            let mut quick = Scanner::new(text);
            if quick.peek() != Some(b'{') {
                return;
            }
            let mut full = Scanner::new(text);
            let expected = parse_event_fully(&mut full);
            let Some((event, warnings)) = event(&mut quick) else {
                declined += 1;
                return;
            };
            taken += 1;
            let Ok(Ok((expected, expected_warnings))) = expected else {
                panic!("the fast path accepts what the full decoder refuses: {text:?}");
            };
            assert_eq!(quick.pos(), full.pos(), "stops elsewhere in {text:?}");
            assert_eq!(warnings, expected_warnings, "warnings differ on {text:?}");
            // Debug shows every attribute, in order, with its type, and the data variant.
            assert_eq!(format!("{event:?}"), format!("{expected:?}"), "{text:?}");
            assert_eq!(encode_event(&event), encode_event(&expected), "{text:?}");
        });
        // Both ways are exercised: the corpus's valid events and the
        // mutations that spoil them.
        assert!(taken > 300, "fast path took {taken}");
        assert!(declined > 3_000, "fast path declined {declined}");
    }

    #[test]
    fn specversion_may_come_last_unless_a_member_before_it_types_by_version() {
        let late = r#"{"id":"1","source":"/s","type":"t.x","x":true,"specversion":"0.3","schemaurl":"u:v"}"#;
        let (event, _) = fast(late).expect("typed alike in every version");
        assert_eq!(event.specversion(), SpecVersion::V0_3);
        assert_eq!(
            event.get("schemaurl").map(|v| v.kind()),
            Some(AttributeType::UriRef)
        );

        for early in [
            r#"{"schemaurl":"u:v","specversion":"0.3","id":"1","source":"/s","type":"t.x"}"#,
            r#"{"dataschema":"u:v","specversion":"1.0","id":"1","source":"/s","type":"t.x"}"#,
            r#"{"datacontentencoding":"base64","specversion":"0.3","id":"1","source":"/s","type":"t.x"}"#,
            r#"{"1x":"y","specversion":"0.3","id":"1","source":"/s","type":"t.x"}"#,
        ] {
            assert!(fast(early).is_none(), "{early}");
            // The full decoder types it for the version it reads later.
            let decoded = crate::codec::json::decode_event(early.as_bytes());
            let name = &early[2..early[2..].find('"').unwrap() + 2];
            match decoded {
                Ok((event, _)) => assert!(event.get(name).is_some(), "{early}"),
                Err(violations) => assert!(
                    violations.iter().any(|v| v.rule == "CORE-NAME-2"),
                    "{early}: {violations:?}"
                ),
            }
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_full_decoder() {
        for text in [
            r#"{}"#,
            r#"{"specversion":"1.0","id":"1","source":"/s"}"#,
            r#"{"specversion":"1.0","id":"1","id":"2","source":"/s","type":"t.x"}"#,
            r#"{"specversion":"1.0","id":"","source":"/s","type":"t.x"}"#,
            r#"{"specversion":"1.1","id":"1","source":"/s","type":"t.x"}"#,
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","x":1.5}"#,
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":1,"data_base64":"AA=="}"#,
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x",}"#,
        ] {
            assert!(fast(text).is_none(), "{text}");
            assert!(
                crate::codec::json::decode_event(text.as_bytes()).is_err(),
                "{text}"
            );
        }
        let many: String = (0..crate::codec::direct::MAX_ATTRIBUTES)
            .map(|i| format!(r#","x{i}":{i}"#))
            .collect();
        let wide = format!(r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x"{many}}}"#);
        assert!(fast(&wide).is_none());
        assert!(crate::codec::json::decode_event(wide.as_bytes()).is_ok());
    }
}
