//! `StdioTarget` against the example programs: the reference adapter, and
//! the misbehaving one in each of its modes.

use std::time::{Duration, Instant};

use cespec::codec::{self, Encoding};
use cespec::error::TargetError;
use cespec::target::stdio::{StdioOptions, StdioTarget};
use cespec::target::{Echo, Target};
use cespec::wire::{HttpMessage, KafkaRecord, Message};

pub use crate::examples::example;

use super::event;

fn argv(name: &str, args: &[&str]) -> Vec<String> {
    std::iter::once(example(name).display().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .collect()
}

fn quick() -> StdioOptions {
    StdioOptions {
        start_timeout: Duration::from_secs(10),
        echo_timeout: Duration::from_secs(5),
        ..StdioOptions::default()
    }
}

/// Returns an event request that makes the misbehaving program misbehave.
fn trigger() -> Message {
    let Message::Http(mut m) = event("bad") else {
        unreachable!()
    };
    m.headers.push(("x-misbehave".into(), b"1".to_vec()));
    Message::Http(m)
}

#[tokio::test]
async fn the_reference_child_echoes_and_rejects() {
    let target = StdioTarget::spawn(argv("stdio-reference", &[]), quick())
        .await
        .unwrap();
    assert_eq!(target.info().name, "reference (stdio)");
    assert!(target.capabilities().contains("kafka-binary"));
    let input = event("s-1");
    let want = &codec::decode(&input).unwrap().events[0];
    for reply in [
        Encoding::HttpBinary,
        Encoding::HttpStructured,
        Encoding::HttpBatch,
        Encoding::KafkaBinary,
        Encoding::Json,
    ] {
        let Echo::Accepted(out) = target.echo(&input, reply).await else {
            panic!("{reply}")
        };
        let got = codec::decode(&out).unwrap();
        assert_eq!(got.encoding, reply);
        assert!(cespec::event::equivalence::compare(want, &got.events[0]).is_empty());
    }
    // Bytes that are not UTF-8 survive both ways.
    let raw = Message::Kafka(KafkaRecord {
        key: None,
        headers: [
            ("ce_specversion", "1.0"),
            ("ce_id", "k"),
            ("ce_source", "/s"),
            ("ce_type", "t"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect(),
        value: Some(vec![0xff, 0x00, 0xfe]),
    });
    let Echo::Accepted(Message::Kafka(back)) = target.echo(&raw, Encoding::KafkaBinary).await
    else {
        panic!()
    };
    assert_eq!(back.value, Some(vec![0xff, 0x00, 0xfe]));
    let invalid = Message::Http(HttpMessage::post(
        vec![("ce-id".into(), b"1".to_vec())],
        vec![],
    ));
    match target.echo(&invalid, Encoding::HttpBinary).await {
        Echo::Rejected { reason, .. } => assert!(reason.contains("CORE-CTX-1"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(target.restarts(), 0);
    target.shutdown().await;
    assert!(matches!(
        target.echo(&input, Encoding::HttpBinary).await,
        Echo::Broken { .. }
    ));
}

#[tokio::test]
async fn shell_mode_runs_through_sh() {
    let line = format!("exec '{}'", example("stdio-reference").display());
    let target = StdioTarget::spawn(
        vec![line],
        StdioOptions {
            shell: true,
            ..quick()
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        target.echo(&event("sh"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    target.shutdown().await;
}

/// Runs `mode` on a triggering echo, checks the reason, then checks that
/// the next echo works on a restarted process.
async fn misbehaves(mode: &str, want: &[&str]) {
    let target = StdioTarget::spawn(
        argv("stdio-misbehave", &[mode, "--when-header", "x-misbehave"]),
        StdioOptions {
            echo_timeout: Duration::from_millis(500),
            ..quick()
        },
    )
    .await
    .unwrap();
    assert!(
        matches!(
            target.echo(&event("ok"), Encoding::HttpBinary).await,
            Echo::Accepted(_)
        ),
        "{mode}: before"
    );
    let started = Instant::now();
    match target.echo(&trigger(), Encoding::HttpBinary).await {
        Echo::Broken { reason, .. } => {
            for w in want {
                assert!(reason.contains(w), "{mode}: {reason:?} lacks {w:?}");
            }
        }
        other => panic!("{mode}: {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{mode}: too slow"
    );
    assert!(
        matches!(
            target.echo(&event("again"), Encoding::HttpStructured).await,
            Echo::Accepted(_)
        ),
        "{mode}: after"
    );
    assert_eq!(target.restarts(), 1, "{mode}");
    target.shutdown().await;
}

#[tokio::test]
async fn a_crash_is_broken_and_the_process_restarts() {
    misbehaves(
        "crash-on-echo",
        &[
            "process exited with status 3",
            "stderr tail: stdio-misbehave: crashing on purpose",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_hang_is_broken_after_the_timeout_and_the_process_restarts() {
    misbehaves("hang", &["no reply within 500 ms", "killed"]).await;
}

#[tokio::test]
async fn garbage_is_a_protocol_violation() {
    misbehaves(
        "garbage",
        &[
            "protocol violation: the reply is not JSON",
            "this is not json",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_wrong_seq_is_a_protocol_violation() {
    misbehaves(
        "wrong-seq",
        &["protocol violation: the reply has seq 1002, the request had seq 2"],
    )
    .await;
}

#[tokio::test]
async fn an_encode_stage_failure_is_broken_not_rejected_and_keeps_the_process() {
    let target = StdioTarget::spawn(
        argv(
            "stdio-misbehave",
            &["encode-fail", "--when-header", "x-misbehave"],
        ),
        quick(),
    )
    .await
    .unwrap();
    match target.echo(&trigger(), Encoding::HttpStructured).await {
        Echo::Broken { reason, .. } => assert_eq!(
            reason,
            "accepted, but could not encode in http-structured: the encoder refused on purpose"
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        target.echo(&event("after"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    assert_eq!(
        target.restarts(),
        0,
        "the process answered; nothing to restart"
    );
    target.shutdown().await;
}

#[tokio::test]
async fn a_failed_handshake_is_an_error() {
    let options = StdioOptions {
        start_timeout: Duration::from_millis(500),
        ..quick()
    };
    // Resolve the program first: the first `example()` call of a test run
    // builds the examples, which must not count against the handshake.
    let program = argv("stdio-misbehave", &["no-start"]);
    let started = Instant::now();
    match StdioTarget::spawn(program, options).await {
        Err(TargetError::Handshake { message, .. }) => {
            assert!(message.contains("no reply within 500 ms"), "{message}")
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("started"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    match StdioTarget::spawn(argv("stdio-misbehave", &["exit-on-start"]), quick()).await {
        Err(TargetError::Handshake { message, .. }) => {
            assert!(
                message.contains("exited with status 4") && message.contains("refusing to start"),
                "{message}"
            )
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("started"),
    }
    let missing = StdioTarget::spawn(vec!["/nonexistent/cespec-child".into()], quick()).await;
    assert!(matches!(missing, Err(TargetError::Spawn { .. })));
}
