//! Judging one echo against a case's expectations: the verdict, the reply's
//! conformance under the strict reference decoder, equivalence with the
//! expected events, and the case's reply constraints (DESIGN.md §4-6).
//!
//! Every deviation becomes a [`Finding`]; the result's status is the worst
//! finding's. Warnings the reply decoder raises about the event's *content*
//! (e.g. a relative `source`) are not held against the target: the input
//! carried them already.
//!
//! A hostile case (`outcome: survive`) is judged for robustness only: an
//! acceptance and a rejection both pass, saying which, and the reply is
//! held only to the case's reply constraints (a header an echo must not
//! let an input smuggle in); a broken exchange (a 5xx, a dropped
//! connection, a timeout, a crashed process) is the finding itself, so it
//! fails the case instead of being a harness error.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::codec::{self, Encoding};
use crate::event::Event;
use crate::event::equivalence::{self, Difference};
use crate::rules::{Level, is_wip, level_of};
use crate::suite::input::InputSpec;
use crate::suite::{Case, ReplyExpectation, Verdict};
use crate::target::{Breakage, Capabilities, Echo};
use crate::webhook;
use crate::wire::{
    Header, HttpMessage, JsonDocument, KafkaRecord, Message, RawHttp, headers_named,
};

use super::callback::CallbackOutcome;
use super::outcome::{CaseResult, Finding, Status, Transcript};

/// The capability a target declares when only its status codes can be judged.
pub const RECEIVER_ONLY: &str = "receiver-only";

/// How to judge: the options that change a result's status. A report
/// records them (`judging`), left out when both are off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct JudgeOptions {
    /// SHOULD deviations fail instead of warning (`--strict`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// Judge by the released spec: a deviation from a rule found only on
    /// the spec's main branch (`wip` in the catalog) is informational
    /// (`--released-spec`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub released_spec: bool,
}

impl JudgeOptions {
    /// Returns true when no option changes the default judging.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Returns a sentence saying how results are judged, when that is not
    /// the default.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.strict {
            parts.push("SHOULD deviations fail (--strict)");
        }
        if self.released_spec {
            parts.push("judged by the released spec v1.0.2: deviations from main-branch-only rules are informational (--released-spec)");
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Returns the status one finding gives a result under these options.
    pub fn status_for(&self, finding: &Finding) -> Status {
        if self.released_spec && is_wip(&finding.rule) {
            Status::Info
        } else {
            Status::for_deviation(finding.level, self.strict)
        }
    }
}

/// Returns the default reply encoding for a case's binding.
fn default_reply(input: Encoding) -> Encoding {
    match input {
        Encoding::Json | Encoding::JsonBatch => input,
        Encoding::HttpBatch => Encoding::HttpBatch,
        Encoding::HttpBinary | Encoding::HttpStructured => Encoding::HttpBinary,
        Encoding::KafkaBinary | Encoding::KafkaStructured => Encoding::KafkaBinary,
    }
}

/// Returns the reply encodings a case is echoed in on a target with `caps`:
/// every non-batch encoding of the input's binding the target supports for
/// an accepted single event, plus any supported encoding the case's reply
/// constraints name, the batch encoding for a batch, and one
/// exchange for a case that must be rejected or a receiver-only target.
pub fn replies(case: &Case, caps: &Capabilities) -> Vec<Encoding> {
    let input = case.input_encoding;
    if case.expect.verdict == Verdict::Survive {
        // Echoed once: in the encoding its reply constraint names, if any.
        let reply = (case.expect.reply.keys().copied())
            .find(|e| caps.contains(e.as_str()))
            .unwrap_or_else(|| default_reply(input));
        return vec![reply];
    }
    if case.expect.verdict == Verdict::Reject || input.is_batch() || caps.contains(RECEIVER_ONLY) {
        return vec![default_reply(input)];
    }
    // The binding's own encodings, then any other encoding the case
    // constrains (a JSON input whose HTTP binary rendering is specified).
    let mut supported: Vec<Encoding> = Vec::new();
    for e in input.siblings().chain(case.expect.reply.keys().copied()) {
        if !e.is_batch() && caps.contains(e.as_str()) && !supported.contains(&e) {
            supported.push(e);
        }
    }
    if supported.is_empty() {
        vec![default_reply(input)]
    } else {
        supported
    }
}

/// Returns true when results should be reported per reply encoding.
pub fn per_reply(case: &Case, caps: &Capabilities) -> bool {
    case.expect.verdict == Verdict::Accept
        && !caps.contains(RECEIVER_ONLY)
        && !case.input_encoding.is_batch()
}

/// What the judge needs to know about the target.
pub struct TargetView<'a> {
    pub name: &'a str,
    pub capabilities: &'a Capabilities,
}

/// Judges one echo of `case` asking for `reply`, taking `duration`.
pub fn judge(
    case: &Case,
    reply: Encoding,
    echo: &Echo,
    target: &TargetView<'_>,
    options: JudgeOptions,
    duration: Duration,
) -> CaseResult {
    judge_with_callback(case, reply, echo, None, target, options, duration)
}

