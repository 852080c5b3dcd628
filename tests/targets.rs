//! Integration tests of the targets and servers over real loopback sockets
//! and real child processes: `serve` + `HttpTarget` round trips, scripted
//! misbehaving HTTP servers, the stdio protocol against the example
//! programs, `listen` fed by a real HTTP client, and the hostile suites
//! against `cespec serve` and against hostile targets. Every wait is
//! bounded.
//!
//! One module per area under `tests/targets/`.

#[path = "targets/callback.rs"]
mod callback;
#[path = "support/certs.rs"]
mod certs;
#[path = "support/examples.rs"]
mod examples;
#[path = "targets/hostile.rs"]
mod hostile;
#[path = "targets/http.rs"]
mod http;
#[path = "targets/listen.rs"]
mod listen;
#[path = "targets/protocol_docs.rs"]
mod protocol_docs;
#[path = "targets/serve.rs"]
mod serve;
#[path = "targets/specs.rs"]
mod specs;
#[path = "targets/stdio.rs"]
mod stdio;
#[path = "targets/tls.rs"]
mod tls;

use std::time::Duration;

use cespec::target::http::HttpOptions;
use cespec::wire::{HttpMessage, Message};

/// Returns a binary-mode request for a valid event with id `id`.
pub fn event(id: &str) -> Message {
    let headers = [
        ("ce-specversion", "1.0"),
        ("ce-id", id),
        ("ce-source", "/s"),
        ("ce-type", "t.x"),
        ("content-type", "application/json"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
    .collect();
    Message::Http(HttpMessage::post(headers, br#"{"n":1}"#.to_vec()))
}

pub fn options(timeout_ms: u64) -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_millis(timeout_ms),
        ..HttpOptions::default()
    }
}
