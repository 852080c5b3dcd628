//! What the codec bench and the instruction counts (`examples/instructions.rs`)
//! both need besides the reference: the raw-parser baseline and the
//! `http::HeaderMap` both HTTP sides decode from. Included by `#[path]`, so
//! that the two time and count the very same peer.

use cespec::wire::HttpMessage;
use serde::{Deserialize, Serialize};

/// The raw-parser baseline: the CloudEvents members as a fixed schema,
/// owned Strings, `data` kept as its raw JSON text (`Box<RawValue>`, the
/// cheapest faithful form), no validation at all. Unknown members (the
/// extensions) are skipped, so it does less work than a codec on the
/// `extensions-30` class.
#[derive(Deserialize, Serialize)]
pub struct PlainEvent {
    specversion: String,
    id: String,
    source: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    datacontenttype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dataschema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<Box<serde_json::value::RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_base64: Option<String>,
}

/// The message's headers as an `http::HeaderMap`, in order, repeats kept:
/// the form `cloudevents-sdk`'s `to_event` and the reference's
/// `decode_header_map_taking` both take.
pub fn header_map(message: &HttpMessage) -> http::HeaderMap {
    message
        .to_header_map()
        .expect("a bench input's headers make a header map")
}
