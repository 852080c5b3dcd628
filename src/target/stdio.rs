//! Child-process targets (`cmd:program args...`): any language, spoken to
//! in JSON lines over stdin and stdout as `docs/stdio-protocol.md` defines.
//!
//! The program is run without a shell unless one is asked for, started
//! with a `start` handshake, and given one `echo` at a time (a lock keeps
//! exactly one request in flight). What goes wrong with one exchange is
//! data, an [`Echo::Broken`]: a crash (with its exit status and the tail of
//! its stderr), silence beyond the timeout (the process is killed), or a
//! reply that breaks the protocol (the process is killed, since the stream
//! can no longer be trusted). A process that is gone is started again,
//! handshake included, before the next echo.

pub mod protocol;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::Mutex;

use self::protocol::{PROTOCOL_VERSION, Request, Stage, Started, wire_spec};
use super::http::snippet;
use super::process::{self, Tail};
use super::{BoxFuture, Capabilities, Echo, ImplementationInfo, Target};
use crate::codec::Encoding;
use crate::error::TargetError;
use crate::suite::input::InputSpec;
use crate::wire::Message;

/// Settings of a child-process target.
#[derive(Clone, Debug)]
pub struct StdioOptions {
    /// Run the command through `sh -c` (the words joined by spaces).
    pub shell: bool,
    /// Time allowed to spawn and answer `start`.
    pub start_timeout: Duration,
    /// Time allowed for one echo, from writing the request to reading the reply.
    pub echo_timeout: Duration,
    /// Time a process gets to exit after `stop` before it is killed.
    pub stop_timeout: Duration,
    /// Longest reply line accepted.
    pub max_line_bytes: usize,
    /// Replaces the capabilities the program declares.
    pub capabilities: Option<Capabilities>,
}

impl Default for StdioOptions {
    fn default() -> Self {
        Self {
            shell: false,
            start_timeout: Duration::from_secs(10),
            echo_timeout: Duration::from_secs(10),
            stop_timeout: Duration::from_secs(2),
            max_line_bytes: 64 << 20,
            capabilities: None,
        }
    }
}

/// A target that is a child process speaking the stdio protocol.
pub struct StdioTarget {
    words: Vec<String>,
    command: String,
    options: StdioOptions,
    info: ImplementationInfo,
    capabilities: Capabilities,
    state: Mutex<State>,
    restarts: AtomicUsize,
}

struct State {
    running: Option<Running>,
    seq: u64,
    closed: bool,
}

/// A live child and its pipes.
struct Running {
    process: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: Tail,
}

/// Why no reply line came.
enum ReadError {
    /// The process closed its stdout or stdin (it exited, most likely).
    Closed,
    TooLong,
}

impl StdioTarget {
    /// Starts `argv` (program and arguments, or one command line when
    /// `options.shell`) and completes the `start` handshake.
    pub async fn spawn(argv: Vec<String>, options: StdioOptions) -> Result<Self, TargetError> {
        if argv.is_empty() || argv[0].is_empty() {
            return Err(TargetError::Address {
                address: "cmd:".into(),
                message: "the command is empty".into(),
            });
        }
        let words = process::program_words(&argv, options.shell);
        let command = process::display(&argv);
        let (running, started) = launch(&words, &command, &options).await?;
        let capabilities = options
            .capabilities
            .clone()
            .unwrap_or_else(|| started.capabilities.iter().cloned().collect());
        let info = ImplementationInfo {
            name: started.name,
            language: started.language,
            version: started.version,
        };
        Ok(Self {
            words,
            command,
            options,
            info,
            capabilities,
            state: Mutex::new(State {
                running: Some(running),
                seq: 0,
                closed: false,
            }),
            restarts: AtomicUsize::new(0),
        })
    }

    /// Returns the command line the target runs.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Returns how many times the process was started again after it broke.
    pub fn restarts(&self) -> usize {
        self.restarts.load(Ordering::Relaxed)
    }

