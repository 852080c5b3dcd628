//! The CloudEvents Web Hook spec ("HTTP 1.1 Web Hooks for Event Delivery")
//! as cespec checks it, from both ends of a delivery.
//!
//! The sender's end is `cespec listen --webhook`: the listener plays the
//! delivery target. It answers the abuse-protection handshake, an `OPTIONS`
//! validation request, by granting what was asked: the origin named in
//! `WebHook-Request-Origin` and the rate in `WebHook-Request-Rate` (`*` when
//! none was asked), with `Allow: POST, OPTIONS`; a request naming no origin
//! gets 400, since consent names one (HOOK-AP-6). It judges that request
//! (HOOK-AP-3, HOOK-AP-4) and then every delivery against the sender rules
//! a target can see: a POST (HOOK-DEL-2), with a Content-Type and a body
//! (HOOK-DEL-3), to the URI that was validated (HOOK-AP-2), repeating the
//! validated origin (HOOK-DEL-4), with any token sent as §3 says
//! (HOOK-AUTH-3 to -6, `authorization_findings`) and, with `--token`, the
//! token agreed, as a Bearer token in the header or in the query (HOOK-AUTH-1,
//! -2, `presented_token`; 401 otherwise), and no more often than
//! the rate granted (HOOK-AP-14, `Grant`'s count of the last minute;
//! `--grant-rate` caps what is granted). With `--throttle-every`,
//! `--redirect-every` and `--retire-after` the listener also answers some
//! deliveries 429, 307 or 410 on purpose, and a sender that comes back
//! before a Retry-After is over, follows a redirect or keeps delivering
//! after a 410 breaks HOOK-RSP-6, -1 or -5 (`early_delivery_finding`,
//! `followed_redirect_finding`, `after_gone_finding`). The CloudEvents
//! judgement of the delivery itself is `listen`'s, unchanged. A CloudEvents
//! binary-mode event without data has neither a body nor a Content-Type; as
//! a web hook notification it still breaks HOOK-DEL-3, which allows no
//! notification of headers alone.
//!
//! The receiver's end is any HTTP target that declares the `webhook`
//! capability: every 2xx it gives to an accepted delivery is held to the
//! response rules ([`response_findings`]): 200 or 201 with a body and a
//! Content-Type (HOOK-RSP-2), 201 or 204 without a body, never 200 with an
//! empty one (HOOK-RSP-3), or 202 (HOOK-RSP-4); and a redirect, which breaks
//! the exchange of any other target, is a HOOK-RSP-1 finding, and so is a
//! 429 without Retry-After a HOOK-RSP-6 one ([`broken_answer_finding`]);
//! a refusal of a format it does not read is a 415 (HOOK-RSP-7,
//! [`unknown_format_finding`]). Its answer to a validation request (the
//! `http-webhook` suite) is judged as a grant ([`handshake_findings`]).
//! Given the target's token (`run --token`), the suite's token cases send
//! one delivery with it in the header and one with it in the query, which
//! the target must both take (HOOK-AUTH-1), answering the second privately
//! (HOOK-AUTH-5, in [`response_findings`]).
//! `cespec serve --webhook` is the reference for it: it answers an accepted
//! delivery 204, a format it does not read 415, and grants the handshake as
//! the listener does.

use crate::rules::Level;
use crate::runner::Finding;
use crate::runner::callback::CallbackOutcome;
use crate::server::Reply;
use crate::wire::HttpMessage;

/// The Web Hook rules `listen --webhook` checks on what a sender sends.
/// They have no suite case (a case drives a receiver), so coverage names
/// them apart.
pub const SENDER_RULES_CHECKED: [&str; 20] = [
    "HOOK-AP-12",
    "HOOK-AP-13",
    "HOOK-AP-14",
    "HOOK-AP-2",
    "HOOK-AP-3",
    "HOOK-AP-4",
    "HOOK-AP-5",
    "HOOK-AP-9",
    "HOOK-AUTH-1",
    "HOOK-AUTH-2",
    "HOOK-AUTH-3",
    "HOOK-AUTH-4",
    "HOOK-AUTH-5",
    "HOOK-AUTH-6",
    "HOOK-DEL-2",
    "HOOK-DEL-3",
    "HOOK-DEL-4",
    "HOOK-RSP-1",
    "HOOK-RSP-5",
    "HOOK-RSP-6",
];

/// The capability an HTTP target declares to be judged as a web hook
/// delivery target.
pub const WEBHOOK: &str = "webhook";

/// The capability a target has when cespec holds an access token for it
/// (`run --token`); the `http-webhook` token cases need it. It is not
/// declared: the token gives it.
pub const TOKEN: &str = "token";

/// Where, in an HTTP input's path, the access token given with `--token`
/// goes, percent-encoded: `?access_token={token}` sends it the query way
/// (Web Hook §3.2), and that request carries no Authorization header.
/// Reports show the path as the case wrote it, never the token.
pub const TOKEN_PLACEHOLDER: &str = "{token}";

/// The capability a target has when cespec can offer it a callback URL
/// of its own in the handshake (`WebHook-Request-Callback`): an HTTP
/// target declaring [`WEBHOOK`] on loopback, which can reach the URL
/// cespec serves on loopback. It is not declared: the address gives it.
pub const CALLBACK: &str = "callback";

/// The header (lower case) in which a sender offers a callback URL to be
/// granted by (Web Hook §4.1.3): read by `listen`, written by `run`.
pub const REQUEST_CALLBACK_HEADER: &str = "webhook-request-callback";

/// The value of a case's `WebHook-Request-Callback` header that the runner
/// replaces with a callback URL it serves for that exchange
/// ([`crate::runner::callback`]); reports show the placeholder.
pub const CALLBACK_PLACEHOLDER: &str = "{callback}";

/// The Web Hook rules a `webhook` target's answers are held to.
pub const RESPONSE_RULES_CHECKED: [&str; 5] = [
    "HOOK-RSP-1",
    "HOOK-RSP-2",
    "HOOK-RSP-3",
    "HOOK-RSP-6",
    "HOOK-RSP-7",
];

/// What the handshake granted: the origin and the URI it was made for,
/// the rate (`None` for `*`) and where it comes from, and when the
/// deliveries of the last minute came, to hold the sender to that rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub origin: String,
    pub path: String,
    pub rate: Option<u32>,
    pub rate_from: RateFrom,
    pub recent: std::collections::VecDeque<std::time::Instant>,
}

/// Where the rate a sender is held to comes from, which decides the rule
/// it breaks by going over it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum RateFrom {
    /// `WebHook-Allowed-Rate`, in the answer or the callback (HOOK-AP-14).
    #[default]
    Granted,
    /// The rate the sender asked for, which a callback without
    /// `WebHook-Allowed-Rate` grants (HOOK-AP-9).
    Asked,
}

/// The window a granted rate counts deliveries in: rates are per minute.
const RATE_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

