//! The JSON event format (`formats/json-format.md`): single events and
//! batches, decoded in one pass from bytes to typed events.
//!
//! Members are read by the tokenizer in `super::scan` into borrowed
//! slices: attribute values go straight to the [`EventBuilder`], and `data`
//! is kept as its exact JSON text (no detour through a JSON tree). Duplicate
//! members are detected, which a `serde_json::Map` would silently hide.

mod fast;

use std::borrow::Cow;
use std::collections::HashSet;

use bytes::Bytes;

use super::builder::{Built, EventBuilder, Origin, RawValue, conclude};
use super::scan::{Kind, RawString, ScanError, Scanner, line_column, needs_escape};
use crate::event::{Data, Event, SpecVersion, binary, is_json_content_type};
use crate::rules::Violation;

/// A batch longer than this is refused rather than allocated for.
const MAX_BATCH_EVENTS: usize = 1 << 20;

/// Members compared one by one for repeats; an event with more is hashed.
const FEW_MEMBERS: usize = 64;

/// Decodes one JSON-format event.
pub fn decode_event(bytes: &[u8]) -> Built {
    decode_event_in(bytes, None)
}

/// Decodes one JSON-format event like [`decode_event`], from a body held as
/// `Bytes` (a server's request body): each string attribute value without
/// escapes is kept as a slice of `body`, a reference count raised, instead
/// of a copy of its own, an allocation ([`Text`](crate::event::Text)). The
/// event then keeps `body` alive until its last such value is dropped.
pub fn decode_event_shared(body: &Bytes) -> Built {
    decode_event_in(body, Some(body))
}

/// Decodes one event from `bytes`, which is `shared` when given.
fn decode_event_in(bytes: &[u8], shared: Option<&Bytes>) -> Built {
    if let Some(reason) = not_an_object(bytes) {
        return Err(vec![reason]);
    }
    let text = match utf8(bytes) {
        Ok(text) => text,
        Err(v) => return Err(vec![v]),
    };
    let mut scanner = Scanner::new(text);
    let built = parse_event(&mut scanner, shared).and_then(|b| {
        if scanner.at_end() {
            Ok(b)
        } else {
            Err(scanner.err("trailing characters"))
        }
    });
    match built {
        Ok(b) => b,
        Err(e) => Err(vec![syntax_violation(bytes, &e)]),
    }
}

/// Returns why `bytes` cannot be a single event before any parsing, if so.
fn not_an_object(bytes: &[u8]) -> Option<Violation> {
    match first_byte(bytes) {
        Some(b'{') => None,
        Some(b'[') => Some(Violation::new(
            "JSON-ENV-1",
            "a single event is one JSON object, not an array (a batch needs the batch media type)",
        )),
        Some(_) => Some(Violation::new(
            "JSON-ENV-1",
            "a JSON-format event is a JSON object",
        )),
        None => Some(Violation::new(
            "JSON-ENV-1",
            "the document is empty; a JSON-format event is a JSON object",
        )),
    }
}

/// Checks that the document is UTF-8. When it is not, a grammar error or a
/// lone surrogate in a member name *before* the bad byte is what a
/// sequential parser meets first, so that is reported instead.
fn utf8(bytes: &[u8]) -> Result<&str, Violation> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let valid = e.valid_up_to();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let mut scanner = Scanner::new(prefix);
            let earlier = match first_byte(bytes) {
                Some(b'[') => parse_batch(&mut scanner).err(),
                _ => parse_event(&mut scanner, None).err(),
            };
            match earlier {
                Some(e) if e.at() < valid => Err(syntax_violation(bytes, &e)),
                _ => {
                    let (line, column) = line_column(bytes, valid);
                    Err(Violation::new(
                        "JSON-ENV-1",
                        format!("not valid JSON: invalid UTF-8 at line {line} column {column}"),
                    ))
                }
            }
        }
    }
}

