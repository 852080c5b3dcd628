//! Target addresses, as users write them on the command line and in
//! targets files, and how each kind is opened:
//!
//! | address | target |
//! |---|---|
//! | `reference` | the reference implementation, in process |
//! | `reference-http` | the reference behind `cespec serve` on a loopback port, over real HTTP |
//! | `http://host:port/path` | an HTTP echo server |
//! | `receiver:http://...` | an HTTP receiver judged by its status code only |
//! | `cmd:program args...` | a child process speaking `docs/stdio-protocol.md` |
//!
//! `https://` is recognised and refused: this build has no TLS client.
//! Parsing checks the address only; [`TargetSpec::check`] also checks the
//! options that go with it, so a plan can be validated before anything
//! starts.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::http::{HttpOptions, HttpTarget, HttpUrl};
use super::process;
use super::reference::Reference;
use super::reference_http::ReferenceHttp;
use super::start::{StartOptions, StartedProcess, StartedTarget};
use super::stdio::{StdioOptions, StdioTarget};
use super::{BoxFuture, Capabilities, Echo, ImplementationInfo, Isolated, Target};
use crate::codec::Encoding;
use crate::error::TargetError;
use crate::wire::{Message, RawHttp};

/// A parsed target address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// The in-process reference implementation.
    Reference,
    /// The reference served over loopback HTTP.
    ReferenceHttp,
    /// An HTTP echo server.
    Http { url: String },
    /// An HTTP receiver, judged by status only.
    Receiver { url: String },
    /// A child process; `command` is the line after `cmd:`.
    Cmd { command: String },
}

/// How targets are opened; one set of options for every kind, each kind
/// taking what applies to it.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// Longest single exchange (HTTP request, stdio echo).
    pub timeout: Duration,
    /// Longest start: the stdio handshake, or readiness of a `start` command.
    pub start_timeout: Duration,
    /// Largest reply accepted (HTTP body, stdio line).
    pub max_response_bytes: usize,
    /// Replaces the capabilities the target declares or is assumed to have.
    pub capabilities: Option<Capabilities>,
    /// A command to start before an HTTP target is used (`--start`).
    pub start: Option<String>,
    /// Run `cmd:` lines and `start` commands with `sh -c`.
    pub shell: bool,
    /// Headers every request of an HTTP target carries (`--header`), each
    /// checked by [`super::http::extra_header`].
    pub extra_headers: Vec<crate::wire::Header>,
    /// The access token of an HTTP target (`--token`), checked by
    /// [`super::http::bearer_token`].
    pub token: Option<String>,
    /// The TLS client for `https://` targets, made once of the `--ca-cert`
    /// files ([`crate::tls::client_config`]); `None`: the webpki roots alone.
    pub tls_client: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            start_timeout: Duration::from_secs(30),
            max_response_bytes: super::http::DEFAULT_MAX_RESPONSE_BYTES,
            capabilities: None,
            start: None,
            shell: false,
            extra_headers: Vec::new(),
            token: None,
            tls_client: None,
        }
    }
}

