//! Fuzzes the HTTP binding decoder with structured input: the bytes are
//! read as a list of headers (names mostly drawn from the ones the binding
//! knows) and a body, in the format `examples/fuzz-seed.rs` writes:
//!
//! ```text
//! count: u8 (mod 32), then per header:
//!   name: u8 index into NAMES, or 0xFF, u8 length, that many bytes
//!   value: u16 little-endian length (mod 4096), that many bytes
//! the rest: the body
//! ```
//!
//! Reading is total: whatever runs out ends the message early. Besides not
//! panicking, what the reference accepts must re-encode, in binary and in
//! structured mode, into a message it accepts with an equivalent event.

#![no_main]

use cespec::codec::http;
use cespec::event::equivalence;
use cespec::wire::HttpMessage;
use libfuzzer_sys::fuzz_target;

/// Header names a name byte below `NAMES.len()` stands for; keep in step
/// with `examples/fuzz-seed.rs`.
const NAMES: &[&str] = &[
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "content-type",
    "ce-subject",
    "ce-time",
    "ce-dataschema",
    "ce-datacontenttype",
    "ce-comexampleextension",
    "ce-data",
    "ce-",
    "CE-ID",
    "ce-schemaurl",
    "ce-datacontentencoding",
    "x-echo-mode",
];

fn message(data: &[u8]) -> HttpMessage {
    let mut at = 0;
    let mut take = |n: usize| -> &[u8] {
        let end = (at + n).min(data.len());
        let out = &data[at..end];
        at = end;
        out
    };
    let count = take(1).first().map_or(0, |c| c % 32);
    let mut headers = Vec::new();
    for _ in 0..count {
        let Some(&pick) = take(1).first() else { break };
        let name = match NAMES.get(usize::from(pick)) {
            Some(name) => (*name).to_owned(),
            None => {
                let len = take(1).first().copied().unwrap_or(0);
                String::from_utf8_lossy(take(usize::from(len))).into_owned()
            }
        };
        let len = match take(2) {
            [lo, hi] => usize::from(u16::from_le_bytes([*lo, *hi]) % 4096),
            _ => 0,
        };
        headers.push((name, take(len).to_vec()));
    }
    let body = take(data.len()).to_vec();
    HttpMessage::post(headers, body)
}

fuzz_target!(|data: &[u8]| {
    let input = message(data);
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
