//! Binary mode's fast path: `ce-` headers typed as they are read, straight
//! into the event (see [`crate::codec::direct`]).
//!
//! It gives up, returning `None`, on anything [`Direct`] gives up on, and
//! on a header that breaks a binding rule (a value that does not
//! percent-decode, a `ce-datacontenttype` header, a repeated Content-Type,
//! a name with capitals, no `ce-` header at all); the caller then decodes
//! the message with the full path ([`super::decode_binary`]), which finds
//! and reports the problem. A test compares the two over every binary-mode
//! message of the corpus and their mutations.

use std::borrow::Cow;

use hyper::HeaderMap;
use hyper::header::{CONTENT_TYPE, HeaderValue};

use super::{ce_attribute, percent};
use crate::codec::direct::Direct;
use crate::codec::typing::Chars;
use crate::event::value::is_printable_ascii;
use crate::event::{AttributeValue, Event, Known, Text};
use crate::rules::Violation;

/// Decodes the attributes of a binary-mode message (its headers, in order,
/// and its Content-Type); the caller attaches the body as data.
pub(super) fn binary<'h>(
    headers: impl Iterator<Item = (&'h str, &'h [u8])>,
    ct: Option<&'h [u8]>,
    repeated_ct: bool,
) -> Option<(Event, Vec<Violation>)> {
    if repeated_ct {
        return None;
    }
    // A header map's size hint counts distinct names, a list every header
    // (a repeated ce- header leaves this path anyway).
    let mut direct = Direct::for_headers(headers.size_hint().0);
    let mut any_ce = false;
    for (name, raw) in headers {
        let Some(attribute) = ce_attribute(name) else {
            continue;
        };
        any_ce = true;
        if attribute.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let known = direct.note_header(attribute)?;
        // A plain value is its own text, and known printable ASCII.
        let (text, chars) = match percent::plain(raw) {
            Some(text) => (Cow::Borrowed(text), Chars::PrintableAscii),
            None => (percent::decode_not_plain(raw).ok()?, Chars::Unchecked),
        };
        match known {
            Known::Specversion => direct.specversion(&text)?,
            known => direct.string(known, attribute, &text, chars)?,
        }
    }
    if !any_ce {
        return None;
    }
    if let Some(ct) = ct {
        // Content-Type is not percent-decoded, only required printable.
        if !is_printable_ascii(ct) {
            return None;
        }
        direct.content_type(ct, Chars::PrintableAscii)?;
    }
    direct.finish()
}

/// Decodes the attributes of a binary-mode message like [`binary`], from a
/// header map the caller owns and is done with: each plain value (printable
/// ASCII that percent-decodes to itself), and the Content-Type, moves out of
/// the map into the event instead of being copied, leaving an empty value
/// behind. When it gives up (`None`), every value it moved is put back
/// first, so the full path reads the map as it came.
pub(super) fn binary_taking(
    headers: &mut HeaderMap,
    repeated_ct: bool,
) -> Option<(Event, Vec<Violation>)> {
    if repeated_ct {
        return None;
    }
    let mut direct = Direct::for_headers(headers.keys_len());
    if take_attributes(&mut direct, headers).is_some() && direct.is_complete() {
        return direct.finish();
    }
    put_back(direct.into_partial_event(), headers);
    None
}