    async fn echo_inner(&self, input: &Message, reply: Encoding) -> Echo {
        let mut state = self.state.lock().await;
        if state.closed {
            return Echo::broken("the target was shut down".into());
        }
        let mut running = match state.running.take() {
            Some(r) => r,
            None => match launch(&self.words, &self.command, &self.options).await {
                Ok((r, _)) => {
                    self.restarts.fetch_add(1, Ordering::Relaxed);
                    r
                }
                Err(e) => {
                    return Echo::broken(format!("could not restart the process: {e}"));
                }
            },
        };
        state.seq += 1;
        let seq = state.seq;
        let request = Request::Echo {
            seq,
            message: Box::new(wire_spec(input)),
            reply,
        };
        let line = match serde_json::to_vec(&request) {
            Ok(l) => l,
            Err(e) => {
                return Echo::broken(format!("cannot serialise the request: {e}"));
            }
        };
        let timeout = self.options.echo_timeout;
        let answer = tokio::time::timeout(
            timeout,
            running.exchange(&line, self.options.max_line_bytes),
        )
        .await;
        match answer {
            Err(_) => {
                running.kill().await;
                Echo::broken(format!(
                    "no reply within {} ms; the process was killed; {}",
                    timeout.as_millis(),
                    running.stderr.describe()
                ))
            }
            Ok(Err(ReadError::Closed)) => Echo::broken(running.ended().await),
            Ok(Err(ReadError::TooLong)) => {
                running.kill().await;
                Echo::broken(format!(
                    "protocol violation: a reply line is longer than {} bytes",
                    self.options.max_line_bytes
                ))
            }
            Ok(Ok(line)) => match check_echo(seq, reply, &line) {
                Ok(echo) => {
                    state.running = Some(running);
                    echo
                }
                Err(violation) => {
                    running.kill().await;
                    Echo::broken(format!("protocol violation: {violation}"))
                }
            },
        }
    }

    async fn stop(&self) {
        let mut state = self.state.lock().await;
        state.closed = true;
        let Some(running) = state.running.take() else {
            return;
        };
        let Running {
            mut process,
            mut stdin,
            ..
        } = running;
        let stop = serde_json::to_vec(&Request::Stop).unwrap_or_default();
        let grace = self.options.stop_timeout;
        let _ = tokio::time::timeout(grace, async {
            stdin.write_all(&stop).await?;
            stdin.write_all(b"\n").await?;
            stdin.flush().await
        })
        .await;
        drop(stdin);
        if tokio::time::timeout(grace, process.wait()).await.is_err() {
            process::kill(&mut process).await;
        }
    }
}

/// Spawns the program and completes the handshake.
async fn launch(
    words: &[String],
    command: &str,
    options: &StdioOptions,
) -> Result<(Running, Started), TargetError> {
    let mut cmd = process::command(words)?;
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| TargetError::Spawn {
        command: command.to_owned(),
        source,
    })?;
    let pipes = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (Some(stdin), Some(stdout), Some(stderr)) = pipes else {
        process::kill(&mut child).await;
        return Err(TargetError::Handshake {
            command: command.to_owned(),
            message: "the process has no pipes".into(),
        });
    };
    let mut running = Running {
        process: child,
        stdin,
        stdout: BufReader::new(stdout),
        stderr: Tail::spawn(stderr),
    };
    let fail = |message: String| TargetError::Handshake {
        command: command.to_owned(),
        message,
    };
    let start = serde_json::to_vec(&Request::Start {
        protocol: PROTOCOL_VERSION,
    })
    .unwrap_or_default();
    let timeout = options.start_timeout;
    match tokio::time::timeout(timeout, running.exchange(&start, options.max_line_bytes)).await {
        Err(_) => {
            running.kill().await;
            Err(fail(format!(
                "no reply within {} ms; {}",
                timeout.as_millis(),
                running.stderr.describe()
            )))
        }
        Ok(Err(ReadError::Closed)) => Err(fail(running.ended().await)),
        Ok(Err(ReadError::TooLong)) => {
            running.kill().await;
            Err(fail(
                "protocol violation: the reply line is too long".into(),
            ))
        }
        Ok(Ok(line)) => match check_started(&line) {
            Ok(started) => Ok((running, started)),
            Err(violation) => {
                running.kill().await;
                Err(fail(format!("protocol violation: {violation}")))
            }
        },
    }
}

