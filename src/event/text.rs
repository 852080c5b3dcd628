//! The text of a String, URI or URI-reference attribute value: a `String`,
//! the HTTP header value it was read from, or a slice of the JSON body it
//! was read from.
//!
//! Decoding an attribute copies its checked text out of the message, and
//! with a `String` per value that copy is an allocation (and later a free)
//! per value: the largest part of a small binary-mode decode after the
//! checks (benches/bench-notes.md, "HTTP binary decode"). A decoder that
//! owns the message's headers ([`crate::codec::http::decode_header_map_taking`])
//! instead moves each plain header value (printable ASCII, nothing
//! percent-encoded) into the event as it is: no allocation and no copy, and
//! the owned binary encoder moves it back into a response the same way. An
//! `http::HeaderValue` holds reference-counted `bytes::Bytes`, usually a
//! slice of the buffer the request was read into. Likewise a decoder that
//! holds a structured-mode body as `bytes::Bytes`
//! ([`crate::codec::json::decode_event_shared`]) keeps each string value
//! without escapes as a slice of the body: a reference count raised, where a
//! copy took an allocation. Such an event keeps the whole body alive until
//! its last value is dropped, as a header value keeps hyper's buffer.
//!
//! Header text is always ASCII, and a body slice is the UTF-8 the JSON
//! tokenizer checked; reading either as a `&str` checks it again
//! (`str::from_utf8`, a few dozen instructions on short ASCII) rather than
//! trusting it with `unsafe` code, which cespec has none of.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;
use hyper::header::HeaderValue;

/// Attribute text: a `str`, owned or kept in the header or body it was read
/// from.
///
/// It reads as a `&str` (it derefs to one) and compares, orders and hashes
/// as its text, however it is stored.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    /// A header value of printable ASCII only, holding the text as it is.
    Header(HeaderValue),
    /// A slice of a body: the UTF-8 text of a JSON string with no escapes.
    Shared(Bytes),
}

impl Text {
    /// The empty text, owned (allocating nothing): what a decoder's slot
    /// holds until the value's text is moved in.
    pub(crate) const EMPTY: Self = Self(Repr::Owned(String::new()));

    /// Returns a copy of `text`.
    #[inline]
    pub fn new(text: &str) -> Self {
        Self(Repr::Owned(text.to_owned()))
    }

    /// Returns the text of `value`, kept in it. The caller has found the
    /// value's bytes to be its text and printable ASCII (a `ce-` value that
    /// percent-decodes to itself, a Content-Type).
    #[inline]
    pub(crate) fn from_header(value: HeaderValue) -> Self {
        debug_assert!(crate::event::value::is_printable_ascii(value.as_bytes()));
        Self(Repr::Header(value))
    }

    /// Returns `text`, a part of `body` (a JSON string's content, without
    /// escapes), kept as a slice of `body`; a copy when `text` does not lie
    /// inside `body`.
    #[inline]
    pub(crate) fn from_shared(body: &Bytes, text: &str) -> Self {
        let start = (text.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
        if start <= body.len() && text.len() <= body.len() - start {
            Self(Repr::Shared(body.slice(start..start + text.len())))
        } else {
            Self::new(text)
        }
    }

    /// Returns the header value the text is kept in, if it is; otherwise
    /// the text unchanged.
    pub(crate) fn into_header(self) -> Result<HeaderValue, Self> {
        match self.0 {
            Repr::Header(value) => Ok(value),
            owned => Err(Self(owned)),
        }
    }

    /// Returns the text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Owned(text) => text,
            // Only printable ASCII is kept so: this never falls back.
            Repr::Header(value) => std::str::from_utf8(value.as_bytes()).unwrap_or_default(),
            // Kept only from a `&str`: this never falls back either.
            Repr::Shared(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
        }
    }

