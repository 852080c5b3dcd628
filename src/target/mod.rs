//! Targets: the implementations cespec tests. Every kind speaks one
//! semantic, *echo* (DESIGN.md §5): given an input message and a reply
//! encoding, decode with the implementation and re-encode the event(s), or
//! reject. One file per kind of target.

pub mod expectations;
pub mod file;
pub mod http;
pub mod process;
pub mod raw;
pub mod reference;
pub mod reference_http;
pub mod spec;
pub mod start;
pub mod stdio;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::codec::Encoding;
use crate::suite::Case;
use crate::wire::{Message, RawHttp};

/// The capability of receiving HTTP inputs written byte for byte (`raw:`
/// and `send:` in fixtures). HTTP targets have it, since cespec sends them
/// the bytes over TCP itself; in-process targets have it through cespec's
/// bounded parser ([`crate::http1`]), which hands them the parsed request
/// or rejects bytes no server would parse.
pub const RAW_HTTP: &str = "raw-http";

/// What an implementation says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImplementationInfo {
    pub name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub version: String,
}

/// Capability names a target declares; cases that require others are
/// skipped as unsupported. Encodings use their names (`http-binary`, ...);
/// `specversion-0.3` marks spec 0.3 support.
pub type Capabilities = BTreeSet<String>;

/// The prefix of capabilities an adapter supplies on the implementation's
/// behalf (`adapter:batch-writer`): declared so reports can tell SDK
/// behaviour from harness glue; no case requires them.
pub const ADAPTER_PREFIX: &str = "adapter:";

/// Returns true when `capability` names something an adapter supplies.
pub fn is_adapter_supplied(capability: &str) -> bool {
    capability.starts_with(ADAPTER_PREFIX)
}

/// Returns the capability set of a full implementation of every encoding and both spec versions.
pub fn all_capabilities() -> Capabilities {
    Encoding::ALL
        .iter()
        .map(|e| e.as_str().to_owned())
        .chain(["specversion-0.3".to_owned()])
        .collect()
}

/// An in-process Rust implementation under test. `Event` is the
/// implementation's own event type: the harness never looks inside it, it
/// only chains `decode` and `encode` and judges the wire result.
pub trait Implementation: Send + Sync {
    type Event;

    /// Returns the implementation's name, language and version.
    fn info(&self) -> ImplementationInfo;

    /// Returns the capabilities the implementation supports.
    fn capabilities(&self) -> Capabilities;

    /// Decodes a message into events, or rejects it with a reason.
    fn decode(&self, message: &Message) -> Result<Vec<Self::Event>, String>;

    /// Encodes events in `encoding`, or fails with a reason.
    fn encode(&self, events: &[Self::Event], encoding: Encoding) -> Result<Message, String>;
}

/// The result of one echo exchange with a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Echo {
    /// The target accepted the input and replied with this message.
    Accepted(Message),
    /// The target rejected the input (a 4xx, `ok: false`, a decode error),
    /// with the HTTP status it answered, if it is an HTTP target that did.
    Rejected { reason: String, status: Option<u16> },
    /// The exchange broke: connection refused, timeout, crash, protocol
    /// violation, a 5xx. Never a pass.
    Broken { reason: String, cause: Breakage },
}

/// What the judge needs to know of why an exchange broke, besides the
/// reason it reports: whether anything was sent, and what an HTTP target
/// answered. The reason text is for people; this is for decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Breakage {
    /// A timeout, a dropped connection, a crash, a protocol fault.
    #[default]
    Other,
    /// No connection could be made: nothing was sent, so the input cannot
    /// have caused it.
    Unsent,
    /// An HTTP target answered with a status that ends the exchange (a
    /// 3xx, a 5xx, a 429 not waited out), and, for a 429, whether it named
    /// a wait cespec could read (`Retry-After`).
    Answered { status: u16, named_wait: bool },
}

impl Echo {
    /// A rejection with no HTTP status.
    pub fn rejected(reason: String) -> Self {
        Self::Rejected {
            reason,
            status: None,
        }
    }

    /// A broken exchange of no particular kind ([`Breakage::Other`]).
    pub fn broken(reason: String) -> Self {
        Self::Broken {
            reason,
            cause: Breakage::Other,
        }
    }

    /// The HTTP status the target answered with, when it rejected the
    /// input or broke the exchange with one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Rejected { status, .. } => *status,
            Self::Broken {
                cause: Breakage::Answered { status, .. },
                ..
            } => Some(*status),
            _ => None,
        }
    }
}

/// A boxed future, so targets of every kind fit behind one trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The runner's view of any target.
pub trait Target: Send + Sync {
    /// Returns the implementation's self-description.
    fn info(&self) -> ImplementationInfo;

    /// Returns the capabilities the target supports.
    fn capabilities(&self) -> Capabilities;

    /// Sends `input` and asks for the reply in `reply`.
    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo>;

    /// Sends an input written byte for byte. `input` is what cespec's
    /// bounded parser made of `raw`; by default the target is given that
    /// (a target without a socket cannot be handed bytes), or, when the
    /// bytes are malformed, the input is rejected as a server would with a
    /// 400. HTTP targets send the bytes themselves.
    fn echo_raw<'a>(
        &'a self,
        input: &'a Message,
        raw: &'a RawHttp,
        reply: Encoding,
    ) -> BoxFuture<'a, Echo> {
        match &raw.malformed {
            Some(reason) => {
                let reason = format!("malformed HTTP request: {reason}");
                Box::pin(async move { Echo::rejected(reason) })
            }
            None => self.echo(input, reply),
        }
    }

    /// Releases the target's resources (stops a child process, a server).
    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Sends a case's input to `target`: its raw form when it has one.
