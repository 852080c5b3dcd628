//! Fuzzes cespec's own HTTP/1.1 framing (`cespec::http1`): the raw
//! request parser the loader runs on `raw:` fixtures, and the response
//! reader the raw sender runs on whatever a target answers. The first
//! byte picks where the response is split into reads, so partial reads
//! are fuzzed too. No input may panic them or make them claim more bytes
//! than they were given.

#![no_main]

use cespec::http1::{self, Progress, ResponseReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    if let Ok((message, used)) = http1::parse_request("POST", "/", data) {
        assert!(used <= data.len());
        assert!(message.body.len() <= data.len());
    }
    let mut reader = ResponseReader::new(1 << 16);
    let step = usize::from(split).max(1);
    let mut end = 0;
    while end < data.len() {
        end = (end + step).min(data.len());
        match reader.feed(&data[..end]) {
            Ok(Progress::NeedMore) => {}
            Ok(Progress::Done(m)) => {
                assert!(m.body.len() <= data.len());
                return;
            }
            Err(_) => return,
        }
    }
    let _ = reader.eof(data);
});