/// Judges like [`judge`] an echo of a validation request that offered a
/// callback URL, with what came to that URL (`None` when nothing was
/// awaited: the answer granted or refused outright).
pub fn judge_with_callback(
    case: &Case,
    reply: Encoding,
    echo: &Echo,
    callback: Option<&CallbackOutcome>,
    target: &TargetView<'_>,
    options: JudgeOptions,
    duration: Duration,
) -> CaseResult {
    let (request, mut cut) = match &case.raw {
        Some(raw) => clip_raw(&case.input, raw),
        None => clip(&case.input),
    };
    let mut result = CaseResult {
        reply: per_reply(case, target.capabilities).then_some(reply),
        rules: case.rules.clone(),
        transcript: Some(Transcript {
            request: Some(request),
            response: None,
            note: None,
        }),
        duration,
        ..CaseResult::new(
            &case.id,
            &case.suite,
            target.name,
            Status::Pass,
            case.level,
            "",
        )
    };
    if case.expect.verdict == Verdict::Survive {
        survive(case, reply, echo, target, &mut result, &mut cut);
        finish(&mut result, options);
        note_cut(&mut result, cut);
        return result;
    }
    let deviation = |r: &mut CaseResult, rule: &str, level: Level, message: String| {
        r.findings.push(Finding {
            rule: rule.to_owned(),
            level,
            message,
        });
    };
    match (echo, case.expect.verdict) {
        (Echo::Broken { reason, cause }, _)
            if target.capabilities.contains(webhook::WEBHOOK)
                && let Some(finding) = webhook::broken_answer_finding(*cause) =>
        {
            note(&mut result, reason);
            result.findings.push(finding);
        }
        (Echo::Broken { reason, .. }, _) => {
            result.status = Status::Error;
            result.message = reason.clone();
            note(&mut result, reason);
            note_cut(&mut result, cut);
            return result;
        }
        (Echo::Rejected { reason, .. }, Verdict::Reject) => {
            result.message = "rejected, as required".to_owned();
            note(&mut result, reason);
        }
        (Echo::Rejected { reason, status }, Verdict::Accept) => {
            note(&mut result, reason);
            result.expected = Some("accept".into());
            result.actual = Some(format!("reject: {reason}"));
            match &case.expect.refusal {
                // A refusal the case's own SHOULD or MAY rule leaves to the
                // receiver: reported under that rule, at its level.
                Some(rule) => {
                    let level = level_of(rule);
                    let says = if level == Level::May {
                        "lets a receiver refuse"
                    } else {
                        "says a receiver should accept"
                    };
                    deviation(
                        &mut result,
                        rule,
                        level,
                        format!("refused a message this rule {says}: {reason}"),
                    );
                }
                None => {
                    deviation(
                        &mut result,
                        &level_rule(case, true),
                        case.level,
                        format!(
                            "rejected a message the spec lets through: {reason}{}",
                            refusal_hint(*status)
                        ),
                    );
                }
            }
        }
        (_, Verdict::Survive) => unreachable!("judged by survive()"),
        (Echo::Accepted(reply_msg), Verdict::Reject) => {
            if let Some(t) = result.transcript.as_mut() {
                t.response = Some(keep_response(reply_msg, &mut cut));
            }
            result.expected = Some("reject".into());
            result.actual = Some("accept".into());
            for rule in &case.rules {
                deviation(
                    &mut result,
                    rule,
                    level_of(rule),
                    "accepted a message that breaks this rule".to_owned(),
                );
            }
        }
        (Echo::Accepted(reply_msg), Verdict::Accept) => {
            if let Some(t) = result.transcript.as_mut() {
                t.response = Some(keep_response(reply_msg, &mut cut));
            }
            // The answer to a web hook validation request is never an event.
            let validation = match &case.input {
                Message::Http(request) => webhook::is_validation(request).then_some(request),
                _ => None,
            };
            if !target.capabilities.contains(RECEIVER_ONLY) && validation.is_none() {
                judge_reply(case, reply, reply_msg, &mut result);
            }
            // A web hook delivery target's answer is held to that spec too:
            // as a grant, for a validation request, else as a delivery's.
            if target.capabilities.contains(webhook::WEBHOOK)
                && let (Message::Http(request), Message::Http(answer)) = (&case.input, reply_msg)
            {
                if let (Some(outcome), Some(t)) = (callback, result.transcript.as_mut()) {
                    t.note = Some(callback_note(outcome));
                }
                result.findings.extend(match validation {
                    Some(_) => webhook::handshake_findings(request, answer, callback),
                    None => webhook::response_findings(request, answer),
                });
            }
        }
    }
    // A web hook delivery target refuses a format it does not read with 415.
    if target.capabilities.contains(webhook::WEBHOOK)
        && let (Echo::Rejected { status, .. }, Message::Http(input)) = (echo, &case.input)
        && let Some(finding) = webhook::unknown_format_finding(input, *status)
    {
        result.findings.push(finding);
    }
    // ... and one that does not take part in the handshake refuses it 405.
    if target.capabilities.contains(webhook::WEBHOOK)
        && let (Echo::Rejected { status, .. }, Message::Http(input)) = (echo, &case.input)
        && let Some(finding) = webhook::refused_validation_finding(input, *status)
    {
        result.findings.push(finding);
    }
    finish(&mut result, options);
    note_cut(&mut result, cut);
    result
}

