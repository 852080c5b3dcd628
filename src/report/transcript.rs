//! Plain-text rendering of a transcript (the request the harness sent and
//! the reply the target gave) for the human-readable writers: an HTTP
//! message as a request or status line, headers and body; a Kafka record as
//! key, headers and value; a JSON document as its media type and text.
//!
//! Bytes that are not UTF-8 are shown as `\xNN` between the valid text, so
//! a mostly textual body stays readable. The text is *not* escaped: each
//! writer escapes it for its own format.

use std::fmt::Write as _;

use crate::runner::Transcript;
use crate::suite::input::InputSpec;
use crate::wire::{Header, Message};

/// Returns the transcript as text: request, a blank line, then the reply
/// and the target's note. Empty when the transcript holds nothing.
pub fn render(t: &Transcript) -> String {
    let mut out = String::new();
    if let Some(req) = &t.request {
        out.push_str("--- request\n");
        out.push_str(&message(req));
    }
    if let Some(resp) = &t.response {
        out.push_str("--- reply\n");
        out.push_str(&message(resp));
    }
    if let Some(note) = &t.note {
        out.push_str("--- note\n");
        out.push_str(note);
        out.push('\n');
    }
    out
}

/// Returns one message as text, ending with a newline.
///
/// The message goes through [`InputSpec::to_message`] first, so the text
/// shows the bytes the wire form stands for, whichever way they were
/// written; a message that does not convert is shown as its JSON form.
pub fn message(m: &InputSpec) -> String {
    if let Some((method, path, raw)) = m.raw_request() {
        // Sent byte for byte: the bytes as they went, not a parsed view.
        let mut out = format!("{method} {path} HTTP/1.1 (sent byte for byte)\n");
        push_line(&mut out, &bytes(&raw));
        return out;
    }
    match m.to_message(None) {
        Ok(msg) => wire(&msg),
        Err(e) => format!(
            "({e})\n{}\n",
            serde_json::to_string_pretty(m).unwrap_or_default()
        ),
    }
}

/// Returns one wire message as text, ending with a newline.
pub fn wire(m: &Message) -> String {
    let mut out = String::new();
    match m {
        Message::Http(h) => {
            if h.status != 0 {
                let _ = writeln!(out, "HTTP/1.1 {}", h.status);
            } else {
                let _ = writeln!(out, "{} {} HTTP/1.1", h.method, h.path);
            }
            headers(&mut out, &h.headers, ": ");
            out.push('\n');
            push_line(&mut out, &bytes(&h.body));
        }
        Message::Kafka(k) => {
            out.push_str("Kafka record\nkey: ");
            match &k.key {
                Some(key) => out.push_str(&bytes(key)),
                None => out.push_str("(null)"),
            }
            out.push('\n');
            headers(&mut out, &k.headers, " = ");
            out.push_str("value:\n");
            match &k.value {
                Some(value) => push_line(&mut out, &bytes(value)),
                None => out.push_str("(null)\n"),
            }
        }
        Message::Json(j) => {
            let _ = writeln!(out, "JSON document ({})", j.media_type);
            push_line(&mut out, &bytes(&j.body));
        }
    }
    out
}

fn headers(out: &mut String, headers: &[Header], sep: &str) {
    for (name, value) in headers {
        let _ = writeln!(out, "{name}{sep}{}", bytes(value));
    }
}

/// Appends `text`, and a newline unless it already ends with one.
fn push_line(out: &mut String, text: &str) {
    out.push_str(text);
    if !text.is_empty() && !text.ends_with('\n') {
        out.push('\n');
    }
}

/// Returns bytes as text, invalid UTF-8 shown as `\xNN`.
fn bytes(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Returns `s` cut to at most `max` bytes (at a character boundary), with
/// a note saying how much was cut.
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!(
        "{}\n... ({} more bytes cut)\n",
        &s[..end],
        s.len() - end
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{HttpMessage, KafkaRecord};

    #[test]
    fn renders_http_with_invalid_bytes() {
        let msg = Message::Http(HttpMessage::post(
            vec![
                ("ce-id".into(), b"1".to_vec()),
                ("ce-x".into(), vec![b'a', 0xff]),
            ],
            vec![b'o', b'k', 0x9f, 0x92],
        ));
        let text = message(&InputSpec::from_message(&msg));
        assert_eq!(
            text,
            "POST / HTTP/1.1\nce-id: 1\nce-x: a\\xff\n\nok\\x9f\\x92\n"
        );
    }

    #[test]
    fn renders_kafka_null_value() {
        let msg = Message::Kafka(KafkaRecord {
            key: None,
            headers: vec![("ce_id".into(), b"7".to_vec())],
            value: None,
        });
        let text = message(&InputSpec::from_message(&msg));
        assert_eq!(
            text,
            "Kafka record\nkey: (null)\nce_id = 7\nvalue:\n(null)\n"
        );
    }
}