/// Decodes a JSON-format batch: an array of events, possibly empty.
/// One invalid event rejects the batch; violations name the element.
pub fn decode_batch(bytes: &[u8]) -> Result<(Vec<Event>, Vec<Violation>), Vec<Violation>> {
    if first_byte(bytes) != Some(b'[') {
        return Err(vec![Violation::new(
            "JSON-BATCH-1",
            "a batch is a JSON array of events",
        )]);
    }
    let text = utf8(bytes).map_err(|v| vec![v])?;
    let mut scanner = Scanner::new(text);
    let parsed = parse_batch(&mut scanner).and_then(|elements| {
        if scanner.at_end() {
            Ok(elements)
        } else {
            Err(scanner.err("trailing characters"))
        }
    });
    let elements = match parsed {
        Ok(elements) => elements,
        Err(e) => return Err(vec![syntax_violation(bytes, &e)]),
    };
    assemble_batch(elements)
}

/// Turns the decoded elements of a batch into its events, or every
/// violation with the element it belongs to (`event 3: ...`); the events
/// must share one specversion (CORE-BATCH-1). Shared with the test oracle,
/// which reads the elements with serde_json instead.
pub(crate) fn assemble_batch(
    elements: Vec<Element>,
) -> Result<(Vec<Event>, Vec<Violation>), Vec<Violation>> {
    let mut events = Vec::with_capacity(elements.len());
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for (i, element) in elements.into_iter().enumerate() {
        let locate = |v: Violation| {
            let at = match &v.at {
                Some(at) => format!("event {i}: {at}"),
                None => format!("event {i}"),
            };
            v.at(at)
        };
        match element {
            Some(Ok((event, w))) => {
                warnings.extend(w.into_iter().map(locate));
                events.push(event);
            }
            Some(Err(v)) => errors.extend(v.into_iter().map(locate)),
            None => errors.push(locate(Violation::new(
                "JSON-BATCH-1",
                "every element of a batch is an event object",
            ))),
        }
    }
    if let Some(first) = events.first().map(Event::specversion)
        && events.iter().any(|e| e.specversion() != first)
    {
        errors.push(Violation::new(
            "CORE-BATCH-1",
            "the events of one batch must share one specversion",
        ));
    }
    if errors.is_empty() {
        Ok((events, warnings))
    } else {
        errors.extend(warnings);
        Err(errors)
    }
}

pub(crate) fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The violation a document that is not JSON gets: CORE-TS-8 for a lone
/// surrogate in a member name, JSON-ENV-1 for anything else.
fn syntax_violation(bytes: &[u8], e: &ScanError) -> Violation {
    let (line, column) = line_column(bytes, e.at());
    if e.is_surrogate() {
        Violation::new(
            "CORE-TS-8",
            format!("a string holds an unpaired surrogate: {e} at line {line} column {column}"),
        )
    } else {
        Violation::new(
            "JSON-ENV-1",
            format!("not valid JSON: {e} at line {line} column {column}"),
        )
    }
}

/// An element of a batch: an event's result, or `None` for a non-object.
pub(crate) type Element = Option<Built>;

/// Parses a batch array; the error is a grammar error of the whole document.
fn parse_batch(scanner: &mut Scanner<'_>) -> Result<Vec<Element>, ScanError> {
    scanner.expect(b'[', "expected an array")?;
    let mut out = Vec::new();
    if scanner.peek() == Some(b']') {
        scanner.bump();
        return Ok(out);
    }
    loop {
        if out.len() >= MAX_BATCH_EVENTS {
            return Err(scanner.err("batch has more than 1048576 events"));
        }
        let start = scanner.pos();
        if scanner.peek() == Some(b'{') {
            match parse_event(scanner, None) {
                Ok(built) => out.push(Some(built)),
                // A lone surrogate in a member name spoils this element only:
                // skip it as plain JSON (which allows it) and go on.
                Err(e) if e.is_surrogate() => {
                    scanner.seek(start);
                    scanner.skip_value()?;
                    let v = syntax_violation(scanner_text_bytes(scanner), &e);
                    out.push(Some(Err(vec![v])));
                }
                Err(e) => return Err(e),
            }
        } else {
            scanner.skip_value()?;
            out.push(None);
        }
        match scanner.peek() {
            Some(b',') => {
                scanner.bump();
                if scanner.peek() == Some(b']') {
                    return Err(scanner.err("trailing comma"));
                }
            }
            Some(b']') => {
                scanner.bump();
                return Ok(out);
            }
            None => {
                return Err(scanner.err("EOF while parsing a list"));
            }
            Some(_) => {
                return Err(scanner.err("expected ',' or ']'"));
            }
        }
    }
}

