//! The HTTP protocol binding (`bindings/http-protocol-binding.md`) over a
//! plain [`HttpMessage`]: mode detection, binary mode with percent-encoded
//! `ce-` headers, structured and batched modes.

mod fast;

use std::borrow::Cow;

use super::builder::{Built, EventBuilder, Origin, RawValue, conclude};
use super::{Decoded, Encoding, Mode, json, percent};
use crate::event::{AttributeValue, Data, Event, Text, is_json_content_type};
use crate::rules::Violation;
use crate::wire::{HttpMessage, MEDIA_JSON, MEDIA_JSON_BATCH};

/// Returns the content mode a receiver infers from `Content-Type`: batch is
/// tested before structured, since both share the `application/cloudevents`
/// prefix; the comparison ignores ASCII case (HTTP-MODE-1..3).
pub fn detect_mode(content_type: Option<&[u8]>) -> Mode {
    let Some(ct) = content_type else {
        return Mode::Binary;
    };
    let starts =
        |prefix: &[u8]| ct.len() >= prefix.len() && ct[..prefix.len()].eq_ignore_ascii_case(prefix);
    if starts(b"application/cloudevents-batch") {
        Mode::Batch
    } else if starts(b"application/cloudevents") {
        Mode::Structured
    } else {
        Mode::Binary
    }
}

/// Returns the media type of `ct` without parameters, lower-cased.
pub(crate) fn essence(ct: &[u8]) -> String {
    let end = ct.iter().position(|&b| b == b';').unwrap_or(ct.len());
    String::from_utf8_lossy(&ct[..end])
        .trim()
        .to_ascii_lowercase()
}

/// Decodes an HTTP message in whichever mode its `Content-Type` selects.
pub fn decode(msg: &HttpMessage) -> Result<Decoded, Vec<Violation>> {
    let headers = || msg.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()));
    decode_parts(headers, content_type(headers), Body::Borrowed(&msg.body))
}

/// Decodes like [`decode`], taking the message by value: a binary-mode body
/// becomes the event's data without being copied. For a caller that is done
/// with the message, as an echo server is.
pub fn decode_owned(msg: HttpMessage) -> Result<Decoded, Vec<Violation>> {
    let HttpMessage { headers, body, .. } = msg;
    let headers = || headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()));
    decode_parts(headers, content_type(headers), Body::Owned(body))
}

/// Decodes a message given as `http` crate headers and a body, as a server
/// built on hyper receives it, without copying the headers first.
pub fn decode_header_map(
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Result<Decoded, Vec<Violation>> {
    decode_parts(
        || headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
        map_content_type(headers),
        Body::Borrowed(body),
    )
}

/// Decodes like [`decode_header_map`], taking the body by value, as
/// `cloudevents-sdk`'s `to_event` does: a binary-mode body becomes the
/// event's data without being copied.
pub fn decode_header_map_owned(
    headers: &hyper::HeaderMap,
    body: Vec<u8>,
) -> Result<Decoded, Vec<Violation>> {
    decode_parts(
        || headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
        map_content_type(headers),
        Body::Owned(body),
    )
}

/// Decodes like [`decode_header_map_owned`], taking the header values too,
/// for a caller that owns the message and is done with it (a server holding
/// hyper's request parts): in binary mode each plain `ce-` value and the
/// Content-Type move out of `headers` into the event, leaving empty values
/// there, instead of being copied; the owned encoder
/// ([`into_binary_response`]) moves them on again. Other headers, and every
/// header of a message in another mode or one the fast path gives up on,
/// are left as they are.
pub fn decode_header_map_taking(
    headers: &mut hyper::HeaderMap,
    body: Vec<u8>,
) -> Result<Decoded, Vec<Violation>> {
    let (ct, repeated_ct) = map_content_type(headers);
    if detect_mode(ct) == Mode::Binary
        && let Some((mut event, warnings)) = fast::binary_taking(headers, repeated_ct)
    {
        set_body(&mut event, Body::Owned(body));
        return Ok(Decoded {
            events: vec![event],
            encoding: Encoding::HttpBinary,
            warnings,
        });
    }
    decode_header_map_owned(headers, body)
}

/// Returns the first Content-Type of `headers`, and whether there is
/// another: a lookup, where a list of headers has to be searched.
fn map_content_type(headers: &hyper::HeaderMap) -> (Option<&[u8]>, bool) {
    let mut content_types = headers.get_all(hyper::header::CONTENT_TYPE).iter();
    (
        content_types
            .next()
            .map(hyper::header::HeaderValue::as_bytes),
        content_types.next().is_some(),
    )
}

/// A message body, borrowed or owned: an owned one moves into the event's
/// data, a borrowed one is copied there.
pub(crate) enum Body<'b> {
    Borrowed(&'b [u8]),
    Owned(Vec<u8>),
}

impl Body<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            Self::Owned(v) => v,
        }
    }

    fn into_vec(self) -> Vec<u8> {
        match self {
            Self::Borrowed(b) => b.to_vec(),
            Self::Owned(v) => v,
        }
    }
}

