//! An event's data, which a binding may leave unclassified until it is read.
//!
//! A binary-mode body is the event's data as it is (HTTP-BIN-1, KAFKA-BIN-1):
//! the binding does not require a receiver to look inside it. Whether a body
//! labelled JSON becomes [`Data::Json`] (it parses) or [`Data::Bytes`] (it
//! does not) only matters to whoever reads the data: the structured encoder,
//! the judge. So the decoders hand the body over with the function that
//! classifies it, and the classification runs on the first read, once. An
//! event decoded and sent on in binary mode (an echo server) never scans
//! its body, as `cloudevents-sdk` never does; an event that is read pays the
//! scan exactly as before. Nothing observable changes: the classifier is
//! chosen from the content type when the message is decoded, so later
//! changes to `datacontenttype` do not change what the body becomes.

use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

use super::Data;

/// Turns a body into the data it carries.
pub(crate) type Classifier = fn(Vec<u8>) -> Data;

/// Data, or a body and the function that will make it data when first read.
pub(crate) enum LazyData {
    /// Data given already classified (a plain value: nothing to
    /// synchronise, so making an event costs nothing more than before).
    Given(Data),
    Unread {
        /// Taken (by value, so the body is never copied) by the first read.
        body: Mutex<Option<(Vec<u8>, Classifier)>>,
        classified: OnceLock<Data>,
    },
}

impl LazyData {
    /// Data already classified.
    pub(crate) fn ready(data: Data) -> Self {
        Self::Given(data)
    }

    /// A body to classify with `classify` on first read.
    pub(crate) fn unread(body: Vec<u8>, classify: Classifier) -> Self {
        Self::Unread {
            body: Mutex::new(Some((body, classify))),
            classified: OnceLock::new(),
        }
    }

    /// Returns the data, classifying the body on the first call.
    pub(crate) fn get(&self) -> &Data {
        match self {
            Self::Given(data) => data,
            Self::Unread { body, classified } => classified.get_or_init(|| {
                let body = body.lock().unwrap_or_else(PoisonError::into_inner).take();
                body.map_or(Data::None, |(body, classify)| classify(body))
            }),
        }
    }

    /// Takes the data out, leaving none.
    pub(crate) fn take(&mut self) -> Data {
        match std::mem::take(self).into_settled() {
            Ok(data) => data,
            Err((body, classify)) => classify(body),
        }
    }

    /// Takes out the bytes a binary-mode body carries for the data, leaving
    /// none; an unread body comes back as it is, without being classified.
    pub(crate) fn take_body(&mut self) -> Vec<u8> {
        match std::mem::take(self).into_settled() {
            Ok(data) => data.into_body(),
            Err((body, _)) => body,
        }
    }

    /// The data, when given or classified already; else the unread body
    /// and its classifier.
    fn into_settled(self) -> Result<Data, (Vec<u8>, Classifier)> {
        match self {
            Self::Given(data) => Ok(data),
            Self::Unread { body, classified } => match classified.into_inner() {
                Some(data) => Ok(data),
                None => match body.into_inner().unwrap_or_else(PoisonError::into_inner) {
                    Some(unread) => Err(unread),
                    // Taken by a read that did not finish classifying it.
                    None => Ok(Data::None),
                },
            },
        }
    }
}

impl Default for LazyData {
    fn default() -> Self {
        Self::ready(Data::None)
    }
}

impl Clone for LazyData {
    fn clone(&self) -> Self {
        Self::ready(self.get().clone())
    }
}

impl fmt::Debug for LazyData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shout(body: Vec<u8>) -> Data {
        Data::Text(String::from_utf8_lossy(&body).to_uppercase())
    }

    #[test]
    fn the_body_is_classified_on_first_read_and_kept() {
        let data = LazyData::unread(b"hi".to_vec(), shout);
        assert_eq!(data.get(), &Data::Text("HI".into()));
        assert_eq!(data.get(), &Data::Text("HI".into()));
        assert_eq!(data.clone().get(), &Data::Text("HI".into()));
        assert_eq!(format!("{data:?}"), r#"Text("HI")"#);
    }

    #[test]
    fn take_classifies_and_take_body_does_not() {
        let mut data = LazyData::unread(b"hi".to_vec(), shout);
        assert_eq!(data.take(), Data::Text("HI".into()));
        assert_eq!(data.get(), &Data::None);

        let mut data = LazyData::unread(b"hi".to_vec(), shout);
        assert_eq!(data.take_body(), b"hi");
        assert_eq!(data.get(), &Data::None);

        let mut data = LazyData::unread(b"hi".to_vec(), shout);
        data.get();
        assert_eq!(data.take_body(), b"HI");
        assert_eq!(data.take(), Data::None);
    }

    #[test]
    fn ready_data_is_returned_as_given() {
        let mut data = LazyData::ready(Data::Bytes(vec![1, 2]));
        assert_eq!(data.get(), &Data::Bytes(vec![1, 2]));
        assert_eq!(data.take(), Data::Bytes(vec![1, 2]));
        assert_eq!(LazyData::default().get(), &Data::None);
    }
}