impl Running {
    /// Writes one request line and reads one reply line.
    async fn exchange(&mut self, line: &[u8], max: usize) -> Result<Vec<u8>, ReadError> {
        let sent = async {
            self.stdin.write_all(line).await?;
            self.stdin.write_all(b"\n").await?;
            self.stdin.flush().await
        };
        sent.await.map_err(|_| ReadError::Closed)?;
        self.receive(max).await
    }

    /// Reads the next non-blank line, without its line ending.
    async fn receive(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        loop {
            let mut line = Vec::new();
            loop {
                let buf = self
                    .stdout
                    .fill_buf()
                    .await
                    .map_err(|_| ReadError::Closed)?;
                if buf.is_empty() {
                    return Err(ReadError::Closed);
                }
                let (taken, end) = match buf.iter().position(|&b| b == b'\n') {
                    Some(i) => (i + 1, Some(i)),
                    None => (buf.len(), None),
                };
                line.extend_from_slice(&buf[..end.unwrap_or(taken)]);
                self.stdout.consume(taken);
                if line.len() > max {
                    return Err(ReadError::TooLong);
                }
                if end.is_some() {
                    break;
                }
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Ok(line);
            }
        }
    }

    /// Kills the process and lets the stderr tail settle.
    async fn kill(&mut self) {
        process::kill(&mut self.process).await;
        self.stderr.settle(Duration::from_millis(500)).await;
    }

    /// Returns how the process ended after it closed its pipes.
    async fn ended(&mut self) -> String {
        let how = match tokio::time::timeout(Duration::from_secs(1), self.process.wait()).await {
            Ok(Ok(status)) => format!("process {}", process::describe_status(status)),
            _ => {
                process::kill(&mut self.process).await;
                "process closed its stdout without exiting and was killed".to_owned()
            }
        };
        self.stderr.settle(Duration::from_millis(500)).await;
        format!("{how}; {}", self.stderr.describe())
    }
}

/// Checks a `started` reply.
fn check_started(line: &[u8]) -> Result<Started, String> {
    let value: Value = serde_json::from_slice(line)
        .map_err(|e| format!("the reply is not JSON ({e}): {}", snippet(line)))?;
    if value.get("type").and_then(Value::as_str) != Some("started") {
        return Err(format!(
            "expected a \"started\" reply, got: {}",
            snippet(line)
        ));
    }
    let started = Started::deserialize(&value)
        .map_err(|e| format!("the started reply is incomplete: {e}"))?;
    match started.protocol {
        Some(p) if p != PROTOCOL_VERSION => Err(format!(
            "the program speaks protocol {p}; cespec speaks {PROTOCOL_VERSION}"
        )),
        _ => Ok(started),
    }
}

/// Checks an echo reply against the request's `seq` and turns it into an
/// [`Echo`]. An `ok: false` reply is a rejection unless its `stage` is
/// `encode`: the input was accepted but the reply could not be encoded,
/// which is no verdict on the input and so an [`Echo::Broken`].
fn check_echo(seq: u64, reply: Encoding, line: &[u8]) -> Result<Echo, String> {
    let value: Value = serde_json::from_slice(line)
        .map_err(|e| format!("the reply is not JSON ({e}): {}", snippet(line)))?;
    let Some(object) = value.as_object() else {
        return Err(format!("the reply is not a JSON object: {}", snippet(line)));
    };
    let got = object
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or("the reply has no numeric seq")?;
    if got != seq {
        return Err(format!(
            "the reply has seq {got}, the request had seq {seq}"
        ));
    }
    match object.get("ok").and_then(Value::as_bool) {
        None => Err("the reply has no boolean ok".into()),
        Some(false) => {
            let error = object
                .get("error")
                .and_then(Value::as_str)
                .ok_or("an ok:false reply has no error string")?;
            let stage = match object.get("stage") {
                None | Some(Value::Null) => Stage::Decode,
                Some(stage) => Stage::deserialize(stage)
                    .map_err(|_| format!("stage must be \"decode\" or \"encode\", got {stage}"))?,
            };
            Ok(match stage {
                Stage::Decode => Echo::rejected(error.to_owned()),
                Stage::Encode => Echo::broken(format!(
                    "accepted, but could not encode in {reply}: {error}"
                )),
            })
        }
        Some(true) => {
            let message = object
                .get("message")
                .ok_or("an ok:true reply has no message")?;
            let spec = InputSpec::deserialize(message).map_err(|e| format!("message: {e}"))?;
            spec.to_message(None)
                .map(Echo::Accepted)
                .map_err(|e| format!("message: {e}"))
        }
    }
}

