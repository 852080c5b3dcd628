//! `HttpTarget` against scripted servers that misbehave in one way each:
//! 202 for a receiver, 500, silence, a cut response, garbage, refusal, an
//! oversized response and throttling (429).

use std::time::{Duration, Instant};

use cespec::codec::Encoding;
use cespec::target::http::{HttpOptions, HttpTarget, RECEIVER_ONLY};
use cespec::target::{Breakage, Echo, Target};
use cespec::wire::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{event, options};

/// A scripted HTTP server: it reads one request per connection, then does
/// what `script` says with the stream. Serves at most `connections` connections.
async fn scripted<F, Fut>(connections: usize, script: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            read_request(&mut stream).await;
            script(stream).await;
        }
    });
    url
}

/// Reads a request head and a Content-Length body, within 5 s.
async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    buf
}

#[tokio::test]
async fn receiver_only_target_is_judged_by_status() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
            .await;
    })
    .await;
    let target = HttpTarget::receiver(&url, options(5000)).unwrap();
    assert!(target.capabilities().contains(RECEIVER_ONLY));
    match target.echo(&event("r"), Encoding::HttpBinary).await {
        Echo::Accepted(Message::Http(m)) => {
            assert_eq!(m.status, 202);
            assert!(m.body.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

/// A server that answers one request per connection with `answers`, in
/// order, and reports each request (when it came, and its bytes lowered).
pub(super) async fn recording(
    answers: Vec<&'static [u8]>,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(Instant, String)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for answer in answers {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let request = read_request(&mut stream).await;
            let seen = String::from_utf8_lossy(&request).to_ascii_lowercase();
            let _ = tx.send((Instant::now(), seen));
            let _ = stream.write_all(answer).await;
        }
    });
    (url, rx)
}

/// A server that answers its first `throttled` connections with `first`
/// (a 429) and the rest 202, counting the requests it read.
async fn throttling(
    throttled: usize,
    first: &'static str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let url = scripted(throttled + 1, move |mut s| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let answer = if n < throttled {
                first
            } else {
                "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            };
            let _ = s.write_all(answer.as_bytes()).await;
        }
    })
    .await;
    (url, seen)
}

