//! The seven CloudEvents attribute types and their canonical strings
//! (core spec, "Type System"), with the checks each type imposes.
//!
//! Parsing from a canonical string is strict: it is how binary-mode headers
//! become typed values, and how `cespec` decides what is valid. Checks return
//! a short human reason; callers attach the rule ID (see `codec::builder`).

use std::borrow::Cow;
use std::fmt;

use super::text::Text;
use super::timestamp::Timestamp;

/// The abstract type of an attribute value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttributeType {
    Boolean,
    Integer,
    String,
    Binary,
    Uri,
    UriRef,
    Timestamp,
}

impl AttributeType {
    /// Returns the type's name as the spec writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Boolean => "Boolean",
            Self::Integer => "Integer",
            Self::String => "String",
            Self::Binary => "Binary",
            Self::Uri => "URI",
            Self::UriRef => "URI-reference",
            Self::Timestamp => "Timestamp",
        }
    }
}

/// A typed attribute value. String, URI and URI-reference values keep their
/// validated text as a [`Text`]: a `String` (`"x".into()`,
/// `String::from(..).into()`), or the HTTP header value a decoder that took
/// the headers moved in; either reads as a `&str`.
#[derive(Clone, Debug)]
pub enum AttributeValue {
    Boolean(bool),
    Integer(i32),
    String(Text),
    Binary(Vec<u8>),
    Uri(Text),
    UriRef(Text),
    Timestamp(Timestamp),
}

impl AttributeValue {
    /// Returns the value's type.
    pub fn kind(&self) -> AttributeType {
        match self {
            Self::Boolean(_) => AttributeType::Boolean,
            Self::Integer(_) => AttributeType::Integer,
            Self::String(_) => AttributeType::String,
            Self::Binary(_) => AttributeType::Binary,
            Self::Uri(_) => AttributeType::Uri,
            Self::UriRef(_) => AttributeType::UriRef,
            Self::Timestamp(_) => AttributeType::Timestamp,
        }
    }

    /// Returns the canonical string (core spec, Type System).
    pub fn canonical(&self) -> Cow<'_, str> {
        match self {
            Self::Boolean(true) => Cow::Borrowed("true"),
            Self::Boolean(false) => Cow::Borrowed("false"),
            Self::Integer(n) => Cow::Owned(n.to_string()),
            Self::String(s) | Self::Uri(s) | Self::UriRef(s) => Cow::Borrowed(s),
            Self::Binary(bytes) => Cow::Owned(super::binary::encode(bytes)),
            Self::Timestamp(t) => Cow::Borrowed(t.as_str()),
        }
    }

    /// Returns the string if this value is carried as a JSON string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) | Self::Uri(s) | Self::UriRef(s) => Some(s),
            Self::Timestamp(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// Parses a canonical string as a value of type `kind`.
    pub fn parse(kind: AttributeType, text: &str) -> Result<Self, &'static str> {
        Ok(match kind {
            AttributeType::Boolean => Self::Boolean(parse_boolean(text)?),
            AttributeType::Integer => Self::Integer(parse_integer(text)?),
            AttributeType::String => {
                check_string(text)?;
                Self::String(Text::new(text))
            }
            AttributeType::Binary => Self::Binary(parse_binary(text)?),
            AttributeType::Uri => {
                check_uri(text)?;
                Self::Uri(Text::new(text))
            }
            AttributeType::UriRef => {
                check_uri_reference(text)?;
                Self::UriRef(Text::new(text))
            }
            AttributeType::Timestamp => Self::Timestamp(Timestamp::parse(text).map_err(|e| e.0)?),
        })
    }
}

impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Parses the Boolean canonical string: exactly `true` or `false` (CORE-TS-3).
pub fn parse_boolean(text: &str) -> Result<bool, &'static str> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("a Boolean is exactly 'true' or 'false'"),
    }
}