pub fn echo_case<'a, T: Target + ?Sized>(
    target: &'a T,
    case: &'a Case,
    reply: Encoding,
) -> BoxFuture<'a, Echo> {
    match &case.raw {
        Some(raw) => target.echo_raw(&case.input, raw, reply),
        None => target.echo(&case.input, reply),
    }
}

/// Runs an in-process [`Implementation`] as a [`Target`]. Its capabilities
/// are the implementation's, plus [`RAW_HTTP`] when it takes HTTP inputs.
pub struct InProcess<I>(pub I);

impl<I: Implementation> Target for InProcess<I> {
    fn info(&self) -> ImplementationInfo {
        self.0.info()
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = self.0.capabilities();
        if caps.iter().any(|c| c.starts_with("http-")) {
            caps.insert(RAW_HTTP.to_owned());
        }
        caps
    }

    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        // A panic in the implementation is the target crashing, not the
        // harness: it becomes a broken exchange with the panic's message,
        // as a child process's crash does (a failure on a hostile case).
        let echoed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match self.0.decode(input) {
                Err(reason) => Echo::rejected(reason),
                Ok(events) => match self.0.encode(&events, reply) {
                    Ok(message) => Echo::Accepted(message),
                    Err(reason) => Echo::broken(format!(
                        "decoded, but could not encode in {reply}: {reason}"
                    )),
                },
            }
        }));
        let result = echoed.unwrap_or_else(|payload| {
            Echo::broken(format!(
                "the implementation panicked: {}",
                panic_text(&*payload)
            ))
        });
        Box::pin(async move { result })
    }
}

/// Runs an in-process [`Implementation`] as a [`Target`] whose echoes run
/// on tokio's blocking threads, so the runner's per-case timeout bounds
/// them: an implementation that hangs or takes quadratic time on a hostile
/// input ends in a timed-out exchange instead of stalling the run (its
/// thread keeps running until the call returns; Rust cannot stop it).
/// [`InProcess`] runs echoes inline instead, without the thread hop, which
/// is what a codec benchmark wants. Needs a tokio runtime.
pub struct Isolated<I>(Arc<InProcess<I>>);

impl<I: Implementation + 'static> Isolated<I> {
    /// Wraps `implementation`.
    pub fn new(implementation: I) -> Self {
        Self(Arc::new(InProcess(implementation)))
    }
}

impl<I: Implementation + 'static> Target for Isolated<I> {
    fn info(&self) -> ImplementationInfo {
        self.0.info()
    }

    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }

    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        let target = Arc::clone(&self.0);
        let input = input.clone();
        let handle = tokio::task::spawn_blocking(move || {
            // InProcess::echo is ready on its first poll: the work is done
            // in the call, on this thread.
            futures_ready(target.echo(&input, reply))
        });
        Box::pin(async move {
            handle.await.unwrap_or_else(|e| {
                Echo::broken(format!("the implementation's thread failed: {e}"))
            })
        })
    }
}

/// Returns the output of a future that is ready on its first poll, or a
/// broken exchange when it is not (an [`InProcess`] echo always is).
fn futures_ready(mut future: BoxFuture<'_, Echo>) -> Echo {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(echo) => echo,
        std::task::Poll::Pending => {
            Echo::broken("internal error: an in-process echo was not ready".to_owned())
        }
    }
}

/// Returns the message of a panic payload (`&str` or `String`), if any.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Panics on every decode.
    struct Panicky;

    impl Implementation for Panicky {
        type Event = ();
        fn info(&self) -> ImplementationInfo {
            ImplementationInfo::default()
        }
        fn capabilities(&self) -> Capabilities {
            ["http-binary".to_owned()].into()
        }
        fn decode(&self, _: &Message) -> Result<Vec<()>, String> {
            panic!("size overflows MAX_SIZE")
        }
        fn encode(&self, _: &[()], _: Encoding) -> Result<Message, String> {
            Err("unreachable".into())
        }
    }

    #[tokio::test]
    async fn a_panicking_implementation_is_a_broken_exchange() {
        let target = InProcess(Panicky);
        let input = Message::Http(crate::wire::HttpMessage::post(Vec::new(), Vec::new()));
        assert_eq!(
            target.echo(&input, Encoding::HttpBinary).await,
            Echo::broken("the implementation panicked: size overflows MAX_SIZE".into())
        );
        assert!(target.capabilities().contains(RAW_HTTP));
        let isolated = Isolated::new(Panicky);
        assert_eq!(
            isolated.echo(&input, Encoding::HttpBinary).await,
            Echo::broken("the implementation panicked: size overflows MAX_SIZE".into())
        );
        assert!(isolated.capabilities().contains(RAW_HTTP));
    }

    /// Takes two seconds over every decode, as a quadratic decoder does on
    /// a hostile input.
    struct Slow;

    impl Implementation for Slow {
        type Event = ();
        fn info(&self) -> ImplementationInfo {
            ImplementationInfo::default()
        }
        fn capabilities(&self) -> Capabilities {
            ["json".to_owned()].into()
        }
        fn decode(&self, _: &Message) -> Result<Vec<()>, String> {
            std::thread::sleep(std::time::Duration::from_secs(2));
            Err("too late".into())
        }
        fn encode(&self, _: &[()], _: Encoding) -> Result<Message, String> {
            Err("unreachable".into())
        }
    }

    #[tokio::test]
    async fn an_isolated_implementation_is_bounded_by_a_timeout() {
        let input = Message::Json(crate::wire::JsonDocument {
            media_type: crate::wire::MEDIA_JSON.into(),
            body: b"{}".to_vec(),
        });
        let started = std::time::Instant::now();
        let target = Isolated::new(Slow);
        let echo = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            target.echo(&input, Encoding::Json),
        )
        .await;
        assert!(echo.is_err(), "the echo is still running: {echo:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
