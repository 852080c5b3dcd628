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

use bytes::Bytes;

use super::{Kept, member_value, payload};
use crate::codec::direct::Direct;
use crate::codec::scan::Scanner;
use crate::codec::typing::Chars;
use crate::event::{Event, Known, SpecVersion, Text};
use crate::rules::Violation;

/// Decodes the event object at the scanner, or returns `None` (the scanner
/// then stands anywhere inside it) when the full decoder must decide. With
/// `shared`, the bytes of the scanner's text, a string value without
/// escapes is kept as a slice of them instead of being copied.
pub(super) fn event(
    scanner: &mut Scanner<'_>,
    shared: Option<&Bytes>,
) -> Option<(Event, Vec<Violation>)> {
    let keep = |text: &str| match shared {
        Some(body) => Text::from_shared(body, text),
        None => Text::new(text),
    };
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
                        Some(text) => {
                            direct.string_kept(known, name, text, Chars::Unchecked, keep)?
                        }
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
        event(&mut Scanner::new(text), None)
    }

    /// Whether `text` lies inside `body`.
    fn inside(body: &[u8], text: &str) -> bool {
        body.as_ptr_range().contains(&text.as_ptr())
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
            // The same text held as Bytes, its values kept as slices of it.
            let body = Bytes::copy_from_slice(doc);
            let Ok(shared_text) = std::str::from_utf8(&body) else {
                unreachable!("the same bytes");
            };
            let mut shared_scanner = Scanner::new(shared_text);
            let shared = event(&mut shared_scanner, Some(&body));
            let Some((event, warnings)) = event(&mut quick, None) else {
                assert!(shared.is_none(), "only the shared decode took {text:?}");
                declined += 1;
                return;
            };
            let Some((shared, shared_warnings)) = shared else {
                panic!("only the copying decode took {text:?}");
            };
            assert_eq!(shared_scanner.pos(), quick.pos(), "{text:?}");
            assert_eq!(shared_warnings, warnings, "{text:?}");
            assert_eq!(format!("{shared:?}"), format!("{event:?}"), "{text:?}");
            assert_eq!(encode_event(&shared), encode_event(&event), "{text:?}");
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
    fn shared_values_are_slices_of_the_body_unless_escaped() {
        let body = Bytes::from_static(
            br#"{"specversion":"1.0","id":"a\u0062c","source":"/s","type":"t.x","n":5,"e":"plain"}"#,
        );
        let text = std::str::from_utf8(&body).unwrap();
        let (event, _) = event(&mut Scanner::new(text), Some(&body)).expect("valid");
        for (name, value) in event.attributes() {
            let kept = value.as_str().map(|s| inside(&body, s));
            let expected = match name {
                "id" => Some(false), // decoded from an escape: a copy
                "n" => None,         // an Integer: no text
                _ => Some(true),
            };
            assert_eq!(kept, expected, "{name}");
        }
        assert_eq!(event.get_str("id"), Some("abc"));
        // Without a body to share, every value is a copy.
        let (copied, _) = fast(text).expect("valid");
        assert!(
            copied
                .attributes()
                .all(|(_, v)| !v.as_str().is_some_and(|s| inside(&body, s)))
        );
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
