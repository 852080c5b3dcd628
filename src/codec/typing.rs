//! Types and checks one attribute value against the rules of its name and
//! the spec version, writing every violation into a list: the half of
//! [`super::builder`] that is shared with the decoders' fast paths
//! ([`super::direct`]), so both apply one set of rules with one wording.

use crate::event::value::{self, AttributeType, AttributeValue};
use crate::event::{Known, SpecVersion, Text, Timestamp};
use crate::rules::{Level, Violation};

use super::builder::RawValue;

/// What the checks need to know of a core attribute beyond its type.
impl Known {
    /// The rule a bad value of this attribute breaks.
    pub(crate) fn rule(self) -> &'static str {
        match self {
            Self::Id => "CORE-ID-1",
            Self::Source => "CORE-SRC-1",
            Self::Specversion => "CORE-SV-1",
            Self::Type => "CORE-TYPE-1",
            Self::Subject => "CORE-SUBJ-1",
            Self::Time => "CORE-TIME-1",
            Self::DataSchema => "CORE-DS-1",
            Self::DataContentType => "CORE-DCT-1",
            _ => "CORE-EXT-1",
        }
    }

    /// Attributes that may not be empty strings (core spec, each attribute's constraints).
    pub(crate) fn must_be_non_empty(self) -> bool {
        matches!(
            self,
            Self::Id
                | Self::Source
                | Self::Specversion
                | Self::Type
                | Self::Subject
                | Self::DataSchema
                | Self::SchemaUrl
        )
    }
}

/// What a decoder already knows of a string value's characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chars {
    /// Nothing: the value is searched for characters a String may not hold.
    Unchecked,
    /// Every byte is printable ASCII (0x20 to 0x7E), which the decoder
    /// checked on the way (a plain HTTP header value): such text holds no
    /// control character and no noncharacter, so it is not searched again.
    PrintableAscii,
}

/// A string value that passed every check: text kept as it is (a String,
/// URI or URI-reference), or a value parsed from it. Sixteen bytes, so
/// that it comes back from the checker in registers: the parsed value (a
/// `time`, the only one a binary-mode header yields) is boxed, which costs
/// an allocation where one is rare, so that the common text verdict never
/// travels as a 48-byte value through memory.
pub(crate) enum Checked {
    Text(AttributeType),
    Parsed(Box<AttributeValue>),
}

impl Checked {
    /// Returns the value, copying `text` (the checked text) when it is kept
    /// as it is. (The fast paths do not build the value apart: they push
    /// it with [`super::direct::Direct::push_checked`].)
    pub(crate) fn into_value(self, text: &str) -> AttributeValue {
        match self {
            Self::Text(AttributeType::Uri) => AttributeValue::Uri(Text::new(text)),
            Self::Text(AttributeType::UriRef) => AttributeValue::UriRef(Text::new(text)),
            Self::Text(_) => AttributeValue::String(Text::new(text)),
            Self::Parsed(value) => *value,
        }
    }
}

/// The type-system rule a value breaks when it is not a Timestamp, a
/// URI-reference or a URI, with what it says.
const TIMESTAMP_RULE: (&str, &str) = ("CORE-TS-12", "a Timestamp is an RFC 3339 date-time");
const URI_REFERENCE_RULE: (&str, &str) = ("CORE-TS-11", "a URI-reference follows RFC 3986 §4.1");
const URI_RULE: (&str, &str) = ("CORE-TS-10", "a URI is absolute (RFC 3986 §4.3)");

/// The bytes an attribute name may hold (CORE-NAME-1).
const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_lowercase() || (b as u8).is_ascii_digit();
        b += 1;
    }
    table
};

/// True when `name` breaks no naming rule, the common case
/// [`Checker::check_name`] answers first: 1 to 20 bytes of a-z and 0-9
/// starting with a letter, and not `data`.
#[inline]
fn is_plain_name(name: &[u8]) -> bool {
    name.first().is_some_and(u8::is_ascii_lowercase)
        && name.len() <= 20
        && name.iter().all(|&b| NAME_BYTES[usize::from(b)])
        && name != b"data"
}

