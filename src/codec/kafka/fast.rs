//! Binary mode's fast path for Kafka: `ce_` headers typed as they are
//! read, straight into the event (see [`crate::codec::direct`]).
//!
//! It gives up, returning `None`, on anything [`Direct`] gives up on, and
//! on a header that breaks a binding rule (a value that is not UTF-8, a
//! `ce_datacontenttype` header, a repeated content-type, no `ce_` header at
//! all); the caller then decodes the record with the full path
//! ([`super::decode_binary`]), which finds and reports the problem. A test
//! compares the two over every binary-mode record of the corpus and their
//! mutations.

use super::content_types;
use crate::codec::direct::Direct;
use crate::codec::typing::Chars;
use crate::event::{Event, Known};
use crate::rules::Violation;
use crate::wire::KafkaRecord;

/// Decodes the attributes of a binary-mode record; the caller attaches
/// the value as data.
pub(super) fn binary(record: &KafkaRecord) -> Option<(Event, Vec<Violation>)> {
    let mut direct = Direct::for_headers(record.headers.len());
    let mut any_ce = false;
    for (name, raw) in &record.headers {
        let Some(attribute) = name.strip_prefix("ce_") else {
            continue;
        };
        any_ce = true;
        let known = direct.note_header(attribute)?;
        let text = std::str::from_utf8(raw).ok()?;
        match known {
            Known::Specversion => direct.specversion(text)?,
            known => direct.string(known, attribute, text, Chars::Unchecked)?,
        }
    }
    if !any_ce {
        return None;
    }
    let mut cts = content_types(record);
    if let Some(ct) = cts.next() {
        if cts.next().is_some() {
            return None;
        }
        direct.content_type(ct, Chars::Unchecked)?;
    }
    direct.finish()
}

#[cfg(test)]
mod tests {
    use super::super::{content_types, decode_binary, detect_mode, set_record_data};
    use super::*;
    use crate::codec::Mode;
    use crate::codec::oracle::differential::messages;
    use crate::wire::Message;

    #[test]
    fn the_fast_path_returns_what_the_full_path_returns() {
        let records = messages().into_iter().filter_map(|message| match message {
            Message::Kafka(r) if detect_mode(content_types(&r).next()) == Mode::Binary => Some(r),
            _ => None,
        });
        let (mut taken, mut declined) = (0, 0);
        for record in records {
            let full = decode_binary(&record);
            let Some((mut event, warnings)) = binary(&record) else {
                declined += 1;
                continue;
            };
            taken += 1;
            let Ok((expected, expected_warnings)) = full else {
                panic!("the fast path accepts what the full path refuses: {record:?}");
            };
            set_record_data(&mut event, &record);
            assert_eq!(warnings, expected_warnings, "{record:?}");
            assert_eq!(format!("{event:?}"), format!("{expected:?}"), "{record:?}");
        }
        assert!(taken > 20, "fast path took {taken}");
        assert!(declined > 20, "fast path declined {declined}");
    }

    #[test]
    fn binding_faults_are_left_to_the_full_path() {
        let record = |extra: &[(&str, &[u8])]| KafkaRecord {
            headers: [
                ("ce_specversion", &b"1.0"[..]),
                ("ce_id", b"1"),
                ("ce_source", b"/s"),
                ("ce_type", b"t.x"),
            ]
            .iter()
            .chain(extra)
            .map(|(n, v)| (n.to_string(), v.to_vec()))
            .collect(),
            ..KafkaRecord::default()
        };
        assert!(binary(&record(&[("content-type", b"text/plain")])).is_some());
        for extra in [
            &[("ce_datacontenttype", &b"text/plain"[..])][..],
            &[("ce_x", b"caf\xc3")],
            &[("ce_id", b"2")],
            &[
                ("content-type", b"text/plain"),
                ("content-type", b"text/csv"),
            ],
        ] {
            assert!(binary(&record(extra)).is_none(), "{extra:?}");
        }
    }
}
