//! A JSON tokenizer (RFC 8259) for the JSON event format: one pass over a
//! UTF-8 document, strings borrowed unless they hold escapes, numbers and
//! nested values kept as their exact text. It checks the whole JSON
//! grammar; what the text *means* is the `EventBuilder`'s business.
//!
//! Two modes, as serde_json has them: a member *name* and an attribute
//! value string are decoded strictly (a lone surrogate escape is an error,
//! CORE-TS-8); a value that is skipped (`data`, nested objects and arrays)
//! is checked for syntax only, so `\uDEAD` inside `data` is kept as text.
//! Nesting is walked with a bit stack, never recursion, so depth costs no
//! stack. Strings are scanned eight bytes at a time.

use std::borrow::Cow;
use std::fmt;

/// Why a document is not JSON (or holds a lone surrogate in a name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// A grammar error; `what` says what was expected or found.
    Syntax { what: &'static str, at: usize },
    /// A `\u` escape of a lone UTF-16 surrogate in a decoded string.
    Surrogate { at: usize },
}

impl ScanError {
    /// Returns the byte offset of the error.
    pub fn at(&self) -> usize {
        match self {
            Self::Syntax { at, .. } | Self::Surrogate { at } => *at,
        }
    }

    /// Returns true for a lone surrogate (CORE-TS-8) rather than bad syntax.
    pub fn is_surrogate(&self) -> bool {
        matches!(self, Self::Surrogate { .. })
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { what, .. } => f.write_str(what),
            Self::Surrogate { .. } => f.write_str("lone surrogate in a \\u escape"),
        }
    }
}

/// Returns `(line, column)` (1-based, column in bytes) of byte `at` in `text`.
pub(crate) fn line_column(text: &[u8], at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Returns a mask with the high bit set in (at least) the first byte of `w`
/// (little-endian) that is `"`, `\` or a control character below 0x20; no
/// bit is set before it.
#[inline]
fn special_bytes(w: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | below_space
}

/// Returns true when `bytes` hold a byte a JSON string must escape (`"`,
/// `\` or a control character below 0x20), eight bytes at a time.
#[inline]
pub(crate) fn needs_escape(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if special_bytes(u64::from_le_bytes(word)) != 0 {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// A raw string token: its text with the quotes, and whether it has escapes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawString<'a> {
    pub raw: &'a str,
    pub escaped: bool,
}

impl<'a> RawString<'a> {
    /// Decodes the string strictly (lone surrogates are an error).
    #[inline]
    pub fn decode(self, at: usize) -> Result<Cow<'a, str>, ScanError> {
        let inner = &self.raw[1..self.raw.len() - 1];
        if !self.escaped {
            return Ok(Cow::Borrowed(inner));
        }
        unescape(inner, at + 1).map(Cow::Owned)
    }
}

fn hex4(bytes: &[u8], at: usize) -> Option<u16> {
    let digits = bytes.get(at..at + 4)?;
    let mut n = 0u16;
    for &d in digits {
        let v = (d as char).to_digit(16)?;
        n = n * 16 + v as u16;
    }
    Some(n)
}

/// Decodes the escapes of string contents already checked by the scanner.
fn unescape(inner: &str, base: usize) -> Result<String, ScanError> {
    let bytes = inner.as_bytes();
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    let mut start = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&inner[start..i]);
        let bad = ScanError::Syntax {
            what: "invalid escape",
            at: base + i,
        };
        let c = match bytes.get(i + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let lone = ScanError::Surrogate { at: base + i };
                let first = hex4(bytes, i + 2).ok_or(bad)?;
                i += 6;
                let c = match first {
                    0xD800..=0xDBFF => {
                        if bytes.get(i) != Some(&b'\\') || bytes.get(i + 1) != Some(&b'u') {
                            return Err(lone);
                        }
                        let second = hex4(bytes, i + 2).ok_or(ScanError::Syntax {
                            what: "invalid escape",
                            at: base + i,
                        })?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(lone);
                        }
                        i += 6;
                        let cp = 0x10000
                            + ((u32::from(first) - 0xD800) << 10)
                            + (u32::from(second) - 0xDC00);
                        char::from_u32(cp).ok_or(lone)?
                    }
                    0xDC00..=0xDFFF => return Err(lone),
                    n => char::from_u32(u32::from(n)).ok_or(lone)?,
                };
                out.push(c);
                start = i;
                continue;
            }
            _ => return Err(bad),
        };
        out.push(c);
        i += 2;
        start = i;
    }
    out.push_str(&inner[start..]);
    Ok(out)
}