/// What the transcript says of the callback URL a validation request
/// offered (not the URL itself, whose secret differs on every run).
fn callback_note(outcome: &CallbackOutcome) -> String {
    match outcome {
        CallbackOutcome::Called { request, .. } => {
            let rate = request
                .header_values("webhook-allowed-rate")
                .next()
                .map(|r| format!(" with WebHook-Allowed-Rate: {}", String::from_utf8_lossy(r)))
                .unwrap_or_default();
            format!(
                "the target called back the callback URL: {}{rate}",
                request.method
            )
        }
        CallbackOutcome::NotCalled { .. } => "the target did not call back the callback URL".into(),
    }
}

/// A hint for a refusal that says nothing about the event: one that asks
/// for credentials (401, 403), or finds no resource or method there (404,
/// 405). Every valid case fails alike then, and the cause is in cespec's
/// options (a token, the target's URL), not in the cases.
fn refusal_hint(status: Option<u16>) -> &'static str {
    match status {
        Some(401 | 403) => {
            " (does the target need a token? give it with --token, or a key with --header)"
        }
        Some(404 | 405) => " (is the target's URL, path included, where it takes events?)",
        _ => "",
    }
}

/// Returns the rule a deviation judged at the case's level is named after:
/// the first of the case's rules at that level (authors cite the most
/// specific first), else the first rule. For a refusal, which every rule
/// at that level forbids alike, a released rule comes before a main-branch
/// one, so that `--released-spec` cannot excuse what a released rule
/// forbids.
fn level_rule(case: &Case, released_first: bool) -> String {
    let at_level = (case.rules.iter()).filter(|r| level_of(r) == case.level);
    let chosen = if released_first {
        at_level.min_by_key(|r| is_wip(r))
    } else {
        at_level.into_iter().next()
    };
    chosen
        .or(case.rules.first())
        .map_or_else(|| "CORE-GEN-1".to_owned(), Clone::clone)
}

/// Judges a hostile case: accepted or rejected passes, saying which;
/// broken fails with the reason. An accepted reply is held only to the
/// case's reply constraints.
fn survive(
    case: &Case,
    reply: Encoding,
    echo: &Echo,
    target: &TargetView<'_>,
    result: &mut CaseResult,
    cut: &mut Vec<String>,
) {
    match echo {
        // Nothing was sent (the target went down before this case): an
        // error, as for any case, not this input's doing.
        Echo::Broken {
            reason,
            cause: Breakage::Unsent,
        } => {
            result.status = Status::Error;
            result.message = reason.clone();
            note(result, reason);
        }
        Echo::Broken { reason, .. } => {
            result.status = Status::Fail;
            result.message = format!("not robust: {reason}");
            result.expected = Some("accept or reject (a 2xx or a 4xx), the target still up".into());
            result.actual = Some(format!("broken: {reason}"));
            note(result, reason);
        }
        Echo::Rejected { reason, status } => {
            result.message = match status {
                Some(code) => format!("survived: rejected with {code}"),
                None => format!("survived: rejected ({})", first_line(reason)),
            };
            note(result, reason);
        }
        Echo::Accepted(reply_msg) => {
            result.message = match reply_msg {
                Message::Http(m) if m.status != 0 => {
                    format!("survived: accepted with {}", m.status)
                }
                _ => "survived: accepted".to_owned(),
            };
            if let Some(t) = result.transcript.as_mut() {
                t.response = Some(keep_response(reply_msg, cut));
            }
            if let Some(constraints) = case.expect.reply.get(&reply)
                && !target.capabilities.contains(RECEIVER_ONLY)
            {
                check_constraints(
                    constraints,
                    reply_msg,
                    &level_rule(case, false),
                    case.level,
                    result,
                );
                if !result.findings.is_empty() {
                    // `finish` names the worst finding instead.
                    result.message.clear();
                }
            }
        }
    }
}

/// Shows bytes as a quoted string when they are UTF-8, else as hex, so
/// two bodies that differ only in invalid UTF-8 do not print the same.
fn shown_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("{text:?}"),
        Err(_) if bytes.len() <= 64 => {
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
            format!("the bytes {} (not UTF-8)", hex.join(" "))
        }
        Err(_) => format!("{} bytes that are not UTF-8", bytes.len()),
    }
}

/// Returns the first line of `text`, at most 120 characters.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

fn note(result: &mut CaseResult, reason: &str) {
    if let Some(t) = result.transcript.as_mut() {
        t.note = Some(reason.to_owned());
    }
}

/// Bodies (or raw requests) longer than this are cut in transcripts.
const MAX_TRANSCRIPT_BODY: usize = 1 << 20;

/// Header lists longer than this are cut in transcripts.
const MAX_TRANSCRIPT_HEADERS: usize = 1000;