/// Decodes headers (name and raw value, in order, repeats kept; `headers`
/// iterates them afresh on each call), given their first Content-Type and
/// whether there is another, and a body.
fn decode_parts<'h, I>(
    headers: impl Fn() -> I,
    (ct, repeated_ct): (Option<&'h [u8]>, bool),
    body: Body<'_>,
) -> Result<Decoded, Vec<Violation>>
where
    I: Iterator<Item = (&'h str, &'h [u8])>,
{
    if let Some(rule) = unsupported_format_rule(ct) {
        return Err(vec![unsupported_format(ct.unwrap_or_default(), rule)]);
    }
    match detect_mode(ct) {
        Mode::Batch => {
            let (events, warnings) = json::decode_batch(body.as_slice())?;
            Ok(Decoded {
                events,
                encoding: Encoding::HttpBatch,
                warnings,
            })
        }
        Mode::Structured => {
            let (event, warnings) = match body {
                // Held as Bytes, an owned body lends the event its values.
                Body::Owned(body) => json::decode_event_shared(&bytes::Bytes::from(body))?,
                Body::Borrowed(body) => json::decode_event(body)?,
            };
            Ok(Decoded {
                events: vec![event],
                encoding: Encoding::HttpStructured,
                warnings,
            })
        }
        Mode::Binary => {
            let (event, warnings) = match fast::binary(headers(), ct, repeated_ct) {
                Some((mut event, warnings)) => {
                    set_body(&mut event, body);
                    (event, warnings)
                }
                None => decode_binary(headers(), body, ct, repeated_ct)?,
            };
            Ok(Decoded {
                events: vec![event],
                encoding: Encoding::HttpBinary,
                warnings,
            })
        }
    }
}

/// Returns what follows `ce-` (in any case) in a header name, if it starts so.
fn ce_attribute(name: &str) -> Option<&str> {
    name.get(..3)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("ce-"))
        .then(|| &name[3..])
}

/// Returns the first Content-Type of the headers, and whether there is another.
fn content_type<'h, I>(headers: impl Fn() -> I) -> (Option<&'h [u8]>, bool)
where
    I: Iterator<Item = (&'h str, &'h [u8])>,
{
    let mut content_types = headers()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v);
    (content_types.next(), content_types.next().is_some())
}

/// Returns the rule under which the reference refuses a message whose
/// Content-Type names a CloudEvents event format other than JSON
/// (`application/cloudevents+avro`): HTTP-MODE-4 in structured mode,
/// HTTP-BAT-1 in batched mode; `None` for JSON and for binary mode.
pub(crate) fn unsupported_format_rule(content_type: Option<&[u8]>) -> Option<&'static str> {
    let ct = content_type.unwrap_or_default();
    match detect_mode(content_type) {
        Mode::Batch => (essence(ct) != MEDIA_JSON_BATCH).then_some("HTTP-BAT-1"),
        Mode::Structured => (essence(ct) != MEDIA_JSON).then_some("HTTP-MODE-4"),
        Mode::Binary => None,
    }
}