/// Returns true when `text` is one JSON value (RFC 8259), whitespace around
/// it allowed; lone surrogate escapes are allowed, as serde_json allows them
/// in a value it skips.
pub(crate) fn is_json(text: &str) -> bool {
    let mut scanner = Scanner::new(text);
    scanner.skip_value().is_ok() && scanner.at_end()
}

/// The kinds of value a member can hold, as the first byte tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    True,
    False,
    Null,
    Number,
    Object,
    Array,
}

/// A nesting stack of object/array flags, one bit per level.
struct Nesting {
    depth: usize,
    bits: u64,
    more: Vec<u64>,
}

impl Nesting {
    fn new() -> Self {
        Self {
            depth: 0,
            bits: 0,
            more: Vec::new(),
        }
    }

    fn push(&mut self, object: bool) {
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.more.push(self.bits);
            self.bits = 0;
        }
        let bit = 1u64 << (self.depth % 64);
        if object {
            self.bits |= bit;
        } else {
            self.bits &= !bit;
        }
        self.depth += 1;
    }

    /// Returns whether the innermost level is an object, if any.
    fn top(&self) -> Option<bool> {
        let d = self.depth.checked_sub(1)?;
        Some(self.bits & (1u64 << (d % 64)) != 0)
    }

    fn pop(&mut self) {
        self.depth -= 1;
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.bits = self.more.pop().unwrap_or(0);
        }
    }
}