/// Returns the serialised form of a message for a transcript, cut to
/// [`MAX_TRANSCRIPT_BODY`] bytes of body and [`MAX_TRANSCRIPT_HEADERS`]
/// headers (a hostile input may be 16 MiB, and every report holds the
/// transcript), with a line saying what was cut.
fn clip(message: &Message) -> (InputSpec, Vec<String>) {
    let mut cut = Vec::new();
    let keep = |bytes: &[u8], what: &str, cut: &mut Vec<String>| -> Vec<u8> {
        if bytes.len() > MAX_TRANSCRIPT_BODY {
            cut.push(format!(
                "{what} cut to {MAX_TRANSCRIPT_BODY} of its {} bytes",
                bytes.len()
            ));
        }
        bytes[..bytes.len().min(MAX_TRANSCRIPT_BODY)].to_vec()
    };
    let keep_headers = |headers: &[Header], cut: &mut Vec<String>| -> Vec<Header> {
        if headers.len() > MAX_TRANSCRIPT_HEADERS {
            cut.push(format!(
                "headers cut to {MAX_TRANSCRIPT_HEADERS} of {}",
                headers.len()
            ));
        }
        headers[..headers.len().min(MAX_TRANSCRIPT_HEADERS)].to_vec()
    };
    let small = match message {
        Message::Http(m)
            if m.body.len() > MAX_TRANSCRIPT_BODY || m.headers.len() > MAX_TRANSCRIPT_HEADERS =>
        {
            Message::Http(HttpMessage {
                method: m.method.clone(),
                path: m.path.clone(),
                status: m.status,
                headers: keep_headers(&m.headers, &mut cut),
                body: keep(&m.body, "body", &mut cut),
            })
        }
        Message::Kafka(r)
            if r.value
                .as_ref()
                .is_some_and(|v| v.len() > MAX_TRANSCRIPT_BODY)
                || r.headers.len() > MAX_TRANSCRIPT_HEADERS =>
        {
            Message::Kafka(KafkaRecord {
                key: r.key.clone(),
                headers: keep_headers(&r.headers, &mut cut),
                value: r.value.as_deref().map(|v| keep(v, "value", &mut cut)),
            })
        }
        Message::Json(d) if d.body.len() > MAX_TRANSCRIPT_BODY => Message::Json(JsonDocument {
            media_type: d.media_type.clone(),
            body: keep(&d.body, "document", &mut cut),
        }),
        _ => return (InputSpec::from_message(message), cut),
    };
    (InputSpec::from_message(&small), cut)
}

/// Like [`clip`], for an input sent byte for byte: the bytes themselves.
fn clip_raw(input: &Message, raw: &RawHttp) -> (InputSpec, Vec<String>) {
    if raw.bytes.len() <= MAX_TRANSCRIPT_BODY {
        return (InputSpec::from_raw(input, raw), Vec::new());
    }
    let small = RawHttp {
        bytes: raw.bytes[..MAX_TRANSCRIPT_BODY].to_vec(),
        ..raw.clone()
    };
    let cut = format!(
        "raw request cut to {MAX_TRANSCRIPT_BODY} of its {} bytes",
        raw.bytes.len()
    );
    (InputSpec::from_raw(input, &small), vec![cut])
}

/// Returns a reply for the transcript, cut as [`clip`] cuts.
fn keep_response(message: &Message, cut: &mut Vec<String>) -> InputSpec {
    let (spec, more) = clip(message);
    cut.extend(more.into_iter().map(|c| format!("reply {c}")));
    spec
}

/// Appends what the transcript leaves out to its note.
fn note_cut(result: &mut CaseResult, cut: Vec<String>) {
    if cut.is_empty() {
        return;
    }
    if let Some(t) = result.transcript.as_mut() {
        let line = format!("(shown cut: {})", cut.join("; "));
        t.note = Some(match t.note.take() {
            Some(note) => format!("{note}\n{line}"),
            None => line,
        });
    }
}

fn finish(result: &mut CaseResult, options: JudgeOptions) {
    let worst = result
        .findings
        .iter()
        .map(|f| options.status_for(f))
        .max_by_key(|s| severity(*s));
    if let Some(status) = worst {
        result.status = status;
        if result.message.is_empty() {
            let first = &result
                .findings
                .iter()
                .find(|f| options.status_for(f) == status)
                .unwrap_or(&result.findings[0]);
            // A main-branch rule says so: a target built to a released
            // spec may rightly break it.
            let wip = if is_wip(&first.rule) {
                ", main branch only"
            } else {
                ""
            };
            result.message = format!("{} [{}{wip}] {}", first.rule, first.level, first.message);
        }
    } else if result.message.is_empty() {
        result.message = "as expected".to_owned();
    }
}

fn severity(status: Status) -> u8 {
    match status {
        Status::Pass | Status::Skip => 0,
        Status::Info => 1,
        Status::Warn => 2,
        Status::Fail => 3,
        Status::Error => 4,
    }
}

fn events_json(events: &[Event]) -> String {
    let docs: Vec<String> = events
        .iter()
        .map(|e| String::from_utf8_lossy(&codec::json::encode_event(e)).into_owned())
        .collect();
    if docs.len() == 1 {
        docs.into_iter().next().unwrap_or_default()
    } else {
        format!("[{}]", docs.join(","))
    }
}

fn judge_reply(case: &Case, reply: Encoding, message: &Message, result: &mut CaseResult) {
    let level = case.level;
    let rule = level_rule(case, false);
    match codec::decode(message) {
        Err(violations) => {
            for v in violations.into_iter().filter(|v| v.is_error()) {
                let at = v.at.map(|a| format!(" ({a})")).unwrap_or_default();
                result.findings.push(Finding {
                    rule: v.rule,
                    level: v.level,
                    message: format!("the reply breaks this rule: {}{at}", v.message),
                });
            }
        }
        Ok(decoded) => {
            if decoded.encoding != reply {
                result.findings.push(Finding {
                    rule: rule.clone(),
                    level: Level::Must,
                    message: format!("asked for a reply in {reply}, got {}", decoded.encoding),
                });
            }
            if let Some(expected) = &case.expect.events {
                compare_events(
                    expected,
                    &decoded.events,
                    case.input_encoding,
                    level,
                    result,
                );
            }
        }
    }
    if let Some(constraints) = case.expect.reply.get(&reply) {
        check_constraints(constraints, message, &rule, level, result);
    }
}

