//! One benchmark row, run a given number of times with nothing else around
//! it: the program `benches/count-instructions.sh` runs under callgrind to
//! count the instructions a decode or an encode executes, the reference
//! beside its peers.
//!
//! Each row's work (decode, then drop what was decoded: an event's whole
//! life in a receiver; or encode an event, then drop the message) runs in a function of its own, never inlined, whose
//! name starts with `measured_`; callgrind collects only inside those, so
//! the count divided by the calls is the row's cost per call. Inputs come
//! from the embedded `bench` suite, as in `benches/codec.rs`, and the
//! serde struct and the header map are that bench's own (`benches/common`).
//!
//! Usage: `instructions ROW CLASS CALLS`, ROW one of the rows listed by
//! `instructions --rows`.

use std::hint::black_box;
use std::process::ExitCode;

use bytes::Bytes;
use cespec::bench::inputs::Inputs;
use cespec::codec::{self, Encoding, json};
use cespec::event::Event;
use cespec::wire::Message;

#[path = "../benches/common/peers.rs"]
mod peers;
use peers::{PlainEvent, header_map};

/// A row's measured function, by what it takes.
#[derive(Clone, Copy)]
enum Measured {
    Json(fn(&[u8]) -> bool),
    /// The same input held as `Bytes`, made once (as the bench does).
    JsonShared(fn(&Bytes) -> bool),
    /// A header map made for the call (the reference takes its values) and
    /// the body.
    Http(fn(&mut http::HeaderMap, Vec<u8>) -> bool),
    EncodeReference(fn(Event) -> usize),
    EncodeSdk(fn(cloudevents::Event) -> usize),
}

/// Every row, by the name the bench gives it, with the function it counts.
const ROWS: [(&str, Measured); 8] = [
    (
        "json-decode/reference",
        Measured::JsonShared(measured_json_reference),
    ),
    (
        "json-decode/reference-borrowed",
        Measured::Json(measured_json_reference_borrowed),
    ),
    (
        "json-decode/cloudevents-sdk",
        Measured::Json(measured_json_sdk),
    ),
    (
        "json-decode/serde-struct",
        Measured::Json(measured_json_struct),
    ),
    (
        "http-binary-decode/reference",
        Measured::Http(measured_http_reference),
    ),
    (
        "http-binary-decode/cloudevents-sdk",
        Measured::Http(measured_http_sdk),
    ),
    (
        "http-binary-encode/reference",
        Measured::EncodeReference(measured_encode_reference),
    ),
    (
        "http-binary-encode/cloudevents-sdk",
        Measured::EncodeSdk(measured_encode_sdk),
    ),
];

#[inline(never)]
fn measured_json_reference(body: &Bytes) -> bool {
    json::decode_event_shared(black_box(body)).is_ok()
}

#[inline(never)]
fn measured_json_reference_borrowed(bytes: &[u8]) -> bool {
    json::decode_event(black_box(bytes)).is_ok()
}

#[inline(never)]
fn measured_json_sdk(bytes: &[u8]) -> bool {
    serde_json::from_slice::<cloudevents::Event>(black_box(bytes)).is_ok()
}

#[inline(never)]
fn measured_json_struct(bytes: &[u8]) -> bool {
    serde_json::from_slice::<PlainEvent>(black_box(bytes)).is_ok()
}

#[inline(never)]
fn measured_http_reference(map: &mut http::HeaderMap, body: Vec<u8>) -> bool {
    codec::http::decode_header_map_taking(black_box(map), body).is_ok()
}

#[inline(never)]
fn measured_http_sdk(map: &mut http::HeaderMap, body: Vec<u8>) -> bool {
    cloudevents::binding::http::to_event(black_box(&*map), body).is_ok()
}

#[inline(never)]
fn measured_encode_reference(event: Event) -> usize {
    codec::http::into_binary_response(event).headers().len()
}

#[inline(never)]
fn measured_encode_sdk(event: cloudevents::Event) -> usize {
    cloudevents::binding::http::builder::adapter::to_response(event)
        .map_or(0, |response| response.headers().len())
}

