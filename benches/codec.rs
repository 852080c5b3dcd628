//! Codec throughput, side by side in one run: the reference codec (its own
//! single-pass tokenizer, `codec::scan`), the official Rust SDK
//! (`cloudevents-sdk` 0.9), and a fixed-schema serde_json struct with no
//! validation (the raw-parser baseline).
//!
//! Inputs come from the embedded `bench` suite through the suite loader
//! (`cespec::bench::inputs`), so what is timed is what the conformance
//! harness proves. Benchmark ids are `group/library/class`, so `critcmp` and
//! `benches/summarise.py` can put the libraries of one class side by side.
//! Every group sets `Throughput::ElementsAndBytes` (events and input bytes).
//!
//! Run: `cargo bench --bench codec` (the full matrix, ~7 min on 2 cores),
//! `cargo bench --bench codec -- --test` (each benchmark once, a smoke test).

use std::hint::black_box;
use std::time::Duration;

use cespec::bench::inputs::{BATCH_SIZES, CLASSES, Input, Inputs};
use cespec::codec::{self, Encoding, floor, json};
use cespec::event::Event;
use cespec::wire::{HttpMessage, Message};
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

#[path = "common/peers.rs"]
mod peers;
use peers::{PlainEvent, header_map};

fn throughput(events: usize, bytes: usize) -> Throughput {
    Throughput::ElementsAndBytes {
        elements: events as u64,
        bytes: bytes as u64,
    }
}

fn reference_event(bytes: &[u8]) -> Event {
    match json::decode_event(bytes) {
        Ok((event, _)) => event,
        Err(v) => panic!("a bench input is rejected by the reference: {v:?}"),
    }
}

fn sdk_event(bytes: &[u8]) -> cloudevents::Event {
    serde_json::from_slice(bytes).expect("the SDK decodes every bench input")
}

