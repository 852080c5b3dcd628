//! `cespec listen`: judge a *sender* under test. An HTTP server (loopback
//! by default) takes every request the sender makes, decodes it with the
//! strict reference decoder, optionally matches each event against an
//! expected-events file, and answers 202 to valid events and 400 to
//! invalid ones. Each request becomes a [`CaseResult`] (`listen/request-<n>`)
//! on the same [`RunEvent`] stream a run produces, so every reporter works
//! unchanged; expected events that never arrived are reported at the end.
//!
//! Statuses: a MUST violation or a difference from the expected event
//! fails; a SHOULD violation warns (fails under `strict`); a MAY violation
//! is informational. A request refused by the limits (body too large, too
//! slow) is an error: it could not be judged.
//!
//! With `webhook` set, the listener is also a web hook delivery target
//! ([`crate::webhook`]): it grants the `OPTIONS` abuse-protection handshake
//! (in its answer, or by calling back the URL the sender offers:
//! [`super::callback`]) and adds the Web Hook spec's sender rules to every
//! delivery's findings.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::callback::{self, CallbackMethod, Offer};
use super::expected::{ExpectedEvents, MatchBy, Matched, Matcher};
use super::serve::rejection;
use super::{Handler, Limits, Reply, RunningServer};
use crate::codec::{self, Encoding, json};
use crate::error::ServerError;
use crate::event::Event;
use crate::rules::{Level, Violation, is_wip};
use crate::runner::judge::{JudgeOptions, difference_finding};
use crate::runner::{CaseResult, Finding, RunEvent, Status, Tally, TargetSummary, Transcript};
use crate::suite::input::InputSpec;
use crate::target::ImplementationInfo;
use crate::webhook::{self, Grant, RateFrom};
use crate::wire::{HttpMessage, Message};

/// The suite name of every listen result.
pub const SUITE: &str = "listen";

/// What `cespec listen` does.
#[derive(Clone, Debug)]
pub struct ListenConfig {
    /// Address to bind (default `127.0.0.1:0`, a free loopback port).
    pub addr: SocketAddr,
    pub limits: Limits,
    /// Events the sender should emit.
    pub expected: Option<ExpectedEvents>,
    /// Stop after this many events (a batch counts each event it carries;
    /// a request that is not a valid event counts as one).
    pub stop_after: Option<usize>,
    /// Stop after this long in any case.
    pub timeout: Option<Duration>,
    /// How requests are judged (`--strict`, `--released-spec`).
    pub judging: JudgeOptions,
    /// The target name results carry (default `sender`).
    pub target: String,
    /// Act as a web hook delivery target: answer the `OPTIONS` handshake
    /// and judge deliveries by the Web Hook spec too (`--webhook`).
    pub webhook: bool,
    /// In web hook mode, the most requests a minute the handshake grants
    /// (`--grant-rate`); a sender that sends more is warned (HOOK-AP-14).
    pub grant_rate: Option<u32>,
    /// Serve HTTPS with this configuration, for a sender that delivers only
    /// over TLS (`--tls-cert`, `--tls-key`, [`crate::tls::server_config`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// In web hook mode, the access token every delivery must present
    /// (`--token`): one that does not fails HOOK-AUTH-1 (or -2, for the
    /// token under another scheme than Bearer) and is answered 401.
    pub token: Option<String>,
    /// In web hook mode, answer every Nth delivery 429 with a Retry-After
    /// of this many seconds, and fail a sender that comes back sooner
    /// (HOOK-RSP-6; `--throttle-every N`, `--retry-after S`). N is at
    /// least 2, or no delivery would ever get through.
    pub throttle: Option<(usize, u32)>,
    /// In web hook mode, answer every Nth delivery 307 to a path a sender
    /// must not follow to (HOOK-RSP-1; `--redirect-every N`, N at least 2).
    pub redirect_every: Option<usize>,
    /// In web hook mode, take N deliveries and answer 410 Gone from then
    /// on, warning at each delivery after the first 410 (HOOK-RSP-5;
    /// `--retire-after N`).
    pub retire_after: Option<usize>,
    /// In web hook mode, grant a handshake that offers a callback URL by
    /// calling it with this method instead of in the answer
    /// (`--grant-by-callback`, [`super::callback`]).
    pub grant_by_callback: Option<CallbackMethod>,
    /// The TLS client an `https://` callback is called with (`--ca-cert`).
    pub callback_tls: Option<Arc<rustls::ClientConfig>>,
}

