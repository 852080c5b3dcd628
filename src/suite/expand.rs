//! Building a case's expectations and expanding abstract `event:` cases:
//! expected events decoded with the reference (an invalid one is a broken
//! fixture), reply constraints checked against the input's binding, and
//! one case per encoding rendered with `codec::render`.
//!
//! Only [`super::load`] calls this; errors use its locations and wording.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use serde_saphyr::{Location as YamlLocation, Spanned};

use super::format::{ExpectFile, Outcome, ReplyFile};
use super::load::{At, CaseCommon, Ctx, SuiteDefaults, input_encoding};
use super::{Case, Expectation, ReplyExpectation, Verdict};
use crate::codec::{self, Encoding};
use crate::error::LoadError;
use crate::event::{Event, binary};
use crate::target::RAW_HTTP;
use crate::wire::{Message, RawHttp};

#[allow(clippy::too_many_arguments)]
pub(super) fn make_case(
    id: String,
    suite: &str,
    common: &CaseCommon,
    input: Message,
    raw: Option<RawHttp>,
    input_encoding: Encoding,
    outcome: Outcome,
    events: Option<Vec<Event>>,
    reply: BTreeMap<Encoding, ReplyExpectation>,
) -> Case {
    let mut requires = common.requires.clone();
    requires.insert(input_encoding.as_str().to_owned());
    if raw.is_some() {
        requires.insert(RAW_HTTP.to_owned());
    }
    let verdict = match outcome {
        Outcome::Accept => Verdict::Accept,
        Outcome::Reject => Verdict::Reject,
        Outcome::Survive => Verdict::Survive,
    };
    Case {
        id,
        suite: suite.to_owned(),
        title: common.title.clone(),
        rules: common.rules.clone(),
        level: common.level,
        notes: common.notes.clone(),
        requires,
        input,
        raw,
        input_encoding,
        expect: Expectation {
            verdict,
            events,
            reply,
            refusal: common.refusal.clone(),
        },
        location: common.location.clone(),
    }
}

/// Decodes the expected event(s) of a case with an `input:`; the form must
/// match the input (`event` for one event, `events` for a batch).
pub(super) fn concrete_expected(
    ctx: &Ctx<'_>,
    expect: &ExpectFile,
    encoding: Encoding,
    case: &str,
) -> Result<Option<Vec<Event>>, LoadError> {
    match (&expect.event, &expect.events) {
        (Some(e), _) if encoding.is_batch() => {
            Err(ctx.invalid(At::of(e.referenced, Some(case)), format!("the input is a batch ({encoding}): write the expected events as expect.events: [...]")))
        }
        (_, Some(e)) if !encoding.is_batch() => {
            Err(ctx.invalid(At::of(e.referenced, Some(case)), format!("the input is one event ({encoding}): write the expected event as expect.event")))
        }
        (Some(e), _) => decode_expected_event(ctx, &e.value, At::of(e.referenced, Some(case))).map(|e| Some(vec![e])),
        (_, Some(e)) => decode_expected_batch(ctx, &e.value, At::of(e.referenced, Some(case))).map(Some),
        (None, None) => Ok(None),
    }
}

fn reference_errors(violations: &[crate::rules::Violation]) -> String {
    let errors: Vec<String> = violations
        .iter()
        .filter(|v| v.is_error())
        .map(ToString::to_string)
        .collect();
    if errors.is_empty() {
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        errors.join("; ")
    }
}

fn decode_expected_event(ctx: &Ctx<'_>, value: &Value, at: At<'_>) -> Result<Event, LoadError> {
    if !value.is_object() {
        return Err(ctx.invalid(
            at,
            "the expected event is an object in the JSON event format",
        ));
    }
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    codec::json::decode_event(&bytes)
        .map(|(event, _)| event)
        .map_err(|v| ctx.invalid(at, format!("the expected event is not a valid event (the reference rejects it: {}); fix the fixture", reference_errors(&v))))
}

fn decode_expected_batch(
    ctx: &Ctx<'_>,
    values: &[Value],
    at: At<'_>,
) -> Result<Vec<Event>, LoadError> {
    let bytes = serde_json::to_vec(values).unwrap_or_default();
    codec::json::decode_batch(&bytes)
        .map(|(events, _)| events)
        .map_err(|v| ctx.invalid(at, format!("the expected events are not a valid batch (the reference rejects them: {}); fix the fixture", reference_errors(&v))))
}

