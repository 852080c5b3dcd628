//! The target `cespec run` uses when none is named: the reference
//! implementation, reached over real loopback HTTP for HTTP inputs (so the
//! HTTP echo path is exercised end to end) and in-process for Kafka records
//! and JSON documents, which HTTP cannot carry as themselves.
//!
//! It is written generically, as a router over two targets by the input's
//! binding, so that the run reports one target named `reference` rather than
//! two half-targets with half their cases skipped.

use std::sync::Arc;

use crate::codec::Encoding;
use crate::target::{BoxFuture, Capabilities, Echo, ImplementationInfo, Target};
use crate::wire::Message;

/// Routes HTTP inputs to one target and every other input to another.
pub struct DefaultTarget {
    http: Arc<dyn Target>,
    other: Arc<dyn Target>,
}

impl DefaultTarget {
    /// Returns a target sending HTTP inputs to `http` and Kafka and JSON
    /// inputs to `other`.
    pub fn new(http: Arc<dyn Target>, other: Arc<dyn Target>) -> Self {
        Self { http, other }
    }

    fn route(&self, binding: &str) -> &dyn Target {
        if binding == "http" {
            self.http.as_ref()
        } else {
            self.other.as_ref()
        }
    }
}

impl Target for DefaultTarget {
    /// Returns the self-description of the non-HTTP target (for the
    /// reference, both halves describe the same implementation).
    fn info(&self) -> ImplementationInfo {
        self.other.info()
    }

    /// Returns the HTTP encodings the HTTP target supports, the other
    /// encodings the other target supports, and the remaining capabilities
    /// (`specversion-0.3`, ...) that both declare: a case requiring one of
    /// those may travel either way.
    fn capabilities(&self) -> Capabilities {
        let (http, other) = (self.http.capabilities(), self.other.capabilities());
        let binding_of = |cap: &str| cap.parse::<Encoding>().ok().map(Encoding::binding);
        let from_http = http.iter().filter(|c| binding_of(c) == Some("http"));
        let from_other = other
            .iter()
            .filter(|c| binding_of(c).is_some_and(|b| b != "http"));
        let shared = http
            .iter()
            .filter(|c| binding_of(c).is_none() && other.contains(*c));
        from_http.chain(from_other).chain(shared).cloned().collect()
    }

    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        self.route(input.binding()).echo(input, reply)
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.http.shutdown().await;
            self.other.shutdown().await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::testing::{Behaviour, Scripted};
    use crate::target::InProcess;
    use crate::target::reference::Reference;
    use crate::wire::{HttpMessage, JsonDocument};

    #[tokio::test]
    async fn routes_by_binding() {
        let target = DefaultTarget::new(
            Arc::new(Scripted(Behaviour::RejectAll)),
            Arc::new(InProcess(Reference)),
        );
        let http = Message::Http(HttpMessage::post(Vec::new(), Vec::new()));
        assert!(matches!(
            target.echo(&http, Encoding::HttpBinary).await,
            Echo::Rejected { reason, .. } if reason == "no thanks"
        ));
        let json = Message::Json(JsonDocument {
            media_type: crate::wire::MEDIA_JSON.into(),
            body: br#"{"specversion":"1.0","id":"1","source":"/s","type":"t.x"}"#.to_vec(),
        });
        assert!(matches!(
            target.echo(&json, Encoding::Json).await,
            Echo::Accepted(_)
        ));
        assert_eq!(target.capabilities(), crate::target::all_capabilities());
    }
}