/// Whether a decode refused a message only because its Content-Type names
/// an event format the reference does not read: the one violation
/// [`unsupported_format_rule`] leads to, so that a server can answer 415
/// without looking at the headers again.
pub(crate) fn refused_for_format(violations: &[Violation]) -> bool {
    matches!(violations, [v] if v.refuse && matches!(v.rule.as_str(), "HTTP-MODE-4" | "HTTP-BAT-1"))
}

fn unsupported_format(ct: &[u8], rule: &str) -> Violation {
    let mut v = Violation::new(
        rule,
        format!(
            "event format {:?} is not supported; the reference knows only the JSON format",
            String::from_utf8_lossy(ct)
        ),
    );
    v.refuse = true;
    v.at("header content-type")
}

fn decode_binary<'h>(
    headers: impl Iterator<Item = (&'h str, &'h [u8])>,
    body: Body<'_>,
    ct: Option<&'h [u8]>,
    repeated_ct: bool,
) -> Built {
    let mut builder = EventBuilder::with_capacity(Origin::Header, 12).unique();
    // Attributes read but not pushed (refused values, ce-datacontenttype),
    // so that a repeat of them is still found.
    let mut refused: Vec<Cow<'h, str>> = Vec::new();
    let mut any_ce = false;
    for (name, raw) in headers {
        let Some(rest) = ce_attribute(name) else {
            continue;
        };
        any_ce = true;
        let attribute: Cow<'h, str> = if rest.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(rest.to_ascii_lowercase())
        } else {
            Cow::Borrowed(rest)
        };
        let at = || format!("header {name}");
        if builder.contains(&attribute) || refused.contains(&attribute) {
            builder.violation(
                Violation::new(
                    "CORE-CTX-2",
                    format!("header {name} is repeated; an attribute appears at most once"),
                )
                .at(at()),
            );
            continue;
        }
        if attribute == "datacontenttype" {
            builder.violation(
                Violation::new("HTTP-BIN-2", "binary mode carries datacontenttype in Content-Type, never in a ce-datacontenttype header").at(at()),
            );
            refused.push(attribute);
            continue;
        }
        match percent::decode(raw) {
            Ok(text) => builder.push(attribute, RawValue::Str(text)),
            Err(e) => {
                builder.violation(Violation::new(e.rule(), e.message()).at(at()));
                refused.push(attribute);
            }
        }
    }
    if !any_ce {
        builder.violation(Violation::new(
            "HTTP-MODE-7",
            "no ce- headers and no CloudEvents Content-Type: this is not a CloudEvent in any mode",
        ));
    }
    if repeated_ct {
        builder.violation(
            Violation::new(
                "CORE-CTX-2",
                "Content-Type is repeated, so datacontenttype would appear twice",
            )
            .at("header content-type"),
        );
    }
    if let Some(ct) = ct {
        match percent::decode(ct) {
            // Content-Type is not percent-encoded, but it must be printable
            // ASCII, which is all this checks when there is no '%'.
            _ if !ct.iter().all(|b| (0x20..0x7f).contains(b)) => builder.violation(
                Violation::new(
                    "HTTP-HDR-1",
                    "Content-Type holds a byte outside printable US-ASCII",
                )
                .at("header content-type"),
            ),
            _ => builder.push(
                "datacontenttype",
                RawValue::Str(String::from_utf8_lossy(ct)),
            ),
        }
    }
    let (mut event, violations) = builder.finish();
    set_body(&mut event, body);
    conclude(event, violations)
}

/// Sets a binary-mode body as `event`'s data: none when empty (our
/// choice), a JSON value when the content type declares JSON and the body
/// parses, text for `text/*` UTF-8 bodies, and bytes otherwise. An owned
/// body moves into the data; a borrowed one is copied once. Which of these
/// a JSON or text body is needs a scan of it, which waits until the data is
/// first read (see `event::lazy_data`); the choice of scan is made here, from
/// the content type the message came with.
pub(crate) fn set_body(event: &mut Event, body: Body<'_>) {
    if body.as_slice().is_empty() {
        return event.set_data(Data::None);
    }
    let content_type = event.datacontenttype();
    let json = content_type.is_some_and(is_json_content_type);
    let text = !json
        && content_type
            .is_some_and(|ct| ct.len() >= 5 && ct.as_bytes()[..5].eq_ignore_ascii_case(b"text/"));
    match (json, text) {
        (true, _) => event.set_unread_body(body.into_vec(), json_body),
        (_, true) => event.set_unread_body(body.into_vec(), text_body),
        _ => event.set_data(Data::Bytes(body.into_vec())),
    }
}