impl Grant {
    /// Notes a delivery that came at `at`; a finding when it is more than
    /// the granted rate allows within a minute (HOOK-AP-14: a sender keeps
    /// to the rate it was granted, or meets throttling).
    pub(crate) fn note_delivery(&mut self, at: std::time::Instant) -> Option<Finding> {
        let rate = self.rate?;
        while self
            .recent
            .front()
            .is_some_and(|first| at.saturating_duration_since(*first) >= RATE_WINDOW)
        {
            self.recent.pop_front();
        }
        self.recent.push_back(at);
        let count = self.recent.len();
        (count > rate as usize).then(|| match self.rate_from {
            RateFrom::Granted => should(
                "HOOK-AP-14",
                format!(
                    "{count} deliveries within a minute; the handshake granted {rate} a minute"
                ),
            ),
            RateFrom::Asked => should(
                "HOOK-AP-9",
                format!(
                    "{count} deliveries within a minute; the sender asked for {rate} a minute, and the callback, naming no rate, granted that"
                ),
            ),
        })
    }
}

/// Whether a request is a validation request (the handshake).
pub fn is_validation(request: &HttpMessage) -> bool {
    request.method.eq_ignore_ascii_case("OPTIONS")
}

/// Judges a validation request; returns its findings, the reply (a grant,
/// or 400 when no origin is named) and the grant. The rate granted is the
/// one asked for, `*` when none was, and never more than `limit` a minute.
pub(crate) fn validate(
    request: &HttpMessage,
    limit: Option<u32>,
) -> (Vec<Finding>, Reply, Option<Grant>) {
    let mut findings = Vec::new();
    let origin = header_text(request, "webhook-request-origin");
    match &origin {
        None => findings.push(must(
            "HOOK-AP-3",
            "the validation request has no WebHook-Request-Origin header".into(),
        )),
        Some(o) if !is_dns_name(o) => findings.push(must(
            "HOOK-AP-3",
            format!("WebHook-Request-Origin {o:?} is not a host name in DNS form"),
        )),
        Some(_) => {}
    }
    let rate = header_text(request, "webhook-request-rate");
    if let Some(r) = &rate
        && !is_positive_integer(r)
    {
        findings.push(Finding {
            rule: "HOOK-AP-4".into(),
            level: Level::May,
            message: format!("WebHook-Request-Rate {r:?} is not a positive integer"),
        });
    }
    let allow = ("allow".to_owned(), b"POST, OPTIONS".to_vec());
    // Consent is both WebHook-Allowed-* headers together (HOOK-AP-6); with
    // no origin to name there is nothing to consent to.
    let Some(origin) = origin else {
        let mut reply = Reply::text(400, "WebHook-Request-Origin is required\n");
        reply.headers.push(allow);
        return (findings, reply, None);
    };
    // A rate too big for a u32 is no limit worth keeping.
    let asked = rate
        .filter(|r| is_positive_integer(r))
        .map(|r| r.parse::<u32>().unwrap_or(u32::MAX));
    let granted = match (asked, limit) {
        (Some(asked), Some(limit)) => Some(asked.min(limit)),
        (asked, limit) => asked.or(limit),
    };
    let granted_rate = granted.map_or_else(|| "*".to_owned(), |r| r.to_string());
    let reply = Reply {
        status: 200,
        headers: vec![
            allow,
            (
                "webhook-allowed-origin".to_owned(),
                origin.clone().into_bytes(),
            ),
            ("webhook-allowed-rate".to_owned(), granted_rate.into_bytes()),
        ],
        body: Vec::new(),
    };
    let grant = Grant {
        origin,
        path: request.path.clone(),
        rate: granted,
        rate_from: RateFrom::Granted,
        recent: std::collections::VecDeque::new(),
    };
    (findings, reply, Some(grant))
}

/// Judges a delivery against the sender rules of the Web Hook spec, given
/// what an earlier handshake granted.
pub(crate) fn delivery_findings(request: &HttpMessage, grant: Option<&Grant>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if !request.method.eq_ignore_ascii_case("POST") {
        findings.push(must(
            "HOOK-DEL-2",
            format!("a {} request; web hook deliveries are POST", request.method),
        ));
    }
    let content_type = header_text(request, "content-type");
    match (content_type.is_some(), request.body.is_empty()) {
        (true, false) => {}
        (false, false) => findings.push(must(
            "HOOK-DEL-3",
            "the delivery has a body but no Content-Type".into(),
        )),
        (true, true) => findings.push(must("HOOK-DEL-3", "the delivery has an empty body".into())),
        (false, true) => findings.push(must(
            "HOOK-DEL-3",
            "the delivery is headers alone: no Content-Type and no body".into(),
        )),
    }
    findings.extend(authorization_findings(request));
    if let Some(grant) = grant {
        if without_token(&request.path) != without_token(&grant.path) {
            findings.push(must(
                "HOOK-AP-2",
                format!(
                    "the handshake validated {} but the delivery goes to {}",
                    grant.path, request.path
                ),
            ));
        }
        match header_text(request, "webhook-request-origin") {
            Some(o) if o == grant.origin => {}
            // Web Hook §2.1 (HOOK-DEL-4) and §4.1.2 (HOOK-AP-13) both ask
            // for the header with the handshake's value: a delivery without
            // it is cited under the first, one with another value under the
            // second, which is about the value matching.
            Some(o) => findings.push(must(
                "HOOK-AP-13",
                format!(
                    "WebHook-Request-Origin is {o:?}, the handshake validated {:?}",
                    grant.origin
                ),
            )),
            None => findings.push(must(
                "HOOK-DEL-4",
                format!(
                    "no WebHook-Request-Origin after a handshake that validated {:?}",
                    grant.origin
                ),
            )),
        }
    }
    findings
}

/// The finding for a delivery sent while consent was withheld, to be
/// given by calling back `callback`, which has not granted it: a 200 to the
/// validation request without the `WebHook-Allowed-*` headers is no
/// consent (HOOK-AP-12).
pub(crate) fn before_consent_finding(callback: &str) -> Finding {
    must(
        "HOOK-AP-12",
        format!(
            "delivered before consent: the answer to the validation request withheld WebHook-Allowed-Origin and WebHook-Allowed-Rate, and the callback {callback} had not granted it; a 200 alone is no consent"
        ),
    )
}

/// The finding for a delivery sent `early` before the quiet a 429 asked
/// for (`Retry-After: wait_secs`) was over: a sender observes Retry-After
/// and sends nothing until then (HOOK-RSP-6).
pub(crate) fn early_delivery_finding(early: std::time::Duration, wait_secs: u64) -> Finding {
    must(
        "HOOK-RSP-6",
        format!(
            "sent {} ms before the quiet a 429 asked for (Retry-After: {wait_secs}) was over",
            early.as_millis()
        ),
    )
}

/// Where `listen --webhook --redirect-every` points its redirects; a web
/// hook sender never follows one (HOOK-RSP-1), so a request here is a
/// finding.
pub(crate) const REDIRECTED_PATH: &str = "/.cespec-redirected";

