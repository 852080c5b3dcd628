//! Fuzzes the HTTP binding decoder with structured input: the bytes are
//! read as a list of headers and a body (`cespec::fuzz_input`, the format
//! `examples/fuzz-seed.rs` writes the suites' inputs in). Besides not
//! panicking, what the reference accepts must re-encode, in binary and in
//! structured mode, into a message it accepts with an equivalent event;
//! and decoding a header map while taking its values decodes as borrowing
//! them does, leaving every header in place, as it came or emptied.

#![no_main]

use cespec::codec::http;
use cespec::event::equivalence;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = cespec::fuzz_input::read_http(data);
    taking_is_borrowing(&input);
    let Ok(decoded) = http::decode(&input) else {
        return;
    };
    if let [event] = decoded.events.as_slice() {
        for (mode, again) in [
            ("binary", http::encode_binary(event)),
            ("structured", http::encode_structured(event)),
        ] {
            let back = http::decode(&again)
                .unwrap_or_else(|v| panic!("{mode}: re-encoded event refused: {v:?}"));
            assert_eq!(back.events.len(), 1);
            let differences = equivalence::compare(event, &back.events[0]);
            assert!(differences.is_empty(), "{mode}: round trip differs: {differences:?}");
        }
    } else {
        let again = http::encode_batch(&decoded.events);
        let back = http::decode(&again)
            .unwrap_or_else(|v| panic!("re-encoded batch refused: {v:?}"));
        assert_eq!(back.events.len(), decoded.events.len());
    }
});

/// Decodes the input's headers as a header map twice, borrowing and taking
/// the values, and requires the same result, and a map whose headers are
/// all there, each as it came or emptied (moved into the event).
fn taking_is_borrowing(input: &cespec::wire::HttpMessage) {
    let Some(map) = input.to_header_map() else {
        return;
    };
    let borrowed = http::decode_header_map(&map, &input.body);
    let mut owned = map.clone();
    let taken = http::decode_header_map_taking(&mut owned, input.body.clone());
    assert_eq!(format!("{taken:?}"), format!("{borrowed:?}"));
    assert_eq!(owned.len(), map.len());
    for ((name, before), (same, after)) in map.iter().zip(owned.iter()) {
        assert_eq!(name, same);
        assert!(after == before || after.is_empty(), "{name}: {before:?} became {after:?}");
    }
}
