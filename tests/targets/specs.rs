//! Targets opened from their addresses: `reference-http`, `--start`ed
//! servers with readiness and teardown, and `cmd:` lines.

use std::time::Duration;

use cespec::codec::Encoding;
use cespec::error::TargetError;
use cespec::target::Echo;
use cespec::target::spec::{OpenOptions, TargetSpec};
use tokio::net::{TcpListener, TcpStream};

use super::event;
use super::stdio::example;

async fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn reference_http_is_the_reference_over_loopback() {
    let target = TargetSpec::parse("reference-http")
        .unwrap()
        .open(&OpenOptions::default())
        .await
        .unwrap();
    assert_eq!(target.info().name, "reference-http");
    assert!(target.capabilities().contains("specversion-0.3"));
    for reply in [
        Encoding::HttpBinary,
        Encoding::HttpStructured,
        Encoding::HttpBatch,
    ] {
        assert!(
            matches!(target.echo(&event("rh"), reply).await, Echo::Accepted(_)),
            "{reply}"
        );
    }
    target.shutdown().await;
}

#[tokio::test]
async fn a_started_http_target_is_ready_then_torn_down() {
    let port = free_port().await;
    let spec = TargetSpec::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let command = format!("'{}' 127.0.0.1:{port}", example("http-reference").display());
    let options = OpenOptions {
        start: Some(command),
        start_timeout: Duration::from_secs(20),
        ..OpenOptions::default()
    };
    let target = spec.open(&options).await.unwrap();
    assert!(matches!(
        target.echo(&event("st"), Encoding::HttpStructured).await,
        Echo::Accepted(_)
    ));
    target.shutdown().await;
    // Gone: the port refuses connections (bounded wait for the kernel to notice).
    let mut refused = false;
    for _ in 0..40 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "the started server still accepts connections");
}

#[tokio::test]
async fn a_start_command_that_never_listens_is_an_error() {
    let port = free_port().await;
    let spec = TargetSpec::parse(&format!("receiver:http://127.0.0.1:{port}/")).unwrap();
    let options = OpenOptions {
        start: Some("sleep 30".into()),
        start_timeout: Duration::from_millis(300),
        ..OpenOptions::default()
    };
    match spec.open(&options).await {
        Err(TargetError::NotReady { message, .. }) => {
            assert!(message.contains("within 300 ms"), "{message}")
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("opened"),
    }
}

#[tokio::test]
async fn a_cmd_target_opens_through_its_address() {
    let spec =
        TargetSpec::parse(&format!("cmd:'{}'", example("stdio-reference").display())).unwrap();
    let target = spec.open(&OpenOptions::default()).await.unwrap();
    assert!(matches!(
        target.echo(&event("cmd"), Encoding::KafkaStructured).await,
        Echo::Accepted(_)
    ));
    target.shutdown().await;
}
