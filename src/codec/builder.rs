//! Turns the attributes a decoder read off the wire into a typed [`Event`],
//! checking every rule on the way and collecting *every* violation.
//!
//! All three codecs share this, so an attribute rule is enforced in one
//! place whatever the encoding. Decoders hand in [`RawValue`]s: JSON gives
//! typed values; HTTP and Kafka headers always give strings, which is why an
//! extension read from a header is a String (DESIGN.md §3).

use std::borrow::Cow;

use super::typing::Checker;
use crate::event::{Event, Known, SpecVersion};
use crate::rules::Violation;

/// An attribute value as a decoder saw it, before typing.
#[derive(Clone, Debug)]
pub enum RawValue<'a> {
    /// A JSON string, or any header value.
    Str(Cow<'a, str>),
    Bool(bool),
    /// The text of a JSON number with an integer part only (may be out of range).
    Int(&'a str),
    /// The text of any other JSON number (fraction or exponent).
    Number(&'a str),
    Null,
    Object,
    Array,
}

impl RawValue<'_> {
    pub(crate) fn json_type(&self) -> &'static str {
        match self {
            Self::Str(_) => "a string",
            Self::Bool(_) => "a boolean",
            Self::Int(_) | Self::Number(_) => "a number",
            Self::Null => "null",
            Self::Object => "an object",
            Self::Array => "an array",
        }
    }
}

/// Where the raw values came from; it decides how extensions are typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// JSON members: strings, booleans and numbers keep their JSON types.
    Json,
    /// HTTP `ce-` headers (already percent-decoded) or Kafka `ce_` headers.
    Header,
}

/// Returns a cheap fingerprint of an attribute name (its length and its
/// first and last eight bytes, or all of a shorter name): equal names have
/// equal fingerprints, so repeated names are found by comparing integers first.
#[inline]
pub(crate) fn fingerprint(name: &str) -> u64 {
    let b = name.as_bytes();
    let (head, tail) = match b.len() {
        8.. => (word8(b, 0), word8(b, b.len() - 8)),
        4..=7 => (
            u64::from(word4(b, 0)),
            u64::from(word4(b, b.len() - 4)) << 32,
        ),
        1..=3 => {
            // First, middle and last byte (some of them the same byte).
            let (first, mid, last) = (b[0], b[b.len() / 2], b[b.len() - 1]);
            (
                u64::from(first) | u64::from(mid) << 8,
                u64::from(last) << 16,
            )
        }
        0 => (0, 0),
    };
    (head ^ tail.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.len() as u64
}

/// The eight bytes of `b` from `at`, as one load (a byte-wise copy into a
/// buffer and a wide load of it stall the store buffer).
#[inline]
fn word8(b: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(word)
}

#[inline]
fn word4(b: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(word)
}

/// One attribute as pushed, with the fingerprint of its name and what the name is.
#[derive(Debug)]
struct Raw<'a> {
    name: Cow<'a, str>,
    fingerprint: u64,
    known: Known,
    value: RawValue<'a>,
}

/// Collects attributes and violations for one event.
#[derive(Debug)]
pub struct EventBuilder<'a> {
    origin: Origin,
    raw: Vec<Raw<'a>>,
    violations: Vec<Violation>,
    /// The decoder refused repeated names itself (see [`EventBuilder::unique`]).
    unique: bool,
    /// Positions in `raw` by a keyed hash of the whole name, built once
    /// `raw` outgrows a short scan, so that [`EventBuilder::contains`]
    /// stays constant-time for a hostile message with 100,000 attributes.
    /// Not by [`fingerprint`]: names that share their length and first and
    /// last eight bytes share it, and a sender could put them all in one
    /// bucket; the keyed hash (std's per-process random SipHash key) cannot
    /// be aimed at.
    index: Option<NameIndex>,
}

/// The builder's index of names once there are many.
#[derive(Debug)]
struct NameIndex {
    keys: std::collections::hash_map::RandomState,
    positions: std::collections::HashMap<u64, Vec<usize>>,
}

impl NameIndex {
    fn key(&self, name: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.keys, name)
    }

    fn add(&mut self, name: &str, at: usize) {
        let key = self.key(name);
        self.positions.entry(key).or_default().push(at);
    }
}

