//! Text helpers for the human-readable reports: making target-supplied
//! strings safe for a terminal, fencing blocks, and writing a wire message
//! as a readable transcript.
//!
//! Everything a target sends (reasons, headers, bodies) may hold escape
//! sequences that would move the cursor, recolour the screen or rewrite
//! what the user reads; so every such string goes through [`line()`] or
//! [`block`] before it is written.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::suite::input::InputSpec;
use crate::wire::Message;

/// Bodies longer than this are cut in transcripts.
pub const BODY_LIMIT: usize = 2048;

/// Returns the escape for `c` if it must not reach a terminal as itself:
/// C0 and C1 controls, DEL, and the Unicode bidirectional controls that can
/// reorder what is displayed. `keep_layout` lets `\n` and `\t` through.
fn escape(c: char, keep_layout: bool) -> Option<String> {
    let bidi =
        matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    match c {
        '\n' | '\t' if keep_layout => None,
        '\n' => Some("\\n".into()),
        '\t' => Some("\\t".into()),
        '\r' => Some("\\r".into()),
        c if (c as u32) < 0x20 || c == '\u{7f}' => Some(format!("\\x{:02x}", c as u32)),
        c if c.is_control() || bidi => Some(format!("\\u{{{:x}}}", c as u32)),
        _ => None,
    }
}

fn sanitize(text: &str, keep_layout: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| escape(c, keep_layout).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match escape(c, keep_layout) {
            Some(e) => out.push_str(&e),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Returns `text` safe for one terminal line: every control character
/// (newlines and tabs included) and bidi control escaped as `\xNN`,
/// `\u{NNNN}`, `\n`, `\r` or `\t`.
pub fn line(text: &str) -> Cow<'_, str> {
    sanitize(text, false)
}

/// Returns `text` safe for a multi-line block: like [`line()`], but newlines
/// and tabs are kept.
pub fn block(text: &str) -> Cow<'_, str> {
    sanitize(text, true)
}

/// Returns a code fence for `content`: three backticks, or one more than
/// the longest run of backticks in it, so the content cannot close it.
pub fn fence(content: &str) -> String {
    let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Returns `text` cut to at most `limit` bytes on a character boundary,
/// with the number of bytes left out.
pub fn cut(text: &str, limit: usize) -> (&str, usize) {
    if text.len() <= limit {
        return (text, 0);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], text.len() - end)
}

/// Returns a header value or key for display: the text when it is UTF-8
/// (escaped), otherwise its bytes in hex.
pub fn value(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => line(text).into_owned(),
        Err(_) => format!("<not UTF-8: {}>", hex(bytes)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Returns a hex dump, 16 bytes a line, with a printable-ASCII gutter.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let gutter: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        let _ = writeln!(out, "{:08x}  {:<47}  |{gutter}|", i * 16, hex(chunk));
    }
    out
}

/// A body ready to print: the text (escaped, or a hex dump when it is not
/// UTF-8), and a note when it was cut.
pub fn body(bytes: &[u8]) -> (String, Option<String>) {
    let shown = &bytes[..bytes.len().min(BODY_LIMIT)];
    let (text, left) = match std::str::from_utf8(bytes) {
        Ok(text) => {
            let (kept, left) = cut(text, BODY_LIMIT);
            (block(kept).into_owned(), left)
        }
        Err(_) => (
            format!("(not UTF-8; hex)\n{}", hex_dump(shown)),
            bytes.len() - shown.len(),
        ),
    };
    let note = (left > 0).then(|| {
        format!(
            "body cut at {} KiB: {left} more bytes not shown",
            BODY_LIMIT / 1024
        )
    });
    (text, note)
}

/// A message written out for a transcript: the text of the block and an
/// optional note (a cut body).
pub struct Transcribed {
    pub text: String,
    pub note: Option<String>,
}