/// The finding for a difference between an expected event and one decoded
/// from a message in `input`, prefixed by `about` (which event): fidelity
/// losses are SHOULD and explicit-null changes MAY, anything else is at
/// `level`. Untyped bytes read back as JSON are blamed where the bytes came
/// from: a binary-mode body with no content type is opaque data by the
/// choices of HTTP-BIN-3 and KAFKA-BIN-2 (released rules), a JSON-format
/// `data_base64` without `datacontenttype` only by JSON-DATA-11 (main
/// branch). `listen` uses it too, so a sender's differences read the same.
pub(crate) fn difference_finding(
    d: &Difference,
    input: Encoding,
    level: Level,
    about: &str,
) -> Finding {
    let rule = match (d, input) {
        (Difference::ReadAsJson { .. }, Encoding::HttpBinary) => "HTTP-BIN-3",
        (Difference::ReadAsJson { .. }, Encoding::KafkaBinary) => "KAFKA-BIN-2",
        _ => d.rule(),
    };
    let level = match d {
        Difference::Precision { .. } => Level::Should,
        Difference::NullData { .. } => Level::May,
        _ => level,
    };
    Finding {
        rule: rule.to_owned(),
        level,
        message: format!("{about}{d}"),
    }
}

fn compare_events(
    expected: &[Event],
    actual: &[Event],
    input: Encoding,
    level: Level,
    result: &mut CaseResult,
) {
    let mut differences = Vec::new();
    if expected.len() != actual.len() {
        result.findings.push(Finding {
            rule: "JSON-BATCH-1".into(),
            level,
            message: format!(
                "expected {} event(s), the reply holds {}",
                expected.len(),
                actual.len()
            ),
        });
    }
    for (i, (want, got)) in expected.iter().zip(actual).enumerate() {
        for d in equivalence::compare(want, got) {
            differences.push((i, d));
        }
    }
    if differences.is_empty() && expected.len() == actual.len() {
        return;
    }
    result.expected = Some(events_json(expected));
    result.actual = Some(events_json(actual));
    for (i, d) in differences {
        let about = if expected.len() > 1 {
            format!("event {i}: ")
        } else {
            String::new()
        };
        (result.findings).push(difference_finding(&d, input, level, &about));
    }
}

/// Returns the headers and body of a reply, whatever its binding.
fn parts(message: &Message) -> (&[Header], Option<&[u8]>, bool) {
    match message {
        Message::Http(m) => (&m.headers, Some(&m.body), true),
        Message::Kafka(r) => (&r.headers, r.value.as_deref(), false),
        Message::Json(d) => (&[], Some(&d.body), true),
    }
}

/// Compares header values; media types compare type, subtype and parameter
/// names case-insensitively, with parameters parsed.
fn header_matches(name: &str, want: &str, got: &[u8]) -> bool {
    let Ok(got) = std::str::from_utf8(got) else {
        return false;
    };
    if !name.eq_ignore_ascii_case("content-type") {
        return want == got;
    }
    let parse = |s: &str| {
        let mut parts = s.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut params: Vec<(String, String)> = parts
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| {
                let k = k.trim().to_ascii_lowercase();
                let v = v.trim().trim_matches('"');
                let v = if k == "charset" {
                    v.to_ascii_lowercase()
                } else {
                    v.to_owned()
                };
                (k, v)
            })
            .collect();
        params.sort();
        (essence, params)
    };
    // Every parameter the case names must be there with its value; others
    // (a `charset` the target adds) are allowed.
    let ((want_essence, want_params), (got_essence, got_params)) = (parse(want), parse(got));
    want_essence == got_essence && want_params.iter().all(|p| got_params.contains(p))
}