/// Past this many attributes, lookups go through the index. A scan
/// compares one integer per attribute, cheaper than hashing the name up to
/// here (an event with 30 extensions stays under it).
const SCAN_LIMIT: usize = 64;

/// A decoded event with its warnings, or every violation found.
pub type Built = Result<(Event, Vec<Violation>), Vec<Violation>>;

/// Returns the result for an event and its violations: `Err` when any is an error.
pub fn conclude(event: Event, violations: Vec<Violation>) -> Built {
    if violations.iter().any(Violation::is_error) {
        Err(violations)
    } else {
        Ok((event, violations))
    }
}

impl<'a> EventBuilder<'a> {
    /// Returns an empty builder for values from `origin`.
    pub fn new(origin: Origin) -> Self {
        Self {
            origin,
            raw: Vec::with_capacity(8),
            violations: Vec::new(),
            unique: false,
            index: None,
        }
    }

    /// Returns an empty builder with room for `attributes` attributes.
    pub fn with_capacity(origin: Origin, attributes: usize) -> Self {
        Self {
            origin,
            raw: Vec::with_capacity(attributes),
            violations: Vec::new(),
            unique: false,
            index: None,
        }
    }

    /// Declares that the decoder pushes every name at most once (it
    /// reports repeats itself, with their wire location), so
    /// [`EventBuilder::finish`] need not look for them again.
    pub(crate) fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Adds one attribute as read from the wire.
    pub fn push(&mut self, name: impl Into<Cow<'a, str>>, value: RawValue<'a>) {
        let name = name.into();
        let fp = fingerprint(&name);
        self.push_fingerprinted(name, fp, value);
    }