impl Default for ListenConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            limits: Limits::default(),
            expected: None,
            stop_after: None,
            timeout: None,
            judging: JudgeOptions::default(),
            target: "sender".into(),
            webhook: false,
            grant_rate: None,
            tls: None,
            token: None,
            throttle: None,
            redirect_every: None,
            retire_after: None,
            grant_by_callback: None,
            callback_tls: None,
        }
    }
}

/// A listening server, bound and accepting, whose results are not yet consumed.
pub struct Listener {
    server: RunningServer,
    results: mpsc::UnboundedReceiver<Captured>,
    shared: Arc<Shared>,
    stop_after: Option<usize>,
    timeout: Option<Duration>,
    expected_count: usize,
}

/// One judged request.
struct Captured {
    result: CaseResult,
    events: usize,
}

/// State the request handler and the run loop share.
struct Shared {
    target: String,
    judging: JudgeOptions,
    matcher: Mutex<Option<Matcher>>,
    requests: AtomicUsize,
    stopped: AtomicBool,
    results: mpsc::UnboundedSender<Captured>,
    /// `Some` in web hook mode: the consent the last handshake gave.
    webhook: Option<Mutex<Consent>>,
    /// `--grant-by-callback`: the method, and the TLS client for https.
    callback: Option<(CallbackMethod, Option<Arc<rustls::ClientConfig>>)>,
    /// The callbacks made, awaited before the listener reports its end.
    callbacks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// The most a handshake grants, in requests a minute.
    grant_rate: Option<u32>,
    /// The access token deliveries must present.
    token: Option<String>,
    /// `--throttle-every`: its N and Retry-After, the deliveries counted
    /// and until when the sender was asked to keep quiet.
    throttle: Option<Throttle>,
    /// `--redirect-every`: its N and the deliveries counted.
    redirect: Option<(usize, Mutex<usize>)>,
    /// `--retire-after`: its N, the deliveries taken, and whether a 410
    /// was sent.
    retire: Option<(usize, Mutex<(usize, bool)>)>,
}

/// The consent a web hook sender holds.
#[derive(Debug, Default)]
enum Consent {
    /// No handshake granted anything (none was made, or it named no origin).
    #[default]
    None,
    /// The answer withheld consent, to give it by calling back this URL,
    /// which has not happened yet or failed.
    Withheld(String),
    /// The callback to this URL is being made: the sender may hold it as
    /// consent already, so its deliveries are judged by the grant, which
    /// stays if the callback is answered 2xx.
    Calling(String, Grant),
    Granted(Grant),
}

/// Deliberate throttling of a web hook sender (`--throttle-every`).
struct Throttle {
    every: usize,
    wait_secs: u32,
    state: Mutex<(usize, Option<Instant>)>,
}

/// Binds the listener; it accepts requests from now on, and they queue
/// until [`Listener::run`] consumes them.
pub async fn bind(config: ListenConfig) -> Result<Listener, ServerError> {
    let (tx, rx) = mpsc::unbounded_channel();
    let expected_count = config.expected.as_ref().map_or(0, ExpectedEvents::len);
    let shared = Arc::new(Shared {
        target: config.target,
        judging: config.judging,
        matcher: Mutex::new(config.expected.map(Matcher::new)),
        requests: AtomicUsize::new(0),
        stopped: AtomicBool::new(false),
        results: tx,
        webhook: config.webhook.then(|| Mutex::new(Consent::None)),
        callback: config
            .grant_by_callback
            .filter(|_| config.webhook)
            .map(|method| (method, config.callback_tls)),
        callbacks: Mutex::new(Vec::new()),
        grant_rate: config.grant_rate,
        token: config.token.filter(|_| config.webhook),
        throttle: config
            .throttle
            .filter(|_| config.webhook)
            .map(|(every, wait_secs)| Throttle {
                every: every.max(2),
                wait_secs,
                state: Mutex::new((0, None)),
            }),
        redirect: config
            .redirect_every
            .filter(|_| config.webhook)
            .map(|every| (every.max(2), Mutex::new(0))),
        retire: config
            .retire_after
            .filter(|_| config.webhook)
            .map(|after| (after, Mutex::new((0, false)))),
    });
    let server = RunningServer::bind(
        config.addr,
        config.limits,
        Arc::new(Capture(shared.clone())),
        config.tls,
    )
    .await?;
    Ok(Listener {
        server,
        results: rx,
        shared,
        stop_after: config.stop_after,
        timeout: config.timeout,
        expected_count,
    })
}

