//! proptest strategies for *valid* CloudEvents of spec 1.0 and 0.3, built
//! so that every value the reference accepts is reachable and every
//! generated event shrinks towards the four required attributes.
//!
//! What is covered: every attribute type (extensions at their bounds,
//! Integers at the i32 limits); Strings with multibyte characters, characters
//! outside the BMP (a surrogate pair in UTF-16 and in JSON escapes) and every
//! character the HTTP binding percent-encodes (space, `"`, `%`, non-ASCII);
//! RFC 3339 timestamps with offsets, `t`/`z` and 0 to 9 fractional digits;
//! extension names of 1 to 20 characters; data as none, any JSON value
//! (top-level scalars and `null` included, sometimes pretty-printed or
//! `\u`-escaped), text, and bytes (empty and non-UTF-8), always consistent
//! with `datacontenttype`; batches of one spec version.
//!
//! Not covered, on purpose: invalid events (see [`super::mutate`]) and a
//! `datacontenttype` naming a CloudEvents format, which binary modes cannot
//! carry (the receiver would read the message as structured).

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::{char as pchar, option};
use serde_json::Value;

use crate::event::value::{check_uri, check_uri_reference};
use crate::event::{AttributeValue, Data, Event, SpecVersion, Timestamp};

/// Attribute names an extension may not take: every context attribute of
/// either version, so an extension never changes meaning with the version.
const RESERVED: [&str; 12] = [
    "specversion",
    "id",
    "source",
    "type",
    "datacontenttype",
    "dataschema",
    "subject",
    "time",
    "schemaurl",
    "datacontentencoding",
    "data",
    "data_base64",
];

/// Returns a character a CloudEvents String may hold, biased towards the
/// ones each codec treats specially. Shrinks towards `a`.
pub fn string_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => pchar::range('a', 'z'),
        3 => pchar::range('!', '~'),
        1 => Just(' '),
        1 => Just('%'),
        1 => Just('"'),
        1 => Just('\\'),
        // Two-byte UTF-8 (U+0080..U+009F are C1 controls, excluded).
        1 => pchar::range('\u{a0}', '\u{7ff}'),
        // Three-byte UTF-8, around the surrogate block and the noncharacters.
        1 => pchar::range('\u{800}', '\u{d7ff}'),
        1 => pchar::range('\u{e000}', '\u{fdcf}'),
        1 => pchar::range('\u{fdf0}', '\u{fffd}'),
        // Four-byte UTF-8: a surrogate pair in UTF-16 and in JSON escapes.
        2 => pchar::range('\u{10000}', '\u{1fffd}'),
        1 => pchar::range('\u{100000}', '\u{10fffd}'),
    ]
}

/// Returns a valid CloudEvents String of `min..=max` characters.
pub fn ce_string(min: usize, max: usize) -> impl Strategy<Value = String> {
    vec(string_char(), min..=max).prop_map(String::from_iter)
}

fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn zone() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Z".to_owned()),
        Just("z".to_owned()),
        (any::<bool>(), 0u32..=23, 0u32..=59).prop_map(|(minus, h, m)| {
            format!("{}{h:02}:{m:02}", if minus { '-' } else { '+' })
        }),
    ]
}

/// Returns an RFC 3339 timestamp: any date of years 0000-9999, an offset
/// (`Z`, `z`, `±hh:mm`), `T` or `t`, 0 to 9 fractional digits, and now
/// and then a leap second at the end of June or December.
pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    let date = (0u32..=9999, 1u32..=12, 1u32..=31);
    let clock = (0u32..=23, 0u32..=59, 0u32..=59);
    let fraction = (0u32..=9, any::<u32>());
    let style = (zone(), any::<bool>(), 0u32..20);
    (date, clock, fraction, style).prop_map(
        |((year, month, day), (hour, minute, second), (digits, raw), (zone, lower_t, leap))| {
            let (month, day, hour, minute, second) = if leap == 19 {
                // RFC 3339 §5.7: a leap second ends June or December.
                let month = if month <= 6 { 6 } else { 12 };
                (month, 30 + u32::from(month == 12), 23, 59, 60)
            } else {
                (
                    month,
                    day.min(days_in_month(year, month)),
                    hour,
                    minute,
                    second,
                )
            };
            let fraction = if digits == 0 {
                String::new()
            } else {
                let width = digits as usize;
                format!(".{:0width$}", raw % 10u32.pow(digits))
            };
            let t = if lower_t { 't' } else { 'T' };
            let text = format!(
                "{year:04}-{month:02}-{day:02}{t}{hour:02}:{minute:02}:{second:02}{fraction}{zone}"
            );
            // The parts are in range by construction.
            Timestamp::parse(&text).unwrap_or_else(|e| unreachable!("{text}: {e}"))
        },
    )
}

