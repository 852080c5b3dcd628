//! Equivalence of two events, exactly as DESIGN.md §3 defines it, with
//! every difference reported (not only the first) so a failure can show
//! expected versus actual attribute by attribute.
//!
//! - Attribute names must match. Values compare by canonical string, except
//!   Timestamps, which compare as instants. Lost sub-second precision with
//!   the same instant at the coarser precision is a *fidelity* difference
//!   (SHOULD level), not an equivalence failure.
//! - Data: none equals none; when the content type declares JSON (or is
//!   absent and the data is JSON) both sides compare as JSON values, numbers
//!   by value; otherwise as bytes (text as its UTF-8 bytes).
//! - Spec 0.3 `datacontentencoding` is a representation marker, like the
//!   choice between `data` and `data_base64`, and is not compared.
//! - A `datacontenttype` that declares JSON, present where the expected
//!   event has JSON data and none, is the implied type made explicit, which
//!   CORE-DCT-3 and JSON-DATA-15 recommend; it is not an extra attribute.
//! - Bytes with no content type that come back as another spelling of the
//!   same JSON value were read as JSON. Only the spec's main branch forbids
//!   that (JSON-DATA-11); v1.0.2 reads an event without `datacontenttype` as
//!   `application/json`, under which the two are the same data. The
//!   difference is reported apart, under JSON-DATA-11, so that it is marked
//!   main-branch-only and `--released-spec` makes it informational; the
//!   judge (`runner::judge::difference_finding`, which `listen` shares)
//!   names HTTP-BIN-3 or KAFKA-BIN-2 instead when the bytes were a
//!   binary-mode body, which cespec's choices under those released rules
//!   keep opaque.

use std::fmt;

use serde_json::Value;

use super::{AttributeValue, Data, Event, SpecVersion, Timestamp, is_json_content_type};

/// How two events differ in one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// The spec versions differ.
    SpecVersion { expected: String, actual: String },
    /// An attribute expected but absent.
    Missing { name: String, expected: String },
    /// An attribute present but not expected (e.g. synthesised on receipt).
    Unexpected { name: String, actual: String },
    /// An attribute whose value differs.
    Value {
        name: String,
        expected: String,
        actual: String,
    },
    /// A Timestamp that kept its instant only at a coarser precision.
    Precision {
        name: String,
        expected: String,
        actual: String,
    },
    /// The data differs.
    Data { expected: String, actual: String },
    /// Bytes without a content type came back as the same JSON value spelt
    /// differently: they were read as JSON (see the module notes).
    ReadAsJson { expected: String, actual: String },
    /// An explicit JSON `null` data became no data, or the reverse (MAY level).
    NullData { expected: String, actual: String },
}

impl Difference {
    /// Returns true when the difference breaks equivalence; false for the
    /// fidelity and informational differences.
    pub fn breaks_equivalence(&self) -> bool {
        !matches!(self, Self::Precision { .. } | Self::NullData { .. })
    }

    /// Returns the rule this difference most directly breaks. An attribute
    /// lost, added or changed between the input and an echo means the
    /// implementation did not carry the attribute faithfully from one
    /// representation to another, which CORE-TS-2 requires (a MUST).
    pub fn rule(&self) -> &'static str {
        match self {
            Self::SpecVersion { .. } => "CORE-SV-1",
            Self::Missing { .. } | Self::Unexpected { .. } => "CORE-TS-2",
            Self::Value { name, .. } if name == "time" => "CORE-TIME-1",
            Self::Value { .. } => "CORE-TS-2",
            Self::Precision { .. } => "CORE-TS-1",
            Self::Data { .. } => "JSON-DATA-6",
            Self::ReadAsJson { .. } => "JSON-DATA-11",
            Self::NullData { .. } => "JSON-DATA-9",
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SpecVersion { expected, actual } => {
                write!(f, "specversion: expected {expected}, got {actual}")
            }
            Self::Missing { name, expected } => write!(f, "{name}: expected {expected:?}, missing"),
            Self::Unexpected { name, actual } => write!(f, "{name}: not expected, got {actual:?}"),
            Self::Value {
                name,
                expected,
                actual,
            } => write!(f, "{name}: expected {expected:?}, got {actual:?}"),
            Self::Precision {
                name,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "{name}: precision lost, expected {expected:?}, got {actual:?}"
                )
            }
            Self::Data { expected, actual } => write!(f, "data: expected {expected}, got {actual}"),
            Self::ReadAsJson { expected, actual } => write!(
                f,
                "data: expected {expected} (no content type, so not JSON), got {actual}, the same JSON value re-serialised"
            ),
            Self::NullData { expected, actual } => {
                write!(f, "data: expected {expected}, got {actual}")
            }
        }
    }
}

