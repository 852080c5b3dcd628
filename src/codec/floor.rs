//! Measurement floors for the benchmarks, not decoders: what reading an
//! event costs when no rule is checked and nothing is typed, with the
//! reference's own JSON tokenizer and over the same `http::HeaderMap` the
//! HTTP decoder reads.
//!
//! Issue #7 asks the validating decoders to be 1.5 times as fast as a
//! fixed-schema serde struct that validates nothing (structured JSON) and
//! twice as fast as `cloudevents-sdk` (HTTP binary). These functions bound
//! what any decoder could reach: [`json_tokenize`] only checks the JSON
//! syntax; [`json_keep`] and [`http_keep`] also keep every member or
//! `ce-` header, as an event must, with one allocation for all of their
//! text; [`json_spans`] keeps where each member lies instead, copying no
//! text, as a decoder that shares the body it reads can
//! ([`crate::codec::json::decode_event_shared`]). `benches/codec.rs` times
//! them beside the peers (groups
//! `json-decode-floor` and `http-binary-decode-floor`), and
//! `reports/bench.md` reads the ratios.

use crate::codec::scan::Scanner;

/// Every member of an object (or `ce-` header of a message): names and
/// value texts, one after another in `text`, and for each member where its
/// name starts, and the lengths of its name and its value.
#[derive(Debug)]
pub struct Members {
    pub text: String,
    pub spans: Vec<(usize, usize, usize)>,
}

/// Checks the syntax of the JSON value `text` starts with and returns its
/// length; `None` when it is not JSON.
pub fn json_tokenize(text: &str) -> Option<usize> {
    Scanner::new(text).skip_value().ok().map(str::len)
}

/// Reads the object `text` starts with and keeps every member's name and
/// value text (strings without their quotes, other values as written);
/// `None` for anything but an object whose names and string values have no
/// escapes.
pub fn json_keep(text: &str) -> Option<Members> {
    let mut members = Members {
        text: String::with_capacity(text.len()),
        spans: Vec::with_capacity((text.len() / 24).clamp(4, 48)),
    };
    each_member(text, |name, value| {
        members
            .spans
            .push((members.text.len(), name.len(), value.len()));
        members.text.push_str(name);
        members.text.push_str(value);
    })?;
    Some(members)
}

/// Reads the object `text` starts with like [`json_keep`], but copies no
/// text: records, for every member, where its name and its value text
/// start in `text` and their lengths, in one allocation.
pub fn json_spans(text: &str) -> Option<Vec<[usize; 4]>> {
    let at = |part: &str| part.as_ptr() as usize - text.as_ptr() as usize;
    let mut spans = Vec::with_capacity((text.len() / 24).clamp(4, 48));
    each_member(text, |name, value| {
        spans.push([at(name), name.len(), at(value), value.len()]);
    })?;
    Some(spans)
}

/// Calls `member` with the name and value text of every member of the
/// object `text` starts with, as [`json_keep`] reads them; `None` where
/// `json_keep` refuses the object.
#[inline(always)]
fn each_member<'t>(text: &'t str, mut member: impl FnMut(&'t str, &'t str)) -> Option<()> {
    let mut scanner = Scanner::new(text);
    scanner.expect(b'{', "").ok()?;
    loop {
        let name = scanner.plain_string()?;
        scanner.expect(b':', "").ok()?;
        let value = if scanner.peek() == Some(b'"') {
            scanner.plain_string()?
        } else {
            scanner.skip_value().ok()?
        };
        member(name, value);
        match scanner.peek() {
            Some(b',') => scanner.bump(),
            Some(b'}') => return Some(()),
            _ => return None,
        }
    }
}

/// Reads a binary-mode message: keeps every `ce-` header's name (without
/// the prefix) and value, and the content type as `datacontenttype`, in one
/// buffer, and takes the body by value, as `cloudevents-sdk`'s `to_event`
/// does; `None` when a value it keeps is not UTF-8. Nothing is
/// percent-decoded or checked.
pub fn http_keep(headers: &hyper::HeaderMap, body: Vec<u8>) -> Option<(Members, Vec<u8>)> {
    let mut members = Members {
        text: String::with_capacity(headers.len() * 32),
        spans: Vec::with_capacity(headers.len()),
    };
    for (name, value) in headers {
        let name = match name.as_str() {
            "content-type" => "datacontenttype",
            name => match name.strip_prefix("ce-") {
                Some(attribute) => attribute,
                None => continue,
            },
        };
        let value = std::str::from_utf8(value.as_bytes()).ok()?;
        members
            .spans
            .push((members.text.len(), name.len(), value.len()));
        members.text.push_str(name);
        members.text.push_str(value);
    }
    Some((members, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_reads_every_member_and_tokenize_the_whole_value() {
        let text = r#"{"id":"1","n":-2.5e3,"d":{"a":[true,null]},"s":""} trailing"#;
        let members = json_keep(text).expect("an object");
        let read: Vec<(&str, &str)> = members
            .spans
            .iter()
            .map(|&(at, name, value)| {
                (
                    &members.text[at..at + name],
                    &members.text[at + name..at + name + value],
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                ("id", "1"),
                ("n", "-2.5e3"),
                ("d", r#"{"a":[true,null]}"#),
                ("s", "")
            ]
        );
        assert_eq!(json_tokenize(text), Some(text.len() - " trailing".len()));
        let spans: Vec<(&str, &str)> = json_spans(text)
            .expect("an object")
            .iter()
            .map(|&[name, name_len, value, value_len]| {
                (
                    &text[name..name + name_len],
                    &text[value..value + value_len],
                )
            })
            .collect();
        assert_eq!(spans, read);
    }

    #[test]
    fn what_is_not_plain_json_is_refused() {
        for bad in [
            r#"{"a":tru}"#,
            r#"{"a\n":1}"#,
            r#"{"a":"\u0041"}"#,
            "[1]",
            r#"{"a":1"#,
        ] {
            assert!(json_keep(bad).is_none(), "{bad}");
            assert!(json_spans(bad).is_none(), "{bad}");
        }
        assert_eq!(json_tokenize(r#"{"a":[1,]}"#), None);
    }

    #[test]
    fn http_keep_reads_the_ce_headers_and_the_content_type() {
        let mut headers = hyper::HeaderMap::new();
        for (name, value) in [
            ("ce-id", "1"),
            ("host", "example.com"),
            ("content-type", "text/plain"),
            ("ce-source", "/s%20x"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let (members, body) = http_keep(&headers, b"body".to_vec()).unwrap();
        let read: Vec<&str> = members
            .spans
            .iter()
            .map(|&(at, name, value)| &members.text[at..at + name + value])
            .collect();
        assert_eq!(read, ["id1", "datacontenttypetext/plain", "source/s%20x"]);
        assert_eq!(body, b"body");
        headers.insert(
            "ce-type",
            hyper::header::HeaderValue::from_bytes(b"\xff").unwrap(),
        );
        assert!(http_keep(&headers, Vec::new()).is_none());
    }
}