/// Checks and converts `expect.reply`, keeping the entries whose encoding
/// belongs to the binding of one of `encodings`.
pub(super) fn replies(
    ctx: &Ctx<'_>,
    expect: &ExpectFile,
    encodings: &[Encoding],
    case: &str,
) -> Result<BTreeMap<Encoding, ReplyExpectation>, LoadError> {
    let mut out = BTreeMap::new();
    for (key, spec) in &expect.reply.0 {
        let at = At::of(key.referenced, Some(case));
        let encoding: Encoding = key
            .value
            .parse()
            .map_err(|e: String| ctx.invalid(at, format!("expect.reply: {e}")))?;
        // A case with one input encoding may constrain a reply in any
        // encoding that carries as many events (the echo is asked for it);
        // an abstract case rendered into several keeps each constraint for
        // the expansions of its binding.
        let allowed = if let [only] = encodings {
            only.is_batch() == encoding.is_batch()
        } else {
            encodings.iter().any(|e| e.binding() == encoding.binding())
        };
        if !allowed {
            let bindings: BTreeSet<&str> = encodings.iter().map(|e| e.binding()).collect();
            return Err(ctx.invalid(
                at,
                format!(
                    "expect.reply: {encoding} cannot be asked of this case: a single event is echoed in single-event encodings and a batch in batch encodings, and an abstract case rendered into several encodings constrains replies of their bindings ({})",
                    bindings.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if expect.outcome == Outcome::Reject {
            return Err(ctx.invalid(at, "expect.reply constrains the reply to an accepted message; this case expects reject"));
        }
        // A hostile input is echoed once; `reply:` names that encoding.
        if expect.outcome == Outcome::Survive && !out.is_empty() {
            return Err(ctx.invalid(at, "outcome: survive echoes the input once: expect.reply names at most one reply encoding"));
        }
        out.insert(
            encoding,
            reply_expectation(ctx, &spec.value, At::of(spec.referenced, Some(case)))?,
        );
    }
    Ok(out)
}

fn reply_expectation(
    ctx: &Ctx<'_>,
    spec: &ReplyFile,
    at: At<'_>,
) -> Result<ReplyExpectation, LoadError> {
    let headers = spec
        .headers
        .to_headers()
        .map_err(|e| ctx.invalid(at, format!("expect.reply: {e}")))?;
    let headers = headers
        .into_iter()
        .map(|(n, v)| {
            String::from_utf8(v).map(|v| (n.clone(), v)).map_err(|_| {
                ctx.invalid(
                    at,
                    format!("expect.reply: header {n}: the expected value must be UTF-8 text"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = match (&spec.body, &spec.body_base64) {
        (None, None) => None,
        (Some(t), None) => Some(t.as_bytes().to_vec()),
        (None, Some(b)) => Some(
            binary::decode(b.as_bytes())
                .ok_or_else(|| ctx.invalid(at, "expect.reply: body_base64 is not valid base64"))?,
        ),
        (Some(_), Some(_)) => {
            return Err(ctx.invalid(at, "expect.reply: give body or body_base64, not both"));
        }
    };
    Ok(ReplyExpectation {
        headers,
        absent: spec.absent.clone(),
        body,
    })
}

/// Returns `value` with its top-level null members removed (the expected
/// event of an abstract accept case).
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Inserts the suite's specversion in front of an event object that lacks one.
fn with_specversion(value: Value, specversion: &str) -> Value {
    match value {
        Value::Object(members) if !members.contains_key("specversion") => {
            let mut out = serde_json::Map::with_capacity(members.len() + 1);
            out.insert(
                "specversion".to_owned(),
                Value::String(specversion.to_owned()),
            );
            out.extend(members);
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| with_specversion_element(v, specversion))
                .collect(),
        ),
        other => other,
    }
}

fn with_specversion_element(value: Value, specversion: &str) -> Value {
    if value.is_object() {
        with_specversion(value, specversion)
    } else {
        value
    }
}

/// Expands an abstract `event:` case into one case per encoding.
pub(super) fn expand(
    ctx: &Ctx<'_>,
    suite: &SuiteDefaults<'_>,
    common: &CaseCommon,
    event: &Spanned<Value>,
    encodings: Option<&Spanned<Vec<Spanned<String>>>>,
    expect: &ExpectFile,
    name: &str,
) -> Result<Vec<Case>, LoadError> {
    let at = |l: YamlLocation| At::of(l, Some(name));
    let event_at = at(event.referenced);
    let is_batch = match &event.value {
        Value::Object(_) => false,
        Value::Array(items) if items.iter().all(Value::is_object) => true,
        _ => {
            return Err(ctx.invalid(
                event_at,
                "event: is an event object (or an array of event objects for a batch)",
            ));
        }
    };
    let value = with_specversion(event.value.clone(), suite.specversion);
    let encodings: Vec<Encoding> = match encodings {
        None if is_batch => vec![Encoding::JsonBatch, Encoding::HttpBatch],
        None => Encoding::SINGLE.to_vec(),
        Some(list) => {
            if list.value.is_empty() {
                return Err(ctx.invalid(
                    at(list.referenced),
                    "encodings: lists at least one encoding (or leave it out for the default)",
                ));
            }
            let mut out = Vec::with_capacity(list.value.len());
            for e in &list.value {
                let encoding: Encoding = e.value.parse().map_err(|m: String| {
                    ctx.invalid(at(e.referenced), format!("encodings: {m}"))
                })?;
                if out.contains(&encoding) {
                    return Err(ctx.invalid(
                        at(e.referenced),
                        format!("encodings: {encoding} is listed twice"),
                    ));
                }
                if is_batch && !encoding.is_batch() {
                    return Err(ctx.invalid(at(e.referenced), format!("encodings: a batch (an array of events) cannot be rendered in {encoding}")));
                }
                out.push(encoding);
            }
            out
        }
    };
    let events = abstract_expected(ctx, expect, &value, is_batch, event_at)?;
    let replies = replies(ctx, expect, &encodings, name)?;
    let replies_for_one_encoding = encodings.len() == 1;
    let mut cases = Vec::with_capacity(encodings.len());
    for encoding in encodings {
        let message = codec::render(&value, encoding)
            .map_err(|e| ctx.invalid(event_at, format!("event: {e}")))?;
        let detected = input_encoding(&message);
        let single = replies_for_one_encoding;
        let reply = replies
            .iter()
            .filter(|(e, _)| single || e.binding() == detected.binding())
            .map(|(e, r)| (*e, r.clone()))
            .collect();
        let id = format!("{}/{name}.{encoding}", suite.id);
        cases.push(make_case(
            id,
            suite.id,
            common,
            message,
            None,
            detected,
            expect.outcome,
            events.clone(),
            reply,
        ));
    }
    Ok(cases)
}

/// The expected events of an abstract case: `expect.event(s)` when given,
/// else the event itself without its null members.
fn abstract_expected(
    ctx: &Ctx<'_>,
    expect: &ExpectFile,
    value: &Value,
    is_batch: bool,
    event_at: At<'_>,
) -> Result<Option<Vec<Event>>, LoadError> {
    if expect.outcome != Outcome::Accept {
        return Ok(None);
    }
    let at = |l: YamlLocation| At::of(l, event_at.case);
    match (&expect.event, &expect.events) {
        (Some(e), _) if is_batch => Err(ctx.invalid(
            at(e.referenced),
            "the abstract event is a batch: write expect.events",
        )),
        (_, Some(e)) if !is_batch => Err(ctx.invalid(
            at(e.referenced),
            "the abstract event is one event: write expect.event",
        )),
        (Some(e), _) => {
            decode_expected_event(ctx, &e.value, at(e.referenced)).map(|e| Some(vec![e]))
        }
        (_, Some(e)) => decode_expected_batch(ctx, &e.value, at(e.referenced)).map(Some),
        (None, None) => match value {
            Value::Array(items) => {
                let items: Vec<Value> = items.iter().map(without_nulls).collect();
                decode_expected_batch(ctx, &items, event_at).map(Some)
            }
            single => {
                decode_expected_event(ctx, &without_nulls(single), event_at).map(|e| Some(vec![e]))
            }
        },
    }
}
