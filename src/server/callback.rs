//! The callback grant of the Web Hook handshake (Web Hook §4.1.3), as
//! `listen --webhook --grant-by-callback` makes it. A sender may offer a URL
//! in `WebHook-Request-Callback`; a target that takes the offer withholds
//! the `WebHook-Allowed-*` headers from its answer to the validation request
//! (HOOK-AP-6) and grants later by calling that URL, with GET or POST as it
//! likes, so the sender's URL must take both (HOOK-AP-5: the user picks the
//! method, and a second run tries the other). The call carries
//! `WebHook-Allowed-Rate` when `--grant-rate` caps the rate (a MAY); without
//! it the sender is held to the rate it asked for (HOOK-AP-9). Until a
//! callback has been answered 2xx, the bare 200 the sender got is no
//! consent, and a delivery breaks HOOK-AP-12.
//!
//! Only loopback callbacks are called (cespec talks to loopback alone): a
//! sender that offers another host is granted by headers instead, and told
//! why in the validation request's result.

use std::sync::Arc;
use std::time::Duration;

use crate::rules::Level;
use crate::runner::Finding;
use crate::target::http::{HttpOptions, HttpTarget, HttpUrl};
use crate::webhook::REQUEST_CALLBACK_HEADER;
use crate::wire::HttpMessage;

/// How long a sender's callback URL has to answer.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// The method the listener grants with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CallbackMethod {
    #[default]
    Get,
    Post,
}

impl CallbackMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// What a validation request offers to be granted by.
#[derive(Debug)]
pub(crate) enum Offer {
    /// No `WebHook-Request-Callback`: the grant goes in the answer.
    Headers,
    /// A URL the listener will not call (not on loopback); the grant goes
    /// in the answer, and the text says why.
    NotCalled(String),
    /// A value that is no URL to call at all (HOOK-AP-5); the grant goes in
    /// the answer.
    Unusable(Finding),
    /// A loopback URL to grant by.
    Callback(String),
}

/// Reads the callback a validation request offers.
pub(crate) fn offer(request: &HttpMessage) -> Offer {
    let Some(raw) = request.header_values(REQUEST_CALLBACK_HEADER).next() else {
        return Offer::Headers;
    };
    let text = String::from_utf8_lossy(raw).trim().to_owned();
    let url = match HttpUrl::parse(&text) {
        Ok(url) => url,
        Err(e) => {
            return Offer::Unusable(Finding {
                rule: "HOOK-AP-5".into(),
                level: Level::Must,
                message: format!(
                    "WebHook-Request-Callback {text:?} is no http(s) URL a target can call: {e}"
                ),
            });
        }
    };
    if url.is_loopback() {
        Offer::Callback(text)
    } else {
        Offer::NotCalled(format!(
            "WebHook-Request-Callback {text:?} is not on loopback, and cespec calls loopback addresses only"
        ))
    }
}

/// Removes the consent from an answer to a validation request: a target
/// that grants by callback withholds the `WebHook-Allowed-*` headers.
pub(crate) fn withhold_consent(headers: &mut Vec<crate::wire::Header>) {
    headers.retain(|(name, _)| {
        !name.eq_ignore_ascii_case("webhook-allowed-origin")
            && !name.eq_ignore_ascii_case("webhook-allowed-rate")
    });
}

/// What calling back came to: the findings, what to say, and whether the
/// sender took it as consent (a 2xx).
#[derive(Debug)]
pub(crate) struct Called {
    pub findings: Vec<Finding>,
    pub message: String,
    pub granted: bool,
}

/// The rate a callback grants in `WebHook-Allowed-Rate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NamedRate {
    /// `*`: no limit.
    Any,
    /// So many deliveries a minute.
    PerMinute(u32),
}

impl NamedRate {
    fn header_value(self) -> Vec<u8> {
        match self {
            Self::Any => b"*".to_vec(),
            Self::PerMinute(n) => n.to_string().into_bytes(),
        }
    }
}

