//! A child program that breaks cespec's stdio protocol on purpose, for the
//! tests of the stdio target. Usage:
//!
//! ```text
//! stdio-misbehave MODE [--when-header NAME]
//! ```
//!
//! MODE is one of `crash-on-echo` (writes to stderr, exits with status 3),
//! `hang` (never answers), `garbage` (answers with a line that is not JSON),
//! `wrong-seq` (answers with another seq), `no-start` (never answers
//! `start`), `exit-on-start` (exits with status 4 at `start`) and
//! `drop-subject` (echoes the event without its `subject` attribute: a
//! conformance bug rather than a protocol one, for `cespec prop`) and
//! `encode-fail` (answers `ok: false` with `stage: "encode"`: accepted, but
//! the reply could not be encoded). With
//! `--when-header NAME`, only echoes of HTTP messages carrying header NAME
//! misbehave; the others are answered correctly (the reference's echo).

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use cespec::codec;
use cespec::target::stdio::protocol::{EchoResponse, Request, Stage, Started, wire_spec};
use cespec::wire::Message;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().cloned().unwrap_or_default();
    let trigger = match args.get(1).map(String::as_str) {
        Some("--when-header") => args.get(2).cloned(),
        _ => None,
    };
    let mut stdout = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Ok(request) = serde_json::from_str::<Request>(&line) else {
            return ExitCode::from(2);
        };
        let response = match request {
            Request::Start { .. } if mode == "no-start" => hang(),
            Request::Start { .. } if mode == "exit-on-start" => {
                eprintln!("stdio-misbehave: refusing to start");
                return ExitCode::from(4);
            }
            Request::Start { .. } => serde_json::to_string(&Started {
                kind: "started".into(),
                name: format!("misbehave {mode}"),
                language: "rust".into(),
                version: String::new(),
                capabilities: vec!["http-binary".into(), "http-structured".into()],
                protocol: None,
            })
            .unwrap_or_default(),
            Request::Stop => return ExitCode::SUCCESS,
            Request::Echo {
                seq,
                message,
                reply,
            } => {
                let Ok(message) = message.to_message(None) else {
                    return ExitCode::from(2);
                };
                let triggered = match (&trigger, &message) {
                    (None, _) => true,
                    (Some(name), Message::Http(m)) => m.header_values(name).next().is_some(),
                    (Some(_), _) => false,
                };
                let seq = if triggered {
                    misbehave(&mode, seq)
                } else {
                    seq
                };
                let response = match codec::decode(&message).map(|mut d| {
                    if triggered && mode == "drop-subject" {
                        for event in &mut d.events {
                            event.remove("subject");
                        }
                    }
                    codec::encode(&d.events, reply)
                }) {
                    Ok(Ok(out)) => EchoResponse {
                        seq,
                        ok: true,
                        message: Some(wire_spec(&out)),
                        error: None,
                        stage: None,
                    },
                    _ => EchoResponse {
                        seq,
                        ok: false,
                        message: None,
                        error: Some("rejected".into()),
                        stage: None,
                    },
                };
                let response = if triggered && mode == "encode-fail" {
                    EchoResponse {
                        seq,
                        ok: false,
                        message: None,
                        error: Some("the encoder refused on purpose".into()),
                        stage: Some(Stage::Encode),
                    }
                } else {
                    response
                };
                if triggered && mode == "garbage" {
                    "this is not json {".to_owned()
                } else {
                    serde_json::to_string(&response).unwrap_or_default()
                }
            }
        };
        if writeln!(stdout, "{response}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// Misbehaves as `mode` says before answering echo `seq`; returns the seq to answer with.
fn misbehave(mode: &str, seq: u64) -> u64 {
    match mode {
        "crash-on-echo" => {
            eprintln!("stdio-misbehave: crashing on purpose at seq {seq}");
            std::process::exit(3);
        }
        "hang" => {
            hang();
            seq
        }
        "wrong-seq" => seq + 1000,
        _ => seq,
    }
}

fn hang() -> String {
    // Bounded, so a leaked process goes away on its own.
    std::thread::sleep(Duration::from_secs(120));
    String::new()
}