/// Checks the Integer lexical form: an optional '-' and the integer part of
/// a JSON number, so no '+', no leading zeros, no fraction, no exponent (CORE-TS-5).
pub fn check_integer_lexical(text: &str) -> Result<(), &'static str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    match digits.as_bytes() {
        [] => Err("an Integer needs at least one digit"),
        [b'0', _, ..] => Err("an Integer has no leading zeros"),
        d if d.iter().all(u8::is_ascii_digit) => Ok(()),
        _ => Err("an Integer is an optional '-' and digits only (no '+', fraction or exponent)"),
    }
}

/// Parses an Integer canonical string in the int32 range (CORE-TS-4, CORE-TS-5).
pub fn parse_integer(text: &str) -> Result<i32, &'static str> {
    check_integer_lexical(text)?;
    if text.len() > 12 {
        return Err("Integer out of the range -2147483648..2147483647");
    }
    // The lexical check guarantees digits; only the range can fail now.
    text.parse::<i64>()
        .ok()
        .and_then(|n| i32::try_from(n).ok())
        .ok_or("Integer out of the range -2147483648..2147483647")
}

/// Decodes strict RFC 4648 base64: standard alphabet, canonical padding (CORE-TS-9).
pub fn parse_binary(text: &str) -> Result<Vec<u8>, &'static str> {
    super::binary::decode(text.as_bytes())
        .ok_or("not RFC 4648 base64 (standard alphabet, with padding)")
}

/// Returns the first character a CloudEvents String may not hold, if any
/// (CORE-TS-6 control characters, CORE-TS-7 noncharacters). Unpaired
/// surrogates (CORE-TS-8) cannot exist in a Rust `str`; decoders catch them.
pub fn forbidden_char(text: &str) -> Option<(char, &'static str)> {
    // Fast path: printable ASCII needs no per-char work.
    if is_printable_ascii(text.as_bytes()) {
        return None;
    }
    text.chars().find_map(|c| {
        let cp = c as u32;
        if cp <= 0x1f || (0x7f..=0x9f).contains(&cp) {
            Some((c, "a control character"))
        } else if (0xfdd0..=0xfdef).contains(&cp) || (cp & 0xfffe) == 0xfffe {
            Some((c, "a Unicode noncharacter"))
        } else {
            None
        }
    })
}

/// Returns true when every byte is printable ASCII (0x20 to 0x7E), looking
/// at eight bytes at a time: such text holds no character
/// [`forbidden_char`] looks for.
#[inline]
pub(crate) fn is_printable_ascii(bytes: &[u8]) -> bool {
    is_printable_ascii_but::<0>(bytes)
}

/// Returns true when every byte is printable ASCII and none is `EXCEPT`
/// (0 for none), eight bytes at a time: how a header value is found to need
/// no percent-decoding (`EXCEPT` = `%`) in the pass that checks it.
#[inline]
pub(crate) fn is_printable_ascii_but<const EXCEPT: u8>(bytes: &[u8]) -> bool {
    no_byte_flagged(
        bytes,
        |w| {
            let mut flags = swar::below(w, 0x20) | swar::above_tilde(w);
            if EXCEPT != 0 {
                flags |= swar::equal(w, EXCEPT);
            }
            flags
        },
        |b| (0x20..0x7f).contains(&b) && (EXCEPT == 0 || b != EXCEPT),
    )
}

/// Returns true when no byte of `bytes` is flagged, eight bytes at a time.
/// `flag_word` sets the high bit of some byte of a (little-endian) word
/// when, and only when, the word holds a flagged byte (the [`swar`] tests
/// are exact in that sense); `byte_ok` decides one byte, for texts
/// shorter than a word.
#[inline(always)]
pub(crate) fn no_byte_flagged(
    bytes: &[u8],
    flag_word: impl Fn(u64) -> u64,
    byte_ok: impl Fn(u8) -> bool,
) -> bool {
    let flagged = |chunk: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        flag_word(u64::from_le_bytes(word)) & swar::HIGHS != 0
    };
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        if flagged(chunk) {
            return false;
        }
    }
    // The tail: the last eight bytes again when there are that many (a
    // word assembled from fewer bytes would be read back wider than it was
    // written, a store-forwarding stall), else one byte at a time.
    match bytes.len().checked_sub(8) {
        Some(last) if !words.remainder().is_empty() => !flagged(&bytes[last..]),
        Some(_) => true,
        None => bytes.iter().all(|&b| byte_ok(b)),
    }
}