/// Structured JSON: decode and encode of one event per class.
fn json_single(c: &mut Criterion, inputs: &Inputs) {
    let mut group = c.benchmark_group("json-decode");
    for class in CLASSES {
        let bytes = inputs.json(class).expect("a JSON input per class");
        // A server holds the request body as Bytes (hyper does), so the
        // reference keeps its string values as slices of it; the body is
        // made once, outside the timing, and read by every call as the
        // other rows read `bytes`. `reference-borrowed` copies each value.
        let body = bytes::Bytes::copy_from_slice(bytes);
        group.throughput(throughput(1, bytes.len()));
        group.bench_function(format!("reference/{class}"), |b| {
            b.iter(|| json::decode_event_shared(black_box(&body)))
        });
        group.bench_function(format!("reference-borrowed/{class}"), |b| {
            b.iter(|| json::decode_event(black_box(bytes)))
        });
        group.bench_function(format!("cloudevents-sdk/{class}"), |b| {
            b.iter(|| serde_json::from_slice::<cloudevents::Event>(black_box(bytes)))
        });
        group.bench_function(format!("serde-struct/{class}"), |b| {
            b.iter(|| serde_json::from_slice::<PlainEvent>(black_box(bytes)))
        });
    }
    group.finish();

    // Floors, not codecs: the reference's tokenizer with no rule checked
    // (syntax only; keeping every member in one buffer; keeping where each
    // member lies, as the reference sharing the body needs), serde_json's
    // own syntax-only pass and simd-json's tape. Against the struct of
    // json-decode they bound what validation may cost if the reference is
    // to be 1.5x the struct (src/codec/floor.rs).
    let mut group = c.benchmark_group("json-decode-floor");
    for class in CLASSES {
        let bytes = inputs.json(class).expect("a JSON input per class");
        let text = std::str::from_utf8(bytes).expect("bench inputs are UTF-8");
        assert!(
            floor::json_keep(text).is_some(),
            "the floor reads the {class} input"
        );
        group.throughput(throughput(1, bytes.len()));
        group.bench_function(format!("floor-keep/{class}"), |b| {
            b.iter(|| floor::json_keep(black_box(text)))
        });
        group.bench_function(format!("floor-spans/{class}"), |b| {
            b.iter(|| floor::json_spans(black_box(text)))
        });
        group.bench_function(format!("floor-tokenize/{class}"), |b| {
            b.iter(|| floor::json_tokenize(black_box(text)))
        });
        group.bench_function(format!("serde-syntax/{class}"), |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(bytes)))
        });
        // simd-json parses in place: each iteration gets a fresh copy,
        // made and dropped outside the timing (the tape is dropped inside,
        // as every other row drops what it made).
        group.bench_function(format!("simd-json-tape/{class}"), |b| {
            b.iter_batched(
                || bytes.to_vec(),
                |mut copy| {
                    let nodes = simd_json::to_tape(&mut copy).map(|tape| tape.0.len());
                    (copy, nodes)
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("json-encode");
    for class in CLASSES {
        let bytes = inputs.json(class).expect("a JSON input per class");
        let ours = reference_event(bytes);
        let sdk = sdk_event(bytes);
        let plain: PlainEvent = serde_json::from_slice(bytes).expect("struct decodes");
        group.throughput(throughput(1, bytes.len()));
        group.bench_function(format!("reference/{class}"), |b| {
            b.iter(|| json::encode_event(black_box(&ours)))
        });
        group.bench_function(format!("cloudevents-sdk/{class}"), |b| {
            b.iter(|| serde_json::to_vec(black_box(&sdk)))
        });
        group.bench_function(format!("serde-struct/{class}"), |b| {
            b.iter(|| serde_json::to_vec(black_box(&plain)))
        });
    }
    group.finish();
}

/// JSON batches of 1, 10, 100 and 1000 events.
fn json_batch(c: &mut Criterion, inputs: &Inputs) {
    let mut group = c.benchmark_group("batch-decode");
    for n in BATCH_SIZES {
        let input = inputs.batch(n).expect("every batch size");
        let bytes = input.body();
        let class = format!("batch-{n}");
        group.throughput(throughput(n, bytes.len()));
        group.bench_function(format!("reference/{class}"), |b| {
            b.iter(|| json::decode_batch(black_box(bytes)))
        });
        group.bench_function(format!("cloudevents-sdk/{class}"), |b| {
            b.iter(|| serde_json::from_slice::<Vec<cloudevents::Event>>(black_box(bytes)))
        });
        group.bench_function(format!("serde-struct/{class}"), |b| {
            b.iter(|| serde_json::from_slice::<Vec<PlainEvent>>(black_box(bytes)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("batch-encode");
    for n in BATCH_SIZES {
        let bytes = inputs.batch(n).expect("every batch size").body();
        let ours = json::decode_batch(bytes).expect("the reference decodes").0;
        let sdk: Vec<cloudevents::Event> = serde_json::from_slice(bytes).expect("SDK decodes");
        let class = format!("batch-{n}");
        group.throughput(throughput(n, bytes.len()));
        group.bench_function(format!("reference/{class}"), |b| {
            b.iter(|| json::encode_batch(black_box(&ours)))
        });
        group.bench_function(format!("cloudevents-sdk/{class}"), |b| {
            b.iter(|| serde_json::to_vec(black_box(&sdk)))
        });
    }
    group.finish();
}

/// HTTP binary mode, both sides on the same `http` crate types: decode
/// from an `http::HeaderMap` and a body, encode into an `http::Response`.
fn http_binary(c: &mut Criterion, inputs: &Inputs) {
    let messages: Vec<(&str, &Input, &HttpMessage)> = CLASSES
        .iter()
        .map(|class| {
            let input = inputs
                .get(class, Encoding::HttpBinary)
                .expect("an HTTP binary input per class");
            match &input.message {
                Message::Http(m) => (*class, input, m),
                _ => unreachable!("an http-binary input is an HTTP message"),
            }
        })
        .collect();

    // Every side is timed the same way: inputs the routine consumes are
    // made outside the timing (`iter_batched`), and so is dropping the
    // outputs. `reference` takes the body or the event by value, as the
    // SDK's `to_event` and `to_response` do, and in decode also the header
    // values (`decode_header_map_taking`: a server owns the request's
    // headers), so it gets a clone of the map each call and hands the
    // emptied map back to be dropped outside the timing; the SDK borrows
    // the one map every call, which stays hot in the cache (if anything,
    // in its favour). `reference-borrowed` borrows its input and copies
    // what it keeps.
    let mut group = c.benchmark_group("http-binary-decode");
    for (class, input, message) in &messages {
        let map = header_map(message);
        group.throughput(throughput(1, input.wire_size()));
        group.bench_function(format!("reference/{class}"), |b| {
            b.iter_batched(
                || (map.clone(), message.body.clone()),
                |(mut map, body)| {
                    let decoded = codec::http::decode_header_map_taking(black_box(&mut map), body);
                    (map, decoded)
                },
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("reference-borrowed/{class}"), |b| {
            b.iter_batched(
                || (),
                |()| codec::http::decode_header_map(black_box(&map), black_box(&message.body)),
                BatchSize::SmallInput,
            )
        });
        // A body labelled JSON is classified (scanned) when its data is
        // first read, not when it is decoded (src/event/lazy_data.rs): this
        // row pays for that read, as a receiver that looks at the data does.
        group.bench_function(format!("reference-read-data/{class}"), |b| {
            b.iter_batched(
                || (map.clone(), message.body.clone()),
                |(mut map, body)| {
                    let decoded = codec::http::decode_header_map_taking(black_box(&mut map), body);
                    if let Ok(decoded) = &decoded {
                        black_box(decoded.events[0].data());
                    }
                    (map, decoded)
                },
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("cloudevents-sdk/{class}"), |b| {
            b.iter_batched(
                || message.body.clone(),
                |body| cloudevents::binding::http::to_event(black_box(&map), body),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    // The floor of HTTP binary decode, read against the SDK's row of
    // http-binary-decode: the `ce-` headers and the content type kept in
    // one buffer, the body moved, nothing percent-decoded or checked
    // (src/codec/floor.rs).
    let mut group = c.benchmark_group("http-binary-decode-floor");
    for (class, input, message) in &messages {
        let map = header_map(message);
        assert!(
            floor::http_keep(&map, Vec::new()).is_some(),
            "the floor reads the {class} input"
        );
        group.throughput(throughput(1, input.wire_size()));
        group.bench_function(format!("floor-keep/{class}"), |b| {
            b.iter_batched(
                || message.body.clone(),
                |body| floor::http_keep(black_box(&map), body),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("http-binary-encode");
    for (class, input, message) in &messages {
        let map = header_map(message);
        let ours = codec::http::decode_header_map(&map, &message.body)
            .expect("the reference decodes")
            .events
            .remove(0);
        let sdk = cloudevents::binding::http::to_event(&map, message.body.clone())
            .expect("the SDK decodes");
        group.throughput(throughput(1, input.wire_size()));
        group.bench_function(format!("reference/{class}"), |b| {
            b.iter_batched(
                || ours.clone(),
                codec::http::into_binary_response,
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("reference-borrowed/{class}"), |b| {
            b.iter_batched(
                || (),
                |()| codec::http::encode_binary_response(black_box(&ours)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("cloudevents-sdk/{class}"), |b| {
            b.iter_batched(
                || sdk.clone(),
                cloudevents::binding::http::builder::adapter::to_response,
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// Kafka binary mode. The SDK's Kafka binding needs librdkafka (a C
/// build), so the reference runs alone here.
fn kafka_binary(c: &mut Criterion, inputs: &Inputs) {
    let mut decode = c.benchmark_group("kafka-binary-decode");
    let mut events = Vec::new();
    for class in CLASSES {
        let input = inputs
            .get(class, Encoding::KafkaBinary)
            .expect("a Kafka binary input per class");
        let Message::Kafka(record) = &input.message else {
            unreachable!("a kafka-binary input is a Kafka record")
        };
        decode.throughput(throughput(1, input.wire_size()));
        decode.bench_function(format!("reference/{class}"), |b| {
            b.iter(|| codec::kafka::decode(black_box(record)))
        });
        let event = codec::kafka::decode(record)
            .expect("the reference decodes")
            .events
            .remove(0);
        events.push((class, input.wire_size(), event));
    }
    decode.finish();
    let mut encode: BenchmarkGroup<'_, WallTime> = c.benchmark_group("kafka-binary-encode");
    for (class, size, event) in &events {
        encode.throughput(throughput(1, *size));
        encode.bench_function(format!("reference/{class}"), |b| {
            b.iter(|| codec::kafka::encode_binary(black_box(event)))
        });
    }
    encode.finish();
}

fn main() {
    let inputs = Inputs::load().expect("the embedded bench suite loads");
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .nresamples(20_000)
        .configure_from_args();
    json_single(&mut c, &inputs);
    json_batch(&mut c, &inputs);
    http_binary(&mut c, &inputs);
    kafka_binary(&mut c, &inputs);
    c.final_summary();
}