/// Why a row was not counted: a wrong argument, or a call that failed.
#[derive(Debug)]
enum Refusal {
    Usage(String),
    Failed(String),
}

/// Runs `row` on `class` `calls` times.
fn run(inputs: &Inputs, row: &str, class: &str, calls: usize) -> Result<(), Refusal> {
    let Some(&(_, measured)) = ROWS.iter().find(|(name, _)| *name == row) else {
        return Err(Refusal::Usage(format!(
            "no row {row:?} (rows: instructions --rows)"
        )));
    };
    let (Some(bytes), Some(Message::Http(http))) = (
        inputs.json(class),
        inputs.get(class, Encoding::HttpBinary).map(|i| &i.message),
    ) else {
        return Err(Refusal::Usage(format!("no bench class {class:?}")));
    };
    let map = header_map(http);
    let body = Bytes::copy_from_slice(bytes);
    // The events the encoders consume, decoded once; each call encodes a
    // clone made outside the measured function.
    let (ours, sdk) = match (
        codec::http::decode_header_map(&map, &http.body),
        cloudevents::binding::http::to_event(&map, http.body.clone()),
    ) {
        (Ok(mut decoded), Ok(sdk)) => (decoded.events.remove(0), sdk),
        _ => return Err(Refusal::Failed(format!("{class} does not decode"))),
    };
    // Every call must succeed, or the count would be of a rejection.
    let mut succeeded = 0;
    for _ in 0..calls {
        // The inputs a row consumes are made here, outside its function.
        let ok = match measured {
            Measured::Json(decode) => decode(bytes),
            Measured::JsonShared(decode) => decode(&body),
            Measured::Http(decode) => decode(&mut map.clone(), http.body.clone()),
            Measured::EncodeReference(encode) => encode(ours.clone()) > 0,
            Measured::EncodeSdk(encode) => encode(sdk.clone()) > 0,
        };
        succeeded += usize::from(ok);
    }
    if succeeded != calls {
        return Err(Refusal::Failed(format!(
            "{row} succeeded in {succeeded} of {calls} calls on {class}"
        )));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rows") {
        for (row, _) in ROWS {
            println!("{row}");
        }
        return ExitCode::SUCCESS;
    }
    let [row, class, calls] = args.as_slice() else {
        eprintln!("usage: instructions ROW CLASS CALLS (rows: instructions --rows)");
        return ExitCode::from(2);
    };
    let Ok(calls) = calls.parse::<usize>() else {
        eprintln!("instructions: CALLS must be a whole number, not {calls:?}");
        return ExitCode::from(2);
    };
    let inputs = Inputs::load().expect("the embedded bench suite loads");
    match run(&inputs, row, class, calls) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Refusal::Usage(message)) => {
            eprintln!("instructions: {message}");
            ExitCode::from(2)
        }
        Err(Refusal::Failed(message)) => {
            eprintln!("instructions: {message}");
            ExitCode::FAILURE
        }
    }
}

// `cargo test` runs these (`test = true` in Cargo.toml), so that a row the
// script counts cannot quietly stop working.
#[cfg(test)]
mod tests {
    use super::*;
    use cespec::bench::inputs::CLASSES;

    #[test]
    fn every_row_runs_on_every_class() {
        let inputs = Inputs::load().unwrap();
        for (row, _) in ROWS {
            for class in CLASSES {
                let result = run(&inputs, row, class, 2);
                assert!(result.is_ok(), "{row} {class}: {result:?}");
            }
        }
    }

    #[test]
    fn an_unknown_row_or_class_is_a_usage_error() {
        let inputs = Inputs::load().unwrap();
        for (row, class) in [("json-decode/nobody", "minimal"), (ROWS[0].0, "huge")] {
            let result = run(&inputs, row, class, 1);
            assert!(matches!(result, Err(Refusal::Usage(_))), "{result:?}");
        }
    }
}
