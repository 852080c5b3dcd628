//! Measurement floors for the benchmarks, not decoders: what reading an
//! event object costs with the reference's own tokenizer when no rule is
//! checked and nothing is typed.
//!
//! Issue #7 asks the validating decoder to be 1.5 times as fast as a
//! fixed-schema serde struct that validates nothing. These two functions
//! bound what any decoder built on this tokenizer could reach:
//! [`tokenize`] only checks the JSON syntax, and [`keep`] also keeps every
//! member, as an event must, with one allocation for all of their text.
//! `benches/codec.rs` times them beside the struct (group
//! `json-decode-floor`), and `reports/bench.md` reads the ratios.

use crate::codec::scan::Scanner;

/// Every member of an object: names and value texts, one after another in
/// `text`, and for each member where its name starts, and the lengths of
/// its name and its value.
#[derive(Debug)]
pub struct Members {
    pub text: String,
    pub spans: Vec<(usize, usize, usize)>,
}

/// Checks the syntax of the JSON value `text` starts with and returns its
/// length; `None` when it is not JSON.
pub fn tokenize(text: &str) -> Option<usize> {
    Scanner::new(text).skip_value().ok().map(str::len)
}

/// Reads the object `text` starts with and keeps every member's name and
/// value text (strings without their quotes, other values as written);
/// `None` for anything but an object whose names and string values have no
/// escapes.
pub fn keep(text: &str) -> Option<Members> {
    let mut scanner = Scanner::new(text);
    scanner.expect(b'{', "").ok()?;
    let mut members = Members {
        text: String::with_capacity(text.len()),
        spans: Vec::with_capacity((text.len() / 24).clamp(4, 48)),
    };
    loop {
        let name = scanner.plain_string()?;
        scanner.expect(b':', "").ok()?;
        let value = if scanner.peek() == Some(b'"') {
            scanner.plain_string()?
        } else {
            scanner.skip_value().ok()?
        };
        members
            .spans
            .push((members.text.len(), name.len(), value.len()));
        members.text.push_str(name);
        members.text.push_str(value);
        match scanner.peek() {
            Some(b',') => scanner.bump(),
            Some(b'}') => return Some(members),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_reads_every_member_and_tokenize_the_whole_value() {
        let text = r#"{"id":"1","n":-2.5e3,"d":{"a":[true,null]},"s":""} trailing"#;
        let members = keep(text).expect("an object");
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
        assert_eq!(tokenize(text), Some(text.len() - " trailing".len()));
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
            assert!(keep(bad).is_none(), "{bad}");
        }
        assert_eq!(tokenize(r#"{"a":[1,]}"#), None);
    }
}
