//! Fuzzes the percent-decoding of `ce-` header values (HTTP binding
//! §3.1.3.2): no panic, and what decodes re-encodes into a value that
//! decodes to the same text.

#![no_main]

use cespec::codec::percent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = percent::decode(data) {
        let encoded = percent::encode(&text);
        let again = percent::decode(encoded.as_bytes())
            .unwrap_or_else(|e| panic!("re-encoded value refused: {e:?}"));
        assert_eq!(text, again);
    }
});