/// The tokenizer's position in a document.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// Returns a scanner at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    /// Returns the whole document.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Returns the current byte offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to byte offset `pos` (one the scanner was at before).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Returns a syntax error at the current position.
    pub fn err(&self, what: &'static str) -> ScanError {
        ScanError::Syntax { what, at: self.pos }
    }

    /// Skips JSON whitespace and returns the next byte, if any.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Skips whitespace and consumes `byte`, or fails with `what`.
    #[inline]
    pub fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), ScanError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    /// Consumes one byte (after a successful [`Scanner::peek`]).
    #[inline]
    pub fn bump(&mut self) {
        self.pos += 1;
    }

    /// Returns true when only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Returns the kind of the value that starts at the next byte.
    pub fn kind(&mut self) -> Result<Kind, ScanError> {
        Ok(match self.peek() {
            Some(b'"') => Kind::String,
            Some(b't') => Kind::True,
            Some(b'f') => Kind::False,
            Some(b'n') => Kind::Null,
            Some(b'-' | b'0'..=b'9') => Kind::Number,
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(_) => return Err(self.err("expected a value")),
            None => return Err(self.err("EOF while parsing a value")),
        })
    }

    /// Scans a string token at the next byte (after [`Scanner::peek`]
    /// returned `"`), checking escapes for syntax only.
    #[inline]
    pub fn string(&mut self) -> Result<RawString<'a>, ScanError> {
        let start = self.pos;
        let escaped = self.skip_string()?;
        Ok(RawString {
            raw: &self.text[start..self.pos],
            escaped,
        })
    }

    /// Skips a string token; returns whether it holds escapes.
    #[inline]
    fn skip_string(&mut self) -> Result<bool, ScanError> {
        let bytes = self.bytes;
        let mut i = self.pos + 1;
        let mut escaped = false;
        loop {
            // Eight bytes at a time while no byte needs a look.
            while i + 8 <= bytes.len() {
                let mut word = [0u8; 8];
                word.copy_from_slice(&bytes[i..i + 8]);
                let mask = special_bytes(u64::from_le_bytes(word));
                if mask == 0 {
                    i += 8;
                } else {
                    i += (mask.trailing_zeros() / 8) as usize;
                    break;
                }
            }
            match bytes.get(i) {
                None => {
                    self.pos = i;
                    return Err(self.err("EOF while parsing a string"));
                }
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    match bytes.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u') if hex4(bytes, i + 2).is_some() => i += 6,
                        _ => {
                            self.pos = i;
                            return Err(self.err("invalid escape"));
                        }
                    }
                }
                Some(&b) if b < 0x20 => {
                    self.pos = i;
                    return Err(self
                        .err("control character (\\u0000-\\u001F) found while parsing a string"));
                }
                Some(_) => i += 1,
            }
        }
    }

    /// Scans a string token without escapes at the next non-space byte and
    /// returns its contents; `None` for any other value, one with escapes,
    /// or a grammar error (the scanner then
    /// stands anywhere). For a fast path that leaves such strings to a
    /// full decoder: the text comes back in registers, not as a `Result`.
    #[inline]
    pub fn plain_string(&mut self) -> Option<&'a str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos;
        match self.skip_string() {
            Ok(false) => Some(&self.text[start + 1..self.pos - 1]),
            _ => None,
        }
    }

    /// Scans a string token and decodes it strictly.
    #[inline]
    pub fn decoded_string(&mut self) -> Result<Cow<'a, str>, ScanError> {
        let at = self.pos;
        self.string()?.decode(at)
    }

    /// Scans a number; returns its text and whether it is an integer
    /// (no fraction, no exponent).
    pub fn number(&mut self) -> Result<(&'a str, bool), ScanError> {
        let bytes = self.bytes;
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => {
                self.pos = i;
                return Err(self.err("invalid number"));
            }
        }
        let mut integer = true;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            integer = false;
            if !digits(&mut i) {
                self.pos = i;
                return Err(self.err("invalid number"));
            }
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            integer = false;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                self.pos = i;
                return Err(self.err("invalid number"));
            }
        }
        self.pos = i;
        Ok((&self.text[start..i], integer))
    }

    /// Consumes the literal `word` (`true`, `false`, `null`).
    pub fn literal(&mut self, word: &'static [u8]) -> Result<(), ScanError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.err("expected ident"))
        }
    }

    fn scalar(&mut self, kind: Kind) -> Result<(), ScanError> {
        match kind {
            Kind::String => self.skip_string().map(drop),
            Kind::True => self.literal(b"true"),
            Kind::False => self.literal(b"false"),
            Kind::Null => self.literal(b"null"),
            Kind::Number => self.number().map(drop),
            Kind::Object | Kind::Array => unreachable!("containers are walked by skip_value"),
        }
    }

    fn member_name(&mut self) -> Result<(), ScanError> {
        match self.peek() {
            Some(b'"') => {}
            Some(b'}') => return Err(self.err("trailing comma")),
            _ => return Err(self.err("key must be a string")),
        }
        self.skip_string()?;
        self.expect(b':', "expected ':'")
    }

    /// Skips any value, checking its syntax only, and returns its exact text.
    pub fn skip_value(&mut self) -> Result<&'a str, ScanError> {
        self.peek();
        let start = self.pos;
        let mut nesting = Nesting::new();
        'value: loop {
            match self.kind()? {
                Kind::Object => {
                    self.bump();
                    if self.peek() == Some(b'}') {
                        self.bump();
                    } else {
                        nesting.push(true);
                        self.member_name()?;
                        continue 'value;
                    }
                }
                Kind::Array => {
                    self.bump();
                    if self.peek() == Some(b']') {
                        self.bump();
                    } else {
                        nesting.push(false);
                        continue 'value;
                    }
                }
                scalar => self.scalar(scalar)?,
            }
            // After a value: close containers until one continues.
            while let Some(object) = nesting.top() {
                match (self.peek(), object) {
                    (Some(b','), true) => {
                        self.bump();
                        self.member_name()?;
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        self.bump();
                        if self.peek() == Some(b']') {
                            return Err(self.err("trailing comma"));
                        }
                        continue 'value;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.bump();
                        nesting.pop();
                    }
                    (None, _) => return Err(self.err("EOF while parsing a value")),
                    (_, true) => return Err(self.err("expected ',' or '}'")),
                    (_, false) => return Err(self.err("expected ',' or ']'")),
                }
            }
            return Ok(&self.text[start..self.pos]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(text: &str) -> Result<&str, ScanError> {
        let mut s = Scanner::new(text);
        let v = s.skip_value()?;
        if s.at_end() {
            Ok(v)
        } else {
            Err(ScanError::Syntax {
                what: "trailing characters",
                at: s.pos(),
            })
        }
    }

    #[test]
    fn needs_escape_sees_every_special_byte_at_every_position() {
        let simple = |b: &[u8]| b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
        for len in 1..=20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    assert_eq!(
                        needs_escape(&text),
                        simple(&text),
                        "{byte:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!needs_escape(b""));
    }

    #[test]
    fn agrees_with_serde_json_on_validity() {
        let cases = [
            "0",
            "-0",
            "01",
            "1.",
            "1.5e",
            "1e+5",
            "-",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "[[[]]]",
            "[{\"a\":[{}]},\"\\u00e9\\n\"]",
            "\"\\uD800\"",
            "\"\\x\"",
            "\"a\u{1}\"",
            "\"\u{e9}\u{1F600}\"",
            "tru",
            "nul",
            "{\"a\":{\"b\":[1,2,{\"c\":null}]}}",
            "[1 2]",
            "{1:2}",
            "\"abcdefghijklmnopqrstuvwxyz\\\"0123456789\"",
            " [ 1 , 2 ] ",
            "[\"\\u12\"]",
        ];
        for case in cases {
            let ours = skip(case).is_ok();
            let theirs = serde_json::from_str::<serde::de::IgnoredAny>(case).is_ok();
            assert_eq!(ours, theirs, "{case:?}");
        }
    }

    #[test]
    fn strings_decode_strictly() {
        fn decode(t: &str) -> Result<Cow<'_, str>, ScanError> {
            Scanner::new(t).decoded_string()
        }
        assert_eq!(decode("\"plain\"").unwrap(), "plain");
        assert!(matches!(decode("\"plain\"").unwrap(), Cow::Borrowed(_)));
        assert_eq!(decode(r#""a\"b\\c\/\n\u00e9""#).unwrap(), "a\"b\\c/\né");
        assert_eq!(decode(r#""\uD83D\uDE00""#).unwrap(), "😀");
        assert!(decode(r#""\uDEAD""#).unwrap_err().is_surrogate());
        assert!(decode(r#""\uD83Dx""#).unwrap_err().is_surrogate());
        assert!(decode(r#""\uD83D\u0041""#).unwrap_err().is_surrogate());
    }

    #[test]
    fn numbers_keep_their_text() {
        fn number(t: &str) -> (&str, bool) {
            Scanner::new(t).number().unwrap()
        }
        assert_eq!(number("-0,"), ("-0", true));
        assert_eq!(
            number("12345678901234567890]"),
            ("12345678901234567890", true)
        );
        assert_eq!(number("5.0}"), ("5.0", false));
        assert_eq!(number("1E2"), ("1E2", false));
    }

    #[test]
    fn deep_nesting_uses_no_recursion() {
        let depth = 200_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(skip(&text).unwrap().len(), 2 * depth);
        let text = format!("{}1{}", "{\"a\":[".repeat(1000), "]}".repeat(1000));
        assert!(skip(&text).is_ok());
        let text = format!("{}1{}", "{\"a\":[".repeat(1000), "}]".repeat(1000));
        assert!(skip(&text).is_err());
    }

    #[test]
    fn long_strings_find_every_special_byte() {
        for at in 0..40 {
            let mut s = "x".repeat(40);
            s.replace_range(at..at + 1, "\\");
            let text = format!("\"{s}\"");
            // A lone backslash before an `x` is an invalid escape, wherever it is.
            assert!(Scanner::new(&text).string().is_err(), "{at}");
            let text = format!("\"{}\"", "é".repeat(at));
            assert_eq!(Scanner::new(&text).string().unwrap().raw, text);
        }
        assert_eq!(line_column(b"{\n  x", 4), (2, 3));
    }
}
