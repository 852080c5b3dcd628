//! The CloudEvents event model: a spec version, an ordered list of typed
//! attributes, and optional data (DESIGN.md §3).
//!
//! An [`Event`] built by the codecs is always valid against the MUST rules
//! the reference enforces; invalid input never becomes an `Event`, it becomes
//! a list of violations. Equivalence of two events lives in [`equivalence`].

pub(crate) mod binary;
pub mod equivalence;
mod lazy_data;
mod text;
pub mod timestamp;
pub mod value;

use std::fmt;

pub(crate) use lazy_data::Classifier;
use lazy_data::LazyData;
pub use text::Text;
pub use timestamp::Timestamp;
pub use value::{AttributeType, AttributeValue};

/// A CloudEvents specification version cespec knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpecVersion {
    V0_3,
    V1_0,
}

impl SpecVersion {
    /// Returns the `specversion` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V0_3 => "0.3",
            Self::V1_0 => "1.0",
        }
    }

    /// Parses a `specversion` value; only exact known values are accepted.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "1.0" => Some(Self::V1_0),
            "0.3" => Some(Self::V0_3),
            _ => None,
        }
    }

    /// Returns the type of the attribute `name` in this version, or `None`
    /// for an extension (whose type comes from its representation).
    pub fn attribute_type(self, name: &str) -> Option<AttributeType> {
        Known::of(name).attribute_type(self)
    }

    /// Returns the names of the REQUIRED attributes (core spec §3.1).
    pub fn required(self) -> &'static [&'static str] {
        &["id", "source", "specversion", "type"]
    }
}

/// What an attribute name is: one of the attributes the spec versions
/// define, or anything else. The decoders classify a name once, when they
/// read it, so typing and checking the attribute never compare it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    Specversion,
    Id,
    Source,
    Type,
    Subject,
    Time,
    DataContentType,
    DataSchema,
    SchemaUrl,
    DataContentEncoding,
    /// Any other name: an extension (or an invalid name).
    Other,
}

impl Known {
    pub(crate) fn of(name: &str) -> Self {
        match name {
            "specversion" => Self::Specversion,
            "id" => Self::Id,
            "source" => Self::Source,
            "type" => Self::Type,
            "subject" => Self::Subject,
            "time" => Self::Time,
            "datacontenttype" => Self::DataContentType,
            "dataschema" => Self::DataSchema,
            "schemaurl" => Self::SchemaUrl,
            "datacontentencoding" => Self::DataContentEncoding,
            _ => Self::Other,
        }
    }