fn check_constraints(
    c: &ReplyExpectation,
    message: &Message,
    rule: &str,
    level: Level,
    result: &mut CaseResult,
) {
    let (headers, body, case_insensitive) = parts(message);
    let find = |name: &str| -> Vec<&[u8]> {
        if case_insensitive {
            headers_named(headers, name).collect()
        } else {
            headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_slice())
                .collect()
        }
    };
    let mut fail = |message: String| {
        result.findings.push(Finding {
            rule: rule.to_owned(),
            level,
            message,
        })
    };
    for (name, want) in &c.headers {
        match find(name).as_slice() {
            [] => fail(format!("reply header {name} is missing; expected {want:?}")),
            [got] if header_matches(name, want, got) => {}
            [got] => fail(format!(
                "reply header {name}: expected {want:?}, got {:?}",
                String::from_utf8_lossy(got)
            )),
            many => fail(format!("reply header {name} appears {} times", many.len())),
        }
    }
    for name in &c.absent {
        if let Some(got) = find(name).first() {
            fail(format!(
                "reply header {name} must be absent, got {:?}",
                String::from_utf8_lossy(got)
            ));
        }
    }
    if let Some(want) = &c.body {
        match body {
            Some(got) if got == want.as_slice() => {}
            Some(got) => fail(format!(
                "reply body: expected {}, got {}",
                shown_bytes(want),
                shown_bytes(got)
            )),
            None => fail(format!(
                "reply value is null; expected {:?}",
                String::from_utf8_lossy(want)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_that_are_not_utf8_show_as_hex() {
        assert_eq!(shown_bytes(b"hi"), "\"hi\"");
        assert_eq!(
            shown_bytes(&[0xFF, 0xFE, 0x00, 0xC3]),
            "the bytes FF FE 00 C3 (not UTF-8)"
        );
        assert_eq!(shown_bytes(&[0xFF; 100]), "100 bytes that are not UTF-8");
    }

    #[test]
    fn media_types_compare_loosely_other_headers_exactly() {
        assert!(header_matches(
            "Content-Type",
            "application/json; charset=utf-8",
            b"Application/JSON;charset=UTF-8"
        ));
        assert!(header_matches(
            "content-type",
            "application/json",
            b"application/json; charset=utf-8"
        ));
        assert!(!header_matches(
            "content-type",
            "application/json; charset=utf-8",
            b"application/json"
        ));
        assert!(!header_matches(
            "content-type",
            "text/plain",
            b"application/json"
        ));
        assert!(header_matches("ce-subject", "a%20b", b"a%20b"));
        assert!(!header_matches("ce-subject", "a%20b", b"a%20B"));
    }

    /// An accept case over 64 KiB cites a MUST for its data and names the
    /// MAY that lets a receiver refuse it.
    fn refusable(refusal: Option<&str>) -> Case {
        let rules = ["HTTP-BIN-1", "CORE-SIZE-5"];
        let mut case = crate::runner::testing::case(
            "s/big",
            Encoding::HttpBinary,
            Verdict::Accept,
            &rules,
            &[],
        );
        case.expect.refusal = refusal.map(str::to_owned);
        case
    }

    fn judged(case: &Case, echo: &Echo, strict: bool) -> CaseResult {
        let capabilities = crate::target::all_capabilities();
        let view = TargetView {
            name: "t",
            capabilities: &capabilities,
        };
        let options = JudgeOptions {
            strict,
            ..JudgeOptions::default()
        };
        judge(
            case,
            Encoding::HttpBinary,
            echo,
            &view,
            options,
            Duration::ZERO,
        )
    }

    /// An HTTP target's refusal with `status`.
    fn refused_with(status: u16, reason: &str) -> Echo {
        Echo::Rejected {
            reason: reason.into(),
            status: Some(status),
        }
    }

    #[test]
    fn a_refusal_is_judged_under_the_rule_that_allows_it() {
        let refused = refused_with(413, "HTTP 413 Payload Too Large");
        let plain = judged(&refusable(None), &refused, false);
        assert_eq!(plain.status, Status::Fail, "{}", plain.message);
        assert_eq!(plain.findings[0].rule, "HTTP-BIN-1");
        assert!(!plain.findings[0].message.contains("--token"));
        // A refusal for want of credentials says how to give them.
        let unauthorized = refused_with(401, "HTTP 401: no token");
        let locked = judged(&refusable(None), &unauthorized, false);
        assert!(
            locked.findings[0]
                .message
                .ends_with("give it with --token, or a key with --header)"),
            "{:?}",
            locked.findings
        );
        let elsewhere = refused_with(404, "HTTP 404: Not Found");
        let lost = judged(&refusable(None), &elsewhere, false);
        assert!(
            lost.findings[0]
                .message
                .ends_with("path included, where it takes events?)"),
            "{:?}",
            lost.findings
        );
        // A reason that reads like a status is only text.
        let adapter = judged(
            &refusable(None),
            &Echo::rejected("HTTP 401 said the SDK".into()),
            false,
        );
        assert!(!adapter.findings[0].message.contains("--token"));

        for strict in [false, true] {
            let allowed = judged(&refusable(Some("CORE-SIZE-5")), &refused, strict);
            assert_eq!(
                allowed.status,
                Status::Info,
                "strict {strict}: {}",
                allowed.message
            );
            let [finding] = allowed.findings.as_slice() else {
                panic!("one finding: {:?}", allowed.findings);
            };
            assert_eq!(
                (finding.rule.as_str(), finding.level),
                ("CORE-SIZE-5", Level::May)
            );
            assert!(
                allowed.message.contains("lets a receiver refuse"),
                "{}",
                allowed.message
            );
            assert!(allowed.message.contains("413"), "{}", allowed.message);
        }

        let mut should = refusable(Some("CORE-SIZE-2"));
        should.rules[1] = "CORE-SIZE-2".into();
        assert_eq!(judged(&should, &refused, false).status, Status::Warn);
        assert_eq!(judged(&should, &refused, true).status, Status::Fail);
    }

    #[test]
    fn a_refusal_is_blamed_on_a_released_rule_of_the_case_level() {
        // CORE-CTX-2 (main branch only) comes first, CORE-TS-9 (released)
        // second, both MUST; CORE-OPT-1 is a SHOULD.
        let mut case = crate::runner::testing::case(
            "s/r",
            Encoding::HttpBinary,
            Verdict::Accept,
            &["CORE-OPT-1", "CORE-CTX-2", "CORE-TS-9"],
            &[],
        );
        case.expect.refusal = None;
        let refused = refused_with(400, "HTTP 400");
        let r = judged(&case, &refused, false);
        assert_eq!(r.findings[0].rule, "CORE-TS-9");
        let capabilities = crate::target::all_capabilities();
        let view = TargetView {
            name: "t",
            capabilities: &capabilities,
        };
        let released = JudgeOptions {
            strict: false,
            released_spec: true,
        };
        let r = judge(
            &case,
            Encoding::HttpBinary,
            &refused,
            &view,
            released,
            Duration::ZERO,
        );
        assert_eq!(r.status, Status::Fail, "{}", r.message);
    }

    #[test]
    fn a_main_branch_rule_is_named_as_such() {
        // CORE-CTX-2 (an attribute at most once) is main-branch text only;
        // CORE-ID-1 is in v1.0.2.
        for (rule, marked) in [("CORE-CTX-2", true), ("CORE-ID-1", false)] {
            let case = crate::runner::testing::case(
                "s/r",
                Encoding::HttpBinary,
                Verdict::Reject,
                &[rule],
                &[],
            );
            let accepted = Echo::Accepted(case.input.clone());
            let r = judged(&case, &accepted, false);
            assert_eq!(r.status, Status::Fail);
            let label = format!("{rule} [MUST, main branch only]");
            assert_eq!(r.message.starts_with(&label), marked, "{}", r.message);
        }
    }

    #[test]
    fn untyped_bytes_read_as_json_are_blamed_where_the_bytes_came_from() {
        // Sent: the bytes `{ "a": 1 }` with no content type. Echoed: the
        // same JSON value spelt `{"a":1}`, as a reader taking them for JSON
        // writes it back.
        let sent = serde_json::json!({"specversion": "1.0", "id": "1", "source": "/s",
            "type": "t.x", "data_base64": "eyAiYSI6IDEgfQ=="});
        let echoed = serde_json::json!({"specversion": "1.0", "id": "1", "source": "/s",
            "type": "t.x", "data_base64": "eyJhIjoxfQ=="});
        let expected = codec::decode(&codec::render(&sent, Encoding::Json).expect("renders"))
            .expect("valid")
            .events;
        let reply = codec::render(&echoed, Encoding::HttpBinary).expect("renders");
        let capabilities = crate::target::all_capabilities();
        let view = TargetView {
            name: "t",
            capabilities: &capabilities,
        };
        for (input, rule, released_status) in [
            (Encoding::HttpBinary, "HTTP-BIN-3", Status::Fail),
            (Encoding::KafkaBinary, "KAFKA-BIN-2", Status::Fail),
            (Encoding::Json, "JSON-DATA-11", Status::Info),
        ] {
            let mut case =
                crate::runner::testing::case("s/r", input, Verdict::Accept, &["HTTP-BIN-3"], &[]);
            case.expect.events = Some(expected.clone());
            for (released_spec, status) in [(false, Status::Fail), (true, released_status)] {
                let options = JudgeOptions {
                    strict: false,
                    released_spec,
                };
                let echo = Echo::Accepted(reply.clone());
                let r = judge(
                    &case,
                    Encoding::HttpBinary,
                    &echo,
                    &view,
                    options,
                    Duration::ZERO,
                );
                let [finding] = r.findings.as_slice() else {
                    panic!("{input}: one finding: {:?}", r.findings);
                };
                assert_eq!(finding.rule, rule, "{input}");
                assert!(
                    finding.message.contains("same JSON value"),
                    "{}",
                    finding.message
                );
                assert_eq!(
                    r.status, status,
                    "{input}, released {released_spec}: {}",
                    r.message
                );
            }
        }
    }

    #[test]
    fn a_redirect_is_a_finding_for_a_web_hook_target_and_broken_otherwise() {
        let case = crate::runner::testing::case(
            "s/r",
            Encoding::HttpBinary,
            Verdict::Accept,
            &["HTTP-BIN-5"],
            &[],
        );
        let answered = |status: u16, named_wait: bool, reason: &str| Echo::Broken {
            reason: reason.into(),
            cause: Breakage::Answered { status, named_wait },
        };
        let redirect = answered(308, false, "HTTP 308: moved");
        let mut capabilities = crate::target::all_capabilities();
        let plain = judged(&case, &redirect, false);
        assert_eq!(plain.status, Status::Error, "{}", plain.message);
        capabilities.insert(webhook::WEBHOOK.to_owned());
        let view = TargetView {
            name: "t",
            capabilities: &capabilities,
        };
        let r = judge(
            &case,
            Encoding::HttpBinary,
            &redirect,
            &view,
            JudgeOptions::default(),
            Duration::ZERO,
        );
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        assert_eq!(r.findings[0].rule, "HOOK-RSP-1");
        let server_error = answered(503, false, "HTTP 503: busy");
        let r = judge(
            &case,
            Encoding::HttpBinary,
            &server_error,
            &view,
            JudgeOptions::default(),
            Duration::ZERO,
        );
        assert_eq!(r.status, Status::Error, "{}", r.message);
        // Throttling without naming a wait is a web hook target's fault
        // (HOOK-RSP-6); naming one, it is only an exchange that broke.
        let throttled = |named_wait: bool| {
            let echo = answered(429, named_wait, "HTTP 429: busy");
            let view = &view;
            judge(
                &case,
                Encoding::HttpBinary,
                &echo,
                view,
                JudgeOptions::default(),
                Duration::ZERO,
            )
        };
        let r = throttled(false);
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        assert_eq!(r.findings[0].rule, "HOOK-RSP-6");
        let r = throttled(true);
        assert_eq!(r.status, Status::Error, "{}", r.message);
        // The status is the target's answer, never read from a reason: an
        // adapter's error text that looks like one is only text.
        let r = judge(
            &case,
            Encoding::HttpBinary,
            &Echo::broken("HTTP 308: as the adapter's error said".into()),
            &view,
            JudgeOptions::default(),
            Duration::ZERO,
        );
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }

    #[test]
    fn a_web_hook_target_s_handshake_answer_is_judged_as_a_grant() {
        let mut case = crate::runner::testing::case(
            "s/handshake",
            Encoding::HttpBinary,
            Verdict::Accept,
            &["HOOK-AP-6", "HOOK-AP-1"],
            &[],
        );
        case.expect.events = None;
        case.expect.refusal = Some("HOOK-AP-1".into());
        if let Message::Http(m) = &mut case.input {
            m.method = "OPTIONS".into();
            m.headers = vec![(
                "webhook-request-origin".into(),
                b"sender.example.com".to_vec(),
            )];
        }
        let answer = |headers: &[(&str, &str)]| {
            Echo::Accepted(Message::Http(HttpMessage {
                method: String::new(),
                path: String::new(),
                status: 200,
                headers: headers
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
                    .collect(),
                body: Vec::new(),
            }))
        };
        let mut capabilities = crate::target::all_capabilities();
        capabilities.insert(RECEIVER_ONLY.to_owned());
        capabilities.insert(webhook::WEBHOOK.to_owned());
        let view = TargetView {
            name: "t",
            capabilities: &capabilities,
        };
        let judged = |echo: &Echo| {
            let options = JudgeOptions::default();
            judge(
                &case,
                Encoding::HttpBinary,
                echo,
                &view,
                options,
                Duration::ZERO,
            )
        };
        // A 200 with an empty body is a grant here, not a HOOK-RSP-3 breach.
        let r = judged(&answer(&[
            ("webhook-allowed-origin", "sender.example.com"),
            ("webhook-allowed-rate", "*"),
            ("allow", "POST, OPTIONS"),
        ]));
        assert_eq!(r.status, Status::Pass, "{}", r.message);
        let r = judged(&answer(&[("webhook-allowed-rate", "*"), ("allow", "POST")]));
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        assert_eq!(r.findings[0].rule, "HOOK-AP-6");
        let r = judged(&refused_with(405, "HTTP 405: no OPTIONS here"));
        assert_eq!(r.status, Status::Warn, "{}", r.message);
        let rules = |r: &CaseResult| {
            r.findings
                .iter()
                .map(|f| f.rule.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(rules(&r), ["HOOK-AP-1"]);
        // Not taking part in the handshake is answered 405 (HOOK-AP-10);
        // asking for credentials first is not about the method.
        let r = judged(&refused_with(404, "HTTP 404: no such route"));
        assert_eq!(r.status, Status::Warn, "{}", r.message);
        assert_eq!(rules(&r), ["HOOK-AP-1", "HOOK-AP-10"]);
        assert_eq!(
            rules(&judged(&refused_with(401, "HTTP 401"))),
            ["HOOK-AP-1"]
        );
    }

    #[test]
    fn a_web_hook_target_refuses_an_unknown_format_with_415() {
        let mut case = crate::runner::testing::case(
            "s/avro",
            Encoding::HttpStructured,
            Verdict::Reject,
            &["HTTP-MODE-4"],
            &[],
        );
        if let Message::Http(m) = &mut case.input {
            m.headers = vec![(
                "content-type".into(),
                b"application/cloudevents+avro".to_vec(),
            )];
            m.body = b"Obj\x01".to_vec();
        }
        let refused = |status: u16| refused_with(status, &format!("HTTP {status}: unsupported"));
        let mut capabilities = crate::target::all_capabilities();
        capabilities.insert(webhook::WEBHOOK.to_owned());
        let web_hook = TargetView {
            name: "t",
            capabilities: &capabilities,
        };
        let judge_as = |echo: &Echo, view: &TargetView<'_>| {
            judge(
                &case,
                Encoding::HttpBinary,
                echo,
                view,
                JudgeOptions::default(),
                Duration::ZERO,
            )
        };
        let r = judge_as(&refused(400), &web_hook);
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        assert_eq!(r.findings[0].rule, "HOOK-RSP-7");
        let r = judge_as(&refused(415), &web_hook);
        assert_eq!(r.status, Status::Pass, "{}", r.message);
        // Any other target refuses it with any 4xx.
        let plain = judged(&case, &refused(400), false);
        assert_eq!(plain.status, Status::Pass, "{}", plain.message);
    }

    #[test]
    fn an_accepted_message_is_still_judged_in_full() {
        let case = refusable(Some("CORE-SIZE-5"));
        let faithful = case.input.clone();
        let ok = judged(&case, &Echo::Accepted(faithful), false);
        assert_eq!(ok.status, Status::Pass, "{}", ok.message);

        let other =
            serde_json::json!({"specversion": "1.0", "id": "2", "source": "/s", "type": "t.x"});
        let changed = codec::render(&other, Encoding::HttpBinary).expect("renders");
        let wrong = judged(&case, &Echo::Accepted(changed), false);
        assert_eq!(wrong.status, Status::Fail, "{}", wrong.message);
    }
}