/// Writes a serialised message as a transcript: the request or status
/// line, the headers, a blank line and the body.
pub fn transcribe(spec: &InputSpec) -> Transcribed {
    if let Some((method, path, bytes)) = spec.raw_request() {
        return transcribe_raw(&method, &path, &bytes);
    }
    let message = match spec.to_message(None) {
        Ok(message) => message,
        Err(e) => {
            let text = serde_json::to_string_pretty(spec).unwrap_or_default();
            return Transcribed {
                text: block(&text).into_owned(),
                note: Some(format!("could not be shown as a message: {e}")),
            };
        }
    };
    let mut text = String::new();
    let headers = |text: &mut String, headers: &[(String, Vec<u8>)]| {
        for (name, v) in headers {
            let _ = writeln!(text, "{}: {}", line(name), value(v));
        }
    };
    let payload = match &message {
        Message::Http(m) => {
            if m.status != 0 {
                let _ = writeln!(text, "HTTP {}", m.status);
            } else if !m.method.is_empty() {
                let _ = writeln!(text, "{} {}", line(&m.method), line(&m.path));
            }
            headers(&mut text, &m.headers);
            Some(m.body.as_slice())
        }
        Message::Kafka(r) => {
            match &r.key {
                Some(key) => {
                    let _ = writeln!(text, "(key) {}", value(key));
                }
                None => text.push_str("(no key)\n"),
            }
            headers(&mut text, &r.headers);
            r.value.as_deref()
        }
        Message::Json(d) => {
            let _ = writeln!(text, "(media type) {}", line(&d.media_type));
            Some(d.body.as_slice())
        }
    };
    text.push('\n');
    let note = match payload {
        None => {
            text.push_str("(null value)\n");
            None
        }
        Some([]) => {
            text.push_str("(empty body)\n");
            None
        }
        Some(bytes) => {
            let (shown, note) = body(bytes);
            text.push_str(&shown);
            note
        }
    };
    Transcribed { text, note }
}

/// Writes a request that was sent byte for byte: its request line, then
/// the bytes line by line with every control character escaped, so that
/// a CR, a NUL or a bare LF is seen where it was.
fn transcribe_raw(method: &str, path: &str, bytes: &[u8]) -> Transcribed {
    let mut text = format!("{} {} (sent byte for byte)\n", line(method), line(path));
    let shown = &bytes[..bytes.len().min(BODY_LIMIT)];
    for piece in shown.split_inclusive(|&b| b == b'\n') {
        match std::str::from_utf8(piece) {
            Ok(t) => text.push_str(&line(t)),
            Err(_) => text.push_str(&value(piece)),
        }
        text.push('\n');
    }
    let note = (bytes.len() > BODY_LIMIT).then(|| {
        format!(
            "request cut at {} KiB: {} more bytes not shown",
            BODY_LIMIT / 1024,
            bytes.len() - BODY_LIMIT
        )
    });
    Transcribed { text, note }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{HttpMessage, KafkaRecord};

    #[test]
    fn raw_requests_show_every_byte() {
        let spec: InputSpec = serde_json::from_str(
            r#"{"http":{"raw":"ce-id: a\u0000b\r\nx: \u001b[31m\r\n\r\nbody"}}"#,
        )
        .unwrap();
        let t = transcribe(&spec);
        assert_eq!(
            t.text,
            "POST / (sent byte for byte)\nce-id: a\\x00b\\r\\n\nx: \\x1b[31m\\r\\n\n\\r\\n\nbody\n"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            line("a\u{1b}[31mb\r\n\t\u{7f}"),
            "a\\x1b[31mb\\r\\n\\t\\x7f"
        );
        assert_eq!(block("a\n\tb\u{1b}"), "a\n\tb\\x1b");
        assert_eq!(line("x\u{9b}y\u{202e}z"), "x\\u{9b}y\\u{202e}z");
        assert!(matches!(line("plain ü"), Cow::Borrowed(_)));
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }

    #[test]
    fn bodies_are_cut_and_binary_shown_as_hex() {
        let (text, note) = body(&[b'x'; 3000]);
        assert_eq!(text.len(), BODY_LIMIT);
        assert_eq!(note.unwrap(), "body cut at 2 KiB: 952 more bytes not shown");
        let (text, note) = body(&[0xff, 0x00, b'a']);
        assert!(
            text.contains("ff 00 61") && text.contains("|..a|"),
            "{text}"
        );
        assert!(note.is_none());
        assert_eq!(cut("aé", 2), ("a", 2), "never splits a character");
    }

    #[test]
    fn transcripts_show_headers_and_body() {
        let http = Message::Http(HttpMessage::post(
            vec![
                ("ce-id".into(), b"1\x1b]0;pwned\x07".to_vec()),
                ("ce-raw".into(), vec![0xc3, 0x28]),
            ],
            b"{}".to_vec(),
        ));
        let t = transcribe(&InputSpec::from_message(&http));
        assert_eq!(
            t.text,
            "POST /\nce-id: 1\\x1b]0;pwned\\x07\nce-raw: <not UTF-8: c3 28>\n\n{}"
        );
        let kafka = Message::Kafka(KafkaRecord {
            key: None,
            headers: Vec::new(),
            value: None,
        });
        assert_eq!(
            transcribe(&InputSpec::from_message(&kafka)).text,
            "(no key)\n\n(null value)\n"
        );
    }
}