/// Returns every difference between `expected` and `actual`; an empty list
/// means equivalent and faithful.
pub fn compare(expected: &Event, actual: &Event) -> Vec<Difference> {
    let mut out = Vec::new();
    if expected.specversion() != actual.specversion() {
        out.push(Difference::SpecVersion {
            expected: expected.specversion().to_string(),
            actual: actual.specversion().to_string(),
        });
    }
    let ignored = |name: &str, e: &Event| {
        e.specversion() == SpecVersion::V0_3 && name == "datacontentencoding"
    };
    for (name, want) in expected.attributes() {
        if ignored(name, expected) {
            continue;
        }
        match actual.get(name) {
            None => out.push(Difference::Missing {
                name: name.to_owned(),
                expected: want.canonical().into_owned(),
            }),
            Some(got) => {
                if let Some(d) = compare_value(name, want, got) {
                    out.push(d);
                }
            }
        }
    }
    let implied_json = expected.datacontenttype().is_none()
        && matches!(expected.data(), Data::Json(_))
        && actual.datacontenttype().is_some_and(is_json_content_type);
    for (name, got) in actual.attributes() {
        if name == "datacontenttype" && implied_json {
            continue;
        }
        if expected.get(name).is_none() && !ignored(name, actual) {
            out.push(Difference::Unexpected {
                name: name.to_owned(),
                actual: got.canonical().into_owned(),
            });
        }
    }
    if let Some(d) = compare_data(expected, actual) {
        out.push(d);
    }
    out
}

fn as_timestamp(v: &AttributeValue) -> Option<Timestamp> {
    match v {
        AttributeValue::Timestamp(t) => Some(t.clone()),
        AttributeValue::String(s) => Timestamp::parse(s).ok(),
        _ => None,
    }
}

fn compare_value(name: &str, want: &AttributeValue, got: &AttributeValue) -> Option<Difference> {
    let timestamps =
        matches!(want, AttributeValue::Timestamp(_)) || matches!(got, AttributeValue::Timestamp(_));
    if timestamps && let (Some(w), Some(g)) = (as_timestamp(want), as_timestamp(got)) {
        if w.same_instant(&g) {
            return None;
        }
        let (ws, wn) = w.instant();
        let (gs, gn) = g.instant();
        // Truncation to fewer digits keeps the instant at the coarser precision.
        let digits = u32::from(g.fraction_digits().min(9));
        let unit = 10u32.pow(9 - digits);
        if ws == gs && wn / unit * unit == gn {
            return Some(Difference::Precision {
                name: name.to_owned(),
                expected: w.to_string(),
                actual: g.to_string(),
            });
        }
        return Some(Difference::Value {
            name: name.to_owned(),
            expected: w.to_string(),
            actual: g.to_string(),
        });
    }
    let (w, g) = (want.canonical(), got.canonical());
    (w != g).then(|| Difference::Value {
        name: name.to_owned(),
        expected: w.into_owned(),
        actual: g.into_owned(),
    })
}

fn describe(data: &Data) -> String {
    const LIMIT: usize = 200;
    let clip = |s: &str| {
        if s.len() <= LIMIT {
            s.to_owned()
        } else {
            let mut end = LIMIT;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}… ({} bytes)", &s[..end], s.len())
        }
    };
    match data {
        Data::None => "no data".to_owned(),
        Data::Json(t) => format!("JSON {}", clip(t)),
        Data::Text(t) => format!("text {:?}", clip(t)),
        Data::Bytes(b) => match std::str::from_utf8(b) {
            Ok(t) => format!("{} bytes {:?}", b.len(), clip(t)),
            Err(_) => format!("{} bytes (not UTF-8)", b.len()),
        },
    }
}

fn compare_data(expected: &Event, actual: &Event) -> Option<Difference> {
    let (want, got) = (expected.data(), actual.data());
    let differ = || Difference::Data {
        expected: describe(want),
        actual: describe(got),
    };
    match (want, got) {
        (Data::None, Data::None) => None,
        (Data::Json(t), Data::None) | (Data::None, Data::Json(t)) if t.trim() == "null" => {
            Some(Difference::NullData {
                expected: describe(want),
                actual: describe(got),
            })
        }
        (Data::None, _) | (_, Data::None) => Some(differ()),
        _ => {
            let json = match expected.datacontenttype() {
                Some(ct) => is_json_content_type(ct),
                None => matches!(want, Data::Json(_)),
            };
            if json && let (Some(w), Some(g)) = (parse_json(want), parse_json(got)) {
                return (!json_equal(&w, &g)).then(differ);
            }
            if want.body_bytes() == got.body_bytes() {
                return None;
            }
            let read_as_json = expected.datacontenttype().is_none()
                && matches!(want, Data::Bytes(_))
                && matches!((parse_json(want), parse_json(got)), (Some(w), Some(g)) if json_equal(&w, &g));
            Some(if read_as_json {
                Difference::ReadAsJson {
                    expected: describe(want),
                    actual: describe(got),
                }
            } else {
                differ()
            })
        }
    }
}