const SEGMENT: &str = "(?:[a-zA-Z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2}){0,6}";
const HOST: &str =
    "(?:[a-z0-9][a-z0-9-]{0,8}(?:\\.[a-z]{2,4}){0,2}|127\\.0\\.0\\.1|\\[::1\\])(?::[0-9]{1,5})?";

fn path() -> impl Strategy<Value = String> {
    vec(SEGMENT, 0..4)
        .prop_map(|segments| segments.iter().map(|s| format!("/{s}")).collect::<String>())
}

fn query() -> impl Strategy<Value = String> {
    option::of(SEGMENT).prop_map(|q| q.map(|q| format!("?{q}")).unwrap_or_default())
}

/// Returns an absolute RFC 3986 URI without a fragment (the URI type).
pub fn uri() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop_oneof![Just("https"), Just("http"), Just("x-y.z+1")],
            HOST,
            path(),
            query()
        )
            .prop_map(|(scheme, host, path, query)| format!("{scheme}://{host}{path}{query}")),
        ("[a-z][a-z0-9-]{1,6}", "[a-zA-Z0-9()+,.:=@;$_!*'%-]{1,12}")
            .prop_map(|(nid, nss)| format!("urn:{nid}:{nss}")),
        ("[a-z0-9.]{1,6}", HOST).prop_map(|(user, host)| format!("mailto:{user}@{host}")),
    ]
    .prop_filter("an absolute URI", |u| check_uri(u).is_ok())
}

/// Returns a non-empty RFC 3986 URI-reference: a URI (with a fragment now
/// and then) or a relative reference of each form.
pub fn uri_reference() -> impl Strategy<Value = String> {
    prop_oneof![
        (uri(), option::of(SEGMENT))
            .prop_map(|(u, f)| f.map_or_else(|| u.clone(), |f| format!("{u}#{f}"))),
        (path(), query()).prop_map(|(p, q)| format!("/{p}{q}")),
        ("[a-zA-Z0-9._~-]{1,8}", path()).prop_map(|(first, p)| format!("{first}{p}")),
        (HOST, path()).prop_map(|(h, p)| format!("//{h}{p}")),
    ]
    .prop_filter("a non-empty URI-reference", |u| {
        !u.is_empty() && check_uri_reference(u).is_ok()
    })
}

fn parameters() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "[a-zA-Z0-9._+-]{1,8}",
        "[ !#-\\[\\]-~]{0,8}".prop_map(|v| format!("\"{v}\"")),
        Just("\"a\\\"b\"".to_owned()),
    ];
    vec(("[a-z][a-z0-9-]{0,7}", value, any::<bool>()), 0..3).prop_map(|params| {
        params
            .into_iter()
            .map(|(name, value, space)| format!(";{}{name}={value}", if space { " " } else { "" }))
            .collect()
    })
}

fn with_parameters(types: impl Strategy<Value = &'static str>) -> impl Strategy<Value = String> {
    (types, parameters()).prop_map(|(t, p)| format!("{t}{p}"))
}

/// Returns a media type that declares JSON (`*/json`, `*/*+json`, any case).
pub fn json_media_type() -> impl Strategy<Value = String> {
    with_parameters(prop_oneof![
        Just("application/json"),
        Just("text/json"),
        Just("Application/JSON"),
        Just("application/vnd.example.v2+json"),
        Just("application/x+JSON"),
    ])
}

/// Returns a `text/*` media type that is not JSON.
pub fn text_media_type() -> impl Strategy<Value = String> {
    with_parameters(prop_oneof![
        Just("text/plain"),
        Just("text/csv"),
        Just("TEXT/Plain"),
        Just("text/xml"),
        Just("text/x.custom"),
    ])
}

/// Returns a media type that is neither JSON nor text, including the
/// near misses `application/json-seq` and `application/jsonx`.
pub fn binary_media_type() -> impl Strategy<Value = String> {
    with_parameters(prop_oneof![
        Just("application/octet-stream"),
        Just("application/xml"),
        Just("image/png"),
        Just("application/avro"),
        Just("application/json-seq"),
        Just("application/jsonx"),
    ])
}

/// Returns any media type a generated event may carry.
pub fn media_type() -> impl Strategy<Value = String> {
    prop_oneof![json_media_type(), text_media_type(), binary_media_type()]
}