/// The data of a body labelled JSON: JSON if it is UTF-8 JSON, else bytes.
fn json_body(body: Vec<u8>) -> Data {
    match String::from_utf8(body) {
        Ok(s) if super::scan::is_json(&s) => Data::Json(s),
        Ok(s) => Data::Bytes(s.into_bytes()),
        Err(e) => Data::Bytes(e.into_bytes()),
    }
}

/// The data of a body labelled `text/*`: text if it is UTF-8, else bytes.
fn text_body(body: Vec<u8>) -> Data {
    match String::from_utf8(body) {
        Ok(s) => Data::Text(s),
        Err(e) => Data::Bytes(e.into_bytes()),
    }
}

/// Returns the `Content-Type` a binary message carries for `event`: its
/// `datacontenttype`, or `application/json` for JSON data without one
/// (CORE-DCT-3, JSON-DATA-15); none for bytes without one (JSON-DATA-11).
pub(crate) fn binary_content_type(event: &Event) -> Option<Cow<'_, str>> {
    match (event.datacontenttype(), event.data()) {
        (Some(ct), _) => Some(Cow::Borrowed(ct)),
        (None, Data::Json(_)) => Some(Cow::Borrowed("application/json")),
        _ => None,
    }
}

/// Returns true when `name` travels as its own header in binary mode:
/// `datacontenttype` is the content type instead, and spec 0.3's
/// `datacontentencoding` only describes how the JSON format wraps bytes, which
/// a binary body carries raw.
pub(crate) fn is_binary_header_attribute(event: &Event, name: &str) -> bool {
    name != "datacontenttype"
        && !(name == "datacontentencoding"
            && event.specversion() == crate::event::SpecVersion::V0_3)
}

/// Encodes one event in binary mode.
pub fn encode_binary(event: &Event) -> HttpMessage {
    HttpMessage::post(binary_headers(event), event.data().body_bytes().to_vec())
}

/// Encodes like [`encode_binary`], taking the event by value: its data
/// moves into the body without being copied.
pub fn into_binary(mut event: Event) -> HttpMessage {
    let headers = binary_headers(&event);
    HttpMessage::post(headers, event.take_body())
}

/// Returns the headers of `event` in binary mode: `ce-` attributes,
/// percent-encoded, and the `Content-Type`.
fn binary_headers(event: &Event) -> Vec<(String, Vec<u8>)> {
    let mut headers = Vec::with_capacity(event.attribute_count() + 2);
    headers.push((
        "ce-specversion".to_owned(),
        event.specversion().as_str().as_bytes().to_vec(),
    ));
    for (name, value) in event.attributes() {
        if !is_binary_header_attribute(event, name) {
            continue;
        }
        headers.push((
            format!("ce-{name}"),
            percent::encode(&value.canonical()).as_bytes().to_vec(),
        ));
    }
    if let Some(ct) = binary_content_type(event) {
        headers.push(("content-type".to_owned(), ct.as_bytes().to_vec()));
    }
    headers
}

/// Encodes one event in binary mode as an `http` crate response (status
/// 200): the headers and body of [`encode_binary`], built straight into the
/// types a hyper server sends, without an intermediate [`HttpMessage`].
pub fn encode_binary_response(event: &Event) -> hyper::Response<bytes::Bytes> {
    // A clone copies what the borrowed encoder would copy anyway (each
    // value and the body), so one encoder serves both.
    into_binary_response(event.clone())
}