impl Target for StdioTarget {
    fn info(&self) -> ImplementationInfo {
        self.info.clone()
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn echo<'a>(&'a self, input: &'a Message, reply: Encoding) -> BoxFuture<'a, Echo> {
        Box::pin(self.echo_inner(input, reply))
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.stop())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_started_replies() {
        let s = check_started(
            br#"{"type":"started","name":"x","capabilities":["http-binary"],"extra":1}"#,
        )
        .unwrap();
        assert_eq!(
            (s.name.as_str(), s.language.as_str(), s.capabilities.len()),
            ("x", "", 1)
        );
        assert!(check_started(b"hello").unwrap_err().contains("not JSON"));
        assert!(
            check_started(br#"{"type":"ready"}"#)
                .unwrap_err()
                .contains("expected")
        );
        assert!(
            check_started(br#"{"type":"started","name":"x"}"#)
                .unwrap_err()
                .contains("capabilities")
        );
        assert!(
            check_started(br#"{"type":"started","name":"x","capabilities":[],"protocol":2}"#)
                .unwrap_err()
                .contains("protocol 2")
        );
    }

    #[test]
    fn checks_echo_replies() {
        let check_echo = |seq, line| check_echo(seq, Encoding::HttpBinary, line);
        let ok = br#"{"seq":3,"ok":true,"message":{"json":{"text_base64":"e30=","media_type":"application/json"}}}"#;
        assert!(matches!(
            check_echo(3, ok),
            Ok(Echo::Accepted(Message::Json(_)))
        ));
        assert_eq!(
            check_echo(3, br#"{"seq":3,"ok":false,"error":"no"}"#),
            Ok(Echo::rejected("no".into()))
        );
        assert_eq!(
            check_echo(3, br#"{"seq":3,"ok":false,"error":"no","stage":"decode"}"#),
            Ok(Echo::rejected("no".into()))
        );
        assert_eq!(
            check_echo(
                3,
                br#"{"seq":3,"ok":false,"error":"ERR_INVALID_CHAR","stage":"encode"}"#
            ),
            Ok(Echo::broken(
                "accepted, but could not encode in http-binary: ERR_INVALID_CHAR".into()
            ))
        );
        let bad: [(&[u8], &str); 9] = [
            (
                br#"{"seq":3,"ok":false,"error":"x","stage":"send"}"#,
                "stage must be",
            ),
            (b"[1]", "not a JSON object"),
            (b"{", "not JSON"),
            (br#"{"ok":true}"#, "no numeric seq"),
            (br#"{"seq":4,"ok":true}"#, "seq 4, the request had seq 3"),
            (br#"{"seq":3}"#, "no boolean ok"),
            (br#"{"seq":3,"ok":false}"#, "no error string"),
            (br#"{"seq":3,"ok":true}"#, "no message"),
            (
                br#"{"seq":3,"ok":true,"message":{"http":{},"json":{}}}"#,
                "message: ",
            ),
        ];
        for (line, want) in bad {
            let got = check_echo(3, line).unwrap_err();
            assert!(got.contains(want), "{got} / {want}");
        }
    }
}