#[tokio::test]
async fn a_429_is_sent_again_after_the_wait_it_names() {
    use std::sync::atomic::Ordering;
    let (url, seen) = throttling(
        1,
        "HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await;
    let target = HttpTarget::receiver(&url, options(5000)).unwrap();
    let started = Instant::now();
    let echo = target.echo(&event("t"), Encoding::HttpBinary).await;
    assert!(
        matches!(&echo, Echo::Accepted(Message::Http(m)) if m.status == 202),
        "{echo:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "did not wait");
}

#[tokio::test]
async fn a_429_is_no_refusal_when_it_outlasts_the_timeout_or_names_no_wait() {
    use std::sync::atomic::Ordering;
    for (answer, says, named_wait) in [
        (
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 60\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy",
            "HTTP 429: throttled, Retry-After 60 s: busy",
            true,
        ),
        (
            "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy",
            "HTTP 429: throttled, no usable Retry-After: busy",
            false,
        ),
    ] {
        let (url, seen) = throttling(1, answer).await;
        let target = HttpTarget::new(&url, options(2000)).unwrap();
        let started = Instant::now();
        let echo = target.echo(&event("t"), Encoding::HttpBinary).await;
        assert_eq!(
            echo,
            Echo::Broken {
                reason: says.into(),
                cause: Breakage::Answered {
                    status: 429,
                    named_wait
                }
            }
        );
        assert_eq!(seen.load(Ordering::SeqCst), 1, "sent again: {says}");
        assert!(started.elapsed() < Duration::from_secs(2), "{says}");
    }
}

#[tokio::test]
async fn a_429_holds_every_request_to_the_target_not_only_its_own() {
    let accepted: &[u8] =
        b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let (url, mut rx) = recording(vec![
        b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        accepted,
        accepted,
    ])
    .await;
    let target = std::sync::Arc::new(HttpTarget::receiver(&url, options(5000)).unwrap());
    let first = {
        let target = target.clone();
        tokio::spawn(async move { target.echo(&event("a"), Encoding::HttpBinary).await })
    };
    let (throttled_at, _) = rx.recv().await.unwrap();
    // The 429 is on its way; a second echo starts while the first waits.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = target.echo(&event("b"), Encoding::HttpBinary).await;
    assert!(matches!(second, Echo::Accepted(_)), "{second:?}");
    assert!(matches!(first.await.unwrap(), Echo::Accepted(_)));
    for _ in 0..2 {
        let (arrived, _) = rx.recv().await.unwrap();
        assert!(
            arrived.duration_since(throttled_at) >= Duration::from_millis(950),
            "a request came {:?} after the 429",
            arrived.duration_since(throttled_at)
        );
    }
}

#[tokio::test]
async fn a_429_is_sent_again_a_bounded_number_of_times() {
    use std::sync::atomic::Ordering;
    let throttle = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 0\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let (url, seen) = throttling(10, throttle).await;
    let target = HttpTarget::new(&url, options(5000)).unwrap();
    let echo = target.echo(&event("t"), Encoding::HttpBinary).await;
    assert!(matches!(echo, Echo::Broken { .. }), "{echo:?}");
    let retries = cespec::target::http::MAX_THROTTLE_RETRIES as usize;
    assert_eq!(seen.load(Ordering::SeqCst), 1 + retries);
}

#[tokio::test]
async fn extra_headers_ride_on_every_request_unless_the_case_sets_its_own() {
    let no_content: &[u8] = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
    let (url, mut rx) = recording(vec![no_content, no_content]).await;
    let options = HttpOptions {
        extra_headers: vec![("authorization".into(), b"Bearer t0k".to_vec())],
        ..options(5000)
    };
    let target = HttpTarget::receiver(&url, options).unwrap();
    assert!(matches!(
        target.echo(&event("a"), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    let (_, sent) = rx.recv().await.unwrap();
    assert!(sent.contains("\r\nauthorization: bearer t0k\r\n"), "{sent}");
    let Message::Http(mut own) = event("b") else {
        unreachable!()
    };
    own.headers
        .push(("Authorization".into(), b"Bearer mine".to_vec()));
    assert!(matches!(
        target.echo(&Message::Http(own), Encoding::HttpBinary).await,
        Echo::Accepted(_)
    ));
    let (_, sent) = rx.recv().await.unwrap();
    assert!(sent.contains("authorization: bearer mine"), "{sent}");
    assert!(!sent.contains("t0k"), "{sent}");
}

#[tokio::test]
async fn a_5xx_is_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\noops")
            .await;
    })
    .await;
    let target = HttpTarget::new(&url, options(5000)).unwrap();
    assert_eq!(
        target.echo(&event("x"), Encoding::HttpBinary).await,
        Echo::Broken {
            reason: "HTTP 500: oops".into(),
            cause: Breakage::Answered {
                status: 500,
                named_wait: false
            }
        }
    );
}

#[tokio::test]
async fn a_silent_server_is_broken_within_the_timeout() {
    let url = scripted(1, |s| async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(s);
    })
    .await;
    let target = HttpTarget::new(&url, options(300)).unwrap();
    let started = Instant::now();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason, .. } => assert!(reason.contains("within 300 ms"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_response_cut_short_is_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc")
            .await;
        let _ = s.shutdown().await;
    })
    .await;
    let target = HttpTarget::new(&url, options(5000)).unwrap();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason, .. } => assert!(reason.contains("broke off"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn garbage_and_refusal_are_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s.write_all(b"SMTP ready\r\n\r\n").await;
    })
    .await;
    let target = HttpTarget::new(&url, options(5000)).unwrap();
    assert!(matches!(
        target.echo(&event("x"), Encoding::HttpBinary).await,
        Echo::Broken { .. }
    ));

    // A port nobody listens on: bind one, note it, free it.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let target = HttpTarget::new(&format!("http://{addr}/"), options(5000)).unwrap();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason, cause } => {
            assert!(reason.starts_with("cannot connect"), "{reason}");
            // Nothing was sent: the judge may not blame the input.
            assert_eq!(cause, Breakage::Unsent);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_oversized_response_is_broken() {
    let url = scripted(1, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2048\r\n\r\n")
            .await;
        let _ = s.write_all(&[b'x'; 2048]).await;
    })
    .await;
    let target = HttpTarget::new(
        &url,
        HttpOptions {
            max_response_bytes: 1024,
            ..options(5000)
        },
    )
    .unwrap();
    match target.echo(&event("x"), Encoding::HttpBinary).await {
        Echo::Broken { reason, .. } => {
            assert!(reason.contains("exceeds the limit of 1024"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
