//! Percent-encoding of HTTP `ce-` header values (HTTP binding §3.1.3.2).
//!
//! Encoding: the UTF-8 bytes of space, `"`, `%` and everything outside
//! U+0021..U+007E become `%XY` with upper-case hex (HTTP-HDR-2, -3, -5, -6).
//! Decoding: an RFC 7230 quoted-string is unquoted first, then exactly one
//! round of percent-decoding runs, and the result must be UTF-8 (HTTP-HDR-7
//! to -11). Malformed sequences are refused (our choice, `rules.yaml`).

use std::borrow::Cow;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Bytes the binding requires to be encoded, besides every non-ASCII byte.
const HEADER_SET: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'%');

/// Encodes a canonical string for a `ce-` header value: borrowed exactly
/// when nothing needed encoding, so a caller holding the text may keep it.
pub fn encode(text: &str) -> Cow<'_, str> {
    // Most values need nothing encoded; eight bytes at a time find that
    // where the general encoder looks up every byte in its set.
    if needs_no_encoding(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    // Not `.into()`: that borrows a lone escape such as "%25" from the
    // encoder's table, which would read as "nothing changed".
    Cow::Owned(utf8_percent_encode(text, HEADER_SET).to_string())
}

/// Returns true when no byte is in the set [`encode`] escapes: every byte
/// is within U+0021..U+007E and none is `"` or `%`.
pub(crate) fn needs_no_encoding(bytes: &[u8]) -> bool {
    use crate::event::value::{no_byte_flagged, swar};
    no_byte_flagged(
        bytes,
        |w| {
            swar::below(w, 0x21)
                | swar::above_tilde(w)
                | swar::equal(w, b'"')
                | swar::equal(w, b'%')
        },
        |b| (0x21..0x7f).contains(&b) && b != b'"' && b != b'%',
    )
}

/// Why a header value could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A raw byte outside printable ASCII (HTTP-HDR-1).
    RawByte(u8),
    /// An unterminated or malformed quoted-string (HTTP-HDR-7).
    BadQuoting,
    /// `%` not followed by two hex digits (HTTP-HDR-7, our strict choice).
    BadEscape(usize),
    /// The decoded bytes are not UTF-8 (HTTP-HDR-10).
    NotUtf8,
}

impl DecodeError {
    /// Returns the rule the error breaks.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::RawByte(_) => "HTTP-HDR-1",
            Self::BadQuoting | Self::BadEscape(_) => "HTTP-HDR-7",
            Self::NotUtf8 => "HTTP-HDR-10",
        }
    }

    /// Returns a one-line explanation.
    pub fn message(&self) -> String {
        match self {
            Self::RawByte(b) => format!(
                "raw byte 0x{b:02X} in a header value; only printable US-ASCII may appear unencoded"
            ),
            Self::BadQuoting => {
                "a quoted-string header value is not terminated or escapes badly".into()
            }
            Self::BadEscape(at) => format!("'%' at byte {at} is not followed by two hex digits"),
            Self::NotUtf8 => "the percent-decoded bytes are not valid UTF-8".into(),
        }
    }
}

