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

use super::{ce_attribute, percent};
use crate::codec::direct::Direct;
use crate::codec::typing::Chars;
use crate::event::value::is_printable_ascii;
use crate::event::{Event, Known};
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
        if attribute.bytes().any(|b| b.is_ascii_uppercase()) || attribute == "datacontenttype" {
            return None;
        }
        let known = Known::of(attribute);
        direct.note(known, attribute)?;
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
}