impl Listener {
    /// Returns the address the sender should send to.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Returns `http://addr/`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Runs until the event count or the timeout is reached; see [`Listener::run_until`].
    pub async fn run(self, events: mpsc::Sender<RunEvent>) -> Tally {
        self.run_until(events, std::future::pending()).await
    }

    /// Emits `Started`, one `Finished` per request, one per expected event
    /// that never arrived, then `Done`, and returns the tally. It ends at
    /// the event count, the timeout, when `stop` resolves (Ctrl-C), or when
    /// the receiver of `events` is dropped. Requests after the end are
    /// answered 503 and not judged.
    pub async fn run_until(
        mut self,
        events: mpsc::Sender<RunEvent>,
        stop: impl Future<Output = ()>,
    ) -> Tally {
        let summary = TargetSummary {
            name: self.shared.target.clone(),
            address: self.url(),
            info: ImplementationInfo {
                name: self.shared.target.clone(),
                ..ImplementationInfo::default()
            },
            capabilities: Default::default(),
        };
        let cases = self.stop_after.unwrap_or(0).max(self.expected_count);
        let _ = events
            .send(RunEvent::Started {
                targets: vec![summary],
                cases,
            })
            .await;
        let mut tally = Tally::default();
        let mut counted = 0usize;
        let deadline = self.timeout.map(|t| tokio::time::Instant::now() + t);
        let expired = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(stop, expired);
        while self.stop_after.is_none_or(|n| counted < n) {
            let captured = tokio::select! {
                c = self.results.recv() => c,
                () = &mut expired => None,
                () = &mut stop => None,
            };
            let Some(captured) = captured else { break };
            counted += captured.events;
            if !forward(&events, &mut tally, captured.result).await {
                break;
            }
        }
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.server.shutdown().await;
        // A callback on its way is reported too (each is bounded).
        let callbacks = std::mem::take(&mut *lock(&self.shared.callbacks));
        for call in callbacks {
            let _ =
                tokio::time::timeout(callback::CALLBACK_PAUSE + callback::CALLBACK_TIMEOUT, call)
                    .await;
        }
        // Requests judged before the stop took effect are reported too.
        while let Ok(captured) = self.results.try_recv() {
            forward(&events, &mut tally, captured.result).await;
        }
        let missing: Vec<CaseResult> = match self.shared.matcher.lock() {
            Ok(guard) => guard
                .as_ref()
                .map(|m| {
                    m.missing()
                        .map(|e| missing_result(&self.shared.target, m.match_by(), e))
                        .collect()
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        for result in missing {
            forward(&events, &mut tally, result).await;
        }
        let _ = events.send(RunEvent::Done { tally }).await;
        tally
    }
}

/// Counts and sends a result; false when nobody listens any more.
async fn forward(events: &mpsc::Sender<RunEvent>, tally: &mut Tally, result: CaseResult) -> bool {
    tally.add(result.status);
    events
        .send(RunEvent::Finished(Box::new(result)))
        .await
        .is_ok()
}

/// Locks `mutex`, whether or not a panic poisoned it (the state behind it
/// is counters, right either way).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The request handler.
struct Capture(Arc<Shared>);

impl Handler for Capture {
    fn handle(&self, request: HttpMessage, received: Instant) -> Reply {
        if self.0.stopped.load(Ordering::SeqCst) {
            return Reply::text(503, "the listener has stopped\n");
        }
        let n = self.0.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let (reply, mut result, events) = match &self.0.webhook {
            Some(consent) if webhook::is_validation(&request) => {
                self.handshake(&request, n, consent)
            }
            Some(_) if let Some(refused) = self.unauthorized(&request, n) => refused,
            Some(_) if let Some(answered) = self.deliberate(&request, n, received) => answered,
            Some(consent) => {
                let findings = match &mut *lock(consent) {
                    Consent::Granted(grant) | Consent::Calling(_, grant) => {
                        let mut findings = webhook::delivery_findings(&request, Some(grant));
                        findings.extend(grant.note_delivery(received));
                        findings
                    }
                    Consent::Withheld(url) => {
                        let mut findings = webhook::delivery_findings(&request, None);
                        findings.push(webhook::before_consent_finding(url));
                        findings
                    }
                    Consent::None => webhook::delivery_findings(&request, None),
                };
                let judged = self.judge(&request, n, findings);
                if let Some((_, taken)) = &self.0.retire {
                    lock(taken).0 += 1;
                }
                judged
            }
            None => self.judge(&request, n, Vec::new()),
        };
        result.transcript = Some(transcript(&request, &reply));
        result.duration = received.elapsed();
        let _ = self.0.results.send(Captured { result, events });
        reply
    }

    fn handshake_failed(&self, peer: SocketAddr, reason: String) {
        if self.0.stopped.load(Ordering::SeqCst) {
            return;
        }
        let n = self.0.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let result = self.result(
            n,
            Status::Error,
            Level::Must,
            format!("the TLS handshake with {peer} failed, so no request came: {reason}"),
        );
        // Counts no event: the sender may try again, and --timeout ends a
        // run it never gets through.
        let _ = self.0.results.send(Captured { result, events: 0 });
    }

    fn refused(&self, request: HttpMessage, received: Instant, reply: &Reply) {
        if self.0.stopped.load(Ordering::SeqCst) {
            return;
        }
        let n = self.0.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let reason = String::from_utf8_lossy(&reply.body).trim().to_owned();
        let mut result = self.result(
            n,
            Status::Error,
            Level::Must,
            format!("refused with {}: {reason}", reply.status),
        );
        result.transcript = Some(transcript(&request, reply));
        result.duration = received.elapsed();
        let _ = self.0.results.send(Captured { result, events: 1 });
    }
}

impl Capture {
    /// Judges a validation request and answers it: with the consent, or,
    /// with `--grant-by-callback` and a callback offered, without it, the
    /// callback then made on its own task.
    fn handshake(
        &self,
        request: &HttpMessage,
        n: usize,
        consent: &Mutex<Consent>,
    ) -> (Reply, CaseResult, usize) {
        let (mut findings, mut reply, grant) = webhook::validate(request, self.0.grant_rate);
        let Some(grant) = grant else {
            let message = format!("web hook validation request: {} finding(s)", findings.len());
            return (reply, self.judged(n, findings, message), 0);
        };
        let offer = match self.0.callback {
            Some(_) => callback::offer(request),
            None => Offer::Headers,
        };
        let mut message = format!("web hook validation request: granted {}", grant.origin);
        match offer {
            Offer::Callback(url) => {
                callback::withhold_consent(&mut reply.headers);
                message = format!(
                    "web hook validation request: consent withheld, to be given by calling back {url}"
                );
                *lock(consent) = Consent::Withheld(url.clone());
                self.call_back(n, url, grant);
            }
            Offer::NotCalled(why) => {
                message = format!("{message} in the answer: {why}");
                *lock(consent) = Consent::Granted(grant);
            }
            Offer::Unusable(finding) => {
                findings.push(finding);
                *lock(consent) = Consent::Granted(grant);
            }
            Offer::Headers => *lock(consent) = Consent::Granted(grant),
        }
        if !findings.is_empty() {
            message = format!("{message}; {} finding(s)", findings.len());
        }
        (reply, self.judged(n, findings, message), 0)
    }

    /// Grants `grant` by calling back `url` after [`callback::CALLBACK_PAUSE`], on
    /// its own task, and reports the call as `listen/callback-<n>` (no
    /// event). With `--grant-rate` the call names the rate granted;
    /// without, the sender is held to the rate it asked for (HOOK-AP-9).
    fn call_back(&self, n: usize, url: String, grant: Grant) {
        let Some((method, tls)) = self.0.callback.clone() else {
            return;
        };
        let named_rate = self.0.grant_rate.and(grant.rate);
        let grant = Grant {
            rate_from: match named_rate {
                Some(_) => RateFrom::Granted,
                None => RateFrom::Asked,
            },
            ..grant
        };
        let shared = self.0.clone();
        let call = tokio::spawn(async move {
            tokio::time::sleep(callback::CALLBACK_PAUSE).await;
            // Each step leaves alone a consent a later handshake has set.
            if let Some(consent) = &shared.webhook {
                let mut consent = lock(consent);
                if matches!(&*consent, Consent::Withheld(u) if *u == url) {
                    *consent = Consent::Calling(url.clone(), grant);
                }
            }
            let named = named_rate.map(callback::NamedRate::PerMinute);
            let called = callback::call(&url, method, named, tls).await;
            if let Some(consent) = &shared.webhook {
                let mut consent = lock(consent);
                if matches!(&*consent, Consent::Calling(u, _) if *u == url) {
                    *consent = match std::mem::take(&mut *consent) {
                        Consent::Calling(_, grant) if called.granted => Consent::Granted(grant),
                        _ => Consent::Withheld(url),
                    };
                }
            }
            let capture = Capture(shared.clone());
            let mut result = capture.judged(n, called.findings, called.message);
            result.case = format!("{SUITE}/callback-{n}");
            let _ = shared.results.send(Captured { result, events: 0 });
        });
        // Finished calls have reported already: a sender that makes a
        // handshake before every delivery does not pile them up.
        let mut calls = lock(&self.0.callbacks);
        calls.retain(|call| !call.is_finished());
        calls.push(call);
    }

    /// Decodes and judges one request, `webhook` holding what the Web Hook
    /// rules found in it: the reply, the result and the number of events
    /// it counts for.
    fn judge(
        &self,
        request: &HttpMessage,
        n: usize,
        webhook: Vec<Finding>,
    ) -> (Reply, CaseResult, usize) {
        let decoded = match codec::http::decode(request) {
            Err(violations) => {
                let mut findings: Vec<Finding> = violations.iter().map(finding).collect();
                findings.extend(webhook);
                let first = violations
                    .iter()
                    .find(|v| v.is_error())
                    .or(violations.first());
                let message = match first {
                    Some(v) => format!("invalid: {} violation(s), first: {v}", violations.len()),
                    None => "invalid".to_owned(),
                };
                let mut result = self.judged(n, findings, message);
                // Whatever its findings' levels, an input the reference refuses
                // is not a pass, unless judging by the released spec and only
                // main-branch rules refuse it.
                let only_main_branch = self.0.judging.released_spec
                    && (violations.iter())
                        .filter(|v| v.is_error())
                        .all(|v| is_wip(&v.rule));
                if !only_main_branch
                    && matches!(result.status, Status::Pass | Status::Info | Status::Warn)
                {
                    result.status = Status::Fail;
                }
                return (Reply::text(400, rejection(&violations)), result, 1);
            }
            Ok(d) => d,
        };
        let mut findings: Vec<Finding> = decoded.warnings.iter().map(finding).collect();
        findings.extend(webhook);
        let mut expected_text = None;
        let mut actual_text = None;
        let mut unexpected = Vec::new();
        let several = decoded.events.len() > 1;
        if let Ok(mut guard) = self.0.matcher.lock()
            && let Some(matcher) = guard.as_mut()
        {
            let key = matcher.match_by().attribute();
            for event in &decoded.events {
                let label = format!("{key}={}", event.get_str(key).unwrap_or("?"));
                match matcher.receive(event) {
                    Matched::Expected {
                        expected,
                        differences,
                    } => {
                        if !differences.is_empty() && !several {
                            expected_text = Some(event_json(&expected));
                            actual_text = Some(event_json(event));
                        }
                        let about = if several {
                            format!("event {label}: ")
                        } else {
                            String::new()
                        };
                        findings.extend(
                            differences.iter().map(|d| {
                                difference_finding(d, decoded.encoding, Level::Must, &about)
                            }),
                        );
                    }
                    Matched::Unexpected => {
                        unexpected.push(format!("event {label} is not in the expected-events file"))
                    }
                    Matched::NoKey => {
                        unexpected.push(format!("an event without {key} cannot be matched"))
                    }
                }
            }
        }
        let what = describe(decoded.encoding, &decoded.events);
        let message = match (&unexpected[..], findings.len()) {
            ([first, ..], _) => format!("{what}: {first}"),
            ([], 0) => format!("valid {what}"),
            ([], k) => format!("{what}: {k} finding(s)"),
        };
        let mut result = self.judged(n, findings, message);
        if !unexpected.is_empty() {
            result.status = Status::Fail;
        }
        result.expected = expected_text;
        result.actual = actual_text;
        (
            Reply {
                status: 202,
                headers: Vec::new(),
                body: Vec::new(),
            },
            result,
            decoded.events.len().max(1),
        )
    }

    /// With `--token`, answers a delivery that does not present the token
    /// 401 instead of taking it; `None` to go on. The event is not judged
    /// (the delivery was not authorized), but the delivery counts as one,
    /// as an invalid request does: a sender is not expected to send it
    /// again unchanged.
    fn unauthorized(&self, request: &HttpMessage, n: usize) -> Option<(Reply, CaseResult, usize)> {
        let token = self.0.token.as_deref()?;
        let webhook::Presented::Refused(why) = webhook::presented_token(request, token) else {
            return None;
        };
        let reply = webhook::unauthorized(request, &why);
        let message = format!("answered 401, not authorized: {}", why.message);
        Some((reply, self.judged(n, vec![why], message), 1))
    }

    /// Answers a web hook delivery the way `--redirect-every`,
    /// `--retire-after` and `--throttle-every` ask, instead of taking it;
    /// `None` to take it. A delivery answered so counts no event and is not
    /// matched against expected events.
    fn deliberate(
        &self,
        request: &HttpMessage,
        n: usize,
        received: Instant,
    ) -> Option<(Reply, CaseResult, usize)> {
        let refusal = |status: u16, text: &str| Reply::text(status, format!("{text}\n"));
        if self.0.redirect.is_some() && request.path.starts_with(webhook::REDIRECTED_PATH) {
            let finding = webhook::followed_redirect_finding();
            let message = "a request where a deliberate redirect pointed";
            let reply = refusal(400, "a web hook sender does not follow redirects");
            return Some((reply, self.judged(n, vec![finding], message.into()), 0));
        }
        if let Some((after, state)) = &self.0.retire {
            let mut state = lock(state);
            let (taken, gone_sent) = &mut *state;
            if *taken >= *after {
                let findings: Vec<Finding> = gone_sent
                    .then(webhook::after_gone_finding)
                    .into_iter()
                    .collect();
                *gone_sent = true;
                let message = format!("answered 410 Gone on purpose (retired after {after})");
                let reply = refusal(410, "retired (cespec listen --retire-after)");
                return Some((reply, self.judged(n, findings, message), 0));
            }
        }
        if let Some(throttled) = self.throttled(n, received) {
            return Some(throttled);
        }
        let (every, count) = self.0.redirect.as_ref()?;
        let mut count = lock(count);
        *count += 1;
        if *count % every != 0 {
            return None;
        }
        let mut reply = refusal(
            307,
            "redirected on purpose (cespec listen --redirect-every)",
        );
        reply.headers.push((
            "location".to_owned(),
            webhook::REDIRECTED_PATH.as_bytes().to_vec(),
        ));
        let message = format!(
            "answered 307 on purpose (every {every} deliveries); the event is judged when it comes again"
        );
        Some((reply, self.judged(n, Vec::new(), message), 0))
    }

    /// With `--throttle-every`, answers a delivery 429 instead of taking
    /// it: every Nth one, and any that comes while the sender was asked to
    /// keep quiet (a HOOK-RSP-6 failure). Such a delivery counts no event
    /// and is not matched: the event is judged when it comes again.
    fn throttled(&self, n: usize, received: Instant) -> Option<(Reply, CaseResult, usize)> {
        let throttle = self.0.throttle.as_ref()?;
        let mut state = lock(&throttle.state);
        let (count, quiet_until) = &mut *state;
        let wait = Duration::from_secs(u64::from(throttle.wait_secs));
        let answer = |left: Duration| {
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            Reply {
                status: 429,
                headers: vec![("retry-after".to_owned(), secs.to_string().into_bytes())],
                body: b"throttled on purpose (cespec listen --throttle-every)\n".to_vec(),
            }
        };
        if let Some(until) = *quiet_until
            && received < until
        {
            let early = until - received;
            let finding = webhook::early_delivery_finding(early, u64::from(throttle.wait_secs));
            let message = "answered 429 again: the sender came back before Retry-After ran out";
            return Some((
                answer(early),
                self.judged(n, vec![finding], message.into()),
                0,
            ));
        }
        *count += 1;
        if *count % throttle.every != 0 {
            return None;
        }
        *quiet_until = received.checked_add(wait);
        let message = format!(
            "answered 429 on purpose (every {} deliveries), Retry-After: {}; the event is judged when it comes again",
            throttle.every, throttle.wait_secs
        );
        Some((answer(wait), self.judged(n, Vec::new(), message), 0))
    }

    /// Returns a result whose status and level follow from `findings`.
    fn judged(&self, n: usize, findings: Vec<Finding>, message: String) -> CaseResult {
        let status = findings
            .iter()
            .map(|f| self.0.judging.status_for(f))
            .min_by_key(|s| severity_rank(*s))
            .unwrap_or(Status::Pass);
        let level = findings
            .iter()
            .map(|f| f.level)
            .max()
            .unwrap_or(Level::Must);
        let mut rules: Vec<String> = Vec::new();
        for f in &findings {
            if !rules.contains(&f.rule) {
                rules.push(f.rule.clone());
            }
        }
        let mut result = self.result(n, status, level, message);
        result.rules = rules;
        result.findings = findings;
        result
    }

    fn result(&self, n: usize, status: Status, level: Level, message: String) -> CaseResult {
        let case = format!("{SUITE}/request-{n}");
        CaseResult::new(case, SUITE, &self.0.target, status, level, message)
    }
}

/// Ranks statuses from worst (0) to best.
fn severity_rank(status: Status) -> u8 {
    match status {
        Status::Error => 0,
        Status::Fail => 1,
        Status::Warn => 2,
        Status::Info => 3,
        Status::Skip => 4,
        Status::Pass => 5,
    }
}

fn finding(v: &Violation) -> Finding {
    let message = match &v.at {
        Some(at) => format!("{} ({at})", v.message),
        None => v.message.clone(),
    };
    Finding {
        rule: v.rule.clone(),
        level: v.level,
        message,
    }
}

fn describe(encoding: Encoding, events: &[Event]) -> String {
    match events {
        [one] => format!("{encoding} event id={}", one.get_str("id").unwrap_or("?")),
        many => format!("{encoding} message of {} events", many.len()),
    }
}

fn event_json(event: &Event) -> String {
    String::from_utf8_lossy(&json::encode_event(event)).into_owned()
}

fn transcript(request: &HttpMessage, reply: &Reply) -> Transcript {
    let response = HttpMessage {
        method: String::new(),
        path: String::new(),
        status: reply.status,
        headers: reply.headers.clone(),
        body: reply.body.clone(),
    };
    Transcript {
        request: Some(InputSpec::from_message(&Message::Http(request.clone()))),
        response: Some(InputSpec::from_message(&Message::Http(response))),
        note: Some(format!("answered {}", reply.status)),
    }
}

/// Returns the failure for an expected event that never arrived.
fn missing_result(target: &str, match_by: MatchBy, event: &Event) -> CaseResult {
    let key = match_by.attribute();
    let value = event.get_str(key).unwrap_or("?");
    let case = format!("{SUITE}/expected-{key}-{value}");
    let message = format!("the expected event {key}={value} never arrived");
    CaseResult {
        expected: Some(event_json(event)),
        ..CaseResult::new(case, SUITE, target, Status::Fail, Level::Must, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(strict: bool, expected: Option<&str>) -> Capture {
        capture_with(
            JudgeOptions {
                strict,
                released_spec: false,
            },
            expected,
        )
    }

    fn capture_with(judging: JudgeOptions, expected: Option<&str>) -> Capture {
        let (tx, _rx) = mpsc::unbounded_channel();
        let matcher = expected.map(|text| {
            Matcher::new(
                ExpectedEvents::parse(text.as_bytes(), std::path::Path::new("e"), MatchBy::Id)
                    .unwrap(),
            )
        });
        Capture(Arc::new(Shared {
            target: "s".into(),
            judging,
            matcher: Mutex::new(matcher),
            requests: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
            results: tx,
            webhook: None,
            callback: None,
            callbacks: Mutex::new(Vec::new()),
            grant_rate: None,
            token: None,
            throttle: None,
            redirect: None,
            retire: None,
        }))
    }

    fn request(headers: &[(&str, &str)], body: &str) -> HttpMessage {
        HttpMessage::post(
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect(),
            body.as_bytes().to_vec(),
        )
    }

    const GOOD: [(&str, &str); 4] = [
        ("ce-specversion", "1.0"),
        ("ce-id", "1"),
        ("ce-source", "https://example.com/s"),
        ("ce-type", "com.example.t"),
    ];

    #[test]
    fn judges_valid_and_invalid_requests() {
        let c = capture(false, None);
        let (reply, result, n) = c.judge(&request(&GOOD, ""), 1, Vec::new());
        assert_eq!(
            (reply.status, result.status, n, result.case.as_str()),
            (202, Status::Pass, 1, "listen/request-1")
        );
        let mut relative = GOOD;
        relative[2] = ("ce-source", "/s");
        let (reply, result, _) = c.judge(&request(&relative, ""), 2, Vec::new());
        assert_eq!(
            (reply.status, result.status, result.level),
            (202, Status::Warn, Level::Should)
        );
        let (_, result, _) = capture(true, None).judge(&request(&relative, ""), 1, Vec::new());
        assert_eq!(result.status, Status::Fail, "strict");
        let (reply, result, _) = c.judge(&request(&GOOD[1..], ""), 2, Vec::new());
        assert_eq!((reply.status, result.status), (400, Status::Fail));
        assert!(
            result.findings.iter().any(|f| f.rule == "CORE-CTX-1"),
            "{:?}",
            result.findings
        );
        assert!(result.message.starts_with("invalid: "));
    }

    #[test]
    fn released_spec_makes_main_branch_violations_informational() {
        // A repeated ce-id breaks CORE-CTX-2, a rule of the main branch only.
        let repeated = [GOOD[0], GOOD[1], ("ce-id", "2"), GOOD[2], GOOD[3]];
        let (_, result, _) = capture(false, None).judge(&request(&repeated, ""), 1, Vec::new());
        assert_eq!(result.status, Status::Fail, "{}", result.message);
        assert!(result.findings.iter().all(|f| f.rule == "CORE-CTX-2"));
        let released = JudgeOptions {
            strict: true,
            released_spec: true,
        };
        let (_, result, _) =
            capture_with(released, None).judge(&request(&repeated, ""), 1, Vec::new());
        assert_eq!(result.status, Status::Info, "{}", result.message);
    }

    #[test]
    fn compares_with_the_expected_events() {
        let expected = r#"{"specversion":"1.0","id":"1","source":"https://example.com/s","type":"com.example.t"}
{"specversion":"1.0","id":"2","source":"https://example.com/s","type":"com.example.t"}"#;
        let c = capture(false, Some(expected));
        let (_, result, _) = c.judge(&request(&GOOD, ""), 1, Vec::new());
        assert_eq!(result.status, Status::Pass, "{result:?}");
        let mut other = GOOD;
        other[3] = ("ce-type", "com.example.changed");
        other[1] = ("ce-id", "2");
        let (reply, result, _) = c.judge(&request(&other, ""), 2, Vec::new());
        assert_eq!((reply.status, result.status), (202, Status::Fail));
        assert!(result.expected.is_some() && result.actual.is_some());
        other[1] = ("ce-id", "3");
        let (_, result, _) = c.judge(&request(&other, ""), 3, Vec::new());
        assert_eq!(result.status, Status::Fail);
        assert!(
            result.message.contains("not in the expected-events file"),
            "{}",
            result.message
        );
    }

    #[test]
    fn untyped_bytes_read_as_json_are_named_as_the_judge_names_them() {
        // Expected: the bytes `{ "a": 1 }` with no content type. Sent in
        // binary mode as `{"a":1}`: the sender read them as JSON, which the
        // binary-mode body rule (HTTP-BIN-3) forbids, as `cespec run` says.
        let expected = r#"{"specversion":"1.0","id":"1","source":"https://example.com/s","type":"com.example.t","data_base64":"eyAiYSI6IDEgfQ=="}"#;
        let c = capture(false, Some(expected));
        let (_, result, _) = c.judge(&request(&GOOD, r#"{"a":1}"#), 1, Vec::new());
        assert_eq!(result.status, Status::Fail, "{result:?}");
        let rules: Vec<&str> = result.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["HTTP-BIN-3"], "{:?}", result.findings);
    }

    #[test]
    fn a_batch_counts_each_event() {
        let c = capture(false, None);
        let body = r#"[{"specversion":"1.0","id":"1","source":"https://example.com/s","type":"com.example.t"},{"specversion":"1.0","id":"2","source":"https://example.com/s","type":"com.example.t"}]"#;
        let (reply, result, n) = c.judge(
            &request(
                &[("content-type", "application/cloudevents-batch+json")],
                body,
            ),
            1,
            Vec::new(),
        );
        assert_eq!((reply.status, result.status, n), (202, Status::Pass, 2));
    }
}