/// Byte tests on eight bytes at once: each returns a word whose bytes have
/// their high bit set (among other bits, which [`HIGHS`] masks off) for
/// some byte that passes the test, and no high bit at all when none does.
pub(crate) mod swar {
    const ONES: u64 = 0x0101_0101_0101_0101;
    /// The high bit of every byte.
    pub(crate) const HIGHS: u64 = 0x8080_8080_8080_8080;

    /// Some byte is below `bound` (at most 0x80): subtracting borrows
    /// into its high bit, which `!w` keeps only for bytes that had none.
    #[inline(always)]
    pub(crate) fn below(w: u64, bound: u8) -> u64 {
        w.wrapping_sub(ONES * u64::from(bound)) & !w
    }

    /// Some byte is above `~` (0x7E): adding one carries 0x7F into the
    /// high bit, and 0x80 and up have it already.
    #[inline(always)]
    pub(crate) fn above_tilde(w: u64) -> u64 {
        w.wrapping_add(ONES) | w
    }

    /// Some byte is `byte`: XORed with it, that byte is zero, below 1.
    #[inline(always)]
    pub(crate) fn equal(w: u64, byte: u8) -> u64 {
        below(w ^ (ONES * u64::from(byte)), 1)
    }
}

/// Checks the String rules: no control characters, no noncharacters.
pub fn check_string(text: &str) -> Result<(), &'static str> {
    match forbidden_char(text) {
        None => Ok(()),
        Some((_, "a control character")) => Err("a String may not contain control characters"),
        Some(_) => Err("a String may not contain Unicode noncharacters"),
    }
}

/// Character classes of RFC 3986 for [`certainly_valid_uri`].
const REG_NAME: u8 = 1; // unreserved / sub-delims
const PCHAR: u8 = 2; // reg-name characters, ':' and '@'
const SCHEME: u8 = 4; // ALPHA / DIGIT / '+' / '-' / '.'

const URI_CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let alnum = c.is_ascii_alphanumeric();
        let unreserved = alnum || matches!(c, b'-' | b'.' | b'_' | b'~');
        let sub_delim = matches!(
            c,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        );
        if unreserved || sub_delim {
            table[b] |= REG_NAME | PCHAR;
        }
        if c == b':' || c == b'@' {
            table[b] |= PCHAR;
        }
        if alnum || matches!(c, b'+' | b'-' | b'.') {
            table[b] |= SCHEME;
        }
        b += 1;
    }
    table
};

/// Returns true when `text` is certainly a valid URI-reference (with
/// `absolute`: an absolute URI without fragment) by a quick check of a
/// common subset of RFC 3986: `scheme://reg-name[:port]` followed by a path,
/// or a path starting with one `/`, then an optional query and fragment,
/// with no percent-encoding, userinfo or IP literal. `false` means "ask the
/// full parser", never "invalid".
fn certainly_valid_uri(text: &str, absolute: bool) -> bool {
    let b = text.as_bytes();
    let class = |i: usize, c: u8| {
        b.get(i)
            .is_some_and(|&x| URI_CLASSES[usize::from(x)] & c != 0)
    };
    let mut i = 0;
    if b.first() == Some(&b'/') {
        if absolute || b.get(1) == Some(&b'/') {
            return false;
        }
    } else {
        if !b.first().is_some_and(u8::is_ascii_alphabetic) {
            return false;
        }
        i = 1;
        while class(i, SCHEME) {
            i += 1;
        }
        if b.get(i..i + 3) != Some(b"://") {
            return false;
        }
        i += 3;
        while class(i, REG_NAME) {
            i += 1;
        }
        if b.get(i) == Some(&b':') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let port = &text[start..i];
            if port.is_empty() || port.len() > 5 || port.parse::<u32>().map_or(true, |p| p > 65535)
            {
                return false;
            }
        }
        if !matches!(b.get(i), None | Some(b'/' | b'?' | b'#')) {
            return false;
        }
    }
    while class(i, PCHAR) || b.get(i) == Some(&b'/') {
        i += 1;
    }
    let tail = |i: &mut usize| {
        *i += 1;
        while class(*i, PCHAR) || matches!(b.get(*i), Some(b'/' | b'?')) {
            *i += 1;
        }
    };
    if b.get(i) == Some(&b'?') {
        tail(&mut i);
    }
    if b.get(i) == Some(&b'#') {
        if absolute {
            return false;
        }
        tail(&mut i);
    }
    i == b.len()
}

