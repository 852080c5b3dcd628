//! Fuzzes the JSON event format decoder (single events and batches).
//!
//! Besides not panicking, the reference must be consistent with itself:
//! whatever it accepts, it re-encodes into a document it accepts again,
//! holding an equivalent event; and decoding the input held as `Bytes`
//! (values kept as slices of it) returns what decoding it borrowed does.

#![no_main]

use cespec::codec::json;
use cespec::event::equivalence;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let borrowed = json::decode_event(data);
    let shared = json::decode_event_shared(&bytes::Bytes::copy_from_slice(data));
    assert_eq!(format!("{shared:?}"), format!("{borrowed:?}"));
    if let Ok((event, _)) = borrowed {
        let encoded = json::encode_event(&event);
        let (again, _) = json::decode_event(&encoded)
            .unwrap_or_else(|v| panic!("re-encoded event refused: {v:?}"));
        let differences = equivalence::compare(&event, &again);
        assert!(differences.is_empty(), "round trip differs: {differences:?}");
    }
    if let Ok((events, _)) = json::decode_batch(data) {
        let encoded = json::encode_batch(&events);
        let (again, _) = json::decode_batch(&encoded)
            .unwrap_or_else(|v| panic!("re-encoded batch refused: {v:?}"));
        assert_eq!(events.len(), again.len());
        for (a, b) in events.iter().zip(&again) {
            let differences = equivalence::compare(a, b);
            assert!(differences.is_empty(), "round trip differs: {differences:?}");
        }
    }
});