fn parse_json(data: &Data) -> Option<Value> {
    serde_json::from_slice(data.body_bytes()).ok()
}

/// Compares JSON values with numbers by value (`1` equals `1.0`).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::json::decode_event;

    fn ev(json: &str) -> Event {
        decode_event(json.as_bytes()).unwrap().0
    }

    #[test]
    fn time_compares_as_an_instant() {
        let a = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","time":"2018-04-05T17:31:00Z"}"#,
        );
        let b = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","time":"2018-04-05T19:31:00.000+02:00"}"#,
        );
        assert!(compare(&a, &b).is_empty());
    }

    #[test]
    fn precision_loss_is_fidelity_only() {
        let a = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","time":"2018-04-05T17:31:00.123456789Z"}"#,
        );
        let b = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","time":"2018-04-05T17:31:00.123Z"}"#,
        );
        let d = compare(&a, &b);
        assert!(matches!(d.as_slice(), [Difference::Precision { .. }]));
        assert!(!d[0].breaks_equivalence());
        let c = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","time":"2018-04-05T17:31:01Z"}"#,
        );
        assert!(compare(&a, &c)[0].breaks_equivalence());
    }

    #[test]
    fn untyped_bytes_read_as_json_are_told_apart() {
        // data_base64 of `{ "a": 1 }` with no datacontenttype.
        let sent = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data_base64":"eyAiYSI6IDEgfQ=="}"#,
        );
        let same_value =
            ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{"a":1}}"#);
        let other_value =
            ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{"a":2}}"#);
        let d = compare(&sent, &same_value);
        assert!(
            matches!(d.as_slice(), [Difference::ReadAsJson { .. }]),
            "{d:?}"
        );
        assert_eq!(d[0].rule(), "JSON-DATA-11");
        assert!(d[0].breaks_equivalence());
        let d = compare(&sent, &other_value);
        assert!(matches!(d.as_slice(), [Difference::Data { .. }]), "{d:?}");
        // With a content type the bytes are not untyped: a JSON type makes
        // the two equivalent, any other keeps them bytes.
        let typed = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"text/plain","data_base64":"eyAiYSI6IDEgfQ=="}"#,
        );
        let retyped = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"text/plain","data_base64":"eyJhIjoxfQ=="}"#,
        );
        assert!(matches!(
            compare(&typed, &retyped).as_slice(),
            [Difference::Data { .. }]
        ));
        let json_typed = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"application/json","data_base64":"eyAiYSI6IDEgfQ=="}"#,
        );
        let json_retyped = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"application/json","data":{"a":1}}"#,
        );
        assert!(compare(&json_typed, &json_retyped).is_empty());
    }

    #[test]
    fn extension_types_compare_by_canonical_string() {
        let a = ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","n":5,"b":true}"#);
        let b =
            ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","n":"5","b":"true"}"#);
        assert!(compare(&a, &b).is_empty());
    }

    #[test]
    fn synthesised_and_lost_attributes_are_reported() {
        let a = ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","subject":"x"}"#);
        let b = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","time":"2018-04-05T17:31:00Z"}"#,
        );
        let d = compare(&a, &b);
        assert_eq!(d.len(), 2);
        assert!(matches!(d[0], Difference::Missing { .. }));
        assert!(matches!(d[1], Difference::Unexpected { .. }));
    }

    #[test]
    fn the_implied_json_content_type_is_not_an_extra_attribute() {
        let a = ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{"a":1}}"#);
        let b = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"application/json","data":{"a":1}}"#,
        );
        assert!(compare(&a, &b).is_empty());
        let c = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"text/plain","data":"{\"a\":1}"}"#,
        );
        assert!(!compare(&a, &c).is_empty());
        assert!(
            !compare(&b, &a).is_empty(),
            "a lost datacontenttype is still reported"
        );
    }

    #[test]
    fn data_json_by_value_bytes_otherwise() {
        let a = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{"a":1,"b":[1.0]}}"#,
        );
        let b = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{"b":[1],"a":1.0}}"#,
        );
        assert!(compare(&a, &b).is_empty());
        let c =
            ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":"{\"a\":1}"}"#);
        assert!(!compare(&a, &c).is_empty());
        let d = ev(
            r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"text/plain","data":"hi"}"#,
        );
        let mut e = d.clone();
        e.set_data(Data::Bytes(b"hi".to_vec()));
        assert!(compare(&d, &e).is_empty());
        let n = ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":null}"#);
        let none = ev(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x"}"#);
        assert!(matches!(
            compare(&n, &none).as_slice(),
            [Difference::NullData { .. }]
        ));
    }
}