fn scanner_text_bytes<'a>(scanner: &Scanner<'a>) -> &'a [u8] {
    scanner.text().as_bytes()
}

/// Reads one member value for the builder. `Ok(Err(_))` is a value the
/// grammar allows but a CloudEvents string may not hold (a lone surrogate).
#[inline]
fn member_value<'a>(
    scanner: &mut Scanner<'a>,
) -> Result<Result<RawValue<'a>, ScanError>, ScanError> {
    Ok(Ok(match scanner.kind()? {
        Kind::String => {
            let at = scanner.pos();
            match scanner.string()?.decode(at) {
                Ok(text) => RawValue::Str(text),
                Err(e) => return Ok(Err(e)),
            }
        }
        Kind::True => {
            scanner.literal(b"true")?;
            RawValue::Bool(true)
        }
        Kind::False => {
            scanner.literal(b"false")?;
            RawValue::Bool(false)
        }
        Kind::Null => {
            scanner.literal(b"null")?;
            RawValue::Null
        }
        Kind::Number => match scanner.number()? {
            (text, true) => RawValue::Int(text),
            (text, false) => RawValue::Number(text),
        },
        Kind::Object => {
            scanner.skip_value()?;
            RawValue::Object
        }
        Kind::Array => {
            scanner.skip_value()?;
            RawValue::Array
        }
    }))
}

/// The exact JSON text of a value kept for later (`data`, `data_base64`);
/// a string remembers whether it has escapes, so it is not scanned again.
#[derive(Clone, Copy)]
struct Kept<'a> {
    raw: &'a str,
    string: Option<RawString<'a>>,
}

impl<'a> Kept<'a> {
    /// Reads the next value, keeping its text.
    fn read(scanner: &mut Scanner<'a>) -> Result<Self, ScanError> {
        if scanner.kind()? == Kind::String {
            let string = scanner.string()?;
            Ok(Self {
                raw: string.raw,
                string: Some(string),
            })
        } else {
            Ok(Self {
                raw: scanner.skip_value()?,
                string: None,
            })
        }
    }

    /// Classifies the value, decoding a string strictly.
    fn classify(self) -> Result<RawValue<'a>, ScanError> {
        match self.string {
            Some(string) => string.decode(0).map(RawValue::Str),
            None => member_value(&mut Scanner::new(self.raw))?,
        }
    }
}

/// A `data` or `data_base64` value as a decoder kept it: its exact JSON
/// text, and its reading as a typed value or the violation that reading
/// breaks. The tokenizer and the test oracle keep values differently; the
/// data rules ([`finish_event`]) are the same for both.
pub(crate) trait KeptValue {
    fn text(&self) -> &str;
    fn read(&self) -> Result<RawValue<'_>, Violation>;
}

impl KeptValue for Kept<'_> {
    fn text(&self) -> &str {
        self.raw
    }

    fn read(&self) -> Result<RawValue<'_>, Violation> {
        // A kept value scanned once already; the only error left is a
        // string that does not decode strictly, a lone surrogate.
        self.classify().map_err(|e| {
            Violation::new(
                "CORE-TS-8",
                format!("a string holds an unpaired surrogate: {e}"),
            )
        })
    }
}

/// The member names an object repeats, each reported once however often it
/// repeats (a hostile document may repeat one 100,000 times), the first
/// 1,000 by name.
#[derive(Default)]
struct Repeats {
    names: Vec<String>,
    more: bool,
}