/// Checks attributes, pushing what they break onto `violations`.
pub(crate) struct Checker<'v> {
    pub(crate) violations: &'v mut Vec<Violation>,
}

impl Checker<'_> {
    pub(crate) fn check_name(&mut self, name: &str, version: SpecVersion) {
        if !is_plain_name(name.as_bytes()) {
            self.name_violations(name, version);
        }
    }

    /// Pushes every naming rule `name` breaks.
    fn name_violations(&mut self, name: &str, version: SpecVersion) {
        let at = || format!("attribute {name}");
        if name.is_empty() {
            self.violations
                .push(Violation::new("CORE-NAME-3", "an attribute name is empty").at(at()));
            return;
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            self.violations.push(
                Violation::new(
                    "CORE-NAME-1",
                    format!("attribute name {name:?} uses characters outside a-z and 0-9"),
                )
                .at(at()),
            );
        }
        if name == "data" {
            self.violations
                .push(Violation::new("CORE-NAME-5", "no attribute may be named data").at(at()));
        }
        if name.as_bytes()[0].is_ascii_digit() {
            let mut v = Violation::new(
                "CORE-NAME-2",
                format!("attribute name {name:?} does not start with a letter"),
            );
            if version == SpecVersion::V0_3 {
                // Spec 0.3 made this a MUST; 1.0 relaxed it and 1.0.3-wip made it a SHOULD.
                v.level = Level::Must;
                v.message.push_str(" (a MUST in spec 0.3)");
            }
            self.violations.push(v.at(at()));
        }
        if name.len() > 20 {
            self.violations.push(
                Violation::new(
                    "CORE-NAME-4",
                    format!("attribute name {name:?} is longer than 20 characters"),
                )
                .at(at()),
            );
        }
    }

    #[inline]
    pub(crate) fn type_value(
        &mut self,
        name: &str,
        class: Known,
        value: &RawValue<'_>,
        version: SpecVersion,
    ) -> Option<AttributeValue> {
        let at = || format!("attribute {name}");
        let known = class.attribute_type(version);
        let rule = class.rule();
        match value {
            RawValue::Null => None, // JSON-NULL-2: null means unset
            RawValue::Object | RawValue::Array => {
                self.violations.push(
                    Violation::new(
                        "CORE-CTX-3",
                        format!(
                            "attribute {name} is {}; no CloudEvents type maps to it",
                            value.json_type()
                        ),
                    )
                    .at(at()),
                );
                if class == Known::Other && name == "extensions" {
                    self.violations.push(
                        Violation::new(
                            "JSON-EXT-1",
                            "extensions are top-level members, never nested in an object",
                        )
                        .at(at()),
                    );
                }
                None
            }
            RawValue::Str(text) => self.type_string(name, class, text, known, version),
            RawValue::Bool(b) => match known {
                None => Some(AttributeValue::Boolean(*b)),
                Some(kind) => {
                    self.wrong_json_type(name, rule, kind, value);
                    None
                }
            },
            RawValue::Int(text) => match known {
                None => match value::parse_integer(text) {
                    Ok(n) => Some(AttributeValue::Integer(n)),
                    Err(_) => {
                        self.violations.push(
                            Violation::new(
                                "CORE-TS-4",
                                format!("Integer {text} is outside -2147483648..2147483647"),
                            )
                            .at(at()),
                        );
                        None
                    }
                },
                Some(kind) => {
                    self.wrong_json_type(name, rule, kind, value);
                    None
                }
            },
            RawValue::Number(text) => {
                match known {
                    None => self.violations.push(
                        Violation::new("JSON-TM-2", format!("{text} is not an Integer: no CloudEvents type is a fraction or exponent")).at(at()),
                    ),
                    Some(kind) => self.wrong_json_type(name, rule, kind, value),
                }
                None
            }
        }
    }

    fn wrong_json_type(
        &mut self,
        name: &str,
        rule: &'static str,
        kind: AttributeType,
        value: &RawValue<'_>,
    ) {
        let at = format!("attribute {name}");
        self.violations.push(
            Violation::new(
                rule,
                format!(
                    "{name} must be a {}, found {}",
                    kind.name(),
                    value.json_type()
                ),
            )
            .at(at.clone()),
        );
        self.violations.push(
            Violation::new("JSON-TM-1", format!("a {} is a JSON string", kind.name())).at(at),
        );
    }

    fn type_string(
        &mut self,
        name: &str,
        class: Known,
        text: &str,
        known: Option<AttributeType>,
        version: SpecVersion,
    ) -> Option<AttributeValue> {
        self.check_string(name, class, text, Chars::Unchecked, known, version)
            .map(|checked| checked.into_value(text))
    }

    /// Pushes what a value that is not of its type breaks: the attribute's
    /// own `rule`, with `message`, and the type system's rule; returns
    /// `None`, the value's check having failed.
    fn type_error(
        &mut self,
        name: &str,
        rule: &'static str,
        message: String,
        (type_rule, type_text): (&'static str, &'static str),
    ) -> Option<Checked> {
        let at = || format!("attribute {name}");
        self.violations.push(Violation::new(rule, message).at(at()));
        self.violations
            .push(Violation::new(type_rule, type_text).at(at()));
        None
    }

    /// Checks a string value of attribute `name` (whose type is `known`, or
    /// an extension's String) without copying it yet.
    pub(crate) fn check_string(
        &mut self,
        name: &str,
        class: Known,
        text: &str,
        chars: Chars,
        known: Option<AttributeType>,
        version: SpecVersion,
    ) -> Option<Checked> {
        let at = || format!("attribute {name}");
        let rule = class.rule();
        if text.is_empty() && class.must_be_non_empty() {
            self.violations
                .push(Violation::new(rule, format!("{name} must not be empty")).at(at()));
            return None;
        }
        let forbidden = match chars {
            Chars::Unchecked => value::forbidden_char(text),
            Chars::PrintableAscii => None,
        };
        if let Some((c, what)) = forbidden {
            let ts_rule = if what == "a control character" {
                "CORE-TS-6"
            } else {
                "CORE-TS-7"
            };
            self.violations.push(
                Violation::new(
                    ts_rule,
                    format!("{name} contains {what} U+{:04X}", c as u32),
                )
                .at(at()),
            );
            return None;
        }
        let kind = known.unwrap_or(AttributeType::String);
        let typed = match kind {
            AttributeType::String => Checked::Text(AttributeType::String),
            AttributeType::Timestamp => match Timestamp::parse(text) {
                Ok(t) => Checked::Parsed(Box::new(AttributeValue::Timestamp(t))),
                Err(e) => {
                    let message = format!("{name} {text:?} is not an RFC 3339 timestamp: {e}");
                    return self.type_error(name, rule, message, TIMESTAMP_RULE);
                }
            },
            AttributeType::UriRef => match value::check_uri_reference(text) {
                Ok(()) => Checked::Text(AttributeType::UriRef),
                Err(e) => {
                    let message = format!("{name} {text:?}: {e}");
                    return self.type_error(name, rule, message, URI_REFERENCE_RULE);
                }
            },
            AttributeType::Uri => match value::check_uri(text) {
                Ok(()) => Checked::Text(AttributeType::Uri),
                Err(e) => {
                    let message = format!("{name} {text:?}: {e}");
                    return self.type_error(name, rule, message, URI_RULE);
                }
            },
            other => match AttributeValue::parse(other, text) {
                Ok(v) => Checked::Parsed(Box::new(v)),
                Err(e) => {
                    self.violations
                        .push(Violation::new(rule, format!("{name}: {e}")).at(at()));
                    return None;
                }
            },
        };
        match class {
            Known::DataContentType => {
                if let Err(e) = value::check_media_type(text) {
                    self.violations.push(
                        Violation::new("CORE-DCT-1", format!("datacontenttype {text:?}: {e}"))
                            .at(at()),
                    );
                    return None;
                }
            }
            Known::Source if !has_scheme(text) => {
                self.violations.push(
                    Violation::new(
                        "CORE-SRC-2",
                        format!("source {text:?} is not an absolute URI (recommended)"),
                    )
                    .at(at()),
                );
            }
            Known::Type if !looks_reverse_dns(text) => {
                self.violations.push(
                    Violation::new(
                        "CORE-TYPE-2",
                        format!("type {text:?} has no reverse-DNS prefix (recommended)"),
                    )
                    .at(at()),
                );
            }
            Known::DataContentEncoding if version == SpecVersion::V0_3 && text != "base64" => {
                let mut v = Violation::new(
                    "CORE-TS-9",
                    format!("datacontentencoding {text:?}: spec 0.3 defines only \"base64\""),
                );
                v.level = Level::Must;
                self.violations.push(v.at(at()));
                return None;
            }
            _ => {}
        }
        Some(typed)
    }
}

