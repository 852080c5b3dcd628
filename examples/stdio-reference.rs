//! A child program speaking cespec's stdio protocol (docs/stdio-protocol.md)
//! with the reference implementation inside. It is what an adapter for an
//! SDK looks like: read a request line, hand the message to the
//! implementation, write one response line. Logs go to stderr; stdout
//! carries protocol lines only.
//!
//! Try it: `cespec run --target 'cmd:cargo run -q --example stdio-reference'`.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use cespec::codec::{self, Encoding};
use cespec::suite::input::InputSpec;
use cespec::target::all_capabilities;
use cespec::target::stdio::protocol::{
    EchoResponse, PROTOCOL_VERSION, Request, Stage, Started, wire_spec,
};

fn main() -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let request: Request = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("stdio-reference: not a request ({e}): {line}");
                return ExitCode::from(2);
            }
        };
        let response = match request {
            Request::Start { protocol } if protocol != PROTOCOL_VERSION => {
                eprintln!("stdio-reference: protocol {protocol} is not supported");
                return ExitCode::from(2);
            }
            Request::Start { .. } => serde_json::to_string(&Started {
                kind: "started".into(),
                name: "reference (stdio)".into(),
                language: "rust".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                capabilities: all_capabilities().into_iter().collect(),
                protocol: Some(PROTOCOL_VERSION),
            }),
            Request::Echo {
                seq,
                message,
                reply,
            } => serde_json::to_string(&echo(seq, &message, reply)),
            Request::Stop => return ExitCode::SUCCESS,
        };
        let written = response
            .map_err(std::io::Error::other)
            .and_then(|r| writeln!(stdout, "{r}"))
            .and_then(|()| stdout.flush());
        if written.is_err() {
            // The harness is gone; so are we.
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// Decodes with the reference and re-encodes in `reply`.
fn echo(seq: u64, message: &InputSpec, reply: Encoding) -> EchoResponse {
    let fail = |error: String, stage: Stage| EchoResponse {
        seq,
        ok: false,
        message: None,
        error: Some(error),
        stage: Some(stage),
    };
    let message = match message.to_message(None) {
        Ok(m) => m,
        Err(e) => return fail(format!("unusable message: {e}"), Stage::Decode),
    };
    let events = match codec::decode(&message) {
        Ok(decoded) => decoded.events,
        Err(violations) => {
            let errors: Vec<String> = violations
                .iter()
                .filter(|v| v.is_error())
                .map(ToString::to_string)
                .collect();
            return fail(errors.join("; "), Stage::Decode);
        }
    };
    match codec::encode(&events, reply) {
        Ok(out) => EchoResponse {
            seq,
            ok: true,
            message: Some(wire_spec(&out)),
            error: None,
            stage: None,
        },
        // Accepted, but the reply cannot be written: not a rejection.
        Err(e) => fail(format!("cannot encode in {reply}: {e}"), Stage::Encode),
    }
}