fn unquote(raw: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    if raw.first() != Some(&b'"') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 1;
    loop {
        match raw.get(i) {
            None => return Err(DecodeError::BadQuoting),
            Some(b'"') => {
                return if i + 1 == raw.len() {
                    Ok(Cow::Owned(out))
                } else {
                    Err(DecodeError::BadQuoting)
                };
            }
            Some(b'\\') => {
                let escaped = *raw.get(i + 1).ok_or(DecodeError::BadQuoting)?;
                out.push(escaped);
                i += 2;
            }
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Returns a raw `ce-` header value as its own text when it needs no
/// decoding: printable ASCII, no `%`, not quoted. Most values are plain,
/// and one pass over the bytes finds that; the text is then printable
/// ASCII, which callers may rely on.
pub(crate) fn plain(raw: &[u8]) -> Option<&str> {
    if raw.first() != Some(&b'"') && crate::event::value::is_printable_ascii_but::<b'%'>(raw) {
        // Printable ASCII is UTF-8: this never fails.
        std::str::from_utf8(raw).ok()
    } else {
        None
    }
}

/// Decodes a raw `ce-` header value into the attribute's canonical string.
pub fn decode(raw: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    match plain(raw) {
        Some(text) => Ok(Cow::Borrowed(text)),
        None => decode_not_plain(raw),
    }
}

/// Decodes a raw value [`plain`] found not plain (so it is not looked at
/// that way twice): quoted, with a `%`, or with a byte to refuse.
pub(crate) fn decode_not_plain(raw: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    // Tabs are allowed around and inside field values by HTTP; the binding
    // still requires printable ASCII for the value itself. Checked eight
    // bytes at a time; the byte that breaks it is looked for only then.
    if !crate::event::value::is_printable_ascii(raw) {
        let bad = raw.iter().find(|b| !(0x20..0x7f).contains(*b));
        return Err(DecodeError::RawByte(bad.copied().unwrap_or_default()));
    }
    let unquoted = unquote(raw)?;
    // Unquoting removes quotes and backslashes, never a '%'.
    if !unquoted.contains(&b'%') {
        return match unquoted {
            // Printable ASCII is UTF-8.
            Cow::Borrowed(b) => Ok(Cow::Borrowed(
                std::str::from_utf8(b).map_err(|_| DecodeError::NotUtf8)?,
            )),
            Cow::Owned(v) => Ok(Cow::Owned(
                String::from_utf8(v).map_err(|_| DecodeError::NotUtf8)?,
            )),
        };
    }
    let mut out = Vec::with_capacity(unquoted.len());
    let mut i = 0;
    while i < unquoted.len() {
        let b = unquoted[i];
        if b == b'%' {
            let high = unquoted.get(i + 1).copied().and_then(hex);
            let low = unquoted.get(i + 2).copied().and_then(hex);
            match (high, low) {
                (Some(h), Some(l)) => out.push(h << 4 | l),
                _ => return Err(DecodeError::BadEscape(i)),
            }
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| DecodeError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_borrowed_back_only_when_nothing_was_encoded() {
        assert!(matches!(encode("abc"), Cow::Borrowed("abc")));
        for (text, escaped) in [(" ", "%20"), ("%", "%25"), ("\"", "%22"), ("é", "%C3%A9")] {
            let encoded = encode(text);
            assert!(matches!(encoded, Cow::Owned(_)), "{text:?}");
            assert_eq!(encoded, escaped);
        }
    }

    #[test]
    fn encodes_exactly_the_required_set() {
        assert_eq!(encode("Euro € 😀"), "Euro%20%E2%82%AC%20%F0%9F%98%80");
        assert_eq!(encode("100%"), "100%25");
        assert_eq!(encode("a\"b"), "a%22b");
        assert_eq!(encode("tab\there"), "tab%09here");
        assert_eq!(encode("!~/:;=?@[]"), "!~/:;=?@[]");
        assert_eq!(encode("\u{85}"), "%C2%85");
    }

    #[test]
    fn values_needing_no_encoding_are_found_at_every_byte_and_place() {
        // Every byte value at every position of texts from 1 to 19 bytes
        // (whole words, a tail, both), against the set's definition.
        for len in 1..20 {
            for at in 0..len {
                for b in 0..=u8::MAX {
                    for fill in [b'!', b'~'] {
                        let mut text = vec![fill; len];
                        text[at] = b;
                        let plain = text
                            .iter()
                            .all(|&b| (0x21..0x7f).contains(&b) && b != b'"' && b != b'%');
                        assert_eq!(needs_no_encoding(&text), plain, "{text:?}");
                        // The general encoder agrees wherever it can run.
                        if let Ok(text) = std::str::from_utf8(&text) {
                            let general = Cow::from(utf8_percent_encode(text, HEADER_SET));
                            assert_eq!(general == text, plain, "{text:?}");
                        }
                    }
                }
            }
        }
        assert!(needs_no_encoding(b""));
    }

    #[test]
    fn decodes_per_the_binding() {
        assert_eq!(decode(b"caf%c3%a9").unwrap(), "café");
        assert_eq!(decode(b"%41%42C").unwrap(), "ABC");
        assert_eq!(decode(b"100%2541").unwrap(), "100%41");
        assert_eq!(decode(b"\"hello world\"").unwrap(), "hello world");
        assert_eq!(decode(br#""a\"b""#).unwrap(), "a\"b");
        assert_eq!(decode(b"\"%41\"").unwrap(), "A");
        assert_eq!(decode(b"a+b").unwrap(), "a+b");
        assert_eq!(decode(b"").unwrap(), "");
    }

    #[test]
    fn plain_values_are_their_own_text_and_hold_no_forbidden_character() {
        // Every byte in each position of short values and of one longer
        // than a word (the eight-bytes-at-a-time check and its tail).
        for b in 0..=u8::MAX {
            for template in [&b"x"[..], b"ab", b"abcdefghijk"] {
                for at in 0..template.len() {
                    let mut raw = template.to_vec();
                    raw[at] = b;
                    let expected =
                        (0x20..0x7f).contains(&b) && b != b'%' && !(at == 0 && b == b'"');
                    match plain(&raw) {
                        Some(text) => {
                            assert!(expected, "{raw:?}");
                            assert_eq!(text.as_bytes(), raw);
                            assert_eq!(crate::event::value::forbidden_char(text), None);
                            assert_eq!(decode(&raw).unwrap(), text);
                        }
                        None => assert!(!expected, "{raw:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_what_the_binding_forbids() {
        for (raw, rule) in [
            (&b"%C0%A0"[..], "HTTP-HDR-10"),
            (b"%FF", "HTTP-HDR-10"),
            (b"%E2%82", "HTTP-HDR-10"),
            (b"%ED%A0%80", "HTTP-HDR-10"),
            (b"%G1", "HTTP-HDR-7"),
            (b"abc%", "HTTP-HDR-7"),
            (b"%4", "HTTP-HDR-7"),
            (b"\"open", "HTTP-HDR-7"),
            ("é".as_bytes(), "HTTP-HDR-1"),
            (b"a\tb", "HTTP-HDR-1"),
        ] {
            assert_eq!(decode(raw).unwrap_err().rule(), rule, "{raw:?}");
        }
    }
}
