//! Child processes, as the stdio targets and `--start` commands need them:
//! splitting a command line into words without a shell, spawning into a
//! process group of its own, keeping the tail of what the child writes to
//! stderr for error messages, describing how it ended, and killing the
//! whole group on teardown. Not a general process library.

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::error::TargetError;

/// How much of a child's stderr is kept for messages.
pub const TAIL_BYTES: usize = 4096;

/// Characters that mean shell syntax when they appear unquoted.
const SHELL_SYNTAX: &[char] = &['|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?'];

/// Splits a command line into words like a POSIX shell would, but without
/// expanding anything: whitespace separates words; `'...'` is literal;
/// `"..."` is literal except `\"`, `\\`, `\$` and `` \` ``; a backslash
/// outside quotes escapes the next character. Unquoted shell syntax
/// (`|`, `&&`, `;`, redirections, `$`, globs) is refused: that needs a
/// shell, which must be asked for (`shell: true`).
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unterminated ' quote".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => w.push(e),
                            Some('\n') => {}
                            Some(other) => {
                                w.push('\\');
                                w.push(other);
                            }
                            None => return Err("unterminated \" quote".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("unterminated \" quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(e) => word.get_or_insert_with(String::new).push(e),
                None => return Err("a trailing backslash escapes nothing".into()),
            },
            c if SHELL_SYNTAX.contains(&c) => {
                return Err(format!(
                    "unquoted {c:?} is shell syntax; quote it, or run the command through a shell"
                ));
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    if words.is_empty() {
        return Err("the command is empty".into());
    }
    Ok(words)
}

/// Returns the words to execute: `argv` itself, or `sh -c "<argv joined>"`
/// when a shell is asked for.
pub fn program_words(argv: &[String], shell: bool) -> Vec<String> {
    if shell {
        vec!["sh".into(), "-c".into(), argv.join(" ")]
    } else {
        argv.to_vec()
    }
}

/// Returns the command line for messages.
pub fn display(argv: &[String]) -> String {
    argv.join(" ")
}

/// Returns a command for `words`, in its own process group (so teardown
/// reaches its children too), killed if its handle is dropped.
pub fn command(words: &[String]) -> Result<Command, TargetError> {
    let (program, args) = words.split_first().ok_or_else(|| TargetError::Address {
        address: String::new(),
        message: "the command is empty".into(),
    })?;
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    Ok(command)
}

/// Sends `signal` (`TERM`, `KILL`) to the process group led by `pid`. It
/// runs `kill(1)` so the library needs no FFI; a missing group is fine.
pub fn signal_group(pid: Option<u32>, signal: &str) {
    #[cfg(unix)]
    if let Some(pid) = pid {
        let _ = std::process::Command::new("kill")
            .args(["-s", signal, "--", &format!("-{pid}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = (pid, signal);
}

/// Ends a child: `TERM` to its group, then `KILL` after `grace`; returns how it ended.
pub async fn terminate(child: &mut Child, grace: Duration) -> Option<ExitStatus> {
    // `id()` is `None` once the child has been reaped.
    let pid = child.id();
    if pid.is_none() {
        return child.try_wait().ok().flatten();
    }
    signal_group(pid, "TERM");
    match tokio::time::timeout(grace, child.wait()).await {
        Ok(status) => {
            // The leader is gone; whatever it left in its group goes too.
            signal_group(pid, "KILL");
            status.ok()
        }
        Err(_) => kill(child).await,
    }
}

/// Kills a child and its group at once; returns how it ended.
pub async fn kill(child: &mut Child) -> Option<ExitStatus> {
    signal_group(child.id(), "KILL");
    let _ = child.start_kill();
    tokio::time::timeout(Duration::from_secs(2), child.wait())
        .await
        .ok()?
        .ok()
}

/// Returns "exited with status 3" or "was killed by signal 9".
pub fn describe_status(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    format!("ended ({status})")
}

/// The last [`TAIL_BYTES`] of a stream, read in the background.
#[derive(Clone)]
pub struct Tail {
    kept: Arc<Mutex<(VecDeque<u8>, bool)>>,
    done: watch::Receiver<bool>,
}

impl Tail {
    /// Starts reading `stream` until its end.
    pub fn spawn(mut stream: impl AsyncRead + Unpin + Send + 'static) -> Self {
        let kept = Arc::new(Mutex::new((VecDeque::with_capacity(TAIL_BYTES), false)));
        let (finished, done) = watch::channel(false);
        let sink = kept.clone();
        tokio::spawn(async move {
            let mut chunk = [0u8; 1024];
            while let Ok(n) = stream.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                if let Ok(mut guard) = sink.lock() {
                    let (buf, cut) = &mut *guard;
                    buf.extend(&chunk[..n]);
                    while buf.len() > TAIL_BYTES {
                        buf.pop_front();
                        *cut = true;
                    }
                }
            }
            let _ = finished.send(true);
        });
        Self { kept, done }
    }

    /// Waits (at most `within`) until the stream has ended, so the tail is complete.
    pub async fn settle(&self, within: Duration) {
        let mut done = self.done.clone();
        let _ = tokio::time::timeout(within, done.wait_for(|d| *d)).await;
    }

    /// Returns the kept text, lossily decoded and trimmed; `…` marks a cut start.
    pub fn text(&self) -> String {
        let Ok(guard) = self.kept.lock() else {
            return String::new();
        };
        let (buf, cut) = &*guard;
        let bytes: Vec<u8> = buf.iter().copied().collect();
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim();
        if *cut {
            format!("…{text}")
        } else {
            text.to_owned()
        }
    }

    /// Returns "stderr tail: ..." or "no stderr", for messages.
    pub fn describe(&self) -> String {
        match self.text() {
            t if t.is_empty() => "no stderr".into(),
            t => format!("stderr tail: {t}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split_command(line).unwrap()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(words("  prog  -a b "), ["prog", "-a", "b"]);
        assert_eq!(
            words(r#"prog 'a b' "c \"d\" \n" e\ f"#),
            ["prog", "a b", r#"c "d" \n"#, "e f"]
        );
        assert_eq!(words("prog ''"), ["prog", ""]);
        assert_eq!(words("prog 'x|y' \"a;b\""), ["prog", "x|y", "a;b"]);
    }

    #[test]
    fn refuses_what_needs_a_shell() {
        for bad in [
            "",
            "   ",
            "prog 'a",
            "prog \"a",
            "prog a\\",
            "a && b",
            "a | b",
            "a > f",
            "echo $HOME",
            "ls *.rs",
        ] {
            assert!(split_command(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wraps_in_a_shell_only_when_asked() {
        let argv = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(program_words(&argv, false), argv);
        assert_eq!(program_words(&argv, true), ["sh", "-c", "a b"]);
    }

    #[tokio::test]
    async fn keeps_the_tail() {
        let data: Vec<u8> = (0..10_000u32)
            .map(|i| b'a' + (i % 26) as u8)
            .chain(*b"\nend  ")
            .collect();
        let tail = Tail::spawn(std::io::Cursor::new(data));
        tail.settle(Duration::from_secs(2)).await;
        let text = tail.text();
        assert!(text.starts_with('…') && text.ends_with("\nend"), "{text}");
        assert!(text.len() <= TAIL_BYTES + '…'.len_utf8());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn describes_and_ends_processes() {
        let mut c = command(&words("sh -c 'echo oops >&2; exit 3'")).unwrap();
        let mut child = c.spawn().unwrap();
        let tail = Tail::spawn(child.stderr.take().unwrap());
        let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
            .await
            .unwrap()
            .unwrap();
        tail.settle(Duration::from_secs(2)).await;
        assert_eq!(describe_status(status), "exited with status 3");
        assert_eq!(tail.describe(), "stderr tail: oops");

        let mut child = command(&words("sleep 30")).unwrap().spawn().unwrap();
        let status = terminate(&mut child, Duration::from_secs(2)).await.unwrap();
        assert_eq!(describe_status(status), "was killed by signal 15");
    }
}
