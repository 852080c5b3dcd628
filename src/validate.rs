//! The strict validator: every violation of a wire message or of an event,
//! each with its rule ID and level, never only the first.
//!
//! It is the reference decoder run for its findings rather than its events:
//! the decoders already collect every violation (see `codec::builder`), so
//! the validator and the reference can never disagree.

use crate::codec::{self, Encoding};
use crate::event::Event;
use crate::rules::Violation;
use crate::wire::Message;

/// What validating a message found.
#[derive(Clone, Debug)]
pub struct Validation {
    /// Every violation: MUST ones (errors) and SHOULD/MAY ones (warnings).
    pub violations: Vec<Violation>,
    /// The events decoded, when the message is valid.
    pub events: Vec<Event>,
    /// The encoding detected, when the message is valid.
    pub encoding: Option<Encoding>,
}

impl Validation {
    /// Returns true when no violation is an error.
    pub fn is_valid(&self) -> bool {
        !self.violations.iter().any(Violation::is_error)
    }
}

/// Validates a wire message.
pub fn message(message: &Message) -> Validation {
    match codec::decode(message) {
        Ok(decoded) => Validation {
            violations: decoded.warnings,
            events: decoded.events,
            encoding: Some(decoded.encoding),
        },
        Err(violations) => Validation {
            violations,
            events: Vec::new(),
            encoding: None,
        },
    }
}

/// Validates an event built through the API (where nothing stops a caller
/// from setting an empty `id` or a bad name): it is written in the JSON
/// format and read back strictly, so the same rules apply as on the wire.
pub fn event(event: &Event) -> Vec<Violation> {
    match codec::json::decode_event(&codec::json::encode_event(event)) {
        Ok((_, warnings)) => warnings,
        Err(violations) => violations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AttributeValue, SpecVersion};
    use crate::wire::JsonDocument;

    #[test]
    fn reports_every_violation_with_its_rule() {
        let doc = br#"{"specversion":"1.0","id":"","source":"","type":"created","Bad":1.5}"#;
        let v = message(&Message::Json(JsonDocument {
            media_type: "application/cloudevents+json".into(),
            body: doc.to_vec(),
        }));
        assert!(!v.is_valid());
        let rules: Vec<&str> = v.violations.iter().map(|v| v.rule.as_str()).collect();
        for want in [
            "CORE-ID-1",
            "CORE-SRC-1",
            "CORE-TYPE-2",
            "CORE-NAME-1",
            "JSON-TM-2",
        ] {
            assert!(rules.contains(&want), "{want} missing from {rules:?}");
        }
    }

    #[test]
    fn events_built_by_hand_are_checked_too() {
        let mut e = Event::new(SpecVersion::V1_0);
        e.set("id", AttributeValue::String("".into()));
        e.set("source", AttributeValue::UriRef("urn:x".into()));
        e.set("type", AttributeValue::String("com.example.t".into()));
        e.set("MyExt", AttributeValue::Integer(1));
        let rules: Vec<String> = event(&e).into_iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["CORE-ID-1", "CORE-NAME-1"]);
    }
}