fn json_string() -> impl Strategy<Value = String> {
    // JSON data is not a CloudEvents String: controls and noncharacters are fine.
    let c = prop_oneof![
        4 => string_char(),
        1 => pchar::range('\0', '\u{1f}'),
        1 => Just('\u{7f}'),
        1 => Just('\u{ffff}'),
        1 => Just('\u{2028}'),
    ];
    vec(c, 0..8).prop_map(String::from_iter)
}

fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::from(0)),
        any::<i32>().prop_map(Value::from),
        prop_oneof![Just(i64::MIN), Just(i64::MAX), any::<i64>()].prop_map(Value::from),
        prop_oneof![Just(u64::MAX), any::<u64>()].prop_map(Value::from),
        any::<f64>()
            .prop_filter("a finite number", |f| f.is_finite())
            .prop_map(Value::from),
    ]
}

/// Returns any JSON value: `null`, booleans, numbers at the i64/u64 limits
/// and finite floats, strings, and nested arrays and objects (depth ≤ 3).
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((json_string(), inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Writes every non-ASCII character of JSON `text` as `\u` escapes, astral
/// ones as a surrogate pair. Non-ASCII appears only inside JSON strings, so
/// a plain pass over the text is exact.
pub fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04X}"));
            }
        }
    }
    out
}

/// Returns the text of a JSON value: compact, pretty, or `\u`-escaped.
/// A top-level `null` is drawn more often than nesting alone would, since
/// explicit null data is a case of its own (JSON-DATA-9).
pub fn json_text() -> impl Strategy<Value = String> {
    let value = prop_oneof![1 => Just(Value::Null), 6 => json_value()];
    (value, 0u8..3).prop_map(|(value, style)| {
        // A Value always serialises.
        let text = match style {
            1 => serde_json::to_string_pretty(&value),
            _ => serde_json::to_string(&value),
        }
        .unwrap_or_default();
        if style == 2 {
            escape_non_ascii(&text)
        } else {
            text
        }
    })
}

fn data_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![4 => string_char(), 1 => prop_oneof![Just('\n'), Just('\r'), Just('\t'), Just('\0')]];
    vec(c, 0..16).prop_map(String::from_iter)
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        vec(any::<u8>(), 1..24),
        // Never UTF-8: 0xFF cannot occur in it.
        vec(any::<u8>(), 0..16).prop_map(|mut b| {
            b.push(0xff);
            b
        }),
    ]
}

/// Returns `(datacontenttype, data)` that agree: no data with or without a
/// content type (CORE-DCT-4); JSON under a JSON content type or none
/// (JSON-DATA-14); text under a non-JSON type; bytes under a non-JSON type
/// or none. Shrinks towards no data and no content type.
pub fn payload() -> impl Strategy<Value = (Option<String>, Data)> {
    prop_oneof![
        option::of(media_type()).prop_map(|ct| (ct, Data::None)),
        (option::of(json_media_type()), json_text()).prop_map(|(ct, t)| (ct, Data::Json(t))),
        (
            prop_oneof![text_media_type(), binary_media_type()],
            data_text()
        )
            .prop_map(|(ct, t)| (Some(ct), Data::Text(t))),
        (
            option::of(prop_oneof![binary_media_type(), text_media_type()]),
            bytes()
        )
            .prop_map(|(ct, b)| (ct, Data::Bytes(b))),
    ]
}

/// Returns an extension value of any of the seven types, Integers at their bounds.
pub fn extension_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        any::<bool>().prop_map(AttributeValue::Boolean),
        prop_oneof![
            Just(0),
            Just(i32::MIN),
            Just(i32::MAX),
            Just(-1),
            any::<i32>()
        ]
        .prop_map(AttributeValue::Integer),
        ce_string(0, 12).prop_map(|s| AttributeValue::String(s.into())),
        vec(any::<u8>(), 0..12).prop_map(AttributeValue::Binary),
        uri().prop_map(|s| AttributeValue::Uri(s.into())),
        uri_reference().prop_map(|s| AttributeValue::UriRef(s.into())),
        timestamp().prop_map(AttributeValue::Timestamp),
    ]
}

/// Returns an extension name of 1 to 20 characters from `a-z0-9`. Spec
/// 0.3 requires a leading letter; [`event_in`] swaps a leading digit for
/// one there (a MUST in 0.3, a SHOULD in 1.0).
pub fn extension_name() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,20}".prop_filter("not a context attribute", |n| {
        !RESERVED.contains(&n.as_str())
    })
}

/// The generated parts of one event, before assembly. They do not depend
/// on the spec version, so the version shrinks on its own, towards 1.0.
type Parts = (
    (String, String, String),
    (Option<String>, Option<Timestamp>, Option<(String, String)>),
    Vec<(String, AttributeValue)>,
    (Option<String>, Data),
    bool,
);