impl Repeats {
    fn note(&mut self, name: Cow<'_, str>) {
        if self.names.iter().any(|d| *d == *name) {
            return;
        }
        if self.names.len() < 1000 {
            self.names.push(name.into_owned());
        } else {
            self.more = true;
        }
    }

    fn report(self, builder: &mut EventBuilder<'_>) {
        if self.more {
            builder.violation(
                Violation::new(
                    "CORE-CTX-2",
                    "more than 1,000 different member names are repeated; the first 1,000 are listed",
                )
                .at("members"),
            );
        }
        for name in self.names {
            builder.violation(
                Violation::new(
                    "CORE-CTX-2",
                    format!("member {name:?} appears more than once"),
                )
                .at(format!("member {name}")),
            );
        }
    }
}

/// Parses one event object, from a text that is `shared` when given (see
/// [`decode_event_shared`]); the error is a grammar error (or a lone
/// surrogate in a member name), which spoils the whole object.
fn parse_event(scanner: &mut Scanner<'_>, shared: Option<&Bytes>) -> Result<Built, ScanError> {
    let start = scanner.pos();
    if let Some(decoded) = fast::event(scanner, shared) {
        return Ok(Ok(decoded));
    }
    scanner.seek(start);
    parse_event_fully(scanner)
}

/// Parses one event object through the [`EventBuilder`], which finds and
/// reports every violation (the decoder when [`fast::event`] gives up).
fn parse_event_fully<'a>(scanner: &mut Scanner<'a>) -> Result<Built, ScanError> {
    scanner.expect(b'{', "expected an object")?;
    // About one member per 16 bytes, but at most 16 at first: 16
    // attributes are a kilobyte, the most glibc serves from its per-thread
    // cache; a larger first guess (for a large `data`) costs a slower
    // allocation on every decode, growing costs only the events with many.
    let rest = scanner.text().len() - scanner.pos();
    let mut builder = EventBuilder::with_capacity(Origin::Json, (rest / 16).clamp(4, 16)).unique();
    let mut duplicates = Repeats::default();
    let mut value_errors: Vec<Violation> = Vec::new();
    // Members that do not go to the builder besides data and data_base64
    // (which `data` and `data_base64` below account for): values with a lone
    // surrogate, which the builder never sees.
    let mut refused: Vec<Cow<'a, str>> = Vec::new();
    let mut many: Option<HashSet<Cow<'a, str>>> = None;
    let mut members = 0usize;
    let mut data: Option<Kept<'a>> = None;
    let mut data_base64: Option<Kept<'a>> = None;
    if scanner.peek() == Some(b'}') {
        scanner.bump();
    } else {
        loop {
            match scanner.peek() {
                Some(b'"') => {}
                Some(b'}') => {
                    return Err(scanner.err("trailing comma"));
                }
                None => {
                    return Err(scanner.err("EOF while parsing an object"));
                }
                Some(_) => {
                    return Err(scanner.err("key must be a string"));
                }
            }
            let name = scanner.decoded_string()?;
            scanner.expect(b':', "expected ':'")?;
            members += 1;
            // Attribute members go to the builder, which refuses a repeated
            // name while it scans (one fingerprint for lookup and push);
            // `seen_aside` and, past FEW_MEMBERS, `many` catch the rest.
            let repeated = match &mut many {
                Some(set) => !set.insert(name.clone()),
                None => {
                    let seen_aside = match name.as_ref() {
                        "data" => data.is_some(),
                        "data_base64" => data_base64.is_some(),
                        _ => refused.contains(&name),
                    };
                    let repeated = seen_aside || (members > FEW_MEMBERS && builder.contains(&name));
                    if members > FEW_MEMBERS {
                        let mut set: HashSet<Cow<'a, str>> =
                            builder.names().chain(&refused).cloned().collect();
                        for (kept, name) in [
                            (data.is_some(), "data"),
                            (data_base64.is_some(), "data_base64"),
                        ] {
                            if kept {
                                set.insert(Cow::Borrowed(name));
                            }
                        }
                        set.insert(name.clone());
                        many = Some(set);
                    }
                    repeated
                }
            };
            if repeated {
                scanner.skip_value()?;
                duplicates.note(name);
            } else {
                match name.as_ref() {
                    "data" => {
                        data = Some(Kept::read(scanner)?);
                    }
                    "data_base64" => {
                        data_base64 = Some(Kept::read(scanner)?);
                    }
                    _ => match member_value(scanner)? {
                        Ok(raw) if many.is_some() => builder.push(name, raw),
                        Ok(raw) => {
                            if let Err(name) = builder.push_new(name, raw) {
                                duplicates.note(name);
                            }
                        }
                        Err(_) if many.is_none() && builder.contains(&name) => {
                            duplicates.note(name)
                        }
                        Err(e) => {
                            value_errors.push(
                                Violation::new(
                                    "CORE-TS-8",
                                    format!("a string holds an unpaired surrogate: {e}"),
                                )
                                .at(format!("attribute {name}")),
                            );
                            refused.push(name);
                        }
                    },
                }
            }
            match scanner.peek() {
                Some(b',') => scanner.bump(),
                Some(b'}') => {
                    scanner.bump();
                    break;
                }
                None => {
                    return Err(scanner.err("EOF while parsing an object"));
                }
                Some(_) => {
                    return Err(scanner.err("expected ',' or '}'"));
                }
            }
        }
    }
    duplicates.report(&mut builder);
    for v in value_errors {
        builder.violation(v);
    }
    Ok(finish_event(builder, data, data_base64))
}

