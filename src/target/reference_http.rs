//! `reference-http`: the reference implementation served in-process by
//! the `cespec serve` engine on a loopback port and reached through a real
//! [`HttpTarget`]. It tests the HTTP path of the harness itself (client,
//! server, limits) against a known-good implementation, and gives a
//! baseline for HTTP benchmarks.

use tokio::sync::Mutex;

use super::http::{HttpOptions, HttpTarget, default_capabilities};
use super::reference::Reference;
use super::{BoxFuture, Capabilities, Echo, Implementation, ImplementationInfo, Target};
use crate::codec::Encoding;
use crate::error::TargetError;
use crate::server::RunningServer;
use crate::server::serve::{ServeConfig, start};
use crate::wire::{Message, RawHttp};

/// The reference behind its own HTTP echo server.
pub struct ReferenceHttp {
    http: HttpTarget,
    server: Mutex<Option<RunningServer>>,
}

impl ReferenceHttp {
    /// Starts the server on `127.0.0.1:0` and a client for it. `options`
    /// set the client's timeout, size cap and capabilities (by default the
    /// HTTP modes and spec 0.3, which the reference supports).
    pub async fn start(mut options: HttpOptions) -> Result<Self, TargetError> {
        let server = start(ServeConfig::default()).await?;
        let info = Reference.info();
        options.info.get_or_insert(ImplementationInfo {
            name: "reference-http".into(),
            ..info
        });
        options.capabilities.get_or_insert_with(|| {
            let mut caps = default_capabilities();
            caps.insert("specversion-0.3".into());
            caps
        });
        let http = HttpTarget::new(&server.url(), options)?;
        Ok(Self {
            http,
            server: Mutex::new(Some(server)),
        })
    }

    /// Returns the URL the server listens on.
    pub fn url(&self) -> &str {
        self.http.address()
    }
}

impl Target for ReferenceHttp {
    fn info(&self) -> ImplementationInfo {
        self.http.info()
    }

    fn capabilities(&self) -> Capabilities {
        self.http.capabilities()
    }

    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        self.http.echo(input, reply)
    }

    fn echo_raw<'a>(
        &'a self,
        input: &'a Message,
        raw: &'a RawHttp,
        reply: Encoding,
    ) -> BoxFuture<'a, Echo> {
        self.http.echo_raw(input, raw, reply)
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            self.http.shutdown().await;
            if let Some(server) = self.server.lock().await.take() {
                server.shutdown().await;
            }
        })
    }
}