impl TargetSpec {
    /// Parses a target address.
    pub fn parse(address: &str) -> Result<Self, TargetError> {
        let bad = |message: &str| TargetError::Address {
            address: address.to_owned(),
            message: message.to_owned(),
        };
        let trimmed = address.trim();
        if trimmed == "reference" {
            return Ok(Self::Reference);
        }
        if trimmed == "reference-http" {
            return Ok(Self::ReferenceHttp);
        }
        if let Some(command) = trimmed.strip_prefix("cmd:") {
            if command.trim().is_empty() {
                return Err(bad("cmd: needs a command line"));
            }
            return Ok(Self::Cmd {
                command: command.trim().to_owned(),
            });
        }
        if let Some(url) = trimmed.strip_prefix("receiver:") {
            HttpUrl::parse(url)?;
            return Ok(Self::Receiver {
                url: url.to_owned(),
            });
        }
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            HttpUrl::parse(trimmed)?;
            return Ok(Self::Http {
                url: trimmed.to_owned(),
            });
        }
        Err(bad(
            "expected reference, reference-http, http://..., receiver:http://... or cmd:...",
        ))
    }

    /// Returns the kind's name: `reference`, `reference-http`, `http`, `receiver` or `cmd`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Reference => "reference",
            Self::ReferenceHttp => "reference-http",
            Self::Http { .. } => "http",
            Self::Receiver { .. } => "receiver",
            Self::Cmd { .. } => "cmd",
        }
    }

    /// Checks that `options` make sense for this target: a `start` command
    /// only for HTTP targets, and command lines that split into words
    /// unless a shell is asked for.
    pub fn check(&self, options: &OpenOptions) -> Result<(), TargetError> {
        let bad = |message: String| TargetError::Address {
            address: self.to_string(),
            message,
        };
        if !options.extra_headers.is_empty()
            && !matches!(self, Self::Http { .. } | Self::Receiver { .. })
        {
            return Err(bad(format!(
                "extra headers go with http:// and receiver: targets, not {}",
                self.kind()
            )));
        }
        if options.token.is_some() {
            if !matches!(self, Self::Http { .. } | Self::Receiver { .. }) {
                return Err(bad(format!(
                    "a token goes with http:// and receiver: targets, not {}",
                    self.kind()
                )));
            }
            if options
                .extra_headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            {
                return Err(bad(
                    "both a token and an Authorization header: the token is sent as `Authorization: Bearer`, give it once"
                        .into(),
                ));
            }
        }
        if let Some(start) = &options.start {
            if !matches!(self, Self::Http { .. } | Self::Receiver { .. }) {
                return Err(bad(format!(
                    "a start command goes with http:// and receiver: targets, not {}",
                    self.kind()
                )));
            }
            if !options.shell {
                process::split_command(start).map_err(|e| bad(format!("start command: {e}")))?;
            }
        }
        if let Self::Cmd { command } = self
            && !options.shell
        {
            process::split_command(command).map_err(bad)?;
        }
        Ok(())
    }

    /// Opens the target: starts what has to be started and waits until it is ready.
    pub async fn open(&self, options: &OpenOptions) -> Result<Box<dyn Target>, TargetError> {
        self.check(options)?;
        let http = HttpOptions {
            timeout: options.timeout,
            max_response_bytes: options.max_response_bytes,
            capabilities: options.capabilities.clone(),
            info: None,
            extra_headers: options.extra_headers.clone(),
            token: options.token.clone(),
            tls_client: options.tls_client.clone(),
        };
        match self {
            Self::Reference => {
                // On a blocking thread, so the case timeout bounds it like
                // any other target (`cespec bench` times InProcess inline).
                let target: Box<dyn Target> = Box::new(Isolated::new(Reference));
                Ok(match &options.capabilities {
                    Some(caps) => Box::new(Narrowed {
                        inner: target,
                        capabilities: caps.clone(),
                    }),
                    None => target,
                })
            }
            Self::ReferenceHttp => Ok(Box::new(ReferenceHttp::start(http).await?)),
            Self::Http { url } | Self::Receiver { url } => {
                let target = if matches!(self, Self::Receiver { .. }) {
                    HttpTarget::receiver(url, http)?
                } else {
                    HttpTarget::new(url, http)?
                };
                let started = match &options.start {
                    // Unreachable now (or a certificate that does not
                    // verify), every exchange would break alike: say so
                    // once, as for a program that does not start.
                    None => {
                        target
                            .reachable()
                            .await
                            .map_err(|message| TargetError::Unreachable {
                                address: url.clone(),
                                message,
                            })?;
                        None
                    }
                    Some(command) => {
                        let parsed = HttpUrl::parse(url)?;
                        let start = StartOptions {
                            shell: options.shell,
                            ready_timeout: options.start_timeout,
                            ..StartOptions::default()
                        };
                        Some(
                            StartedProcess::start(
                                command,
                                Some((&parsed.host, parsed.port)),
                                &start,
                            )
                            .await?,
                        )
                    }
                };
                let target: Box<dyn Target> = Box::new(target);
                Ok(match started {
                    Some(process) => Box::new(StartedTarget::new(target, process)),
                    None => target,
                })
            }
            Self::Cmd { command } => {
                let argv = if options.shell {
                    vec![command.clone()]
                } else {
                    process::split_command(command).map_err(|message| TargetError::Address {
                        address: self.to_string(),
                        message,
                    })?
                };
                let stdio = StdioOptions {
                    shell: options.shell,
                    start_timeout: options.start_timeout,
                    echo_timeout: options.timeout,
                    max_line_bytes: options.max_response_bytes.saturating_mul(2),
                    capabilities: options.capabilities.clone(),
                    ..StdioOptions::default()
                };
                Ok(Box::new(StdioTarget::spawn(argv, stdio).await?))
            }
        }
    }
}