/// Types the attributes and applies the data rules: `data` and
/// `data_base64` together (JSON-DATA-8), base64 (JSON-DATA-10), data under
/// its content type (JSON-DATA-13/14, 0.3's datacontentencoding).
pub(crate) fn finish_event(
    builder: EventBuilder<'_>,
    data: Option<impl KeptValue>,
    data_base64: Option<impl KeptValue>,
) -> Built {
    let dct = builder.raw_cow("datacontenttype").cloned();
    let encoding = builder.raw_cow("datacontentencoding").cloned();
    let (mut event, mut violations) = builder.finish();
    let payload = payload(
        data,
        data_base64,
        dct.as_deref(),
        encoding.as_deref(),
        event.specversion(),
        &mut violations,
    );
    event.set_data(payload);
    conclude(event, violations)
}

/// Returns the data of an event from its `data` and `data_base64`
/// members, pushing what they break onto `violations` (see [`finish_event`]).
fn payload(
    data: Option<impl KeptValue>,
    data_base64: Option<impl KeptValue>,
    dct: Option<&str>,
    encoding: Option<&str>,
    version: SpecVersion,
    violations: &mut Vec<Violation>,
) -> Data {
    let data_base64 = data_base64.filter(|v| v.text() != "null"); // JSON-NULL-2
    match (data, data_base64) {
        (Some(_), Some(_)) => {
            violations.push(
                Violation::new("JSON-DATA-8", "data and data_base64 are both present")
                    .at("member data_base64"),
            );
            Data::None
        }
        (None, Some(b64)) => match b64.read() {
            Ok(RawValue::Str(text)) => match binary::decode(text.as_bytes()) {
                Some(bytes) => Data::Bytes(bytes),
                None => {
                    violations.push(
                        Violation::new(
                            "JSON-DATA-10",
                            "data_base64 is not RFC 4648 base64 (standard alphabet, padded)",
                        )
                        .at("member data_base64"),
                    );
                    Data::None
                }
            },
            _ => {
                violations.push(
                    Violation::new("JSON-DATA-10", "data_base64 must be a base64 string")
                        .at("member data_base64"),
                );
                Data::None
            }
        },
        (Some(raw), None) => decode_data(raw, dct, encoding, version, violations),
        (None, None) => Data::None,
    }
}