/// The loop of [`binary_taking`]; `None` where it gives up, with what it
/// took so far left in `direct`'s event.
fn take_attributes(direct: &mut Direct, headers: &mut HeaderMap) -> Option<()> {
    let mut any_ce = false;
    for (name, value) in headers.iter_mut() {
        // A HeaderName is lowercase: no capitals to refuse here.
        let Some(attribute) = ce_attribute(name.as_str()) else {
            continue;
        };
        any_ce = true;
        let known = direct.note_header(attribute)?;
        let Some(text) = percent::plain(value.as_bytes()) else {
            let text = percent::decode_not_plain(value.as_bytes()).ok()?;
            match known {
                Known::Specversion => direct.specversion(&text)?,
                known => direct.string(known, attribute, &text, Chars::Unchecked)?,
            }
            continue;
        };
        if known == Known::Specversion {
            direct.specversion(text)?;
            continue;
        }
        let checked = direct.check_string(known, attribute, text, Chars::PrintableAscii)?;
        // Only text kept as it is moves; a parsed value (a time) leaves
        // its header where it was.
        direct.push_checked(known, attribute, checked, || {
            Text::from_header(std::mem::replace(value, empty_value()))
        });
    }
    if !any_ce {
        return None;
    }
    if let Some(ct) = headers.get_mut(CONTENT_TYPE) {
        // Content-Type is not percent-decoded, only required printable.
        if !is_printable_ascii(ct.as_bytes()) {
            return None;
        }
        let text = std::str::from_utf8(ct.as_bytes()).ok()?;
        let checked = direct.check_content_type(text, Chars::PrintableAscii)?;
        direct.push_checked(Known::DataContentType, "datacontenttype", checked, || {
            Text::from_header(std::mem::replace(ct, empty_value()))
        });
    }
    Some(())
}

/// Puts every header value [`take_attributes`] moved into `event` back
/// where it came from: the first header of its name (a repeated name is
/// given up on at its second header, before anything of it moves).
fn put_back(event: Event, headers: &mut HeaderMap) {
    let mut header = String::new();
    event.into_each_attribute(|name, value| {
        let (AttributeValue::String(text)
        | AttributeValue::Uri(text)
        | AttributeValue::UriRef(text)) = value
        else {
            return;
        };
        let Ok(taken) = text.into_header() else {
            return;
        };
        let slot = if name == "datacontenttype" {
            headers.get_mut(CONTENT_TYPE)
        } else {
            header.clear();
            header.push_str("ce-");
            header.push_str(name);
            headers.get_mut(header.as_str())
        };
        if let Some(slot) = slot {
            *slot = taken;
        }
    });
}

/// What a moved header value leaves behind.
fn empty_value() -> HeaderValue {
    HeaderValue::from_static("")
}

#[cfg(test)]
mod tests {
    use super::super::{Body, content_type, decode_binary, detect_mode, set_body};
    use super::*;
    use crate::codec::Mode;
    use crate::codec::oracle::differential::messages;
    use crate::wire::{HttpMessage, Message};

