//! The reference implementation as an [`Implementation`]: the strict codecs
//! of `crate::codec`. It is what the corpus is proved against, and the
//! default target of `cespec run`.

use super::{Capabilities, Implementation, ImplementationInfo, all_capabilities};
use crate::codec::{self, Encoding};
use crate::event::Event;
use crate::wire::Message;

/// The built-in reference implementation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl Implementation for Reference {
    type Event = Event;

    fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: "reference".into(),
            language: "rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    fn capabilities(&self) -> Capabilities {
        all_capabilities()
    }

    fn decode(&self, message: &Message) -> Result<Vec<Event>, String> {
        codec::decode(message)
            .map(|d| d.events)
            .map_err(|violations| {
                violations
                    .iter()
                    .filter(|v| v.is_error())
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    fn encode(&self, events: &[Event], encoding: Encoding) -> Result<Message, String> {
        codec::encode(events, encoding).map_err(|e| e.to_string())
    }
}
