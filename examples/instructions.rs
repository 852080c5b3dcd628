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

use cespec::bench::inputs::Inputs;
use cespec::codec::{self, Encoding, json};
use cespec::event::Event;
use cespec::wire::Message;

#[path = "../benches/common/peers.rs"]
mod peers;
use peers::{PlainEvent, header_map};

const ROWS: [&str; 7] = [
    "json-decode/reference",
    "json-decode/cloudevents-sdk",
    "json-decode/serde-struct",
    "http-binary-decode/reference",
    "http-binary-decode/cloudevents-sdk",
    "http-binary-encode/reference",
    "http-binary-encode/cloudevents-sdk",
];

#[inline(never)]
fn measured_json_reference(bytes: &[u8]) -> bool {
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
fn measured_http_reference(map: &http::HeaderMap, body: Vec<u8>) -> bool {
    codec::http::decode_header_map_owned(black_box(map), body).is_ok()
}

#[inline(never)]
fn measured_http_sdk(map: &http::HeaderMap, body: Vec<u8>) -> bool {
    cloudevents::binding::http::to_event(black_box(map), body).is_ok()
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rows") {
        println!("{}", ROWS.join("\n"));
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
    let Some(bytes) = inputs.json(class) else {
        eprintln!("instructions: no bench class {class:?}");
        return ExitCode::from(2);
    };
    let http = match inputs.get(class, Encoding::HttpBinary).map(|i| &i.message) {
        Some(Message::Http(m)) => m,
        _ => unreachable!("every bench class has an HTTP binary input"),
    };
    let map = header_map(http);
    // The events the encoders consume, decoded once; each call encodes a
    // clone made outside the measured function.
    let (ours, sdk) = match (
        codec::http::decode_header_map(&map, &http.body),
        cloudevents::binding::http::to_event(&map, http.body.clone()),
    ) {
        (Ok(mut decoded), Ok(sdk)) => (decoded.events.remove(0), sdk),
        _ => unreachable!("both sides decode every bench input"),
    };
    // Every call must decode, or the count would be of a rejection.
    let mut decoded = 0;
    for _ in 0..calls {
        let ok = match row.as_str() {
            "json-decode/reference" => measured_json_reference(bytes),
            "json-decode/cloudevents-sdk" => measured_json_sdk(bytes),
            "json-decode/serde-struct" => measured_json_struct(bytes),
            "http-binary-decode/reference" => measured_http_reference(&map, http.body.clone()),
            "http-binary-decode/cloudevents-sdk" => measured_http_sdk(&map, http.body.clone()),
            "http-binary-encode/reference" => measured_encode_reference(ours.clone()) > 0,
            "http-binary-encode/cloudevents-sdk" => measured_encode_sdk(sdk.clone()) > 0,
            _ => {
                eprintln!("instructions: no row {row:?} (rows: instructions --rows)");
                return ExitCode::from(2);
            }
        };
        decoded += usize::from(ok);
    }
    if decoded != calls {
        eprintln!("instructions: {row} decoded {decoded} of {calls} calls of {class}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