/// Returns true when how attribute `name` is typed or checked depends on the
/// spec version: `dataschema` (a URI in 1.0, an extension in 0.3),
/// `schemaurl` and `datacontentencoding` (the reverse), and a name that
/// starts with a digit (a MUST in 0.3, a SHOULD in 1.0).
pub(crate) fn typed_by_version(known: Known, name: &str) -> bool {
    matches!(
        known,
        Known::DataSchema | Known::SchemaUrl | Known::DataContentEncoding
    ) || name.starts_with(|c: char| c.is_ascii_digit())
}

fn has_scheme(text: &str) -> bool {
    let b = text.as_bytes();
    match b.iter().position(|&c| c == b':') {
        Some(end) => {
            let scheme = &b[..end];
            !scheme.is_empty()
                && scheme[0].is_ascii_alphabetic()
                && scheme
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
        }
        None => false,
    }
}

/// A loose reverse-DNS check: at least two dot-separated labels, the first
/// alphanumeric (CORE-TYPE-2 is a SHOULD, so this only warns).
fn looks_reverse_dns(text: &str) -> bool {
    let b = text.as_bytes();
    let Some(dot) = b.iter().position(|&c| c == b'.') else {
        return false;
    };
    let (first, rest) = (&b[..dot], &b[dot + 1..]);
    let second = rest.split(|&c| c == b'.').next().unwrap_or_default();
    !first.is_empty()
        && first
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !second.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_name_is_exactly_one_that_breaks_no_naming_rule() {
        // Every name of up to three bytes over an alphabet with both ends
        // of each allowed range and their neighbours, plus lengths around
        // the 20-byte limit and `data` with its neighbours.
        let alphabet = [
            "a", "z", "0", "9", "`", "{", "/", ":", "A", "Z", "_", "-", "é",
        ];
        let mut names = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            names.extend(longer);
        }
        names.sort();
        names.dedup();
        for len in 18..=23 {
            names.push("a".repeat(len));
            names.push(format!("{}0", "b".repeat(len - 1)));
        }
        names.extend(["data", "datas", "dat", "xdata"].map(String::from));
        for name in &names {
            for version in [SpecVersion::V1_0, SpecVersion::V0_3] {
                let mut violations = Vec::new();
                Checker {
                    violations: &mut violations,
                }
                .name_violations(name, version);
                assert_eq!(
                    is_plain_name(name.as_bytes()),
                    violations.is_empty(),
                    "{name:?} in {version}: {violations:?}"
                );
            }
        }
    }
}
