//! The expected-events file of `cespec listen`: the events a sender under
//! test should emit, in the JSON event format, either as one JSON array or
//! as JSON lines (one event per line). Received events are matched to them
//! by `id` (default) or by `type`, and compared with the equivalence of
//! DESIGN.md §3. This module loads the file and does the bookkeeping; the
//! listener turns its answers into results.

use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use crate::codec::json;
use crate::error::LoadError;
use crate::event::Event;
use crate::event::equivalence::{Difference, compare};

/// The attribute received events are matched by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MatchBy {
    /// `id`: each expected event has a unique id.
    #[default]
    Id,
    /// `type`: events of one type are matched in the order they arrive.
    Type,
}

impl MatchBy {
    /// Returns the attribute name.
    pub fn attribute(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Type => "type",
        }
    }
}

/// The loaded expected events.
#[derive(Clone, Debug)]
pub struct ExpectedEvents {
    path: PathBuf,
    match_by: MatchBy,
    events: Vec<Event>,
}

/// What became of one received event.
#[derive(Clone, Debug)]
pub enum Matched {
    /// It matched an expected event; the differences may be empty.
    Expected {
        expected: Box<Event>,
        differences: Vec<Difference>,
    },
    /// No expected event has its key.
    Unexpected,
    /// It has no value for the key attribute.
    NoKey,
}

impl ExpectedEvents {
    /// Reads and checks an expected-events file.
    pub fn load(path: &Path, match_by: MatchBy) -> Result<Self, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&bytes, path, match_by)
    }

    /// Parses and checks expected-events text; `path` names it in errors.
    pub fn parse(bytes: &[u8], path: &Path, match_by: MatchBy) -> Result<Self, LoadError> {
        let invalid = |message: String| LoadError::Invalid {
            path: path.to_owned(),
            message,
        };
        let mut events = Vec::new();
        let decode = |raw: &[u8], at: String| {
            json::decode_event(raw)
                .map(|(e, _)| e)
                .map_err(|violations| {
                    let errors: Vec<String> = violations
                        .iter()
                        .filter(|v| v.is_error())
                        .map(ToString::to_string)
                        .collect();
                    invalid(format!("{at}: not a valid event: {}", errors.join("; ")))
                })
        };
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            let items: Vec<Box<RawValue>> =
                serde_json::from_slice(bytes).map_err(|e| LoadError::Yaml {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?;
            for (i, item) in items.iter().enumerate() {
                events.push(decode(item.get().as_bytes(), format!("event {}", i + 1))?);
            }
        } else {
            for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                if !line.iter().all(u8::is_ascii_whitespace) {
                    events.push(decode(line, format!("line {}", i + 1))?);
                }
            }
        }
        let key = match_by.attribute();
        for (i, event) in events.iter().enumerate() {
            let Some(k) = event.get_str(key) else {
                return Err(invalid(format!("event {}: no {key} to match by", i + 1)));
            };
            if match_by == MatchBy::Id && events[..i].iter().any(|e| e.get_str(key) == Some(k)) {
                return Err(invalid(format!(
                    "event {}: id {k:?} appears more than once",
                    i + 1
                )));
            }
        }
        Ok(Self {
            path: path.to_owned(),
            match_by,
            events,
        })
    }

    /// Returns the file the events came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns how events are matched.
    pub fn match_by(&self) -> MatchBy {
        self.match_by
    }

    /// Returns the expected events in file order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Returns the number of expected events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Returns true when no event is expected.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// Keeps track of which expected events have arrived.
#[derive(Debug)]
pub struct Matcher {
    expected: ExpectedEvents,
    arrived: Vec<bool>,
}

impl Matcher {
    /// Returns a matcher with nothing arrived yet.
    pub fn new(expected: ExpectedEvents) -> Self {
        let arrived = vec![false; expected.events.len()];
        Self { expected, arrived }
    }