fn decode_data(
    raw: impl KeptValue,
    dct: Option<&str>,
    encoding: Option<&str>,
    version: SpecVersion,
    violations: &mut Vec<Violation>,
) -> Data {
    let at = "member data";
    if version == SpecVersion::V0_3 && encoding == Some("base64") {
        return match raw.read() {
            Ok(RawValue::Str(text)) => match binary::decode(text.as_bytes()) {
                Some(bytes) => Data::Bytes(bytes),
                None => {
                    violations.push(
                        Violation::new(
                            "CORE-TS-9",
                            "with datacontentencoding base64, data must be RFC 4648 base64",
                        )
                        .at(at),
                    );
                    Data::None
                }
            },
            _ => {
                violations.push(
                    Violation::new(
                        "CORE-TS-9",
                        "with datacontentencoding base64, data must be a base64 string",
                    )
                    .at(at),
                );
                Data::None
            }
        };
    }
    match dct {
        None => Data::Json(raw.text().to_owned()), // JSON-DATA-14
        Some(ct) if is_json_content_type(ct) => Data::Json(raw.text().to_owned()),
        Some(ct) => match raw.read() {
            Ok(RawValue::Str(text)) => Data::Text(text.into_owned()),
            Ok(RawValue::Null) => Data::Json("null".to_owned()),
            Ok(_) => {
                let mut v = Violation::new(
                    "JSON-DATA-13",
                    format!(
                        "datacontenttype {ct:?} is not JSON, so data should be a string; the reference refuses other JSON values, as the spec allows"
                    ),
                );
                v.refuse = true;
                violations.push(v.at(at));
                Data::None
            }
            Err(v) => {
                violations.push(v.at(at));
                Data::None
            }
        },
    }
}

/// Writes `text` as a JSON string literal.
pub fn write_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most strings need no escape: copy them whole.
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Writes an Integer's decimal text without allocating.
fn write_integer(out: &mut Vec<u8>, n: i32) {
    let mut digits = [0u8; 11];
    let mut i = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}

/// Writes `bytes` as a base64 JSON string, encoding straight into `out`
/// (base64 text never needs escaping).
fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    binary::encode_into(out, bytes);
    out.push(b'"');
}

/// Appends one event in the JSON format.
pub fn write_event(out: &mut Vec<u8>, event: &Event) {
    out.extend_from_slice(b"{\"specversion\":");
    write_string(out, event.specversion().as_str());
    for (name, value) in event.attributes() {
        out.push(b',');
        write_string(out, name);
        out.push(b':');
        use crate::event::AttributeValue as V;
        match value {
            V::Boolean(true) => out.extend_from_slice(b"true"),
            V::Boolean(false) => out.extend_from_slice(b"false"),
            V::Integer(n) => write_integer(out, *n),
            other => write_string(out, &other.canonical()),
        }
    }
    match event.data() {
        Data::None => {}
        Data::Json(text) => {
            out.extend_from_slice(b",\"data\":");
            out.extend_from_slice(text.as_bytes());
        }
        Data::Text(text) => {
            out.extend_from_slice(b",\"data\":");
            write_string(out, text);
        }
        Data::Bytes(bytes) if event.specversion() == SpecVersion::V0_3 => {
            // Spec 0.3 has no data_base64: the data is a base64 string marked
            // by datacontentencoding, which is added when the event lacks it.
            if event.get("datacontentencoding").is_none() {
                out.extend_from_slice(b",\"datacontentencoding\":\"base64\"");
            }
            out.extend_from_slice(b",\"data\":");
            write_base64(out, bytes);
        }
        Data::Bytes(bytes) => {
            out.extend_from_slice(b",\"data_base64\":");
            write_base64(out, bytes);
        }
    }
    out.push(b'}');
}

/// Encodes one event in the JSON format.
pub fn encode_event(event: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + event.data().body_bytes().len() * 4 / 3);
    write_event(&mut out, event);
    out
}