/// The finding for a request to [`REDIRECTED_PATH`]: the sender followed a
/// redirect, which a web hook sender never does (HOOK-RSP-1).
pub(crate) fn followed_redirect_finding() -> Finding {
    must(
        "HOOK-RSP-1",
        format!(
            "followed a redirect to {REDIRECTED_PATH}; a web hook sender does not follow 3xx answers"
        ),
    )
}

/// The finding for a delivery after the target answered 410 Gone: a
/// sender refrains from sending further notifications (HOOK-RSP-5).
pub(crate) fn after_gone_finding() -> Finding {
    should(
        "HOOK-RSP-5",
        "delivered again after a 410 Gone; a retired target gets no further notifications".into(),
    )
}

/// Returns a request target without its `access_token` query parameters:
/// a token sent in the query (Web Hook §3.2) is no part of the URI that
/// was validated.
fn without_token(target: &str) -> String {
    let Some((path, query)) = target.split_once('?') else {
        return target.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|parameter| !parameter.starts_with("access_token="))
        .collect();
    if kept.iter().all(|p| p.is_empty()) {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Judges how a delivery carries its token (Web Hook §3), when it carries
/// one: never by a challenge-based scheme (HOOK-AUTH-3); in the query,
/// `access_token` is a parameter of its own, joined to the others with `&`
/// (HOOK-AUTH-4), the request says `Cache-Control: no-store` (HOOK-AUTH-5),
/// and the query method is the fallback for when the header cannot be
/// sent (HOOK-AUTH-6, a warning: only the sender knows whether it could).
/// A delivery with no token is not judged here: the spec requires one
/// (HOOK-AUTH-1) but leaves the token to what sender and target agreed,
/// so only a listener given one (`--token`, `presented_token`) has
/// grounds to refuse.
fn authorization_findings(request: &HttpMessage) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(credentials) = header_text(request, "authorization") {
        let scheme = credentials.split_whitespace().next().unwrap_or_default();
        if ["Digest", "Negotiate", "NTLM"]
            .iter()
            .any(|challenged| scheme.eq_ignore_ascii_case(challenged))
        {
            findings.push(must(
                "HOOK-AUTH-3",
                format!("Authorization uses the {scheme} scheme, which needs a challenge round trip; a web hook delivery carries a token from the first request"),
            ));
        }
    }
    let query = query_of(&request.path);
    let as_parameter = token_in_query(&request.path);
    // `access_token=` after some other separator than '&' (a ';', a ',');
    // after a letter, digit or '_' it ends another parameter's name.
    let glued = query.match_indices("access_token=").any(|(at, _)| {
        query[..at]
            .chars()
            .next_back()
            .is_some_and(|before| before != '&' && !before.is_alphanumeric() && before != '_')
    });
    if !as_parameter {
        if glued {
            findings.push(must(
                "HOOK-AUTH-4",
                format!("the query {query:?} holds access_token, but not as a parameter of its own joined with '&'"),
            ));
        }
        return findings;
    }
    if !lists(request, "cache-control", b"no-store") {
        findings.push(should(
            "HOOK-AUTH-5",
            "the token rides in the query, and the request has no Cache-Control: no-store".into(),
        ));
    }
    findings.push(should(
        "HOOK-AUTH-6",
        "the token rides in the query (it ends up in logs); the Authorization header is for when it can be sent".into(),
    ));
    findings
}

/// How a delivery presents the access token its target holds (`listen
/// --webhook --token`, `serve --webhook --token`).
#[derive(Debug)]
pub(crate) enum Presented {
    /// `Authorization: Bearer` and the token (Web Hook §3.1).
    InHeader,
    /// An `access_token` query parameter holding the token (§3.2); the
    /// answer should then be private (HOOK-AUTH-5).
    InQuery,
    /// Neither: the delivery is not authorized, and this finding says why.
    Refused(Finding),
}

/// Returns how `request` presents `token`: in the Authorization header
/// with the Bearer scheme (ASCII case ignored, RFC 7235 §2.1), or as the
/// `access_token` query parameter (its `%` escapes decoded; a `+` stays a
/// plus, since no bearer token holds a space). No token at all breaks
/// HOOK-AUTH-1 (a delivery authorizes itself one of the two ways), and
/// so does another token than the one agreed: that delivery is not
/// authorized either. The agreed token under another scheme than Bearer
/// breaks HOOK-AUTH-2.
pub(crate) fn presented_token(request: &HttpMessage, token: &str) -> Presented {
    let credentials = header_text(request, "authorization");
    let (scheme, sent) = credentials
        .as_deref()
        .and_then(|c| c.split_once(' '))
        .map_or(("", ""), |(scheme, rest)| (scheme, rest.trim()));
    if sent == token {
        if scheme.eq_ignore_ascii_case("Bearer") {
            return Presented::InHeader;
        }
        return Presented::Refused(must(
            "HOOK-AUTH-2",
            format!(
                "the token rides in Authorization under the {scheme:?} scheme; a bearer token goes with `Bearer`"
            ),
        ));
    }
    let in_query = query_of(&request.path)
        .split('&')
        .filter_map(|parameter| parameter.strip_prefix("access_token="))
        .any(|value| percent_encoding::percent_decode_str(value).eq(token.bytes()));
    if in_query {
        return Presented::InQuery;
    }
    let message = if credentials.is_none() && !token_in_query(&request.path) {
        "no access token, neither in the Authorization header nor in the access_token query parameter"
    } else {
        "the access token is not the one given with --token, so the delivery is not authorized"
    };
    Presented::Refused(must("HOOK-AUTH-1", message.to_owned()))
}

/// The answer to a delivery that is not authorized (RFC 6750 §3): 401
/// with a Bearer challenge, which names `invalid_token` when a token was
/// sent and nothing when none was.
pub(crate) fn unauthorized(request: &HttpMessage, why: &Finding) -> Reply {
    let sent = request.header("authorization").is_some() || token_in_query(&request.path);
    let challenge: &[u8] = if sent {
        b"Bearer realm=\"cespec\", error=\"invalid_token\""
    } else {
        b"Bearer realm=\"cespec\""
    };
    let mut reply = Reply::text(401, format!("{}: {}\n", why.rule, why.message));
    reply
        .headers
        .push(("www-authenticate".to_owned(), challenge.to_vec()));
    reply
}

/// Judges a web hook target's 2xx answer to a validation request (the
/// abuse-protection handshake), as a sender reads it: consent is the
/// `WebHook-Allowed-Origin` and `WebHook-Allowed-Rate` headers, together
/// (HOOK-AP-6), never the status; the origin granted is the one asked or
/// `*` (HOOK-AP-7); the rate is `*` or a positive integer, and is there
/// when one was asked (a MUST) or not (a SHOULD, HOOK-AP-8); `Allow` lists
/// POST (HOOK-AP-11). An answer that grants nothing leaves the target
/// without abuse protection for this sender (HOOK-AP-1, a SHOULD), unless
/// it grants later by calling back the URL the request offered: `callback`
/// is what came to that URL when one was offered and the answer withheld
/// consent ([`callback_findings`] judges the call).
pub fn handshake_findings(
    request: &HttpMessage,
    reply: &HttpMessage,
    callback: Option<&CallbackOutcome>,
) -> Vec<Finding> {
    let asked_origin = header_text(request, "webhook-request-origin").unwrap_or_default();
    let asked_rate = request
        .header_values("webhook-request-rate")
        .next()
        .is_some();
    let origin = header_text(reply, "webhook-allowed-origin");
    let rate = header_text(reply, "webhook-allowed-rate");
    let mut findings = Vec::new();
    match (&origin, &rate) {
        (None, None) => match callback {
            Some(CallbackOutcome::Called { request, .. }) => {
                findings.extend(callback_findings(request));
            }
            Some(CallbackOutcome::NotCalled { waited, strays }) => findings.push(should(
                "HOOK-AP-1",
                format!(
                    "answered {} with neither WebHook-Allowed-Origin nor WebHook-Allowed-Rate, and did not call the WebHook-Request-Callback URL within {} ms: no consent, so a sender may not deliver (the URL was plain http:// on loopback{})",
                    reply.status,
                    waited.as_millis(),
                    match strays.as_slice() {
                        [] => String::new(),
                        asked => format!("; asked instead: {}", asked.join(", ")),
                    }
                ),
            )),
            None => findings.push(should(
                "HOOK-AP-1",
                format!(
                    "answered {} with neither WebHook-Allowed-Origin nor WebHook-Allowed-Rate: no consent, so a sender may not deliver",
                    reply.status
                ),
            )),
        },
        (None, Some(_)) => findings.push(must(
            "HOOK-AP-6",
            "granted a rate but no origin; consent is WebHook-Allowed-Origin and WebHook-Allowed-Rate together".into(),
        )),
        (Some(_), None) if asked_rate => findings.push(must(
            "HOOK-AP-8",
            "the request asked for a rate, and the grant has no WebHook-Allowed-Rate".into(),
        )),
        (Some(_), None) => findings.push(should(
            "HOOK-AP-8",
            "the grant has no WebHook-Allowed-Rate (`*` grants any rate)".into(),
        )),
        (Some(_), Some(_)) => {}
    }
    if let Some(origin) = &origin
        && origin != "*"
        && !origin.eq_ignore_ascii_case(&asked_origin)
    {
        findings.push(must(
            "HOOK-AP-7",
            format!("WebHook-Allowed-Origin is {origin:?}; it is the origin asked for ({asked_origin:?}) or `*`"),
        ));
    }
    if let Some(rate) = &rate
        && rate != "*"
        && !is_positive_integer(rate)
    {
        findings.push(must(
            "HOOK-AP-8",
            format!("WebHook-Allowed-Rate is {rate:?}; it is `*` or a positive integer"),
        ));
    }
    if !lists(reply, "allow", b"POST") {
        findings.push(should(
            "HOOK-AP-11",
            "the answer has no Allow header listing POST".into(),
        ));
    }
    findings
}

/// Judges the call a web hook target made to grant consent by callback
/// (Web Hook §4.1.3): a GET or a POST (HOOK-AP-5, which asks the sender's
/// URL to take both because a target may use either), naming the rate it
/// grants in `WebHook-Allowed-Rate` (HOOK-AP-9; without it the sender keeps
/// to the rate it asked for), which is `*` or a positive integer as in an
/// answer (HOOK-AP-8).
pub fn callback_findings(call: &HttpMessage) -> Vec<Finding> {
    let mut findings = Vec::new();
    if !matches!(call.method.as_str(), "GET" | "POST") {
        findings.push(must(
            "HOOK-AP-5",
            format!(
                "called the WebHook-Request-Callback URL with {}; a target grants consent by calling it with GET or POST",
                call.method
            ),
        ));
    }
    match header_text(call, "webhook-allowed-rate") {
        None => findings.push(should(
            "HOOK-AP-9",
            "granted by callback without WebHook-Allowed-Rate, so the sender keeps to the rate it asked for (or any, having asked none)".into(),
        )),
        Some(rate) if rate != "*" && !is_positive_integer(&rate) => findings.push(must(
            "HOOK-AP-8",
            format!("the callback's WebHook-Allowed-Rate is {rate:?}; it is `*` or a positive integer"),
        )),
        Some(_) => {}
    }
    findings
}

/// Judges a web hook target's 2xx answer to a delivery (`request`) it
/// accepted: 200 and 201 carry a body with a Content-Type (HOOK-RSP-2);
/// without a body the answer is 201, 202 or 204, and 200 with an empty
/// body is exactly what HOOK-RSP-3 rules out; any other 2xx is none of the
/// answers the spec defines. The answer to a delivery whose token came in
/// the query says `Cache-Control: private` (HOOK-AUTH-5).
pub fn response_findings(request: &HttpMessage, reply: &HttpMessage) -> Vec<Finding> {
    let typed = reply.header_values("content-type").next().is_some();
    let has_body = !reply.body.is_empty();
    let mut findings = Vec::new();
    match (reply.status, has_body) {
        (200, false) => findings.push(must(
            "HOOK-RSP-3",
            "answered 200 with an empty body; without a body a web hook target answers 201, 202 or 204".into(),
        )),
        (200 | 201, true) if !typed => findings.push(must(
            "HOOK-RSP-2",
            format!("answered {} with a body but no Content-Type", reply.status),
        )),
        (200 | 201 | 202 | 204, _) => {}
        (status, true) => findings.push(must(
            "HOOK-RSP-2",
            format!("answered {status} with a body; a web hook target answers 200 or 201 with one"),
        )),
        (status, false) => findings.push(must(
            "HOOK-RSP-3",
            format!("answered {status}; without a body a web hook target answers 201, 202 or 204"),
        )),
    }
    if token_in_query(&request.path) && !lists(reply, "cache-control", b"private") {
        findings.push(should(
            "HOOK-AUTH-5",
            format!(
                "answered {} to a delivery whose token came in the query, without Cache-Control: private",
                reply.status
            ),
        ));
    }
    findings
}

/// Judges a web hook target's answer that broke the exchange (`cause`): a
/// redirect is a finding (HOOK-RSP-1: a delivery target does not answer
/// 3xx), and so is a 429 that names no wait (HOOK-RSP-6: a throttling
/// target includes Retry-After), where for any other target both only
/// break the exchange.
pub fn broken_answer_finding(cause: crate::target::Breakage) -> Option<Finding> {
    let crate::target::Breakage::Answered { status, named_wait } = cause else {
        return None;
    };
    if (300..400).contains(&status) {
        return Some(must(
            "HOOK-RSP-1",
            format!("answered {status}: a web hook delivery target does not redirect"),
        ));
    }
    (status == 429 && !named_wait).then(|| {
        must(
            "HOOK-RSP-6",
            "answered 429 without a usable Retry-After; a throttling web hook target names how long to wait".into(),
        )
    })
}

/// Judges a web hook target's refusal of `request`, answered with HTTP
/// `status` (`None` when it refused without one, by closing the
/// connection): a delivery whose Content-Type names an event format the
/// reference does not read either (`application/cloudevents+avro`) is
/// refused 415 (HOOK-RSP-7: a notification format the target does not
/// understand). Which formats a target reads is its own; the corpus
/// offers only ones no known implementation reads, so a refusal of them
/// is taken to be that.
pub fn unknown_format_finding(request: &HttpMessage, status: Option<u16>) -> Option<Finding> {
    let content_type = request.header_values("content-type").next();
    crate::codec::http::unsupported_format_rule(content_type)?;
    if status == Some(415) {
        return None;
    }
    let answered = match status {
        Some(status) => format!("answered {status}"),
        None => "closed the connection".to_owned(),
    };
    Some(must(
        "HOOK-RSP-7",
        format!(
            "refused a notification in a format it does not read ({}) and {answered}; a web hook target answers 415",
            String::from_utf8_lossy(content_type.unwrap_or_default())
        ),
    ))
}

/// Judges a web hook target's refusal of a validation request with HTTP
/// `status`: a target that does not take part in the handshake answers
/// OPTIONS 405 (HOOK-AP-10). A refusal asking for credentials first (401,
/// 403) is not about the method, and without a status there is no answer
/// to judge.
pub fn refused_validation_finding(request: &HttpMessage, status: Option<u16>) -> Option<Finding> {
    if !is_validation(request) {
        return None;
    }
    match status? {
        405 | 401 | 403 => None,
        status => Some(should(
            "HOOK-AP-10",
            format!(
                "refused the validation request with {status}; a target that does not take part in the handshake answers OPTIONS with 405"
            ),
        )),
    }
}

fn must(rule: &str, message: String) -> Finding {
    Finding {
        rule: rule.into(),
        level: Level::Must,
        message,
    }
}

fn should(rule: &str, message: String) -> Finding {
    Finding {
        rule: rule.into(),
        level: Level::Should,
        message,
    }
}

/// Whether the comma-separated values of header `name` hold `item`
/// (ASCII case ignored), as `Allow` lists methods and `Cache-Control`
/// directives; a directive's argument (`private="Set-Cookie"`) aside.
fn lists(message: &HttpMessage, name: &str, item: &[u8]) -> bool {
    message
        .header_values(name)
        .flat_map(|v| v.split(|&b| b == b','))
        .map(|listed| listed.split(|&b| b == b'=').next().unwrap_or_default())
        .any(|listed| listed.trim_ascii().eq_ignore_ascii_case(item))
}

/// The query of a request target (after `?`, before any `#`).
fn query_of(target: &str) -> &str {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    query.split_once('#').map_or(query, |(q, _)| q)
}

/// Whether a request target carries a token the query way: an
/// `access_token` parameter of its own (Web Hook §3.2).
fn token_in_query(target: &str) -> bool {
    query_of(target)
        .split('&')
        .any(|parameter| parameter.starts_with("access_token="))
}

/// The first value of a header, trimmed, when it is text.
fn header_text(request: &HttpMessage, name: &str) -> Option<String> {
    request.header(name).map(|v| v.trim().to_owned())
}

/// A host name in DNS form: dot-separated labels of letters, digits and
/// hyphens, 1 to 63 characters each, not starting or ending with a hyphen,
/// 253 characters at most (RFC 1123 §2.1). No scheme, port or path.
fn is_dns_name(text: &str) -> bool {
    let name = text.strip_suffix('.').unwrap_or(text);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_positive_integer(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.bytes().any(|b| b != b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpMessage {
        HttpMessage {
            method: method.into(),
            path: path.into(),
            status: 0,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
                .collect(),
            body: body.to_vec(),
        }
    }

    fn rules(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn a_validation_request_is_granted_what_it_asks() {
        let asked = request(
            "OPTIONS",
            "/hook",
            &[
                ("WebHook-Request-Origin", "eventemitter.example.com"),
                ("WebHook-Request-Rate", "120"),
            ],
            b"",
        );
        assert!(is_validation(&asked));
        let (findings, reply, grant) = validate(&asked, None);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("webhook-allowed-origin"),
            Some("eventemitter.example.com")
        );
        assert_eq!(reply.header("webhook-allowed-rate"), Some("120"));
        assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
        assert_eq!(
            grant,
            Some(Grant {
                origin: "eventemitter.example.com".into(),
                path: "/hook".into(),
                rate: Some(120),
                rate_from: RateFrom::Granted,
                recent: Default::default(),
            })
        );

        let no_rate = request("OPTIONS", "/", &[("WebHook-Request-Origin", "a.b")], b"");
        let (_, reply, _) = validate(&no_rate, None);
        assert!(
            reply
                .headers
                .contains(&("webhook-allowed-rate".to_owned(), b"*".to_vec()))
        );
    }

    #[test]
    fn a_validation_request_without_a_dns_origin_breaks_hook_ap_3() {
        for origin in [
            None,
            Some("https://example.com"),
            Some("example.com:8080"),
            Some("-bad.example.com"),
            Some(""),
        ] {
            let headers: Vec<(&str, &str)> = origin
                .map(|o| ("WebHook-Request-Origin", o))
                .into_iter()
                .collect();
            let (findings, reply, grant) = validate(&request("OPTIONS", "/", &headers, b""), None);
            assert_eq!(rules(&findings), ["HOOK-AP-3"], "{origin:?}");
            // A named origin is granted, even a malformed one; none is refused.
            assert_eq!(reply.status, if origin.is_some() { 200 } else { 400 });
            assert_eq!(grant.is_some(), origin.is_some());
            let consents = |name: &str| reply.headers.iter().any(|(n, _)| n == name);
            assert_eq!(consents("webhook-allowed-origin"), origin.is_some());
            assert_eq!(consents("webhook-allowed-rate"), origin.is_some());
        }
        let (findings, _, _) = validate(
            &request(
                "OPTIONS",
                "/",
                &[
                    ("WebHook-Request-Origin", "a.example"),
                    ("WebHook-Request-Rate", "0"),
                ],
                b"",
            ),
            None,
        );
        assert_eq!(rules(&findings), ["HOOK-AP-4"]);
        assert_eq!(findings[0].level, Level::May);
    }

    #[test]
    fn the_rate_granted_is_the_one_asked_for_within_the_limit() {
        let granted = |asked: Option<&str>, limit: Option<u32>| {
            let mut headers = vec![("WebHook-Request-Origin", "a.example")];
            headers.extend(asked.map(|r| ("WebHook-Request-Rate", r)));
            let (_, reply, grant) = validate(&request("OPTIONS", "/", &headers, b""), limit);
            let header = reply
                .headers
                .iter()
                .find(|(n, _)| n == "webhook-allowed-rate")
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
            (header.unwrap_or_default(), grant.unwrap().rate)
        };
        assert_eq!(granted(None, None), ("*".into(), None));
        assert_eq!(granted(Some("120"), None), ("120".into(), Some(120)));
        assert_eq!(granted(Some("120"), Some(2)), ("2".into(), Some(2)));
        assert_eq!(granted(Some("1"), Some(2)), ("1".into(), Some(1)));
        assert_eq!(granted(None, Some(2)), ("2".into(), Some(2)));
        assert_eq!(granted(Some("0"), Some(2)), ("2".into(), Some(2)));
        assert_eq!(
            granted(Some("99999999999"), None),
            (u32::MAX.to_string(), Some(u32::MAX))
        );
    }

    #[test]
    fn a_sender_over_its_granted_rate_is_warned() {
        let start = std::time::Instant::now();
        let mut grant = Grant {
            origin: "a.example".into(),
            path: "/".into(),
            rate: Some(2),
            rate_from: RateFrom::Granted,
            recent: Default::default(),
        };
        let at = |seconds: u64| start + std::time::Duration::from_secs(seconds);
        assert!(grant.note_delivery(at(0)).is_none());
        assert!(grant.note_delivery(at(10)).is_none());
        let over = grant
            .note_delivery(at(20))
            .expect("a third within a minute");
        assert_eq!(
            (over.rule.as_str(), over.level),
            ("HOOK-AP-14", Level::Should)
        );
        // A minute after the first two, the window has room again.
        assert!(grant.note_delivery(at(71)).is_none());
        let mut any_rate = Grant {
            rate: None,
            ..grant
        };
        assert!((0..100).all(|_| any_rate.note_delivery(at(80)).is_none()));
    }

    #[test]
    fn deliveries_are_posts_with_a_typed_body_that_repeat_the_origin() {
        let grant = Grant {
            origin: "a.example".into(),
            path: "/hook".into(),
            rate: None,
            rate_from: RateFrom::Granted,
            recent: Default::default(),
        };
        let good = request(
            "POST",
            "/hook",
            &[
                ("content-type", "application/json"),
                ("WebHook-Request-Origin", "a.example"),
            ],
            b"{}",
        );
        assert!(delivery_findings(&good, Some(&grant)).is_empty());
        assert!(delivery_findings(&good, None).is_empty());

        let put = request(
            "PUT",
            "/hook",
            &[("content-type", "application/json")],
            b"{}",
        );
        assert_eq!(rules(&delivery_findings(&put, None)), ["HOOK-DEL-2"]);

        let headers_alone = request("POST", "/", &[("ce-id", "1")], b"");
        assert_eq!(
            rules(&delivery_findings(&headers_alone, None)),
            ["HOOK-DEL-3"]
        );
        let untyped = request("POST", "/", &[], b"x");
        assert_eq!(rules(&delivery_findings(&untyped, None)), ["HOOK-DEL-3"]);

        let elsewhere = request(
            "POST",
            "/other",
            &[
                ("content-type", "text/plain"),
                ("WebHook-Request-Origin", "b.example"),
            ],
            b"x",
        );
        assert_eq!(
            rules(&delivery_findings(&elsewhere, Some(&grant))),
            ["HOOK-AP-2", "HOOK-AP-13"]
        );
        // A token in the query is no part of the validated URI.
        for path in ["/hook?access_token=t", "/hook?access_token=t&"] {
            let with_token = request(
                "POST",
                path,
                &[
                    ("content-type", "text/plain"),
                    ("WebHook-Request-Origin", "a.example"),
                    ("Cache-Control", "no-store"),
                ],
                b"x",
            );
            assert_eq!(
                rules(&delivery_findings(&with_token, Some(&grant))),
                ["HOOK-AUTH-6"],
                "{path}"
            );
        }
        assert_eq!(without_token("/h?p=1&access_token=t&q=2"), "/h?p=1&q=2");
        assert_eq!(without_token("/h?p=1"), "/h?p=1");
        let anonymous = request("POST", "/hook", &[("content-type", "text/plain")], b"x");
        assert_eq!(
            rules(&delivery_findings(&anonymous, Some(&grant))),
            ["HOOK-DEL-4"]
        );
    }

    #[test]
    fn a_token_is_judged_by_how_it_travels() {
        let delivery = |path: &str, headers: &[(&str, &str)]| {
            let mut all = vec![("content-type", "text/plain")];
            all.extend_from_slice(headers);
            let findings = delivery_findings(&request("POST", path, &all, b"x"), None);
            findings
                .into_iter()
                .map(|f| (f.rule, f.level))
                .collect::<Vec<_>>()
        };
        let found = |rules: &[(&str, Level)]| -> Vec<(String, Level)> {
            rules.iter().map(|(r, l)| ((*r).to_owned(), *l)).collect()
        };
        // No token, or one in the header: nothing to say.
        assert_eq!(delivery("/hook", &[]), []);
        assert_eq!(
            delivery("/hook", &[("Authorization", "Bearer mF_9.B5f-4.1JqM")]),
            []
        );
        assert_eq!(delivery("/hook", &[("Authorization", "Basic dTpw")]), []);
        assert_eq!(delivery("/hook?p=access_token", &[]), []);
        // A challenge-based scheme.
        for scheme in ["Digest username=\"u\"", "negotiate abc", "NTLM abc"] {
            assert_eq!(
                delivery("/hook", &[("Authorization", scheme)]),
                found(&[("HOOK-AUTH-3", Level::Must)]),
                "{scheme}"
            );
        }
        // The query method: a fallback, and not cacheable.
        let fallback = ("HOOK-AUTH-6", Level::Should);
        let no_store = [("Cache-Control", "private, No-Store")];
        for path in ["/hook?access_token=t", "/hook?p=q&access_token=t&r=s#f"] {
            assert_eq!(delivery(path, &no_store), found(&[fallback]), "{path}");
            assert_eq!(
                delivery(path, &[]),
                found(&[("HOOK-AUTH-5", Level::Should), fallback]),
                "{path}"
            );
        }
        // Glued to another parameter some other way than with '&'.
        assert_eq!(delivery("/hook?my_access_token=t", &[]), []);
        for path in ["/hook?p=q;access_token=t", "/hook?p=q,access_token=t"] {
            assert_eq!(
                delivery(path, &no_store),
                found(&[("HOOK-AUTH-4", Level::Must)]),
                "{path}"
            );
        }
    }

    #[test]
    fn an_agreed_token_is_presented_as_a_bearer_token_or_in_the_query() {
        let presented = |path: &str, headers: &[(&str, &str)]| match presented_token(
            &request("POST", path, headers, b"{}"),
            "mF_9.B5f+4==",
        ) {
            Presented::InHeader => "header".to_owned(),
            Presented::InQuery => "query".to_owned(),
            Presented::Refused(why) => why.rule,
        };
        assert_eq!(
            presented("/h", &[("Authorization", "Bearer mF_9.B5f+4==")]),
            "header"
        );
        assert_eq!(
            presented("/h", &[("Authorization", "BEARER  mF_9.B5f+4== ")]),
            "header"
        );
        assert_eq!(
            presented("/h?access_token=mF_9.B5f%2B4%3D%3D", &[]),
            "query"
        );
        assert_eq!(
            presented("/h?x=1&access_token=mF_9.B5f+4==#f", &[]),
            "query"
        );
        // The token under another scheme, no token, another token.
        assert_eq!(
            presented("/h", &[("Authorization", "MAC mF_9.B5f+4==")]),
            "HOOK-AUTH-2"
        );
        assert_eq!(presented("/h", &[]), "HOOK-AUTH-1");
        assert_eq!(
            presented("/h", &[("Authorization", "Bearer other")]),
            "HOOK-AUTH-1"
        );
        assert_eq!(presented("/h?access_token=mF_9", &[]), "HOOK-AUTH-1");
        assert_eq!(
            presented("/h?my_access_token=mF_9.B5f+4==", &[]),
            "HOOK-AUTH-1"
        );
    }

    #[test]
    fn the_rules_coverage_names_are_the_rules_these_checks_report() {
        let mut reported: Vec<String> = Vec::new();
        let bad_validation = request("OPTIONS", "/a", &[("WebHook-Request-Rate", "x")], b"");
        reported.extend(
            validate(&bad_validation, None)
                .0
                .into_iter()
                .map(|f| f.rule),
        );
        let grant = Grant {
            origin: "a.example".into(),
            path: "/a".into(),
            rate: None,
            rate_from: RateFrom::Granted,
            recent: Default::default(),
        };
        let bad_delivery = request("GET", "/b", &[("Authorization", "Digest x")], b"");
        let other_origin = request(
            "POST",
            "/a",
            &[("WebHook-Request-Origin", "b.example")],
            b"",
        );
        let query_token = request("POST", "/a?access_token=t", &[], b"");
        let glued_token = request("POST", "/a?p=q;access_token=t", &[], b"");
        let mut limited = grant.clone();
        limited.rate = Some(1);
        let now = std::time::Instant::now();
        reported.extend(
            [now, now]
                .into_iter()
                .filter_map(|at| limited.note_delivery(at))
                .map(|f| f.rule),
        );
        let mut asked = Grant {
            rate_from: RateFrom::Asked,
            ..limited.clone()
        };
        asked.recent.clear();
        reported.extend(
            [now, now]
                .into_iter()
                .filter_map(|at| asked.note_delivery(at))
                .map(|f| f.rule),
        );
        reported.push(before_consent_finding("http://127.0.0.1:9/grant").rule);
        let no_url = request(
            "OPTIONS",
            "/a",
            &[("WebHook-Request-Callback", "not a URL")],
            b"",
        );
        if let crate::server::callback::Offer::Unusable(f) = crate::server::callback::offer(&no_url)
        {
            reported.push(f.rule);
        }
        reported.push(early_delivery_finding(std::time::Duration::from_millis(5), 2).rule);
        reported.push(followed_redirect_finding().rule);
        reported.push(after_gone_finding().rule);
        for delivery in [&bad_delivery, &other_origin, &query_token, &glued_token] {
            reported.extend(
                delivery_findings(delivery, Some(&grant))
                    .into_iter()
                    .map(|f| f.rule),
            );
            if let Presented::Refused(why) = presented_token(delivery, "agreed") {
                reported.push(why.rule);
            }
        }
        let wrong_scheme = request("POST", "/a", &[("Authorization", "Token agreed")], b"");
        if let Presented::Refused(why) = presented_token(&wrong_scheme, "agreed") {
            reported.push(why.rule);
        }
        reported.sort();
        reported.dedup();
        assert_eq!(reported, SENDER_RULES_CHECKED);
        let catalog = crate::rules::Catalog::embedded().expect("catalog");
        for id in SENDER_RULES_CHECKED {
            assert!(catalog.get(id).is_some(), "{id} is not in the catalog");
        }
    }

    #[test]
    fn a_target_answers_with_a_typed_body_or_a_bodiless_status() {
        let reply = |status: u16, headers: &[(&str, &str)], body: &[u8]| {
            let mut m = request("", "", headers, body);
            m.status = status;
            response_findings(&request("POST", "/hook", &[], b"{}"), &m)
        };
        let json = [("content-type", "application/json")];
        for ok in [
            reply(200, &json, b"{}"),
            reply(201, &json, b"{}"),
            reply(201, &[], b""),
            reply(202, &[], b""),
            reply(202, &[], b"queued"),
            reply(204, &[], b""),
        ] {
            assert!(ok.is_empty(), "{ok:?}");
        }
        assert_eq!(rules(&reply(200, &json, b"")), ["HOOK-RSP-3"]);
        assert_eq!(rules(&reply(200, &[], b"{}")), ["HOOK-RSP-2"]);
        assert_eq!(rules(&reply(201, &[], b"x")), ["HOOK-RSP-2"]);
        assert_eq!(rules(&reply(206, &json, b"x")), ["HOOK-RSP-2"]);
        assert_eq!(rules(&reply(205, &[], b"")), ["HOOK-RSP-3"]);
        // A token that came in the query asks for a private answer.
        let to_query_token = |cache_control: &str| {
            let delivery = request("POST", "/hook?access_token=t&p=q", &[], b"{}");
            let mut answer = request("", "", &[("Cache-Control", cache_control)], b"");
            answer.status = 204;
            let findings = response_findings(&delivery, &answer);
            findings.iter().map(|f| f.rule.clone()).collect::<Vec<_>>()
        };
        assert_eq!(to_query_token("no-cache"), ["HOOK-AUTH-5"]);
        assert!(to_query_token("no-cache, PRIVATE").is_empty());
        assert!(to_query_token("private=\"Set-Cookie\"").is_empty());
        let broken = |status: u16, named_wait: bool| {
            broken_answer_finding(crate::target::Breakage::Answered { status, named_wait })
        };
        assert!(broken(204, false).is_none() && broken(503, false).is_none());
        assert!(broken_answer_finding(crate::target::Breakage::Unsent).is_none());
        let redirect = broken(307, false).into_iter().collect();
        let unnamed_wait = broken(429, false).into_iter().collect();
        assert!(broken(429, true).is_none());
        let avro = request(
            "POST",
            "/",
            &[("content-type", "application/cloudevents+avro")],
            b"x",
        );
        let unknown_format = unknown_format_finding(&avro, Some(400))
            .into_iter()
            .collect();
        let mut all: Vec<String> = [
            reply(200, &[], b""),
            reply(200, &[], b"x"),
            redirect,
            unnamed_wait,
            unknown_format,
        ]
        .into_iter()
        .flatten()
        .map(|f| f.rule)
        .collect();
        all.sort();
        assert_eq!(all, RESPONSE_RULES_CHECKED);
    }

    #[test]
    fn a_grant_is_both_consent_headers_with_the_origin_asked_and_a_rate() {
        let asking = |rate: Option<&str>| {
            let mut headers = vec![("WebHook-Request-Origin", "sender.example.com")];
            headers.extend(rate.map(|r| ("WebHook-Request-Rate", r)));
            request("OPTIONS", "/", &headers, b"")
        };
        let answer = |headers: &[(&str, &str)]| {
            let mut m = request("", "", headers, b"");
            m.status = 200;
            m
        };
        let judged = |rate: Option<&str>, headers: &[(&str, &str)]| {
            let findings = handshake_findings(&asking(rate), &answer(headers), None);
            let mut found: Vec<(String, Level)> =
                findings.into_iter().map(|f| (f.rule, f.level)).collect();
            found.sort();
            found
        };
        let allow = ("Allow", "OPTIONS, post");
        for granted in [
            [
                ("WebHook-Allowed-Origin", "sender.example.com"),
                ("WebHook-Allowed-Rate", "*"),
            ],
            [
                ("webhook-allowed-origin", "*"),
                ("webhook-allowed-rate", "60"),
            ],
            [
                ("WebHook-Allowed-Origin", "Sender.Example.com"),
                ("WebHook-Allowed-Rate", "120"),
            ],
        ] {
            let mut headers = granted.to_vec();
            headers.push(allow);
            assert_eq!(judged(Some("120"), &headers), [], "{headers:?}");
        }
        let found = |rate, headers: &[(&str, &str)]| -> Vec<(String, Level)> {
            judged(rate, &[headers, &[allow]].concat())
        };
        let one = |rule: &str, level| vec![(rule.to_owned(), level)];
        // No consent at all: the target offers no abuse protection.
        assert_eq!(found(None, &[]), one("HOOK-AP-1", Level::Should));
        // Half a consent.
        assert_eq!(
            found(None, &[("WebHook-Allowed-Rate", "*")]),
            one("HOOK-AP-6", Level::Must)
        );
        // A rate left out: required when one was asked, advised otherwise.
        let origin_only = [("WebHook-Allowed-Origin", "sender.example.com")];
        assert_eq!(
            found(Some("120"), &origin_only),
            one("HOOK-AP-8", Level::Must)
        );
        assert_eq!(found(None, &origin_only), one("HOOK-AP-8", Level::Should));
        // Values the spec does not allow.
        for (origin, rate, rule) in [
            ("other.example.com", "*", "HOOK-AP-7"),
            ("*.example.com", "*", "HOOK-AP-7"),
            ("sender.example.com", "0", "HOOK-AP-8"),
            ("sender.example.com", "-5", "HOOK-AP-8"),
            ("sender.example.com", "1.5", "HOOK-AP-8"),
        ] {
            let headers = [
                ("WebHook-Allowed-Origin", origin),
                ("WebHook-Allowed-Rate", rate),
            ];
            assert_eq!(
                found(None, &headers),
                one(rule, Level::Must),
                "{origin} {rate}"
            );
        }
        // An Allow header without POST.
        let headers = [
            ("WebHook-Allowed-Origin", "*"),
            ("WebHook-Allowed-Rate", "*"),
            ("Allow", "OPTIONS, GET"),
        ];
        assert_eq!(judged(None, &headers), one("HOOK-AP-11", Level::Should));
        // What the listener grants passes, so listen and serve agree.
        let (_, grant, _) = validate(&asking(Some("30")), None);
        let reply = request("", "", &[], b"");
        let granted = HttpMessage {
            status: grant.status,
            headers: grant.headers,
            ..reply
        };
        assert!(handshake_findings(&asking(Some("30")), &granted, None).is_empty());
    }

    #[test]
    fn a_grant_by_callback_is_judged_by_the_call() {
        let call = |method: &str, rate: Option<&str>| {
            let headers: Vec<(&str, &str)> = rate
                .map(|r| ("WebHook-Allowed-Rate", r))
                .into_iter()
                .collect();
            request(method, "/callback/s", &headers, b"")
        };
        let one = |rule: &str, level| vec![(rule.to_owned(), level)];
        let asking = request(
            "OPTIONS",
            "/",
            &[("WebHook-Request-Origin", "sender.example.com")],
            b"",
        );
        let judged = |method: &str, rate: Option<&str>| -> Vec<(String, Level)> {
            callback_findings(&call(method, rate))
                .into_iter()
                .map(|f| (f.rule, f.level))
                .collect()
        };
        assert!(judged("GET", Some("*")).is_empty());
        assert!(judged("POST", Some("120")).is_empty());
        assert_eq!(judged("PUT", Some("*")), one("HOOK-AP-5", Level::Must));
        assert_eq!(judged("GET", None), one("HOOK-AP-9", Level::Should));
        assert_eq!(judged("POST", Some("1.5")), one("HOOK-AP-8", Level::Must));
        // An answer that withholds consent is judged by what came of the
        // URL: the call, or the warning that nothing came.
        let withheld = request("", "", &[("Allow", "POST")], b"");
        let called = crate::runner::callback::CallbackOutcome::Called {
            request: call("GET", Some("*")),
            after: std::time::Duration::from_millis(100),
        };
        assert!(handshake_findings(&asking, &withheld, Some(&called)).is_empty());
        let silent = crate::runner::callback::CallbackOutcome::NotCalled {
            waited: std::time::Duration::from_secs(3),
            strays: vec!["GET /elsewhere".into()],
        };
        let findings = handshake_findings(&asking, &withheld, Some(&silent));
        let [finding] = findings.as_slice() else {
            panic!("{findings:?}")
        };
        assert_eq!(
            (finding.rule.as_str(), finding.level),
            ("HOOK-AP-1", Level::Should)
        );
        assert!(
            finding.message.contains("within 3000 ms")
                && finding.message.contains("asked instead: GET /elsewhere"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn a_format_nobody_reads_is_refused_with_415() {
        let delivery = |ct: &str| request("POST", "/", &[("content-type", ct)], b"Obj\x01");
        for unknown in [
            "application/cloudevents+avro",
            "application/CloudEvents+protobuf; charset=utf-8",
            "application/cloudevents-batch+avro",
        ] {
            let refused = |status| unknown_format_finding(&delivery(unknown), status);
            assert!(refused(Some(415)).is_none(), "{unknown}");
            for status in [Some(400), Some(422), None] {
                let finding = refused(status).expect(unknown);
                assert_eq!(
                    (finding.rule.as_str(), finding.level),
                    ("HOOK-RSP-7", Level::Must)
                );
                assert!(finding.message.contains(unknown), "{}", finding.message);
            }
        }
        // JSON, and binary mode (whatever its data's type), are formats the
        // reference reads: their refusals are about something else.
        for read in [
            "application/cloudevents+json",
            "application/cloudevents-batch+json",
            "application/avro",
        ] {
            assert!(
                unknown_format_finding(&delivery(read), Some(400)).is_none(),
                "{read}"
            );
        }
        assert!(unknown_format_finding(&request("POST", "/", &[], b""), Some(400)).is_none());
    }

    #[test]
    fn dns_names_and_rates() {
        for good in ["example.com", "localhost", "a-b.c1.example.", "x"] {
            assert!(is_dns_name(good), "{good}");
        }
        for bad in [
            "",
            ".",
            "a..b",
            "a_b.example",
            "a.example:80",
            "http://a",
            "é.example",
        ] {
            assert!(!is_dns_name(bad), "{bad}");
        }
        assert!(is_positive_integer("1") && is_positive_integer("0120"));
        assert!(
            !is_positive_integer("0") && !is_positive_integer("-1") && !is_positive_integer("")
        );
    }
}