impl FromStr for TargetSpec {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, TargetError> {
        Self::parse(s)
    }
}

impl fmt::Display for TargetSpec {
    /// Writes the address as it parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reference => f.write_str("reference"),
            Self::ReferenceHttp => f.write_str("reference-http"),
            Self::Http { url } => f.write_str(url),
            Self::Receiver { url } => write!(f, "receiver:{url}"),
            Self::Cmd { command } => write!(f, "cmd:{command}"),
        }
    }
}

/// A target whose capabilities were replaced by the user.
struct Narrowed {
    inner: Box<dyn Target>,
    capabilities: Capabilities,
}

impl Target for Narrowed {
    fn info(&self) -> ImplementationInfo {
        self.inner.info()
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        self.inner.echo(input, reply)
    }

    fn echo_raw<'a>(
        &'a self,
        input: &'a Message,
        raw: &'a RawHttp,
        reply: Encoding,
    ) -> BoxFuture<'a, Echo> {
        self.inner.echo_raw(input, raw, reply)
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        self.inner.shutdown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_prints_it_back() {
        for (text, kind) in [
            ("reference", "reference"),
            ("reference-http", "reference-http"),
            ("http://127.0.0.1:8080/echo", "http"),
            ("receiver:http://127.0.0.1:9/", "receiver"),
            ("cmd:python3 adapter.py --x 'a b'", "cmd"),
        ] {
            let spec = TargetSpec::parse(text).unwrap();
            assert_eq!(spec.kind(), kind);
            assert_eq!(spec.to_string(), text);
            assert_eq!(text.parse::<TargetSpec>().unwrap(), spec);
        }
    }

    #[test]
    fn refuses_bad_addresses() {
        assert!(matches!(
            TargetSpec::parse("https://example.com/"),
            Ok(TargetSpec::Http { .. })
        ));
        assert!(matches!(
            TargetSpec::parse("receiver:https://x/"),
            Ok(TargetSpec::Receiver { .. })
        ));
        for bad in [
            "",
            "ref",
            "cmd:",
            "cmd:   ",
            "receiver:ftp://x",
            "http://",
            "tcp://x:1",
        ] {
            assert!(TargetSpec::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn checks_options_against_the_kind() {
        let start = |s: &str| OpenOptions {
            start: Some(s.into()),
            ..OpenOptions::default()
        };
        let http = TargetSpec::parse("http://127.0.0.1:1/").unwrap();
        assert!(http.check(&start("./server --port 1")).is_ok());
        assert!(http.check(&start("cd x && ./server")).is_err());
        assert!(
            http.check(&OpenOptions {
                shell: true,
                ..start("cd x && ./server")
            })
            .is_ok()
        );
        assert!(TargetSpec::Reference.check(&start("x")).is_err());
        let cmd = TargetSpec::parse("cmd:a | b").unwrap();
        assert!(cmd.check(&OpenOptions::default()).is_err());
        assert!(
            cmd.check(&OpenOptions {
                shell: true,
                ..OpenOptions::default()
            })
            .is_ok()
        );
    }

    #[tokio::test]
    async fn opens_the_reference_with_narrowed_capabilities() {
        let caps: Capabilities = ["http-binary".to_owned()].into();
        let t = TargetSpec::Reference
            .open(&OpenOptions {
                capabilities: Some(caps.clone()),
                ..OpenOptions::default()
            })
            .await
            .unwrap();
        assert_eq!(t.capabilities(), caps);
        assert_eq!(t.info().name, "reference");
    }
}