/// How long a target waits, after withholding consent, before calling
/// back: time for its answer to reach the sender.
pub(crate) const CALLBACK_PAUSE: Duration = Duration::from_millis(100);

/// Calls `url` with `method`, carrying `WebHook-Allowed-Rate` when `rate`
/// is given, no body; `tls` is the client for an `https://` URL.
pub(crate) async fn call(
    url: &str,
    method: CallbackMethod,
    rate: Option<NamedRate>,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Called {
    let verb = method.as_str();
    let refused = |message: String| Called {
        findings: vec![Finding {
            rule: "HOOK-AP-5".into(),
            level: Level::Must,
            message: message.clone(),
        }],
        message,
        granted: false,
    };
    let options = HttpOptions {
        timeout: CALLBACK_TIMEOUT,
        tls_client: tls,
        ..HttpOptions::default()
    };
    let target = match HttpTarget::receiver(url, options) {
        Ok(target) => target,
        Err(e) => return refused(format!("callback {url} cannot be called: {e}")),
    };
    let request = HttpMessage {
        method: verb.to_owned(),
        path: String::new(),
        status: 0,
        headers: rate
            .map(|r| ("WebHook-Allowed-Rate".to_owned(), r.header_value()))
            .into_iter()
            .collect(),
        body: Vec::new(),
    };
    match target.send(&request).await {
        Ok(answer) if (200..300).contains(&answer.status) => Called {
            findings: Vec::new(),
            message: format!(
                "web hook callback: {verb} {url} answered {}: consent given, {}",
                answer.status,
                match rate {
                    Some(NamedRate::PerMinute(r)) => format!("at {r} a minute"),
                    Some(NamedRate::Any) => "at any rate".to_owned(),
                    None => "at the rate asked for".to_owned(),
                }
            ),
            granted: true,
        },
        Ok(answer) if answer.status == 405 => refused(format!(
            "callback {url} answered {verb} with 405; a target may grant with GET or POST, so the callback URL takes both"
        )),
        Ok(answer) => refused(format!(
            "callback {url} answered {verb} with {}; a target grants by calling it, so it is not refused",
            answer.status
        )),
        Err(reason) => refused(format!("callback {url} could not be called: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validation(callback: &str) -> HttpMessage {
        let mut m = HttpMessage::post(
            vec![(
                "WebHook-Request-Callback".into(),
                callback.as_bytes().to_vec(),
            )],
            Vec::new(),
        );
        m.method = "OPTIONS".into();
        m
    }

    #[test]
    fn only_loopback_callbacks_are_called() {
        for url in [
            "http://127.0.0.1:9/confirm?id=1&key=k",
            "https://localhost/confirm",
            "http://[::1]:8/c",
        ] {
            assert!(
                matches!(offer(&validation(url)), Offer::Callback(u) if u == url),
                "{url}"
            );
        }
        assert!(matches!(
            offer(&validation("https://example.com/confirm")),
            Offer::NotCalled(why) if why.contains("loopback")
        ));
        assert!(matches!(
            offer(&validation("mailto:ops@example.com")),
            Offer::Unusable(f) if f.rule == "HOOK-AP-5"
        ));
        assert!(matches!(
            offer(&HttpMessage::post(Vec::new(), Vec::new())),
            Offer::Headers
        ));
    }

    #[test]
    fn consent_is_withheld_by_removing_both_headers() {
        let mut headers = vec![
            ("Allow".to_owned(), b"POST, OPTIONS".to_vec()),
            ("WebHook-Allowed-Origin".to_owned(), b"a.example".to_vec()),
            ("webhook-allowed-rate".to_owned(), b"*".to_vec()),
        ];
        withhold_consent(&mut headers);
        assert_eq!(headers, [("Allow".to_owned(), b"POST, OPTIONS".to_vec())]);
    }
}
