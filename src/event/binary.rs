//! Base64 as cespec reads and writes it everywhere: RFC 4648 §4, the
//! standard alphabet with canonical padding and no other byte (CORE-TS-9,
//! JSON-DATA-10; the `*_base64` fields of fixtures and of the child-process
//! protocol).
//!
//! One place decides what is base64, so the decoders, the fixture loader
//! and the renderer never disagree. The work is `base64-simd`'s, which picks
//! AVX2, SSE4.1 or SSE2 code at run time, as the CPU has them, and plain
//! code otherwise: the `base64` crate's scalar decoder was 28% of a structured
//! decode of the bench's `binary` class (512 bytes in `data_base64`);
//! with this one that decode takes a quarter less time, and the encode half
//! (benches/bench-notes.md). The
//! `base64` crate stays as this module's test oracle: the two must accept
//! and refuse the same text, with the same bytes.

use base64_simd::{Out, STANDARD};

/// Decodes `text`; `None` when it is not strict base64 (wrong alphabet,
/// missing or extra padding, nonzero bits after the last byte, whitespace).
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    STANDARD.decode_to_vec(text).ok()
}

/// Returns `bytes` as base64 text.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode_to_string(bytes)
}

/// Appends `bytes` as base64 text to `out`.
pub(crate) fn encode_into(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(start + STANDARD.encoded_length(bytes.len()), 0);
    let written = STANDARD
        .encode(bytes, Out::from_slice(&mut out[start..]))
        .len();
    out.truncate(start + written);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::Engine as _;
    use ::base64::engine::general_purpose::STANDARD as ORACLE;

    /// Bytes that exercise every way a text can be refused: the values 0
    /// and 1 (`A`, `B`: nonzero bits after the last byte), both symbols
    /// above 61, the URL-safe alphabet, padding, whitespace, non-ASCII.
    const SYMBOLS: &[u8] = b"ABQw/+=-_ \n\x80";

    fn agrees(text: &[u8]) {
        assert_eq!(
            decode(text),
            ORACLE.decode(text).ok(),
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }

    #[test]
    fn decodes_as_the_base64_crate_on_every_short_text() {
        let base = SYMBOLS.len();
        for len in 0..=5u32 {
            for mut k in 0..base.pow(len) {
                let mut text = Vec::with_capacity(len as usize);
                for _ in 0..len {
                    text.push(SYMBOLS[k % base]);
                    k /= base;
                }
                agrees(&text);
            }
        }
    }

    #[test]
    fn decodes_as_the_base64_crate_on_long_texts_with_one_byte_changed() {
        // Long enough for the vector code, which reads 32 or 64 bytes at a
        // time, with the fault anywhere in it.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let bytes: Vec<u8> = (0..next() % 400).map(|_| next() as u8).collect();
            let mut text = ORACLE.encode(&bytes).into_bytes();
            assert_eq!(decode(&text).as_deref(), Some(&bytes[..]));
            if !text.is_empty() {
                let at = next() as usize % text.len();
                text[at] = SYMBOLS[next() as usize % SYMBOLS.len()];
                agrees(&text);
            }
        }
    }

    #[test]
    fn encodes_as_the_base64_crate() {
        for len in 0..200u32 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            assert_eq!(encode(&bytes), ORACLE.encode(&bytes));
            let mut out = b"x".to_vec();
            encode_into(&mut out, &bytes);
            assert_eq!(out, format!("x{}", ORACLE.encode(&bytes)).into_bytes());
        }
    }
}
