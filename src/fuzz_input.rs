//! The byte format of the `http_binary_decode` fuzz target's inputs: a
//! list of headers (names mostly drawn from the ones the HTTP binding
//! knows, so mutations stay close to CloudEvents) and a body. The fuzz
//! target reads it ([`read_http`]); `examples/fuzz-seed.rs` writes the
//! suites' HTTP inputs in it ([`write_http`]).
//!
//! ```text
//! count: u8 (mod 32), then per header:
//!   name: u8 index into NAMES, or 0xFF, u8 length, that many bytes
//!   value: u16 little-endian length (mod 4096), that many bytes
//! the rest: the body
//! ```

use crate::wire::HttpMessage;

/// Header names a name byte below `NAMES.len()` stands for.
pub const NAMES: &[&str] = &[
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

/// The most headers, the longest name and the longest value the format holds.
const MAX_HEADERS: usize = 31;
const MAX_NAME: usize = 255;
const MAX_VALUE: usize = 4095;

/// Reads any bytes as a message: reading is total, and whatever runs out
/// ends the message early.
pub fn read_http(data: &[u8]) -> HttpMessage {
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

/// Writes `message` in the format, cutting what it cannot hold: headers
/// past the 31st, names past 255 bytes, values past 4,095.
pub fn write_http(message: &HttpMessage) -> Vec<u8> {
    let headers = &message.headers[..message.headers.len().min(MAX_HEADERS)];
    let mut out = vec![headers.len() as u8];
    for (name, value) in headers {
        match NAMES.iter().position(|n| n == name) {
            Some(i) => out.push(i as u8),
            None => {
                let name = &name.as_bytes()[..name.len().min(MAX_NAME)];
                out.push(0xFF);
                out.push(name.len() as u8);
                out.extend_from_slice(name);
            }
        }
        let value = &value[..value.len().min(MAX_VALUE)];
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        out.extend_from_slice(value);
    }
    out.extend_from_slice(&message.body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let message = HttpMessage::post(
            vec![
                ("ce-id".into(), b"1".to_vec()),
                ("x-custom".into(), b"v".to_vec()),
                ("content-type".into(), b"application/json".to_vec()),
            ],
            br#"{"a":1}"#.to_vec(),
        );
        let back = read_http(&write_http(&message));
        assert_eq!(back.headers, message.headers);
        assert_eq!(back.body, message.body);
        // Any bytes read as some message, however short.
        assert!(read_http(&[]).headers.is_empty());
        assert_eq!(read_http(&[3, 0xFF]).headers.len(), 1);
    }
}