    /// Every binary-mode HTTP message of the corpus, and the mutations of
    /// the valid ones.
    fn binary_messages() -> Vec<HttpMessage> {
        messages()
            .into_iter()
            .filter_map(|message| match message {
                Message::Http(m) => Some(m),
                _ => None,
            })
            .filter(|m| {
                let headers = || m.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()));
                detect_mode(content_type(headers).0) == Mode::Binary
            })
            .collect()
    }

    #[test]
    fn the_fast_path_returns_what_the_full_path_returns() {
        let (mut taken, mut declined) = (0, 0);
        for m in binary_messages() {
            let headers = || m.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()));
            let (ct, repeated_ct) = content_type(headers);
            let full = decode_binary(headers(), Body::Borrowed(&m.body), ct, repeated_ct);
            let Some((mut event, warnings)) = binary(headers(), ct, repeated_ct) else {
                declined += 1;
                continue;
            };
            taken += 1;
            let Ok((expected, expected_warnings)) = full else {
                panic!("the fast path accepts what the full path refuses: {m:?}");
            };
            set_body(&mut event, Body::Borrowed(&m.body));
            assert_eq!(warnings, expected_warnings, "{m:?}");
            assert_eq!(format!("{event:?}"), format!("{expected:?}"), "{m:?}");
        }
        assert!(taken > 100, "fast path took {taken}");
        assert!(declined > 100, "fast path declined {declined}");
    }

    #[test]
    fn binding_faults_are_left_to_the_full_path() {
        let base: &[(&str, &[u8])] = &[
            ("ce-specversion", b"1.0"),
            ("ce-id", b"1"),
            ("ce-source", b"/s"),
            ("ce-type", b"t.x"),
        ];
        assert!(binary(base.iter().copied(), Some(b"text/plain"), false).is_some());
        for extra in [
            ("ce-datacontenttype", &b"text/plain"[..]),
            ("ce-x", b"%zz"),
            ("ce-x", b"caf\xc3\xa9"),
            ("ce-id", b"2"),
            ("ce-X", b"1"),
        ] {
            let headers = base.iter().copied().chain([extra]);
            assert!(binary(headers, None, false).is_none(), "{extra:?}");
        }
        assert!(binary(base.iter().copied(), Some(b"text/plain"), true).is_none());
        assert!(binary(base.iter().copied(), Some(b"text/pl\x01ain"), false).is_none());
        assert!(binary(base[1..].iter().copied(), None, false).is_none());
        assert!(binary(std::iter::empty(), None, false).is_none());
    }

    #[test]
    fn taking_the_headers_returns_what_borrowing_them_returns() {
        let (mut taken, mut declined) = (0, 0);
        for m in binary_messages() {
            let Some(map) = m.to_header_map() else {
                continue;
            };
            let expected = super::super::decode_header_map(&map, &m.body);
            let mut owned = map.clone();
            let got = super::super::decode_header_map_taking(&mut owned, m.body.clone());
            assert_eq!(format!("{got:?}"), format!("{expected:?}"), "{m:?}");
            // Every header is still there, as it came or emptied.
            assert_eq!(owned.len(), map.len(), "{m:?}");
            for ((name, before), (same, after)) in map.iter().zip(owned.iter()) {
                assert_eq!(name, same, "{m:?}");
                assert!(after == before || after.is_empty(), "{name}: {m:?}");
            }
            // Where the fast path gives up, the map is left as it came.
            let mut probe = map.clone();
            let repeated_ct = map.get_all(CONTENT_TYPE).iter().count() > 1;
            match binary_taking(&mut probe, repeated_ct) {
                Some(_) => taken += 1,
                None => {
                    assert_eq!(probe, map, "{m:?}");
                    declined += 1;
                }
            }
        }
        assert!(taken > 100, "fast path took {taken}");
        assert!(declined > 100, "fast path declined {declined}");
    }

    #[test]
    fn values_moved_before_giving_up_are_put_back() {
        let map = |extra: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in [
                ("ce-specversion", "1.0"),
                ("ce-id", "1"),
                ("ce-source", "/s"),
                ("ce-time", "2020-01-01T00:00:00Z"),
                ("content-type", "text/plain"),
            ]
            .iter()
            .chain(extra)
            {
                map.append(*name, HeaderValue::from_static(value));
            }
            map
        };
        // Given up on in the loop (a value that does not percent-decode,
        // a repeat), and at the end (no ce-type).
        for extra in [
            &[("ce-type", "t"), ("ce-x", "%zz")][..],
            &[("ce-type", "t"), ("ce-id", "2")],
            &[],
        ] {
            let before = map(extra);
            let mut after = before.clone();
            assert!(binary_taking(&mut after, false).is_none(), "{extra:?}");
            assert_eq!(after, before, "{extra:?}");
        }
        // Taken: the text values and the content type are moved out; the
        // time, parsed, and the specversion stay.
        let mut taken = map(&[("ce-type", "t")]);
        let (event, _) = binary_taking(&mut taken, false).expect("valid");
        assert_eq!(
            event.get("id").map(AttributeValue::canonical).as_deref(),
            Some("1")
        );
        assert_eq!(event.datacontenttype(), Some("text/plain"));
        let emptied: Vec<&str> = taken
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(emptied, ["ce-id", "ce-source", "content-type", "ce-type"]);
    }
}