/// Encodes a batch in the JSON format.
pub fn encode_batch(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 * events.len() + 2);
    out.push(b'[');
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_event(&mut out, event);
    }
    out.push(b']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(r: &Result<impl std::fmt::Debug, Vec<Violation>>) -> Vec<String> {
        match r {
            Ok(_) => vec![],
            Err(v) => v
                .iter()
                .filter(|v| v.is_error())
                .map(|v| v.rule.clone())
                .collect(),
        }
    }

    const E0: &str = r#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x"}"#;

    #[test]
    fn minimal_event_round_trips() {
        let (e, _) = decode_event(E0.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(encode_event(&e)).unwrap(), E0);
    }

    #[test]
    fn duplicate_members_are_rejected() {
        let r =
            decode_event(br#"{"specversion":"1.0","id":"1","id":"2","source":"/s","type":"t.x"}"#);
        assert_eq!(rules(&r), ["CORE-CTX-2"]);
        // A repeat is a repeat whatever its value holds, a lone surrogate
        // included; every repeated name is reported once.
        let r = decode_event(
            br#"{"specversion":"1.0","id":"1","x":1,"id":"\ud800","x":2,"x":3,"source":"/s","type":"t.x"}"#,
        );
        assert_eq!(rules(&r), ["CORE-CTX-2", "CORE-CTX-2"]);
        // Past the members compared one by one, repeats are still found.
        // `data` is read before the switch to hashing and repeated after it.
        let mut doc =
            String::from(r#"{"data":0,"specversion":"1.0","id":"1","source":"/s","type":"t.x""#);
        for i in 0..100 {
            doc.push_str(&format!(r#","ext{i}":{i}"#));
        }
        doc.push_str(r#","ext7":7,"data":1,"id":"\ud800"}"#);
        assert_eq!(rules(&decode_event(doc.as_bytes())), ["CORE-CTX-2"; 3]);
    }

    #[test]
    fn envelope_must_be_an_object() {
        assert_eq!(rules(&decode_event(b"\"x\"")), ["JSON-ENV-1"]);
        assert_eq!(
            rules(&decode_event(format!("[{E0}]").as_bytes())),
            ["JSON-ENV-1"]
        );
        assert_eq!(rules(&decode_event(b"{")), ["JSON-ENV-1"]);
        assert_eq!(rules(&decode_event(b"")), ["JSON-ENV-1"]);
    }

    #[test]
    fn data_and_data_base64() {
        let r = decode_event(br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":"x","data_base64":"eA=="}"#);
        assert_eq!(rules(&r), ["JSON-DATA-8"]);
        let (e, _) = decode_event(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data_base64":"/wA="}"#,
        )
        .unwrap();
        assert_eq!(e.data(), &Data::Bytes(vec![0xff, 0]));
        assert!(
            String::from_utf8(encode_event(&e))
                .unwrap()
                .ends_with(r#""data_base64":"/wA="}"#)
        );
        let r = decode_event(br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data_base64":"not base64!"}"#);
        assert_eq!(rules(&r), ["JSON-DATA-10"]);
    }

    #[test]
    fn data_follows_the_content_type() {
        let doc = |ct: &str, data: &str| {
            format!(
                r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"{ct}","data":{data}}}"#
            )
        };
        let (e, _) =
            decode_event(doc("application/vnd.x+json; charset=utf-8", r#"{"a": 1}"#).as_bytes())
                .unwrap();
        assert_eq!(e.data(), &Data::Json(r#"{"a": 1}"#.into()));
        let (e, _) = decode_event(doc("text/plain", r#""hi""#).as_bytes()).unwrap();
        assert_eq!(e.data(), &Data::Text("hi".into()));
        let (e, _) = decode_event(doc("application/json", r#""{\"a\":1}""#).as_bytes()).unwrap();
        assert_eq!(e.data(), &Data::Json(r#""{\"a\":1}""#.into()));
        assert_eq!(
            rules(&decode_event(doc("text/plain", r#"{"a":1}"#).as_bytes())),
            ["JSON-DATA-13"]
        );
        let (e, _) = decode_event(doc("application/json", "null").as_bytes()).unwrap();
        assert_eq!(e.data(), &Data::Json("null".into()));
    }

    #[test]
    fn lone_surrogates_and_controls_are_rejected() {
        let r = decode_event(br#"{"specversion":"1.0","id":"\uDEAD","source":"/s","type":"t.x"}"#);
        assert_eq!(rules(&r), ["CORE-TS-8"]);
        let (e, _) = decode_event(
            br#"{"specversion":"1.0","id":"\uD83D\uDE00","source":"/s","type":"t.x"}"#,
        )
        .unwrap();
        assert_eq!(e.get_str("id"), Some("😀"));
        let r = decode_event(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x","subject":"a\tb"}"#,
        );
        assert_eq!(rules(&r), ["CORE-TS-6"]);
    }

    #[test]
    fn batches() {
        let (events, _) = decode_batch(b"[]").unwrap();
        assert!(events.is_empty());
        let (events, _) = decode_batch(format!("[{E0},{E0}]").as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(
            rules(&decode_batch(format!("[{E0},5]").as_bytes())),
            ["JSON-BATCH-1"]
        );
        assert_eq!(
            rules(&decode_batch(format!(r#"{{"events":[{E0}]}}"#).as_bytes())),
            ["JSON-BATCH-1"]
        );
        let mixed =
            format!(r#"[{E0},{{"specversion":"0.3","id":"1","source":"/s","type":"t.x"}}]"#);
        assert_eq!(rules(&decode_batch(mixed.as_bytes())), ["CORE-BATCH-1"]);
        let (events, _) = decode_batch(format!("[{E0}]").as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(encode_batch(&events)).unwrap(),
            format!("[{E0}]")
        );
    }

    #[test]
    fn integers_in_json() {
        let doc = |n: &str| {
            format!(r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","n":{n}}}"#)
        };
        assert!(decode_event(doc("-2147483648").as_bytes()).is_ok());
        assert!(decode_event(doc("-0").as_bytes()).is_ok());
        assert_eq!(
            rules(&decode_event(doc("2147483648").as_bytes())),
            ["CORE-TS-4"]
        );
        assert_eq!(rules(&decode_event(doc("5.0").as_bytes())), ["JSON-TM-2"]);
        assert_eq!(rules(&decode_event(doc("1e2").as_bytes())), ["JSON-TM-2"]);
    }

    #[test]
    fn strings_escape_on_output() {
        let mut out = Vec::new();
        write_string(&mut out, "a\"b\\c\u{1}\n€");
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\"b\\c\u0001\n€""#);
        for n in [0, 7, -7, 42, i32::MIN, i32::MAX] {
            let mut out = Vec::new();
            write_integer(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
        for len in 0..8 {
            let bytes: Vec<u8> = (0..len).map(|i| i * 37).collect();
            let mut out = Vec::new();
            write_base64(&mut out, &bytes);
            assert_eq!(out, format!("\"{}\"", binary::encode(&bytes)).into_bytes());
        }
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    #[test]
    fn deep_nesting_is_scanned_without_recursion() {
        let depth = 100_000;
        let doc = format!(
            r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        // Valid JSON however deep: `data` is kept as text, never built as a tree.
        let (event, _) = decode_event(doc.as_bytes()).unwrap();
        assert_eq!(event.data().body_bytes().len(), 2 * depth);
        let batch = format!("[{}{}]", "[".repeat(depth), "]".repeat(depth));
        assert!(decode_batch(batch.as_bytes()).is_err());
        let ext = format!(
            r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t.x","x":{}{}}}"#,
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        );
        assert!(decode_event(ext.as_bytes()).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        for bytes in [
            &b"\xff\xfe"[..],
            b"{\"a\":\"\\u",
            b"[{",
            b"{\"data\":1e99999}",
            b"{\"specversion\":\"1.0\",\"id\":\"\xff\"}",
        ] {
            let _ = decode_event(bytes);
            let _ = decode_batch(bytes);
        }
    }
}