/// Encodes like [`encode_binary_response`], taking the event by value, as
/// `cloudevents-sdk`'s `to_response` does: its data moves into the body, and
/// a string value that needs no percent-encoding into its header value,
/// without being copied.
pub fn into_binary_response(event: Event) -> hyper::Response<bytes::Bytes> {
    use hyper::header::{CONTENT_TYPE, HeaderValue};
    // JSON data without a datacontenttype is labelled application/json
    // (binary_content_type); a datacontenttype moves into the header below.
    let mut content_type = (event.datacontenttype().is_none()
        && matches!(event.data(), Data::Json(_)))
    .then(|| HeaderValue::from_static("application/json"));
    let v0_3 = event.specversion() == crate::event::SpecVersion::V0_3;
    let mut headers = hyper::HeaderMap::with_capacity(event.attribute_count() + 2);
    headers.insert(
        const { hyper::header::HeaderName::from_static("ce-specversion") },
        match event.specversion() {
            crate::event::SpecVersion::V1_0 => const { HeaderValue::from_static("1.0") },
            crate::event::SpecVersion::V0_3 => const { HeaderValue::from_static("0.3") },
        },
    );
    let mut name_buf = Vec::with_capacity(32);
    let body = event.into_each_attribute(|name, value| {
        if name == "datacontenttype" {
            if let AttributeValue::String(ct) = value {
                // Not percent-encoded: a header it was read from goes back.
                content_type = match ct.into_header() {
                    Ok(value) => Some(value),
                    Err(ct) => {
                        HeaderValue::from_maybe_shared(bytes::Bytes::from(ct.into_string())).ok()
                    }
                };
            }
            return;
        }
        if v0_3 && name == "datacontentencoding" {
            return;
        }
        let Some(header) = ce_header_name(name, &mut name_buf) else {
            return;
        };
        // Percent-encoded text is printable ASCII, always a valid header
        // value; text that needs no escaping moves in as it is.
        let value = match value {
            AttributeValue::Boolean(b) => {
                Ok(HeaderValue::from_static(if b { "true" } else { "false" }))
            }
            AttributeValue::String(s) | AttributeValue::Uri(s) | AttributeValue::UriRef(s) => {
                header_value(s)
            }
            other => header_value(other.canonical().into_owned().into()),
        };
        if let Ok(v) = value {
            headers.append(header, v);
        }
    });
    if let Some(ct) = content_type {
        headers.insert(CONTENT_TYPE, ct);
    }
    let mut response = hyper::Response::new(bytes::Bytes::from(body));
    *response.headers_mut() = headers;
    response
}

/// Returns a header value carrying `text`: as it is when it needs no
/// percent-encoding (a header it was read from is handed back, a `String`'s
/// allocation moves), else percent-encoded. Inlined: returned from a call,
/// its `Result` went through memory and was read back by loads that waited
/// on the stores writing it (benches/bench-notes.md, "Moved out in place").
#[inline(always)]
fn header_value(
    text: Text,
) -> Result<hyper::header::HeaderValue, hyper::header::InvalidHeaderValue> {
    match text.into_header_value(percent::needs_no_encoding) {
        Ok(value) => Ok(value),
        Err(text) => hyper::header::HeaderValue::from_maybe_shared(bytes::Bytes::from(
            percent::encode(&text).into_owned(),
        )),
    }
}

/// Returns the header name `ce-{name}`; the core attributes' names are
/// static. `None` only for a name no header can carry, which a valid
/// attribute name (a-z0-9) never is.
fn ce_header_name(name: &str, buf: &mut Vec<u8>) -> Option<hyper::header::HeaderName> {
    use hyper::header::HeaderName;
    // Made at compile time: at run time `from_static` checks the name and
    // looks it up among the standard headers, every call.
    Some(match name {
        "id" => const { HeaderName::from_static("ce-id") },
        "source" => const { HeaderName::from_static("ce-source") },
        "type" => const { HeaderName::from_static("ce-type") },
        "subject" => const { HeaderName::from_static("ce-subject") },
        "time" => const { HeaderName::from_static("ce-time") },
        "dataschema" => const { HeaderName::from_static("ce-dataschema") },
        _ => {
            buf.clear();
            buf.extend_from_slice(b"ce-");
            buf.extend_from_slice(name.as_bytes());
            HeaderName::from_bytes(buf).ok()?
        }
    })
}