    /// Matches one received event: the first expected event with its key
    /// that has not arrived yet, or else (a repeat) the first with its key.
    pub fn receive(&mut self, event: &Event) -> Matched {
        let key = self.expected.match_by.attribute();
        let Some(k) = event.get_str(key) else {
            return Matched::NoKey;
        };
        let candidates: Vec<usize> = self
            .expected
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.get_str(key) == Some(k))
            .map(|(i, _)| i)
            .collect();
        let Some(&i) = candidates
            .iter()
            .find(|&&i| !self.arrived[i])
            .or(candidates.first())
        else {
            return Matched::Unexpected;
        };
        self.arrived[i] = true;
        let expected = &self.expected.events[i];
        Matched::Expected {
            expected: Box::new(expected.clone()),
            differences: compare(expected, event),
        }
    }

    /// Returns the expected events that never arrived, in file order.
    pub fn missing(&self) -> impl Iterator<Item = &Event> {
        self.expected
            .events
            .iter()
            .zip(&self.arrived)
            .filter(|(_, a)| !**a)
            .map(|(e, _)| e)
    }

    /// Returns the attribute events are matched by.
    pub fn match_by(&self) -> MatchBy {
        self.expected.match_by
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, ty: &str) -> String {
        format!(r#"{{"specversion":"1.0","id":"{id}","source":"/s","type":"{ty}"}}"#)
    }

    #[test]
    fn reads_arrays_and_lines() {
        let array = format!("[{}, {}]", ev("1", "a"), ev("2", "a"));
        let x = ExpectedEvents::parse(array.as_bytes(), Path::new("e.json"), MatchBy::Id).unwrap();
        assert_eq!(x.len(), 2);
        let lines = format!("{}\n\n{}\n", ev("1", "a"), ev("2", "b"));
        assert_eq!(
            ExpectedEvents::parse(lines.as_bytes(), Path::new("e.jsonl"), MatchBy::Type)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn refuses_bad_files() {
        let dup = format!("{}\n{}\n", ev("1", "a"), ev("1", "b"));
        let e = ExpectedEvents::parse(dup.as_bytes(), Path::new("e.jsonl"), MatchBy::Id)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("e.jsonl: event 2: id \"1\" appears more than once"),
            "{e}"
        );
        assert!(ExpectedEvents::parse(dup.as_bytes(), Path::new("e.jsonl"), MatchBy::Type).is_ok());
        let bad = format!("{}\n{{\"id\":\"x\"}}\n", ev("1", "a"));
        let e = ExpectedEvents::parse(bad.as_bytes(), Path::new("e.jsonl"), MatchBy::Id)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2: not a valid event"), "{e}");
        assert!(ExpectedEvents::parse(b"[1,", Path::new("e.json"), MatchBy::Id).is_err());
    }

    #[test]
    fn matches_and_reports_the_missing() {
        let lines = format!("{}\n{}\n{}\n", ev("1", "a"), ev("2", "a"), ev("3", "b"));
        let mut m = Matcher::new(
            ExpectedEvents::parse(lines.as_bytes(), Path::new("e"), MatchBy::Type).unwrap(),
        );
        let got = json::decode_event(ev("9", "a").as_bytes()).unwrap().0;
        let Matched::Expected {
            expected,
            differences,
        } = m.receive(&got)
        else {
            panic!()
        };
        assert_eq!(expected.get_str("id"), Some("1"));
        assert_eq!(differences.len(), 1, "{differences:?}");
        let Matched::Expected { expected, .. } = m.receive(&got) else {
            panic!()
        };
        assert_eq!(expected.get_str("id"), Some("2"));
        assert!(matches!(
            m.receive(&json::decode_event(ev("9", "zz").as_bytes()).unwrap().0),
            Matched::Unexpected
        ));
        let missing: Vec<_> = m.missing().map(|e| e.get_str("id").unwrap()).collect();
        assert_eq!(missing, ["3"]);
    }
}