    /// Returns the text's bytes, without reading them as UTF-8 again.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Owned(text) => text.as_bytes(),
            Repr::Header(value) => value.as_bytes(),
            Repr::Shared(bytes) => bytes,
        }
    }

    /// Returns the text as a `String`, allocating only when it was kept in a
    /// header or a body.
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(text) => text,
            Repr::Header(_) | Repr::Shared(_) => self.as_str().to_owned(),
        }
    }

    /// Returns the text as an HTTP header value when it can be one as it is
    /// (`needs_no_encoding` says whether its bytes can): a header it was read
    /// from is handed back, a `String`'s allocation moves into the value, a
    /// body slice becomes the value's bytes.
    /// Otherwise returns the text unchanged.
    #[inline]
    pub(crate) fn into_header_value(
        self,
        needs_no_encoding: impl FnOnce(&[u8]) -> bool,
    ) -> Result<HeaderValue, Self> {
        if !needs_no_encoding(self.as_bytes()) {
            return Err(self);
        }
        match self.0 {
            Repr::Header(value) => Ok(value),
            // Unreachable errors for bytes `needs_no_encoding` accepts; the
            // text is lost only if it were not.
            Repr::Owned(text) => {
                HeaderValue::from_maybe_shared(Bytes::from(text)).map_err(|_| Self::default())
            }
            Repr::Shared(bytes) => {
                HeaderValue::from_maybe_shared(bytes).map_err(|_| Self::default())
            }
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl Deref for Text {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Text {
    /// Keeps the string's allocation: nothing is copied.
    fn from(text: String) -> Self {
        Self(Repr::Owned(text))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.into_string()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_as_written_however_it_is_kept() {
        for s in [
            "",
            "a",
            "orders/A-10001",
            "é",
            "日本語のテキスト",
            &"ü".repeat(40),
        ] {
            assert_eq!(Text::new(s).as_str(), s);
            assert_eq!(Text::from(s.to_owned()).as_str(), s);
            assert_eq!(Text::new(s).as_bytes(), s.as_bytes());
            assert_eq!(Text::new(s).into_string(), s);
        }
        let header = Text::from_header(HeaderValue::from_static("/sensors/tn-1234567"));
        assert!(matches!(header.0, Repr::Header(_)));
        assert_eq!(header.as_str(), "/sensors/tn-1234567");
        assert_eq!(header.as_bytes(), b"/sensors/tn-1234567");
        assert_eq!(header.into_string(), "/sensors/tn-1234567");

        let body = Bytes::from_static("{\"id\":\"日本-1\"}".as_bytes());
        let inside = std::str::from_utf8(&body[7..15]).unwrap();
        let shared = Text::from_shared(&body, inside);
        assert!(matches!(&shared.0, Repr::Shared(b) if b.as_ptr() == inside.as_ptr()));
        assert_eq!(shared.as_str(), "日本-1");
        assert_eq!(shared.as_bytes(), "日本-1".as_bytes());
        assert_eq!(shared.into_string(), "日本-1");
        // Text from elsewhere, even equal to a part of the body, is copied.
        let copied = Text::from_shared(&body, "日本-1");
        assert!(matches!(copied.0, Repr::Owned(_)));
        assert_eq!(copied, "日本-1");
        let empty = Text::from_shared(&body, &inside[..0]);
        assert_eq!(empty, "");
    }

    #[test]
    fn text_is_no_larger_than_a_header_value() {
        // Every attribute value holds one; the encoders move them around.
        assert_eq!(
            std::mem::size_of::<Text>(),
            std::mem::size_of::<HeaderValue>()
        );
    }

    #[test]
    fn text_compares_by_content_however_kept() {
        let header = Text::from_header(HeaderValue::from_static("orders/A-10001"));
        let owned = Text::from("orders/A-10001".to_owned());
        let body = Bytes::from_static(b"xorders/A-10001");
        let shared = Text::from_shared(&body, std::str::from_utf8(&body[1..]).unwrap());
        assert_eq!(header, owned);
        assert_eq!(shared, owned);
        assert_eq!(header, "orders/A-10001");
        assert_eq!(header.cmp(&owned), Ordering::Equal);
        assert!(Text::new("a") < Text::from_header(HeaderValue::from_static("b")));
        let hash = |t: &Text| {
            use std::collections::hash_map::DefaultHasher;
            let mut h = DefaultHasher::new();
            t.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&header), hash(&owned));
        assert_eq!(hash(&shared), hash(&owned));
        assert_eq!(format!("{header:?}"), "\"orders/A-10001\"");
    }

    #[test]
    fn a_header_value_is_handed_back_and_a_string_moved_when_no_escaping_is_needed() {
        let never = |_: &[u8]| false;
        let always = |_: &[u8]| true;
        let header = Text::from_header(HeaderValue::from_static("a b"));
        assert_eq!(header.clone().into_header_value(always).unwrap(), "a b");
        assert_eq!(header.into_header_value(never).unwrap_err(), "a b");
        let owned = Text::new("x");
        assert_eq!(owned.clone().into_header_value(always).unwrap(), "x");
        assert_eq!(owned.into_header_value(never).unwrap_err(), "x");
        let body = Bytes::from_static(b"\"y z\"");
        let shared = Text::from_shared(&body, std::str::from_utf8(&body[1..4]).unwrap());
        let value = shared.clone().into_header_value(always).unwrap();
        assert_eq!(value, "y z");
        assert_eq!(value.as_bytes().as_ptr(), body[1..].as_ptr(), "not copied");
        assert_eq!(shared.into_header_value(never).unwrap_err(), "y z");
    }
}