/// Encodes one event in structured mode with the JSON format.
pub fn encode_structured(event: &Event) -> HttpMessage {
    HttpMessage::post(
        vec![("content-type".to_owned(), MEDIA_JSON.as_bytes().to_vec())],
        json::encode_event(event),
    )
}

/// Encodes events in batched mode with the JSON batch format.
pub fn encode_batch(events: &[Event]) -> HttpMessage {
    HttpMessage::post(
        vec![(
            "content-type".to_owned(),
            MEDIA_JSON_BATCH.as_bytes().to_vec(),
        )],
        json::encode_batch(events),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h0() -> Vec<(String, Vec<u8>)> {
        [
            ("ce-specversion", "1.0"),
            ("ce-id", "1"),
            ("ce-source", "/s"),
            ("ce-type", "t.x"),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.as_bytes().to_vec()))
        .collect()
    }

    fn with(extra: &[(&str, &str)]) -> HttpMessage {
        let mut h = h0();
        h.extend(
            extra
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())),
        );
        HttpMessage::post(h, Vec::new())
    }

    fn rules(r: &Result<Decoded, Vec<Violation>>) -> Vec<&str> {
        match r {
            Ok(_) => vec![],
            Err(v) => v
                .iter()
                .filter(|v| v.is_error())
                .map(|v| v.rule.as_str())
                .collect(),
        }
    }

    #[test]
    fn modes_are_detected_case_insensitively_batch_first() {
        assert_eq!(
            detect_mode(Some(b"APPLICATION/CloudEvents+JSON; charset=utf-8")),
            Mode::Structured
        );
        assert_eq!(
            detect_mode(Some(b"application/cloudevents-batch+json")),
            Mode::Batch
        );
        assert_eq!(detect_mode(Some(b"text/plain")), Mode::Binary);
        assert_eq!(detect_mode(None), Mode::Binary);
    }

    #[test]
    fn binary_minimal_and_header_case() {
        let d = decode(&with(&[])).unwrap();
        assert_eq!(d.events[0].get_str("id"), Some("1"));
        let msg = HttpMessage::post(
            vec![
                ("CE-ID".into(), b"1".to_vec()),
                ("Ce-Source".into(), b"/s".to_vec()),
                ("ce-SPECVERSION".into(), b"1.0".to_vec()),
                ("ce-type".into(), b"t.x".to_vec()),
                ("ce-MyExt".into(), b"v".to_vec()),
            ],
            vec![],
        );
        let d = decode(&msg).unwrap();
        assert_eq!(d.events[0].get_str("myext"), Some("v"));
    }

    #[test]
    fn binary_violations() {
        assert_eq!(
            rules(&decode(&with(&[("ce-datacontenttype", "text/plain")]))),
            ["HTTP-BIN-2"]
        );
        assert_eq!(rules(&decode(&with(&[("ce-id", "2")]))), ["CORE-CTX-2"]);
        assert_eq!(
            rules(&decode(&with(&[("ce-subject", "%FF")]))),
            ["HTTP-HDR-10"]
        );
        assert_eq!(
            rules(&decode(&with(&[("ce-subject", "")]))),
            ["CORE-SUBJ-1"]
        );
        assert_eq!(rules(&decode(&with(&[("ce-data", "x")]))), ["CORE-NAME-5"]);
        assert_eq!(rules(&decode(&with(&[("ce-", "x")]))), ["CORE-NAME-3"]);
        assert!(decode(&with(&[("ce-comexampleext", "")])).is_ok());
        let none = HttpMessage::post(
            vec![("content-type".into(), b"application/json".to_vec())],
            b"{}".to_vec(),
        );
        assert!(rules(&decode(&none)).contains(&"HTTP-MODE-7"));
    }

    #[test]
    fn binary_round_trip_keeps_percent_encoding_and_content_type() {
        let mut msg = with(&[
            ("ce-subject", "Euro%20%E2%82%AC%20%F0%9F%98%80"),
            ("content-type", "application/json; charset=utf-8"),
        ]);
        msg.body = br#"{"a":1}"#.to_vec();
        let d = decode(&msg).unwrap();
        let e = &d.events[0];
        assert_eq!(e.get_str("subject"), Some("Euro € 😀"));
        assert_eq!(e.data(), &Data::Json(r#"{"a":1}"#.into()));
        let out = encode_binary(e);
        assert_eq!(
            out.header("ce-subject"),
            Some("Euro%20%E2%82%AC%20%F0%9F%98%80")
        );
        assert_eq!(
            out.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert!(out.header("ce-datacontenttype").is_none());
        assert_eq!(out.body, br#"{"a":1}"#);
    }

    #[test]
    fn the_http_crate_entry_points_agree_with_the_message_ones() {
        let mut msg = with(&[
            ("ce-subject", "Euro%20%E2%82%AC"),
            ("ce-comexampleext", "x"),
            ("content-type", "application/json"),
        ]);
        msg.body = br#"{"a":1}"#.to_vec();
        let mut map = hyper::HeaderMap::new();
        for (n, v) in &msg.headers {
            map.append(
                hyper::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                hyper::header::HeaderValue::from_bytes(v).unwrap(),
            );
        }
        let a = decode(&msg).unwrap();
        let b = decode_header_map(&map, &msg.body).unwrap();
        assert_eq!(a.events[0].get_str("subject"), Some("Euro €"));
        assert_eq!(
            json::encode_event(&a.events[0]),
            json::encode_event(&b.events[0])
        );
        let response = encode_binary_response(&a.events[0]);
        let message = encode_binary(&a.events[0]);
        let mut from_map: Vec<(String, Vec<u8>)> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect();
        let mut from_message = message.headers.clone();
        from_map.sort();
        from_message.sort();
        assert_eq!(from_map, from_message);
        assert_eq!(response.body().as_ref(), message.body.as_slice());
    }

    #[test]
    fn the_owned_entry_points_agree_with_the_borrowing_ones() {
        // One body per kind of data: JSON, text, bytes (JSON type, not
        // JSON), bytes (no type), none.
        let bodies: [(&str, &[u8]); 5] = [
            ("application/json", br#"{"a":[1,2.50,"x"]}"#),
            ("text/plain; charset=utf-8", "caf\u{e9}".as_bytes()),
            ("application/json", b"{not json"),
            ("application/octet-stream", b"\xff\x00\x01"),
            ("application/json", b""),
        ];
        for (ct, body) in bodies {
            let mut msg = with(&[("ce-subject", "s%20t"), ("content-type", ct)]);
            msg.body = body.to_vec();
            let mut map = hyper::HeaderMap::new();
            for (n, v) in &msg.headers {
                map.append(
                    hyper::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                    hyper::header::HeaderValue::from_bytes(v).unwrap(),
                );
            }
            let borrowed = decode(&msg).unwrap().events.remove(0);
            let owned = decode_owned(msg.clone()).unwrap().events.remove(0);
            let from_map = decode_header_map_owned(&map, msg.body.clone())
                .unwrap()
                .events
                .remove(0);
            for other in [&owned, &from_map] {
                assert_eq!(other.data(), borrowed.data(), "{ct}");
                assert_eq!(json::encode_event(other), json::encode_event(&borrowed));
            }
            let message = encode_binary(&borrowed);
            let moved = into_binary(borrowed.clone());
            assert_eq!(moved.headers, message.headers, "{ct}");
            assert_eq!(moved.body, message.body, "{ct}");
            let response = encode_binary_response(&borrowed);
            let moved = into_binary_response(borrowed);
            assert_eq!(moved.headers(), response.headers(), "{ct}");
            assert_eq!(moved.body(), response.body(), "{ct}");
        }
    }

    #[test]
    fn the_response_encoder_escapes_a_value_that_is_one_escape() {
        // A value of one character to escape encodes to one "%XY", which
        // the percent-encoding crate hands back borrowed from its table:
        // the moving encoder once took that for "unchanged" and sent the
        // raw character.
        let mut event = Event::new(crate::event::SpecVersion::V1_0);
        for (name, value) in [("id", "1"), ("source", "/s"), ("type", "t.x")] {
            event.set(name, AttributeValue::String(Text::new(value)));
        }
        for (name, value) in [
            ("space", " "),
            ("percent", "%"),
            ("quote", "\""),
            ("plain", "a"),
        ] {
            event.set(name, AttributeValue::String(Text::new(value)));
        }
        let message = encode_binary(&event);
        let response = into_binary_response(event);
        for (name, value) in &message.headers {
            let sent = response.headers().get(name.as_str()).map(|v| v.as_bytes());
            assert_eq!(sent, Some(value.as_slice()), "{name}");
        }
        assert_eq!(response.headers()["ce-percent"], "%25");
        assert_eq!(response.headers()["ce-space"], "%20");
    }

    #[test]
    fn a_binary_body_becomes_the_data_its_content_type_declares() {
        let cases: [(&str, &[u8], Data); 6] = [
            (
                "application/json",
                b" [1, 2] ",
                Data::Json(" [1, 2] ".into()),
            ),
            (
                "application/vnd.x+json",
                b"{not json",
                Data::Bytes(b"{not json".to_vec()),
            ),
            (
                "application/json",
                b"\"\xff\"",
                Data::Bytes(b"\"\xff\"".to_vec()),
            ),
            (
                "TEXT/plain",
                "caf\u{e9}".as_bytes(),
                Data::Text("caf\u{e9}".into()),
            ),
            ("text/plain", b"\xff", Data::Bytes(b"\xff".to_vec())),
            ("image/png", b"\x89PNG", Data::Bytes(b"\x89PNG".to_vec())),
        ];
        for (ct, body, expected) in cases {
            let mut msg = with(&[("content-type", ct)]);
            msg.body = body.to_vec();
            let event = decode_owned(msg.clone()).unwrap().events.remove(0);
            assert_eq!(event.data(), &expected, "{ct}");
            // The scan is chosen when the message is decoded: changing the
            // content type afterwards does not change what the body becomes.
            let mut event = decode_owned(msg.clone()).unwrap().events.remove(0);
            event.set(
                "datacontenttype",
                AttributeValue::String("application/octet-stream".into()),
            );
            assert_eq!(event.data(), &expected, "{ct}");
            // Sent on in binary mode without being read, the body is the
            // same bytes.
            let event = decode_owned(msg).unwrap().events.remove(0);
            assert_eq!(into_binary_response(event).body().as_ref(), body, "{ct}");
        }
    }

    #[test]
    fn structured_ignores_headers_and_batch_needs_its_type() {
        let mut msg = HttpMessage::post(
            vec![
                (
                    "content-type".into(),
                    b"application/cloudevents+json".to_vec(),
                ),
                ("ce-id".into(), b"1".to_vec()),
            ],
            br#"{"specversion":"1.0","source":"/s","type":"t.x"}"#.to_vec(),
        );
        assert_eq!(rules(&decode(&msg)), ["CORE-CTX-1"]);
        msg.body = br#"[{"specversion":"1.0","id":"1","source":"/s","type":"t.x"}]"#.to_vec();
        assert_eq!(rules(&decode(&msg)), ["JSON-ENV-1"]);
        msg.headers[0].1 = b"application/cloudevents-batch+json".to_vec();
        assert_eq!(decode(&msg).unwrap().events.len(), 1);
    }

    #[test]
    fn json_data_without_content_type_gets_application_json() {
        let (e, _) = json::decode_event(br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":"I'm just a string"}"#).unwrap();
        let out = encode_binary(&e);
        assert_eq!(out.header("content-type"), Some("application/json"));
        assert_eq!(out.body, br#""I'm just a string""#);
        let (e, _) = json::decode_event(br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data_base64":"eyAieHl6IjogMTIzIH0="}"#).unwrap();
        let out = encode_binary(&e);
        assert!(out.header("content-type").is_none());
        assert_eq!(out.body, br#"{ "xyz": 123 }"#);
    }
}