/// Checks an RFC 3986 URI-reference (CORE-TS-11). Emptiness is checked by the caller.
pub fn check_uri_reference(text: &str) -> Result<(), &'static str> {
    if certainly_valid_uri(text, false) {
        return Ok(());
    }
    fluent_uri::UriRef::parse(text)
        .map(|_| ())
        .map_err(|_| "not an RFC 3986 URI-reference")
}

/// Checks an RFC 3986 §4.3 absolute URI: a scheme, and no fragment (CORE-TS-10).
pub fn check_uri(text: &str) -> Result<(), &'static str> {
    if certainly_valid_uri(text, true) {
        return Ok(());
    }
    let uri = fluent_uri::Uri::parse(text)
        .map_err(|_| "not an absolute RFC 3986 URI (a scheme is required)")?;
    if uri.fragment().is_some() {
        return Err("an absolute URI (RFC 3986 §4.3) has no fragment");
    }
    Ok(())
}

/// RFC 2045 token characters: any CHAR except SPACE, CTLs and tspecials.
const TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        table[b] = true;
        b += 1;
    }
    let specials = b"()<>@,;:\\\"/[]?=";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = false;
        i += 1;
    }
    table
};

fn is_token_char(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// Checks RFC 2046/2045 media-type syntax: `type/subtype` followed by
/// `; name=value` parameters, where value is a token or a quoted-string (CORE-DCT-1).
pub fn check_media_type(text: &str) -> Result<(), &'static str> {
    const BAD: &str =
        "not an RFC 2046 media type (type/subtype with optional ;name=value parameters)";
    let b = text.as_bytes();
    let mut i = 0;
    let token = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && is_token_char(b[*i]) {
            *i += 1;
        }
        *i > start
    };
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    if !token(&mut i) || b.get(i) != Some(&b'/') {
        return Err(BAD);
    }
    i += 1;
    if !token(&mut i) {
        return Err(BAD);
    }
    loop {
        skip_ws(&mut i);
        if i == b.len() {
            return Ok(());
        }
        if b[i] != b';' {
            return Err(BAD);
        }
        i += 1;
        skip_ws(&mut i);
        if !token(&mut i) || b.get(i) != Some(&b'=') {
            return Err(BAD);
        }
        i += 1;
        if b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(BAD),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => i += 2,
                    Some(_) => i += 1,
                }
            }
        } else if !token(&mut i) {
            return Err(BAD);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_ascii_is_decided_for_every_byte_at_every_place() {
        // Every byte value at every position of texts from 1 to 19 bytes
        // (whole words, a tail, both), among printable neighbours of both
        // extremes, against the byte-at-a-time definition.
        for len in 1..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    for fill in [b' ', b'~'] {
                        let mut text = vec![fill; len];
                        text[at] = b;
                        let expected = text.iter().all(|b| (0x20..0x7f).contains(b));
                        assert_eq!(is_printable_ascii(&text), expected, "{text:?}");
                        let expected = expected && !text.contains(&b'%');
                        assert_eq!(is_printable_ascii_but::<b'%'>(&text), expected, "{text:?}");
                    }
                }
            }
        }
        assert!(is_printable_ascii(b""));
        assert!(is_printable_ascii_but::<b'%'>(b""));
    }

    #[test]
    fn integers_follow_the_json_integer_part() {
        assert_eq!(parse_integer("42"), Ok(42));
        assert_eq!(parse_integer("-7"), Ok(-7));
        assert_eq!(parse_integer("-2147483648"), Ok(i32::MIN));
        assert_eq!(parse_integer("2147483647"), Ok(i32::MAX));
        assert_eq!(parse_integer("-0"), Ok(0));
        for bad in [
            "+7",
            "007",
            "4.0",
            "1e3",
            "",
            "-",
            "2147483648",
            "-2147483649",
            " 1",
            "99999999999999999999",
        ] {
            assert!(parse_integer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn booleans_are_case_sensitive() {
        assert_eq!(parse_boolean("true"), Ok(true));
        assert!(parse_boolean("True").is_err());
        assert!(parse_boolean("1").is_err());
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(parse_binary("Zm9vYg==").unwrap(), b"foob");
        assert!(parse_binary("Zm9vYg").is_err());
        assert!(parse_binary("Zm9v_g==").is_err());
        assert_eq!(parse_binary("").unwrap(), b"");
    }

    #[test]
    fn strings_reject_controls_and_noncharacters() {
        assert!(check_string("hello € 😀").is_ok());
        for bad in [
            "a\nb",
            "a\tb",
            "a\u{85}b",
            "\u{7f}",
            "\u{FFFF}",
            "\u{FDD0}",
            "\u{1FFFE}",
            "\u{10FFFF}",
        ] {
            assert!(check_string(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uris_are_strict() {
        for ok in [
            "/cloudevents/spec/pull/123",
            "1-555-123-4567",
            "urn:event:from:x",
            "//github.com/x",
            "",
        ] {
            assert!(check_uri_reference(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://exa mple.com",
            "%zz",
            "https://example.com/ä",
            "C:\\path",
            "http://[::1",
        ] {
            assert!(check_uri_reference(bad).is_err(), "{bad}");
        }
        assert!(check_uri("https://example.com/s.json").is_ok());
        assert!(check_uri("/s.json").is_err());
        assert!(check_uri("#").is_err());
        assert!(check_uri("https://x/s.json#/a").is_err());
    }

    #[test]
    fn the_quick_uri_check_never_accepts_what_the_parser_refuses() {
        const ALPHABET: &[u8] = b"aZ09:/?#@[]%.-_~!$&'()*+,;= \\\"\x7fE";
        const PREFIXES: [&str; 7] = [
            "",
            "/",
            "http://",
            "https://example.com",
            "//",
            "a:",
            "urn:",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut quick, mut total) = (0, 0);
        for _ in 0..60_000 {
            let mut text = PREFIXES[(next() % 7) as usize].to_owned();
            for _ in 0..next() % 14 {
                text.push(char::from(
                    ALPHABET[(next() % ALPHABET.len() as u64) as usize],
                ));
            }
            total += 1;
            if certainly_valid_uri(&text, false) {
                quick += 1;
                assert!(fluent_uri::UriRef::parse(text.as_str()).is_ok(), "{text:?}");
            }
            if certainly_valid_uri(&text, true) {
                let uri = fluent_uri::Uri::parse(text.as_str());
                assert!(uri.is_ok_and(|u| u.fragment().is_none()), "{text:?}");
            }
        }
        // The quick path must actually take a fair share of the inputs.
        assert!(quick * 20 > total, "{quick} of {total}");
        for yes in [
            "https://example.com/cespec/bench",
            "/s",
            "http://h:8080/p?q=1#f",
            "urn://x",
        ] {
            assert!(certainly_valid_uri(yes, false), "{yes}");
        }
        for fallback in [
            "http://h:80a",
            "http://a@b@c",
            "//x",
            "1-555",
            "/%41",
            "http://[::1]/",
        ] {
            assert!(!certainly_valid_uri(fallback, false), "{fallback}");
        }
    }

    #[test]
    fn media_types_follow_rfc2045() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "text/plain;a=\"b c\"",
            "application/vnd.x+json",
        ] {
            assert!(check_media_type(ok).is_ok(), "{ok}");
        }
        for bad in [
            "json",
            "",
            "text/",
            "/plain",
            "text/plain;",
            "text /plain",
            "text/plain; a",
        ] {
            assert!(check_media_type(bad).is_err(), "{bad}");
        }
    }
}
