//! `listen` fed by a real HTTP sender: pass, fail, mismatch, missing
//! events, the event count, the timeout, refused requests, and the web hook
//! mode's handshake and delivery rules.

use std::path::Path;
use std::time::Duration;

use cespec::codec::Encoding;
use cespec::runner::{CaseResult, RunEvent, Status, Tally};
use cespec::server::callback::CallbackMethod;
use cespec::server::expected::{ExpectedEvents, MatchBy};
use cespec::server::listen::{self, ListenConfig};
use cespec::target::http::{HttpOptions, HttpTarget};
use cespec::target::{Echo, Target};
use cespec::wire::{HttpMessage, Message};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

fn sent(id: &str, source: &str) -> Message {
    let headers = [
        ("ce-specversion", "1.0"),
        ("ce-id", id),
        ("ce-source", source),
        ("ce-type", "com.example.sent"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
    .collect();
    Message::Http(HttpMessage::post(headers, Vec::new()))
}

/// Binds a listener with `config` and runs it; returns an HTTP sender aimed
/// at it, the stream of its run events and the task that ends with its tally.
async fn started(
    config: ListenConfig,
) -> (HttpTarget, mpsc::Receiver<RunEvent>, JoinHandle<Tally>) {
    let listener = listen::bind(config).await.unwrap();
    let sender = HttpTarget::receiver(
        &listener.url(),
        HttpOptions {
            timeout: Duration::from_secs(5),
            ..HttpOptions::default()
        },
    )
    .unwrap();
    let (tx, rx) = mpsc::channel(16);
    (sender, rx, tokio::spawn(listener.run(tx)))
}

/// Each result's case and status, in order.
fn summary(results: &[CaseResult]) -> Vec<(&str, Status)> {
    results
        .iter()
        .map(|r| (r.case.as_str(), r.status))
        .collect()
}

#[tokio::test]
async fn listen_judges_a_sender_and_stops_after_n() {
    let expected = ["1", "2", "4"]
        .map(|id| format!(r#"{{"specversion":"1.0","id":"{id}","source":"https://example.com/","type":"com.example.sent"}}"#))
        .join("\n");
    let expected = ExpectedEvents::parse(
        expected.as_bytes(),
        Path::new("expected.jsonl"),
        MatchBy::Id,
    )
    .unwrap();
    let config = ListenConfig {
        expected: Some(expected),
        stop_after: Some(3),
        timeout: Some(Duration::from_secs(20)),
        ..ListenConfig::default()
    };
    let (sender, mut rx, run) = started(config).await;

    let status = |echo: Echo| match echo {
        Echo::Accepted(Message::Http(m)) => m.status,
        Echo::Rejected { reason, .. } => reason[5..8].parse().unwrap(),
        Echo::Broken { reason, .. } => panic!("{reason}"),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        status(
            sender
                .echo(&sent("1", "https://example.com/"), Encoding::HttpBinary)
                .await
        ),
        202
    );
    let Message::Http(mut bad) = sent("x", "https://example.com/") else {
        unreachable!()
    };
    bad.headers.retain(|(n, _)| n != "ce-type");
    assert_eq!(
        status(sender.echo(&Message::Http(bad), Encoding::HttpBinary).await),
        400
    );
    assert_eq!(
        status(
            sender
                .echo(&sent("2", "/relative"), Encoding::HttpBinary)
                .await
        ),
        202
    );

    let tally = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("listen stops after 3")
        .unwrap();
    let mut results = Vec::new();
    let mut done = false;
    while let Ok(event) = rx.try_recv() {
        match event {
            RunEvent::Started { targets, .. } => assert_eq!(targets[0].name, "sender"),
            RunEvent::Finished(r) => results.push(*r),
            RunEvent::Done { .. } => done = true,
            RunEvent::TargetFailed { reason, .. } => panic!("{reason}"),
        }
    }
    assert!(done);
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/request-2", Status::Fail),
            // Matches id 2 but its source differs from the expected one.
            ("listen/request-3", Status::Fail),
            ("listen/expected-id-4", Status::Fail),
        ]
    );
    assert!(results[1].findings.iter().any(|f| f.rule == "CORE-CTX-1"));
    assert!(
        results[2]
            .findings
            .iter()
            .any(|f| f.message.contains("source")),
        "{:?}",
        results[2].findings
    );
    assert!(
        results[2].findings.iter().any(|f| f.rule == "CORE-SRC-2"),
        "the relative source also warns"
    );
    assert_eq!(
        results[0].transcript.as_ref().unwrap().note.as_deref(),
        Some("answered 202")
    );
    assert_eq!((tally.pass, tally.fail), (1, 3));

    // The listener is gone: a late sender gets no 2xx.
    assert!(!matches!(
        sender
            .echo(&sent("5", "https://example.com/"), Encoding::HttpBinary)
            .await,
        Echo::Accepted(_)
    ));
}

#[tokio::test]
async fn listen_stops_at_the_timeout_and_reports_oversized_requests() {
    let config = ListenConfig {
        timeout: Some(Duration::from_secs(3)),
        ..ListenConfig::default()
    };
    let (sender, mut rx, run) = started(config).await;
    let Message::Http(mut big) = sent("big", "https://example.com/") else {
        unreachable!()
    };
    big.body = vec![b'x'; 2 << 20];
    assert!(matches!(
        sender.echo(&Message::Http(big), Encoding::HttpBinary).await,
        Echo::Rejected { .. }
    ));
    let tally = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("listen times out")
        .unwrap();
    assert_eq!(tally.error, 1);
    let mut refused = None;
    while let Ok(event) = rx.try_recv() {
        if let RunEvent::Finished(r) = event {
            refused = Some(r);
        }
    }
    let refused = refused.unwrap();
    assert_eq!(refused.status, Status::Error);
    assert!(
        refused.message.starts_with("refused with 413"),
        "{}",
        refused.message
    );
}

/// A web hook sender: the OPTIONS handshake, then deliveries; the
/// listener grants the origin and two requests a minute, and judges the
/// deliveries by the Web Hook spec as well as by CloudEvents.
#[tokio::test]
async fn listen_as_a_web_hook_target_grants_the_handshake_and_judges_deliveries() {
    let config = ListenConfig {
        stop_after: Some(3),
        timeout: Some(Duration::from_secs(20)),
        webhook: true,
        grant_rate: Some(2),
        ..ListenConfig::default()
    };
    let (sender, mut rx, run) = started(config).await;
    let to_hook = |mut m: HttpMessage, method: &str| {
        m.method = method.into();
        m.path = "/hook".into();
        Message::Http(m)
    };

    let handshake = HttpMessage::post(
        vec![(
            "WebHook-Request-Origin".into(),
            b"sender.example.com".to_vec(),
        )],
        Vec::new(),
    );
    let granted = match sender
        .echo(&to_hook(handshake, "OPTIONS"), Encoding::HttpBinary)
        .await
    {
        Echo::Accepted(Message::Http(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(granted.status, 200);
    let header = |name: &str| {
        granted
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    assert_eq!(
        header("webhook-allowed-origin").as_deref(),
        Some("sender.example.com")
    );
    // No rate asked: the listener grants its limit.
    assert_eq!(header("webhook-allowed-rate").as_deref(), Some("2"));

    let Message::Http(mut delivery) = sent("1", "https://example.com/") else {
        unreachable!()
    };
    delivery.headers.push((
        "WebHook-Request-Origin".into(),
        b"sender.example.com".to_vec(),
    ));
    delivery
        .headers
        .push(("content-type".into(), b"application/json".to_vec()));
    delivery.body = b"{}".to_vec();
    let Message::Http(headers_alone) = sent("2", "https://example.com/") else {
        unreachable!()
    };
    for m in [delivery, headers_alone] {
        assert!(matches!(
            sender.echo(&to_hook(m, "POST"), Encoding::HttpBinary).await,
            Echo::Accepted(_)
        ));
    }
    // A token in the query (not in the validated URI): a fallback the
    // sender should not need, and one a cache should not keep.
    let Message::Http(mut with_token) = sent("3", "https://example.com/") else {
        unreachable!()
    };
    with_token.headers.extend([
        (
            "WebHook-Request-Origin".into(),
            b"sender.example.com".to_vec(),
        ),
        ("content-type".into(), b"text/plain".to_vec()),
    ]);
    with_token.body = b"hi".to_vec();
    let Message::Http(mut with_token) = to_hook(with_token, "POST") else {
        unreachable!()
    };
    with_token.path = "/hook?access_token=mF_9.B5f-4.1JqM".into();
    assert!(matches!(
        sender
            .echo(&Message::Http(with_token), Encoding::HttpBinary)
            .await,
        Echo::Accepted(_)
    ));

    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("listen stops after 3 events")
        .unwrap();
    let mut results = Vec::new();
    while let Ok(event) = rx.try_recv() {
        if let RunEvent::Finished(r) = event {
            results.push(*r);
        }
    }
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/request-2", Status::Pass),
            ("listen/request-3", Status::Fail),
            ("listen/request-4", Status::Warn),
        ],
        "{results:#?}"
    );
    assert!(
        results[0].message.contains("granted sender.example.com"),
        "{}",
        results[0].message
    );
    let rules_of =
        |r: &CaseResult| -> Vec<String> { r.findings.iter().map(|f| f.rule.clone()).collect() };
    assert_eq!(rules_of(&results[2]), ["HOOK-DEL-3", "HOOK-DEL-4"]);
    // The third delivery within a minute, of two granted.
    assert_eq!(
        rules_of(&results[3]),
        ["HOOK-AUTH-5", "HOOK-AUTH-6", "HOOK-AP-14"]
    );
}

/// A web hook delivery of event `id`: a body and its Content-Type.
fn delivery(id: &str) -> Message {
    let Message::Http(mut m) = sent(id, "https://example.com/") else {
        unreachable!()
    };
    m.headers
        .push(("content-type".into(), b"text/plain".to_vec()));
    m.body = b"hi".to_vec();
    Message::Http(m)
}

/// Waits for a listener to end and returns its results.
pub(super) async fn ended(
    mut rx: mpsc::Receiver<RunEvent>,
    run: JoinHandle<Tally>,
) -> Vec<CaseResult> {
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("listen ends")
        .unwrap();
    let mut results = Vec::new();
    while let Ok(event) = rx.try_recv() {
        if let RunEvent::Finished(r) = event {
            results.push(*r);
        }
    }
    results
}

/// `listen --webhook --redirect-every 2`: cespec's own HTTP target does not
/// follow the 307 (a redirect breaks its exchange); a sender that does
/// fails HOOK-RSP-1.
#[tokio::test]
async fn listen_redirects_a_web_hook_sender_and_fails_one_that_follows() {
    let config = ListenConfig {
        stop_after: Some(2),
        timeout: Some(Duration::from_secs(20)),
        webhook: true,
        redirect_every: Some(2),
        ..ListenConfig::default()
    };
    let (sender, rx, run) = started(config).await;
    for (id, redirected) in [("1", false), ("2", true)] {
        let echo = sender.echo(&delivery(id), Encoding::HttpBinary).await;
        match echo {
            Echo::Broken { .. } if redirected => {
                assert_eq!(echo.http_status(), Some(307), "{echo:?}")
            }
            Echo::Accepted(_) if !redirected => {}
            other => panic!("{id}: {other:?}"),
        }
    }
    // A sender that follows the Location it was given.
    let Message::Http(mut followed) = delivery("2") else {
        unreachable!()
    };
    followed.path = "/.cespec-redirected".into();
    let echo = sender
        .echo(&Message::Http(followed), Encoding::HttpBinary)
        .await;
    assert!(matches!(echo, Echo::Rejected { .. }), "{echo:?}");
    assert!(matches!(
        sender.echo(&delivery("3"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    let results = ended(rx, run).await;
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/request-2", Status::Pass),
            ("listen/request-3", Status::Fail),
            ("listen/request-4", Status::Pass),
        ],
        "{results:#?}"
    );
    assert!(
        results[1].message.contains("307 on purpose"),
        "{}",
        results[1].message
    );
    assert_eq!(results[2].findings[0].rule, "HOOK-RSP-1");
}

/// `listen --webhook --retire-after 1`: the second delivery meets 410
/// Gone, which the sender could not know of; a third is a HOOK-RSP-5
/// warning. Deliveries answered 410 count no event, so the run ends at its
/// timeout.
#[tokio::test]
async fn listen_retires_and_warns_a_web_hook_sender_that_keeps_sending() {
    let config = ListenConfig {
        timeout: Some(Duration::from_secs(2)),
        webhook: true,
        retire_after: Some(1),
        ..ListenConfig::default()
    };
    let (sender, rx, run) = started(config).await;
    assert!(matches!(
        sender.echo(&delivery("1"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    for id in ["2", "3"] {
        let echo = sender.echo(&delivery(id), Encoding::HttpBinary).await;
        assert!(
            matches!(
                &echo,
                Echo::Rejected {
                    status: Some(410),
                    ..
                }
            ),
            "{id}: {echo:?}"
        );
    }
    let results = ended(rx, run).await;
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/request-2", Status::Pass),
            ("listen/request-3", Status::Warn),
        ],
        "{results:#?}"
    );
    assert_eq!(results[2].findings[0].rule, "HOOK-RSP-5");
}

/// `listen --webhook --throttle-every 2 --retry-after 1`: a sender that
/// waits out the 429 (cespec's own HTTP target) gets its event through; one
/// that comes back early fails HOOK-RSP-6, and neither throttled delivery
/// counts as an event.
#[tokio::test]
async fn listen_throttles_a_web_hook_sender_and_holds_it_to_retry_after() {
    let config = ListenConfig {
        stop_after: Some(2),
        timeout: Some(Duration::from_secs(20)),
        webhook: true,
        throttle: Some((2, 1)),
        ..ListenConfig::default()
    };
    let (sender, rx, run) = started(config).await;
    let impatient = HttpTarget::receiver(
        sender.address(),
        HttpOptions {
            timeout: Duration::from_millis(500),
            ..HttpOptions::default()
        },
    )
    .unwrap();

    assert!(matches!(
        sender.echo(&delivery("1"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    let sender = std::sync::Arc::new(sender);
    let patient = {
        let sender = sender.clone();
        let second = delivery("2");
        tokio::spawn(async move { sender.echo(&second, Encoding::HttpBinary).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let early = impatient.echo(&delivery("3"), Encoding::HttpBinary).await;
    assert!(
        matches!(&early, Echo::Broken { .. } if early.http_status() == Some(429)),
        "{early:?}"
    );
    assert!(matches!(patient.await.unwrap(), Echo::Accepted(_)));

    let results = ended(rx, run).await;
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/request-2", Status::Pass),
            ("listen/request-3", Status::Fail),
            ("listen/request-4", Status::Pass),
        ],
        "{results:#?}"
    );
    assert!(
        results[1].message.contains("429 on purpose"),
        "{}",
        results[1].message
    );
    assert_eq!(results[2].findings[0].rule, "HOOK-RSP-6");
}

/// `listen --webhook --token T`: a delivery presenting T in the header, or
/// in the query (a warning under HOOK-AUTH-6 only), is taken; one without
/// it fails HOOK-AUTH-1, one with T under another scheme than Bearer fails
/// HOOK-AUTH-2, and both are answered 401 and count as an event each.
#[tokio::test]
async fn listen_holds_a_web_hook_sender_to_the_token_it_was_given() {
    const TOKEN: &str = "mF_9.B5f-4.1JqM+/==";
    let config = ListenConfig {
        stop_after: Some(4),
        timeout: Some(Duration::from_secs(20)),
        webhook: true,
        token: Some(TOKEN.into()),
        ..ListenConfig::default()
    };
    let (plain, rx, run) = started(config).await;
    let keyed = HttpTarget::receiver(
        plain.address(),
        HttpOptions {
            timeout: Duration::from_secs(5),
            token: Some(TOKEN.into()),
            ..HttpOptions::default()
        },
    )
    .unwrap();
    assert!(matches!(
        keyed.echo(&delivery("1"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    let Message::Http(mut in_query) = delivery("2") else {
        unreachable!()
    };
    in_query.path = "?access_token={token}".into();
    assert!(matches!(
        keyed
            .echo(&Message::Http(in_query), Encoding::HttpBinary)
            .await,
        Echo::Accepted(_)
    ));
    let Message::Http(mut other_scheme) = delivery("4") else {
        unreachable!()
    };
    other_scheme.headers.push((
        "authorization".into(),
        format!("Token {TOKEN}").into_bytes(),
    ));
    for unauthorized in [delivery("3"), Message::Http(other_scheme)] {
        let echo = plain.echo(&unauthorized, Encoding::HttpBinary).await;
        assert!(
            matches!(
                &echo,
                Echo::Rejected {
                    status: Some(401),
                    ..
                }
            ),
            "{echo:?}"
        );
    }
    let results = ended(rx, run).await;
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/request-2", Status::Warn),
            ("listen/request-3", Status::Fail),
            ("listen/request-4", Status::Fail),
        ],
        "{results:#?}"
    );
    let rules = |r: &CaseResult| {
        r.findings
            .iter()
            .map(|f| f.rule.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(rules(&results[1]), ["HOOK-AUTH-6"]);
    assert_eq!(rules(&results[2]), ["HOOK-AUTH-1"]);
    assert_eq!(rules(&results[3]), ["HOOK-AUTH-2"]);
}

/// A validation request from `sender.example.com` asking for `rate` a
/// minute, offering `callback` when given.
fn validation(rate: Option<u32>, callback: Option<&str>) -> Message {
    let mut headers = vec![(
        "WebHook-Request-Origin".to_owned(),
        b"sender.example.com".to_vec(),
    )];
    headers.extend(rate.map(|r| {
        (
            "WebHook-Request-Rate".to_owned(),
            r.to_string().into_bytes(),
        )
    }));
    headers
        .extend(callback.map(|c| ("WebHook-Request-Callback".to_owned(), c.as_bytes().to_vec())));
    let mut m = HttpMessage::post(headers, Vec::new());
    m.method = "OPTIONS".into();
    Message::Http(m)
}

/// Delivery `id` from `sender.example.com`.
fn delivery_from_origin(id: &str) -> Message {
    let Message::Http(mut m) = delivery(id) else {
        unreachable!()
    };
    m.headers.push((
        "WebHook-Request-Origin".into(),
        b"sender.example.com".to_vec(),
    ));
    Message::Http(m)
}

/// Sends a validation request and returns the answer.
async fn handshake(sender: &HttpTarget, request: &Message) -> HttpMessage {
    match sender.echo(request, Encoding::HttpBinary).await {
        Echo::Accepted(Message::Http(m)) => m,
        other => panic!("{other:?}"),
    }
}

/// Waits for the listener's next result.
async fn next_result(rx: &mut mpsc::Receiver<RunEvent>) -> CaseResult {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(RunEvent::Finished(r))) => return *r,
            Ok(Some(_)) => continue,
            other => panic!("no result: {other:?}"),
        }
    }
}

/// `listen --webhook --grant-by-callback`: consent is withheld from the
/// answer and given by a GET to the URL the sender offered, naming no rate,
/// so the sender is held to the rate it asked for (HOOK-AP-9).
#[tokio::test]
async fn listen_grants_by_calling_back_and_holds_the_sender_to_the_rate_it_asked() {
    let (callback_server, mut callbacks) = super::http::recording(vec![
        b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ])
    .await;
    let callback = format!("{callback_server}confirm?id=7&key=s3cret");
    let config = ListenConfig {
        stop_after: Some(2),
        timeout: Some(Duration::from_secs(20)),
        webhook: true,
        grant_by_callback: Some(CallbackMethod::Get),
        ..ListenConfig::default()
    };
    let (sender, mut rx, run) = started(config).await;
    let answer = handshake(&sender, &validation(Some(1), Some(&callback))).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.header("webhook-allowed-origin").is_none()
            && answer.header("webhook-allowed-rate").is_none(),
        "consent is withheld: {answer:?}"
    );
    let (_, called) = tokio::time::timeout(Duration::from_secs(10), callbacks.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        called.starts_with("get /confirm?id=7&key=s3cret http/1.1\r\n"),
        "{called}"
    );
    assert!(!called.contains("webhook-allowed-rate"), "{called}");

    let validated = next_result(&mut rx).await;
    let granted = next_result(&mut rx).await;
    for id in ["1", "2"] {
        assert!(matches!(
            sender
                .echo(&delivery_from_origin(id), Encoding::HttpBinary)
                .await,
            Echo::Accepted(_)
        ));
    }
    let mut results = vec![validated, granted];
    results.extend(ended(rx, run).await);
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/callback-1", Status::Pass),
            ("listen/request-2", Status::Pass),
            ("listen/request-3", Status::Warn),
        ],
        "{results:#?}"
    );
    assert!(
        results[0].message.contains("consent withheld"),
        "{}",
        results[0].message
    );
    assert!(
        results[1].message.contains("GET") && results[1].message.contains("answered 204"),
        "{}",
        results[1].message
    );
    assert_eq!(results[3].rules, ["HOOK-AP-9"]);
}

/// `--grant-by-callback post` with `--grant-rate`: the POST names the rate;
/// a callback URL that refuses POST fails HOOK-AP-5, and a delivery made
/// while consent is still withheld fails HOOK-AP-12.
#[tokio::test]
async fn a_callback_refused_leaves_consent_withheld_and_a_delivery_then_fails() {
    let (callback_server, mut callbacks) = super::http::recording(vec![
        b"HTTP/1.1 405 Method Not Allowed\r\nallow: GET\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ])
    .await;
    let config = ListenConfig {
        stop_after: Some(1),
        timeout: Some(Duration::from_secs(20)),
        webhook: true,
        grant_rate: Some(30),
        grant_by_callback: Some(CallbackMethod::Post),
        ..ListenConfig::default()
    };
    let (sender, mut rx, run) = started(config).await;
    let callback = format!("{callback_server}grant");
    handshake(&sender, &validation(None, Some(&callback))).await;
    let (_, called) = tokio::time::timeout(Duration::from_secs(10), callbacks.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(called.starts_with("post /grant http/1.1\r\n"), "{called}");
    assert!(
        called.contains("\r\nwebhook-allowed-rate: 30\r\n"),
        "{called}"
    );

    let validated = next_result(&mut rx).await;
    let refused = next_result(&mut rx).await;
    assert!(matches!(
        sender
            .echo(&delivery_from_origin("1"), Encoding::HttpBinary)
            .await,
        Echo::Accepted(_)
    ));
    let mut results = vec![validated, refused];
    results.extend(ended(rx, run).await);
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/callback-1", Status::Fail),
            ("listen/request-2", Status::Fail),
        ],
        "{results:#?}"
    );
    assert_eq!(results[1].rules, ["HOOK-AP-5"]);
    assert!(results[1].message.contains("405"), "{}", results[1].message);
    assert_eq!(results[2].rules, ["HOOK-AP-12"]);
}

/// A callback the listener will not call (not on loopback), and a
/// handshake that offers none, are granted in the answer as without
/// `--grant-by-callback`.
#[tokio::test]
async fn without_a_loopback_callback_the_grant_goes_in_the_answer() {
    let config = ListenConfig {
        stop_after: Some(1),
        timeout: Some(Duration::from_secs(20)),
        webhook: true,
        grant_by_callback: Some(CallbackMethod::Get),
        ..ListenConfig::default()
    };
    let (sender, rx, run) = started(config).await;
    for offered in [Some("https://hooks.example.com/confirm?key=k"), None] {
        let answer = handshake(&sender, &validation(None, offered)).await;
        assert_eq!(
            answer.header("webhook-allowed-origin"),
            Some("sender.example.com"),
            "{offered:?}"
        );
    }
    assert!(matches!(
        sender
            .echo(&delivery_from_origin("1"), Encoding::HttpBinary)
            .await,
        Echo::Accepted(_)
    ));
    let results = ended(rx, run).await;
    assert_eq!(
        summary(&results),
        [
            ("listen/request-1", Status::Pass),
            ("listen/request-2", Status::Pass),
            ("listen/request-3", Status::Pass),
        ],
        "{results:#?}"
    );
    assert!(
        results[0].message.contains("not on loopback"),
        "{}",
        results[0].message
    );
}
