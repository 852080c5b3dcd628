//! Targets the harness starts itself (`--start 'command'`, or `start:` in
//! a targets file): the command is spawned (split into words without a
//! shell, or run with `sh -c` when asked), the harness waits until the
//! target's port accepts TCP connections, and at the end the process group
//! gets `SIGTERM`, then `SIGKILL` after a grace period.
//!
//! Child-process targets (`cmd:`) do not need this: they are started by
//! [`StdioTarget`](super::stdio::StdioTarget), and their readiness is the
//! `start` reply.

use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::process::Child;
use tokio::sync::Mutex;

use super::process::{self, Tail};
use super::{BoxFuture, Capabilities, Echo, ImplementationInfo, Target};
use crate::codec::Encoding;
use crate::error::TargetError;
use crate::wire::{Message, RawHttp};

/// How often readiness is probed.
const POLL: Duration = Duration::from_millis(50);

/// Settings of a started process.
#[derive(Clone, Debug)]
pub struct StartOptions {
    /// Run the command with `sh -c` instead of splitting it into words.
    pub shell: bool,
    /// Time allowed until the port accepts connections.
    pub ready_timeout: Duration,
    /// Time between `SIGTERM` and `SIGKILL` at teardown.
    pub stop_grace: Duration,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            shell: false,
            ready_timeout: Duration::from_secs(30),
            stop_grace: Duration::from_secs(2),
        }
    }
}

/// A process started for a target; it is killed when dropped.
pub struct StartedProcess {
    child: Option<Child>,
    command: String,
    stderr: Tail,
    grace: Duration,
}

impl StartedProcess {
    /// Starts `command` and, when `ready` names a host and port, waits
    /// until a TCP connection to it succeeds (probing every 50 ms).
    pub async fn start(
        command: &str,
        ready: Option<(&str, u16)>,
        options: &StartOptions,
    ) -> Result<Self, TargetError> {
        let words = if options.shell {
            process::program_words(&[command.to_owned()], true)
        } else {
            process::split_command(command).map_err(|message| TargetError::Address {
                address: command.to_owned(),
                message,
            })?
        };
        let mut child = process::command(&words)?
            .spawn()
            .map_err(|source| TargetError::Spawn {
                command: command.to_owned(),
                source,
            })?;
        let stderr = match child.stderr.take() {
            Some(s) => Tail::spawn(s),
            None => Tail::spawn(tokio::io::empty()),
        };
        let mut started = Self {
            child: Some(child),
            command: command.to_owned(),
            stderr,
            grace: options.stop_grace,
        };
        if let Some((host, port)) = ready
            && let Err(message) = started.wait_ready(host, port, options.ready_timeout).await
        {
            started.shutdown().await;
            return Err(TargetError::NotReady {
                command: command.to_owned(),
                message,
            });
        }
        Ok(started)
    }

    async fn wait_ready(&mut self, host: &str, port: u16, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.stderr.settle(Duration::from_millis(500)).await;
                return Err(format!(
                    "it {} before {host}:{port} accepted connections; {}",
                    process::describe_status(status),
                    self.stderr.describe()
                ));
            }
            if let Ok(Ok(_)) =
                tokio::time::timeout(POLL * 10, TcpStream::connect((host, port))).await
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{host}:{port} did not accept connections within {} ms; {}",
                    within.as_millis(),
                    self.stderr.describe()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Returns the command line that was started.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Returns the process id, while it runs.
    pub fn id(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// Returns the last 4 KiB the process wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        self.stderr.text()
    }

    /// Sends `SIGTERM` to the process group, then `SIGKILL` after the grace period.
    pub async fn shutdown(&mut self) {
        if let Some(mut child) = self.child.take() {
            process::terminate(&mut child, self.grace).await;
        }
    }
}

impl Drop for StartedProcess {
    fn drop(&mut self) {
        // Not shut down: no time for grace; the group goes at once.
        if let Some(child) = &mut self.child
            && let Ok(None) = child.try_wait()
        {
            process::signal_group(child.id(), "KILL");
        }
    }
}

/// A target together with the process started for it: shutting the
/// target down stops the process too.
pub struct StartedTarget {
    inner: Box<dyn Target>,
    process: Mutex<Option<StartedProcess>>,
}

impl StartedTarget {
    /// Returns `inner`, owning `process`.
    pub fn new(inner: Box<dyn Target>, process: StartedProcess) -> Self {
        Self {
            inner,
            process: Mutex::new(Some(process)),
        }
    }
}

impl Target for StartedTarget {
    fn info(&self) -> ImplementationInfo {
        self.inner.info()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
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
        Box::pin(async {
            self.inner.shutdown().await;
            if let Some(mut process) = self.process.lock().await.take() {
                process.shutdown().await;
            }
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_port_and_tears_down() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        // The port opens a moment after the process starts (here it is this
        // test that opens it; the process only has to be alive).
        let opener = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(l);
        });
        let started = Instant::now();
        let mut p = StartedProcess::start(
            "sleep 30",
            Some(("127.0.0.1", port)),
            &StartOptions::default(),
        )
        .await
        .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(150));
        assert!(p.id().is_some());
        p.shutdown().await;
        assert!(p.id().is_none());
        opener.abort();
    }

    #[tokio::test]
    async fn reports_a_process_that_dies_or_never_listens() {
        let options = StartOptions {
            ready_timeout: Duration::from_millis(300),
            ..StartOptions::default()
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let died = StartedProcess::start(
            "sh -c 'echo no config >&2; exit 7'",
            Some(("127.0.0.1", port)),
            &options,
        )
        .await;
        match died {
            Err(TargetError::NotReady { message, .. }) => {
                assert!(
                    message.contains("exited with status 7") && message.contains("no config"),
                    "{message}"
                )
            }
            other => panic!("{:?}", other.err()),
        }
        let silent = StartedProcess::start("sleep 30", Some(("127.0.0.1", port)), &options).await;
        match silent {
            Err(TargetError::NotReady { message, .. }) => {
                assert!(message.contains("within 300 ms"), "{message}")
            }
            other => panic!("{:?}", other.err()),
        }
        let shell = StartOptions {
            shell: true,
            ..options
        };
        assert!(
            StartedProcess::start("exit 0 && true", None, &shell)
                .await
                .is_ok()
        );
        assert!(matches!(
            StartedProcess::start("a && b", None, &StartOptions::default()).await,
            Err(TargetError::Address { .. })
        ));
    }
}