fn parts() -> impl Strategy<Value = Parts> {
    (
        (ce_string(1, 10), uri_reference(), ce_string(1, 10)),
        (
            option::of(ce_string(1, 10)),
            option::of(timestamp()),
            option::of((uri(), uri_reference())),
        ),
        vec((extension_name(), extension_value()), 0..4),
        payload(),
        any::<bool>(),
    )
}

fn assemble(version: SpecVersion, parts: Parts) -> Event {
    let ((id, source, kind), (subject, time, schema), extensions, (content_type, data), marker) =
        parts;
    let mut event = Event::new(version);
    event.set("id", AttributeValue::String(id.into()));
    event.set("source", AttributeValue::UriRef(source.into()));
    event.set("type", AttributeValue::String(kind.into()));
    if let Some(subject) = subject {
        event.set("subject", AttributeValue::String(subject.into()));
    }
    if let Some(time) = time {
        event.set("time", AttributeValue::Timestamp(time));
    }
    match (version, schema) {
        (SpecVersion::V1_0, Some((uri, _))) => {
            event.set("dataschema", AttributeValue::Uri(uri.into()))
        }
        (SpecVersion::V0_3, Some((_, r))) => {
            event.set("schemaurl", AttributeValue::UriRef(r.into()))
        }
        (_, None) => {}
    }
    if let Some(ct) = content_type {
        event.set("datacontenttype", AttributeValue::String(ct.into()));
    }
    for (mut name, value) in extensions {
        if version == SpecVersion::V0_3 && name.starts_with(|c: char| c.is_ascii_digit()) {
            let letter = char::from(b'a' + (name.as_bytes()[0] - b'0'));
            name.replace_range(..1, letter.encode_utf8(&mut [0; 4]));
        }
        if event.get(&name).is_none() && !RESERVED.contains(&name.as_str()) {
            event.set(name, value);
        }
    }
    if version == SpecVersion::V0_3 && marker && matches!(data, Data::Bytes(_)) {
        // The 0.3 JSON format marks base64 data; the encoder adds the marker
        // when it is missing, so both forms are generated.
        event.set(
            "datacontentencoding",
            AttributeValue::String("base64".into()),
        );
    }
    event.set_data(data);
    event
}

fn version_in(versions: &[SpecVersion]) -> impl Strategy<Value = SpecVersion> + use<> {
    let mut sorted = versions.to_vec();
    // 1.0 first, so shrinking prefers it.
    sorted.sort_by_key(|v| std::cmp::Reverse(*v));
    sorted.dedup();
    proptest::sample::select(sorted)
}

/// Returns a valid event of one of `versions`; the version shrinks towards
/// 1.0. Panics if `versions` is empty.
pub fn event_in(versions: &[SpecVersion]) -> BoxedStrategy<Event> {
    (version_in(versions), parts())
        .prop_map(|(version, parts)| assemble(version, parts))
        .boxed()
}

/// Returns a valid event of `version`.
pub fn event_of(version: SpecVersion) -> BoxedStrategy<Event> {
    event_in(&[version])
}

/// Returns a valid event of spec 1.0 or 0.3.
pub fn event() -> BoxedStrategy<Event> {
    event_in(&[SpecVersion::V1_0, SpecVersion::V0_3])
}

/// Returns a batch of 0 to 4 valid events sharing one spec version (CORE-BATCH-1).
pub fn batch() -> BoxedStrategy<Vec<Event>> {
    (
        version_in(&[SpecVersion::V1_0, SpecVersion::V0_3]),
        vec(parts(), 0..4),
    )
        .prop_map(|(version, parts)| parts.into_iter().map(|p| assemble(version, p)).collect())
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn escapes_astral_characters_as_surrogate_pairs() {
        assert_eq!(escape_non_ascii("\"€😀\""), r#""\u20AC\uD83D\uDE00""#);
        let back: String = serde_json::from_str(&escape_non_ascii("\"€😀\"")).unwrap();
        assert_eq!(back, "€😀");
    }

    #[test]
    fn every_generated_part_is_valid() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let t = timestamp().new_tree(&mut runner).unwrap().current();
            assert!(Timestamp::parse(t.as_str()).is_ok());
            let ct = media_type().new_tree(&mut runner).unwrap().current();
            assert!(crate::event::value::check_media_type(&ct).is_ok(), "{ct}");
            let s = ce_string(0, 12).new_tree(&mut runner).unwrap().current();
            assert!(crate::event::value::check_string(&s).is_ok(), "{s:?}");
        }
    }
}
