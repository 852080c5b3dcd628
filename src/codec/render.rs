//! Renders an abstract fixture event (a JSON-format object that may break
//! rules) into any encoding *faithfully*: no validation, no repair, so an
//! invalid attribute reaches the wire as it was written in the fixture.
//!
//! Binary modes turn every member into a header string (strings as-is,
//! numbers by their JSON text, booleans `true`/`false`, objects and arrays
//! as compact JSON); `datacontenttype` becomes the content-type header;
//! `data` becomes the body by the same rules the JSON format uses.

use serde_json::Value;

use super::{EncodeError, Encoding, percent};
use crate::event::{binary, is_json_content_type};
use crate::wire::{HttpMessage, JsonDocument, KafkaRecord, MEDIA_JSON, MEDIA_JSON_BATCH, Message};

/// Renders `event` (an object, or an array of objects for batch encodings).
pub fn render(event: &Value, encoding: Encoding) -> Result<Message, EncodeError> {
    let compact = || serde_json::to_vec(event).unwrap_or_default();
    let batch = || match event {
        Value::Array(_) => serde_json::to_vec(event).unwrap_or_default(),
        single => serde_json::to_vec(&Value::Array(vec![single.clone()])).unwrap_or_default(),
    };
    Ok(match encoding {
        Encoding::Json => Message::Json(JsonDocument {
            media_type: MEDIA_JSON.into(),
            body: compact(),
        }),
        Encoding::JsonBatch => Message::Json(JsonDocument {
            media_type: MEDIA_JSON_BATCH.into(),
            body: batch(),
        }),
        Encoding::HttpStructured => Message::Http(HttpMessage::post(
            vec![("content-type".into(), MEDIA_JSON.into())],
            compact(),
        )),
        Encoding::HttpBatch => Message::Http(HttpMessage::post(
            vec![("content-type".into(), MEDIA_JSON_BATCH.into())],
            batch(),
        )),
        Encoding::KafkaStructured => Message::Kafka(KafkaRecord {
            key: None,
            headers: vec![("content-type".into(), MEDIA_JSON.into())],
            value: Some(compact()),
        }),
        Encoding::HttpBinary => {
            let (headers, body) = binary_parts(event, encoding, "ce-", true)?;
            Message::Http(HttpMessage::post(headers, body.unwrap_or_default()))
        }
        Encoding::KafkaBinary => {
            let (headers, value) = binary_parts(event, encoding, "ce_", false)?;
            Message::Kafka(KafkaRecord {
                key: None,
                headers,
                value,
            })
        }
    })
}

fn header_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

type Parts = (Vec<(String, Vec<u8>)>, Option<Vec<u8>>);

fn binary_parts(
    event: &Value,
    encoding: Encoding,
    prefix: &str,
    percent_encode: bool,
) -> Result<Parts, EncodeError> {
    let unrenderable = |reason: &str| EncodeError::Unrenderable {
        encoding,
        reason: reason.to_owned(),
    };
    let Value::Object(members) = event else {
        return Err(unrenderable("binary mode needs a single event object"));
    };
    let mut headers = Vec::with_capacity(members.len());
    let mut content_type = None;
    for (name, value) in members {
        if value.is_null() || name == "data" || name == "data_base64" {
            continue;
        }
        let text = header_text(value);
        if name == "datacontenttype" {
            content_type = Some(text);
            continue;
        }
        let text = if percent_encode {
            percent::encode(&text).into_owned()
        } else {
            text
        };
        headers.push((format!("{prefix}{name}"), text.into_bytes()));
    }
    let version_03 = members.get("specversion").and_then(Value::as_str) == Some("0.3");
    let base64_03 =
        version_03 && members.get("datacontentencoding").and_then(Value::as_str) == Some("base64");
    let body = match (members.get("data"), members.get("data_base64")) {
        (Some(_), Some(b)) if !b.is_null() => {
            return Err(unrenderable(
                "data and data_base64 cannot both become one body",
            ));
        }
        (_, Some(Value::String(b64))) => Some(
            binary::decode(b64.as_bytes())
                .ok_or_else(|| unrenderable("data_base64 is not base64"))?,
        ),
        (_, Some(v)) if !v.is_null() => return Err(unrenderable("data_base64 is not a string")),
        (Some(Value::String(b64)), _) if base64_03 => Some(
            binary::decode(b64.as_bytes())
                .ok_or_else(|| unrenderable("0.3 base64 data is not base64"))?,
        ),
        (Some(data), _) => match (&content_type, data) {
            (Some(ct), Value::String(s)) if !is_json_content_type(ct) => {
                Some(s.clone().into_bytes())
            }
            _ => Some(serde_json::to_vec(data).unwrap_or_default()),
        },
        (None, _) => None,
    };
    // Like the encoder: JSON data without a datacontenttype is labelled JSON.
    if content_type.is_none()
        && members
            .get("data")
            .is_some_and(|d| !base64_03 || !d.is_string())
    {
        content_type = Some("application/json".to_owned());
    }
    if let Some(ct) = content_type {
        headers.push(("content-type".to_owned(), ct.into_bytes()));
    }
    Ok((headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn invalid_values_reach_the_wire() {
        let e = json!({"specversion":"1.0","id":"","source":"/s","type":"t.x","comexampleint":2147483648_i64,"subject":"a b"});
        let Message::Http(m) = render(&e, Encoding::HttpBinary).unwrap() else {
            panic!()
        };
        assert_eq!(m.header("ce-id"), Some(""));
        assert_eq!(m.header("ce-comexampleint"), Some("2147483648"));
        assert_eq!(m.header("ce-subject"), Some("a%20b"));
        let Message::Kafka(k) = render(&e, Encoding::KafkaBinary).unwrap() else {
            panic!()
        };
        assert_eq!(k.header("ce_subject"), Some("a b"));
        assert_eq!(k.value, None);
    }

    #[test]
    fn data_becomes_the_body() {
        let e = json!({"specversion":"1.0","id":"1","source":"/s","type":"t.x","datacontenttype":"text/plain","data":"hi"});
        let Message::Http(m) = render(&e, Encoding::HttpBinary).unwrap() else {
            panic!()
        };
        assert_eq!(m.body, b"hi");
        assert_eq!(m.header("content-type"), Some("text/plain"));
        let e = json!({"specversion":"1.0","id":"1","source":"/s","type":"t.x","data":{"a":1}});
        let Message::Http(m) = render(&e, Encoding::HttpBinary).unwrap() else {
            panic!()
        };
        assert_eq!(m.body, br#"{"a":1}"#);
        assert_eq!(m.header("content-type"), Some("application/json"));
    }
}