    /// The name of an attribute the spec defines, as static text.
    pub(crate) fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::Specversion => "specversion",
            Self::Id => "id",
            Self::Source => "source",
            Self::Type => "type",
            Self::Subject => "subject",
            Self::Time => "time",
            Self::DataContentType => "datacontenttype",
            Self::DataSchema => "dataschema",
            Self::SchemaUrl => "schemaurl",
            Self::DataContentEncoding => "datacontentencoding",
            Self::Other => return None,
        })
    }

    /// The type this attribute has in `version`, or `None` for an
    /// extension (`dataschema` is one in 0.3, `schemaurl` in 1.0).
    pub(crate) fn attribute_type(self, version: SpecVersion) -> Option<AttributeType> {
        Some(match (self, version) {
            (Self::Id | Self::Type | Self::Specversion | Self::Subject, _) => AttributeType::String,
            (Self::DataContentType, _) => AttributeType::String,
            (Self::Source, _) => AttributeType::UriRef,
            (Self::Time, _) => AttributeType::Timestamp,
            (Self::DataSchema, SpecVersion::V1_0) => AttributeType::Uri,
            (Self::SchemaUrl, SpecVersion::V0_3) => AttributeType::UriRef,
            (Self::DataContentEncoding, SpecVersion::V0_3) => AttributeType::String,
            _ => return None,
        })
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Event data, as the JSON format and the bindings distinguish it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Data {
    /// No data at all (no `data` member, an empty body, a null Kafka value).
    #[default]
    None,
    /// A JSON value, kept as its exact JSON text (always valid JSON).
    Json(String),
    /// Text carried in `data` as a JSON string under a non-JSON content type.
    Text(String),
    /// Bytes: `data_base64`, or a binary-mode body that is not JSON.
    Bytes(Vec<u8>),
}

impl Data {
    /// Returns true when there is no data.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }

    /// Returns the bytes a binary-mode body carries for this data.
    pub fn body_bytes(&self) -> &[u8] {
        match self {
            Self::None => &[],
            Self::Json(text) | Self::Text(text) => text.as_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }

    /// Returns the body of [`Data::body_bytes`] by value, without a copy.
    pub fn into_body(self) -> Vec<u8> {
        match self {
            Self::None => Vec::new(),
            Self::Json(text) | Self::Text(text) => text.into_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }
}

/// An attribute name as an event stores it: the names the spec defines as
/// the static text they are, others of up to 22 ASCII bytes (every valid
/// name of 20 characters or fewer) inline, so decoding an event allocates
/// nothing per name and copies no byte of a core name; longer or non-ASCII
/// ones on the heap.
#[derive(Clone)]
enum Name {
    Static(&'static str),
    Inline { len: u8, bytes: [u8; 22] },
    Heap(Box<str>),
}

impl Name {
    fn new(name: &str) -> Self {
        let mut slot = Self::Static("");
        slot.set(Known::Other, name);
        slot
    }

    /// Makes this slot name `name`, classified `known`, writing an inline
    /// name's bytes where the slot is. A name built apart and then moved
    /// into its slot went through the stack: its bytes written by a copy of
    /// their length, then read back by wider loads, which wait until those
    /// writes retire (store forwarding fails); under `perf annotate` those
    /// loads were the hottest instructions of a decode (benches/bench-notes.md).
    #[inline]
    fn set(&mut self, known: Known, name: &str) {
        if let Some(name) = known.name() {
            *self = Self::Static(name);
            return;
        }
        let len = name.len();
        if len <= 22 && name.is_ascii() {
            *self = Self::Inline {
                len: len as u8,
                bytes: [0; 22],
            };
            if let Self::Inline { bytes, .. } = self {
                bytes[..len].copy_from_slice(name.as_bytes());
            }
        } else {
            *self = Self::Heap(name.into());
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Static(name) => name.as_bytes(),
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(name) => name.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Static(name) => name,
            // Inline names are ASCII by construction, so this never falls back.
            Self::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Self::Heap(name) => name,
        }
    }

    fn is(&self, name: &str) -> bool {
        self.as_bytes() == name.as_bytes()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A valid CloudEvent.
#[derive(Clone, Debug)]
pub struct Event {
    specversion: SpecVersion,
    /// Attributes other than `specversion`, in the order they were read or set.
    attributes: Vec<(Name, AttributeValue)>,
    data: LazyData,
}

impl Event {
    /// Returns an event of `specversion` with no attributes and no data.
    /// Callers add the required attributes with [`Event::set`].
    pub fn new(specversion: SpecVersion) -> Self {
        Self {
            specversion,
            attributes: Vec::new(),
            data: LazyData::default(),
        }
    }

    /// Returns the spec version.
    pub fn specversion(&self) -> SpecVersion {
        self.specversion
    }

    /// Sets the spec version, for a decoder that reads it after the
    /// attributes whose typing does not depend on it.
    pub(crate) fn set_specversion(&mut self, version: SpecVersion) {
        self.specversion = version;
    }

    /// Returns the value of attribute `name` (`specversion` is not stored here).
    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.attributes
            .iter()
            .find(|(n, _)| n.is(name))
            .map(|(_, v)| v)
    }

    /// Returns the string of attribute `name` when it has one.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(AttributeValue::as_str)
    }

    /// Sets attribute `name`, replacing an earlier value in place.
    pub fn set(&mut self, name: impl AsRef<str>, value: AttributeValue) {
        let name = name.as_ref();
        match self.attributes.iter_mut().find(|(n, _)| n.is(name)) {
            Some(slot) => slot.1 = value,
            None => self.attributes.push((Name::new(name), value)),
        }
    }

    /// Appends attribute `name`, classified as `known`, which the caller
    /// knows is not set yet (the decoders, which refuse repeated names
    /// before they get here).
    #[inline(always)]
    pub(crate) fn push_new_known(&mut self, known: Known, name: &str, value: AttributeValue) {
        // The name is written in place (see `Name::set`).
        self.attributes.push((Name::Static(""), value));
        if let Some((slot, _)) = self.attributes.last_mut() {
            slot.set(known, name);
        }
    }

    /// Appends attribute `name`, classified as `known`, which the caller
    /// knows is not set yet (as [`Event::push_new_known`]): a String, URI or
    /// URI-reference as `kind` says, with the text `text` makes. The slot
    /// is pushed holding an empty value of that type, copied from a
    /// constant, and the text is moved into it there. Built apart and then
    /// pushed, the value and its pair were assembled on the stack and copied
    /// on twice; the HTTP binary decoder spent up to 12% of its time on
    /// that (benches/bench-notes.md, "Text built in its slot").
    #[inline(always)]
    pub(crate) fn push_new_text(
        &mut self,
        known: Known,
        name: &str,
        kind: AttributeType,
        text: impl FnOnce() -> Text,
    ) {
        const STRING: (Name, AttributeValue) =
            (Name::Static(""), AttributeValue::String(Text::EMPTY));
        const URI: (Name, AttributeValue) = (Name::Static(""), AttributeValue::Uri(Text::EMPTY));
        const URI_REF: (Name, AttributeValue) =
            (Name::Static(""), AttributeValue::UriRef(Text::EMPTY));
        let placeholder = match kind {
            AttributeType::Uri => URI,
            AttributeType::UriRef => URI_REF,
            _ => STRING,
        };
        self.attributes.push(placeholder);
        if let Some((slot, value)) = self.attributes.last_mut() {
            slot.set(known, name);
            if let AttributeValue::String(t) | AttributeValue::Uri(t) | AttributeValue::UriRef(t) =
                value
            {
                *t = text();
            }
        }
    }

    /// Returns an event like [`Event::new`] with room for `capacity`
    /// attributes, for the decoders (which know about how many to expect).
    pub(crate) fn with_capacity(specversion: SpecVersion, capacity: usize) -> Self {
        Self {
            specversion,
            attributes: Vec::with_capacity(capacity),
            data: LazyData::default(),
        }
    }

    /// Removes attribute `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<AttributeValue> {
        let at = self.attributes.iter().position(|(n, _)| n.is(name))?;
        Some(self.attributes.remove(at).1)
    }

    /// Iterates the attributes other than `specversion`, in order.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &AttributeValue)> {
        self.attributes.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Returns the number of attributes other than `specversion`.
    pub fn attribute_count(&self) -> usize {
        self.attributes.len()
    }

    /// Returns the data. A binary-mode body the decoder left unclassified
    /// is classified now, once (see `lazy_data`).
    pub fn data(&self) -> &Data {
        self.data.get()
    }

    /// Consumes the event: calls `each` with every attribute other than
    /// `specversion` (name and value, by value, in order) and returns the
    /// bytes a binary-mode body carries for the data. For binary encoders
    /// that move the values into their output; an unclassified body passes
    /// through without being read.
    pub fn into_each_attribute(mut self, mut each: impl FnMut(&str, AttributeValue)) -> Vec<u8> {
        // Each value is taken out of its slot and the name read where it
        // lies: moving whole (name, value) pairs out of the vector copied
        // each through the stack and read the name back with loads that
        // waited for those copies (store forwarding fails), the hottest
        // instructions of the HTTP binary encoder under `perf annotate`.
        for (name, value) in &mut self.attributes {
            let value = std::mem::replace(value, AttributeValue::Boolean(false));
            each(name.as_str(), value);
        }
        self.data.take_body()
    }

    /// Takes the data out, leaving none: for encoders that consume the event.
    pub fn take_data(&mut self) -> Data {
        self.data.take()
    }

    /// Takes out the bytes a binary-mode body carries for the data, leaving
    /// none, without classifying a body the decoder left unclassified.
    pub fn take_body(&mut self) -> Vec<u8> {
        self.data.take_body()
    }

    /// Replaces the data.
    pub fn set_data(&mut self, data: Data) {
        self.data = LazyData::ready(data);
    }

    /// Sets a binary-mode body as the data, to be made into [`Data`] by
    /// `classify` when it is first read.
    pub(crate) fn set_unread_body(&mut self, body: Vec<u8>, classify: Classifier) {
        self.data = LazyData::unread(body, classify);
    }

    /// Returns `datacontenttype`, if set.
    pub fn datacontenttype(&self) -> Option<&str> {
        self.get_str("datacontenttype")
    }
}

/// Returns true when `content_type` declares JSON: its media type, without
/// parameters and compared case-insensitively, is `*/json` or `*/*+json`
/// (JSON-DATA-4, CORE-DCT-2).
///
/// Every binary-mode decode with a body asks this, so it looks for `;` and
/// `/` byte by byte (both ASCII, so the slices stay on character
/// boundaries) where `str::split` would build a pattern searcher each time.
pub fn is_json_content_type(content_type: &str) -> bool {
    // The one most asked about, answered with one comparison.
    if content_type.eq_ignore_ascii_case("application/json") {
        return true;
    }
    let end = content_type
        .bytes()
        .position(|b| b == b';')
        .unwrap_or(content_type.len());
    let essence = content_type[..end].trim();
    let Some(slash) = essence.bytes().position(|b| b == b'/') else {
        return false;
    };
    let subtype = &essence.as_bytes()[slash + 1..];
    subtype.eq_ignore_ascii_case(b"json")
        || (subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_pushed_in_its_slot_keeps_its_type_name_and_text() {
        let mut event = Event::with_capacity(SpecVersion::V1_0, 4);
        event.push_new_text(Known::Id, "id", AttributeType::String, || Text::new("A-1"));
        event.push_new_text(Known::Source, "source", AttributeType::UriRef, || {
            Text::new("/orders")
        });
        event.push_new_text(Known::DataSchema, "dataschema", AttributeType::Uri, || {
            Text::new("https://example.com/s")
        });
        event.push_new_text(Known::Other, "region", AttributeType::String, || {
            Text::new("eu-1")
        });
        let read: Vec<(String, AttributeType, String)> = event
            .attributes
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.kind(),
                    value.canonical().into_owned(),
                )
            })
            .collect();
        let expected = [
            ("id", AttributeType::String, "A-1"),
            ("source", AttributeType::UriRef, "/orders"),
            ("dataschema", AttributeType::Uri, "https://example.com/s"),
            ("region", AttributeType::String, "eu-1"),
        ];
        assert_eq!(read.len(), expected.len());
        for ((name, kind, text), (want_name, want_kind, want_text)) in read.iter().zip(expected) {
            assert_eq!(
                (name.as_str(), *kind, text.as_str()),
                (want_name, want_kind, want_text)
            );
        }
    }

    #[test]
    fn json_content_types() {
        for yes in [
            "application/json",
            "text/json",
            "Application/JSON",
            "application/vnd.foo+json; charset=utf-8",
            "application/x+JSON",
        ] {
            assert!(is_json_content_type(yes), "{yes}");
        }
        for no in [
            "application/json-seq",
            "application/jsonx",
            "text/plain",
            "json",
            "application/+jsonx",
        ] {
            assert!(!is_json_content_type(no), "{no}");
        }
    }
}