    /// Adds an attribute whose name is not pushed yet; a repeated name is
    /// handed back, and nothing is pushed. One fingerprint serves both the
    /// lookup and the push.
    pub(crate) fn push_new(
        &mut self,
        name: Cow<'a, str>,
        value: RawValue<'a>,
    ) -> Result<(), Cow<'a, str>> {
        let fp = fingerprint(&name);
        if self.contains_fingerprinted(&name, fp) {
            return Err(name);
        }
        self.push_fingerprinted(name, fp, value);
        Ok(())
    }

    fn push_fingerprinted(&mut self, name: Cow<'a, str>, fp: u64, value: RawValue<'a>) {
        if let Some(index) = &mut self.index {
            index.add(&name, self.raw.len());
        }
        self.raw.push(Raw {
            fingerprint: fp,
            known: Known::of(&name),
            name,
            value,
        });
        if self.index.is_none() && self.raw.len() > SCAN_LIMIT {
            let mut index = NameIndex {
                keys: std::collections::hash_map::RandomState::new(),
                positions: std::collections::HashMap::with_capacity(self.raw.len() * 2),
            };
            for (i, r) in self.raw.iter().enumerate() {
                index.add(&r.name, i);
            }
            self.index = Some(index);
        }
    }

    /// Returns true when an attribute named `name` was pushed.
    pub fn contains(&self, name: &str) -> bool {
        self.contains_fingerprinted(name, fingerprint(name))
    }

    fn contains_fingerprinted(&self, name: &str, fp: u64) -> bool {
        match &self.index {
            Some(index) => index
                .positions
                .get(&index.key(name))
                .is_some_and(|at| at.iter().any(|&i| self.raw[i].name == name)),
            None => self
                .raw
                .iter()
                .any(|r| r.fingerprint == fp && r.name == name),
        }
    }

    /// Records a violation found by the decoder itself (framing, duplicates, data).
    pub fn violation(&mut self, violation: Violation) {
        self.violations.push(violation);
    }

    /// Returns true when any violation so far is an error.
    pub fn has_errors(&self) -> bool {
        self.violations.iter().any(Violation::is_error)
    }

    /// Iterates the names pushed so far.
    pub fn names(&self) -> impl Iterator<Item = &Cow<'a, str>> {
        self.raw.iter().map(|r| &r.name)
    }

    /// Returns the raw string of attribute `name`, if one was pushed.
    pub fn raw_str(&self, name: &str) -> Option<&str> {
        self.raw_cow(name).map(|s| &**s)
    }

    /// Returns the raw string of attribute `name` as pushed, if any.
    pub fn raw_cow(&self, name: &str) -> Option<&Cow<'a, str>> {
        let known = Known::of(name);
        self.raw
            .iter()
            .find(|r| r.known == known && r.name == name)
            .and_then(|r| match &r.value {
                RawValue::Str(s) => Some(s),
                _ => None,
            })
    }

    /// Types and checks every attribute; returns the event (without data)
    /// and the violations so far. Decoders then attach data and call [`conclude`].
    pub fn finish(mut self) -> (Event, Vec<Violation>) {
        let version = self.specversion();
        let raw = std::mem::take(&mut self.raw);
        let mut event = Event::with_capacity(version.unwrap_or(SpecVersion::V1_0), raw.len());
        // Names seen so far: compared by fingerprint while few, hashed after,
        // so an event with very many attributes costs no quadratic time.
        let mut many: Option<std::collections::HashSet<&str>> = None;
        let mut required = [false; 3];
        let version = event.specversion();
        for (
            i,
            Raw {
                name,
                fingerprint,
                known,
                value,
            },
        ) in raw.iter().enumerate()
        {
            if *known == Known::Specversion {
                continue;
            }
            // Decoders refuse repeated names with their own location; this
            // catches any that reach here by another path.
            let repeated = match &mut many {
                _ if self.unique => false,
                Some(set) => !set.insert(name),
                None if i < 64 => raw[..i]
                    .iter()
                    .any(|r| r.fingerprint == *fingerprint && r.name == *name),
                None => {
                    let mut set: std::collections::HashSet<&str> =
                        raw[..i].iter().map(|r| r.name.as_ref()).collect();
                    let repeated = !set.insert(name);
                    many = Some(set);
                    repeated
                }
            };
            if repeated {
                if !self.violations.iter().any(|v| v.rule == "CORE-CTX-2") {
                    self.violations.push(
                        Violation::new(
                            "CORE-CTX-2",
                            format!("attribute {name} appears more than once"),
                        )
                        .at(format!("attribute {name}")),
                    );
                }
                continue;
            }
            // The names of the core attributes are valid by construction.
            let mut checker = Checker {
                violations: &mut self.violations,
            };
            if *known == Known::Other {
                checker.check_name(name, version);
            }
            if let Some(typed) = checker.type_value(name, *known, value, version) {
                match known {
                    Known::Id => required[0] = true,
                    Known::Source => required[1] = true,
                    Known::Type => required[2] = true,
                    _ => {}
                }
                event.push_new_known(*known, name, typed);
            }
        }
        for (required, _) in ["id", "source", "type"]
            .into_iter()
            .zip(required)
            .filter(|(_, present)| !present)
        {
            if event.get(required).is_none()
                && !self
                    .violations
                    .iter()
                    .any(|v| v.at.as_deref() == Some(&format!("attribute {required}")))
            {
                self.violations.push(
                    Violation::new(
                        "CORE-CTX-1",
                        format!("the required attribute {required} is missing"),
                    )
                    .at(format!("attribute {required}")),
                );
            }
        }
        (event, self.violations)
    }

    fn specversion(&mut self) -> Option<SpecVersion> {
        let at = || "attribute specversion".to_owned();
        let found = self
            .raw
            .iter()
            .find(|r| r.known == Known::Specversion)
            .map(|r| r.value.clone());
        match found {
            None | Some(RawValue::Null) => {
                self.violations.push(
                    Violation::new(
                        "CORE-CTX-1",
                        "the required attribute specversion is missing",
                    )
                    .at(at()),
                );
                None
            }
            Some(RawValue::Str(s)) if s.is_empty() => {
                self.violations
                    .push(Violation::new("CORE-SV-1", "specversion is empty").at(at()));
                None
            }
            Some(RawValue::Str(s)) => match SpecVersion::parse(&s) {
                Some(v) => Some(v),
                None => {
                    self.violations.push(
                        Violation::new("CORE-SV-2", format!("unknown specversion {s:?}: only \"1.0\" and \"0.3\" exist (major.minor, no patch)")).at(at()),
                    );
                    None
                }
            },
            Some(other) => {
                self.violations.push(
                    Violation::new(
                        "CORE-SV-1",
                        format!("specversion is {}, not a string", other.json_type()),
                    )
                    .at(at()),
                );
                if self.origin == Origin::Json {
                    self.violations.push(
                        Violation::new("JSON-TM-1", "specversion must be a JSON string").at(at()),
                    );
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(pairs: &[(&str, RawValue<'static>)]) -> (Event, Vec<Violation>) {
        let mut b = EventBuilder::new(Origin::Json);
        for (n, v) in pairs {
            b.push(n.to_string(), v.clone());
        }
        b.finish()
    }

    fn s(text: &'static str) -> RawValue<'static> {
        RawValue::Str(Cow::Borrowed(text))
    }

    fn rules(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.rule.as_str()).collect()
    }

    #[test]
    fn fingerprints_see_every_byte_of_a_short_name() {
        let alphabet = "abcdefghijklmnopqrstuvwxyz";
        for n in 0..=alphabet.len() {
            let name = &alphabet[..n];
            // Names up to 16 bytes differ in their fingerprint wherever one
            // byte changes (longer ones only at their ends, by design).
            let changed = if n <= 16 { 0..n } else { 0..0 };
            for at in changed {
                let mut other = name.as_bytes().to_vec();
                other[at] = b'Z';
                let other = String::from_utf8(other).unwrap();
                assert_ne!(fingerprint(name), fingerprint(&other), "{name} ~ {other}");
            }
        }
    }

    #[test]
    fn minimal_event_is_valid() {
        let (e, v) = build(&[
            ("specversion", s("1.0")),
            ("id", s("1")),
            ("source", s("urn:x")),
            ("type", s("com.example.t")),
        ]);
        assert!(v.is_empty(), "{v:?}");
        assert_eq!(e.get_str("id"), Some("1"));
    }

    #[test]
    fn every_violation_is_reported() {
        let (_, v) = build(&[
            ("specversion", s("1.0")),
            ("id", s("")),
            ("source", s("%zz")),
            ("Bad_Name", s("x")),
            ("n", RawValue::Int("2147483648")),
        ]);
        let r = rules(&v);
        for want in [
            "CORE-ID-1",
            "CORE-SRC-1",
            "CORE-TS-11",
            "CORE-NAME-1",
            "CORE-TS-4",
            "CORE-CTX-1",
        ] {
            assert!(r.contains(&want), "{want} missing from {r:?}");
        }
    }

    #[test]
    fn warnings_do_not_reject() {
        let (e, v) = build(&[
            ("specversion", s("1.0")),
            ("id", s("1")),
            ("source", s("/s")),
            ("type", s("created")),
            ("abcdefghijklmnopqrstu", s("x")),
            ("1ext", s("y")),
        ]);
        assert!(v.iter().all(|v| !v.is_error()), "{v:?}");
        assert_eq!(
            rules(&v),
            ["CORE-SRC-2", "CORE-TYPE-2", "CORE-NAME-4", "CORE-NAME-2"]
        );
        assert!(conclude(e, v).is_ok());
    }

    #[test]
    fn json_types_are_checked() {
        let (_, v) = build(&[
            ("specversion", s("1.0")),
            ("id", RawValue::Int("1")),
            ("source", s("/s")),
            ("type", s("t.x")),
            ("f", RawValue::Number("1.5")),
            ("o", RawValue::Object),
        ]);
        let r = rules(&v);
        for want in ["CORE-ID-1", "JSON-TM-1", "JSON-TM-2", "CORE-CTX-3"] {
            assert!(r.contains(&want), "{want} missing from {r:?}");
        }
    }

    #[test]
    fn null_means_unset() {
        let (e, v) = build(&[
            ("specversion", s("1.0")),
            ("id", s("1")),
            ("source", s("urn:s")),
            ("type", s("a.b")),
            ("subject", RawValue::Null),
        ]);
        assert!(v.is_empty());
        assert!(e.get("subject").is_none());
        let (_, v) = build(&[
            ("specversion", s("1.0")),
            ("id", RawValue::Null),
            ("source", s("urn:s")),
            ("type", s("a.b")),
        ]);
        assert_eq!(rules(&v), ["CORE-CTX-1"]);
    }

    #[test]
    fn unknown_specversion_is_an_error() {
        let (_, v) = build(&[
            ("specversion", s("1.0.2")),
            ("id", s("1")),
            ("source", s("urn:s")),
            ("type", s("a.b")),
        ]);
        assert_eq!(rules(&v), ["CORE-SV-2"]);
    }
}
