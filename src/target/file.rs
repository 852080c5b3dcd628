//! Targets files: many targets for one matrix run (DESIGN.md §5).
//!
//! ```yaml
//! targets:
//!   - name: reference
//!     address: reference
//!   - name: sdk-python
//!     address: http://127.0.0.1:8081/
//!     start: python3 adapters/python-sdk/server.py --port 8081
//!     capabilities: [http-binary, http-structured]
//!     expectations: expectations/sdk-python.yaml
//!   - name: sdk-js
//!     address: "cmd:node adapters/js-sdk/stdio.js"
//!   - name: gateway
//!     address: http://127.0.0.1:9000/
//!     start: cd gateway && ./run.sh
//!     shell: true
//!     interop: false      # not a producer or consumer of `run --interop`
//!     headers:            # sent with every request, as `--header` does
//!       X-Api-Key: k3y
//!   - name: hook
//!     address: receiver:http://127.0.0.1:9001/hook
//!     capabilities: [http-binary, http-structured, webhook]
//!     token: mF_9.B5f-4.1JqM  # as `--token` does
//!   - name: broker
//!     address: https://127.0.0.1:9443/
//!     ca-cert: certs/ca.pem           # as `--ca-cert` does (one file or a list)
//!     client-cert: certs/client.pem   # as `--client-cert` does
//!     client-key: certs/client.key
//! ```
//!
//! Everything is checked at load time, so a run never starts with a bad
//! entry: names unique, addresses valid, start commands that split into
//! words (or `shell: true`), the expectations files loaded and the TLS
//! files read. Relative paths are resolved against the targets file's
//! directory. Every error names the file and the line.
//!
//! An entry's `ca-cert`, `client-cert` and `client-key` make that target's
//! TLS client on their own, in place of `--ca-cert` and `--client-cert`
//! (as its token replaces `--token`): targets behind different CAs, each
//! wanting its own client certificate, run in one matrix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Capabilities;
use super::expectations::Expectations;
use super::http::{bearer_token, extra_header};
use super::spec::{OpenOptions, TargetSpec};
use crate::error::LoadError;
use crate::tls::Identity;
use crate::wire::Header;

/// One target of a targets file, checked.
#[derive(Clone, Debug)]
pub struct TargetEntry {
    /// The name the reports use; unique in the file.
    pub name: String,
    pub spec: TargetSpec,
    /// A command that starts the target before the run.
    pub start: Option<String>,
    /// Run `start` (and a `cmd:` line) with `sh -c`.
    pub shell: bool,
    /// Replaces the capabilities the target declares or is assumed to have.
    pub capabilities: Option<Capabilities>,
    /// The known failures, loaded from the file the entry names.
    pub expectations: Option<Expectations>,
    /// Takes part in the interop matrix (default true; false for a second
    /// front end of an implementation already in it).
    pub interop: bool,
    /// Headers every request to this HTTP target carries, checked.
    pub headers: Vec<Header>,
    /// The access token of this HTTP target, checked.
    pub token: Option<String>,
    /// The TLS client of this `https://` target, made of its own
    /// `ca-cert`, `client-cert` and `client-key`.
    pub tls_client: Option<std::sync::Arc<rustls::ClientConfig>>,
    /// The line the entry starts on.
    pub line: usize,
}

impl TargetEntry {
    /// Returns `base` with this entry's start command, shell flag,
    /// capabilities, headers, token and TLS client applied (an entry's
    /// header replaces a `--header` of the same name, its token `--token`,
    /// its TLS files `--ca-cert` and `--client-cert`).
    pub fn open_options(&self, base: &OpenOptions) -> OpenOptions {
        let mut extra_headers: Vec<Header> = base
            .extra_headers
            .iter()
            .filter(|(name, _)| !self.headers.iter().any(|(own, _)| own == name))
            .cloned()
            .collect();
        extra_headers.extend(self.headers.iter().cloned());
        OpenOptions {
            extra_headers,
            token: self.token.clone().or_else(|| base.token.clone()),
            tls_client: (self.tls_client.clone()).or_else(|| base.tls_client.clone()),
            start: self.start.clone().or_else(|| base.start.clone()),
            shell: self.shell || base.shell,
            capabilities: self
                .capabilities
                .clone()
                .or_else(|| base.capabilities.clone()),
            ..base.clone()
        }
    }
}

/// A loaded targets file.
#[derive(Clone, Debug)]
pub struct TargetsFile {
    pub path: PathBuf,
    pub targets: Vec<TargetEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    targets: Vec<Spanned<EntryShape>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryShape {
    name: String,
    address: String,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    shell: bool,
    #[serde(default)]
    capabilities: Option<Vec<String>>,
    #[serde(default)]
    expectations: Option<String>,
    #[serde(default = "yes")]
    interop: bool,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default, rename = "ca-cert")]
    ca_cert: OneOrMany,
    #[serde(default, rename = "client-cert")]
    client_cert: Option<String>,
    #[serde(default, rename = "client-key")]
    client_key: Option<String>,
}

/// One path, or a list of them.
#[derive(Default, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::None => Vec::new(),
            Self::One(one) => vec![one],
            Self::Many(many) => many,
        }
    }
}

fn yes() -> bool {
    true
}

/// Makes an entry's TLS client of its `ca-cert` files and its
/// `client-cert`/`client-key` pair (paths relative to `base`); `None`
/// when it names none.
fn entry_tls_client(
    address: &str,
    ca_cert: Vec<String>,
    client: (Option<String>, Option<String>),
    base: &Path,
) -> Result<Option<std::sync::Arc<rustls::ClientConfig>>, String> {
    let ca_files: Vec<PathBuf> = ca_cert.iter().map(|p| base.join(p)).collect();
    let client = match client {
        (None, None) => None,
        (Some(cert), Some(key)) => Some((base.join(cert), base.join(key))),
        _ => return Err("client-cert and client-key go together".into()),
    };
    if ca_files.is_empty() && client.is_none() {
        return Ok(None);
    }
    let lower = address.to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("receiver:https://") {
        return Err(format!(
            "ca-cert, client-cert and client-key go with https:// targets, not {address:?}"
        ));
    }
    let identity = client.as_ref().map(|(cert, key)| Identity { cert, key });
    crate::tls::client_config(&ca_files, identity)
        .map(Some)
        .map_err(|e| e.to_string())
}

impl TargetsFile {
    /// Reads and checks a targets file, and the expectations files it names.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and checks targets-file text; `path` names it in errors and
    /// anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Self, LoadError> {
        // The suites' YAML dialect and error form: `FILE:LINE:COL: message`.
        let file: FileShape = crate::suite::load::parse_yaml(text, path)?;
        let invalid = |line: usize, message: String| LoadError::Invalid {
            path: path.to_owned(),
            message: format!("line {line}: {message}"),
        };
        if file.targets.is_empty() {
            return Err(LoadError::Invalid {
                path: path.to_owned(),
                message: "the file lists no targets".into(),
            });
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let mut targets: Vec<TargetEntry> = Vec::with_capacity(file.targets.len());
        for spanned in file.targets {
            let line = usize::try_from(spanned.referenced.line()).unwrap_or(0);
            let e = spanned.value;
            let name = e.name.trim().to_owned();
            if name.is_empty() {
                return Err(invalid(line, "a target needs a name".into()));
            }
            if let Some(other) = targets.iter().find(|t| t.name == name) {
                return Err(invalid(
                    line,
                    format!(
                        "target name {name:?} is already used on line {}",
                        other.line
                    ),
                ));
            }
            let spec = TargetSpec::parse(&e.address)
                .map_err(|err| invalid(line, format!("target {name}: {err}")))?;
            let capabilities = e
                .capabilities
                .map(|c| c.into_iter().collect::<Capabilities>());
            let headers = e
                .headers
                .iter()
                .map(|(n, v)| extra_header(&format!("{n}: {v}")))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| invalid(line, format!("target {name}: headers: {err}")))?;
            let token = e
                .token
                .as_deref()
                .map(bearer_token)
                .transpose()
                .map_err(|err| invalid(line, format!("target {name}: token: {err}")))?;
            let tls_client = entry_tls_client(
                &e.address,
                e.ca_cert.into_vec(),
                (e.client_cert, e.client_key),
                base,
            )
            .map_err(|err| invalid(line, format!("target {name}: {err}")))?;
            let entry = TargetEntry {
                name,
                spec,
                start: e.start,
                shell: e.shell,
                capabilities,
                expectations: None,
                interop: e.interop,
                headers,
                token,
                tls_client,
                line,
            };
            entry
                .spec
                .check(&entry.open_options(&OpenOptions::default()))
                .map_err(|err| invalid(line, format!("target {}: {err}", entry.name)))?;
            let expectations = match e.expectations {
                Some(p) => Some(Expectations::load(&base.join(p))?),
                None => None,
            };
            targets.push(TargetEntry {
                expectations,
                ..entry
            });
        }
        Ok(Self {
            path: path.to_owned(),
            targets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TargetsFile, String> {
        TargetsFile::parse(text, Path::new("t.yaml")).map_err(|e| e.to_string())
    }

    #[test]
    fn loads_every_field() {
        let f = parse(
            "targets:\n  - name: ref\n    address: reference\n  - name: py\n    address: http://127.0.0.1:8081/\n    start: python3 server.py --port 8081\n    capabilities: [http-binary]\n  - name: gw\n    address: http://127.0.0.1:9/\n    start: cd gw && ./run\n    shell: true\n",
        )
        .unwrap();
        assert_eq!(f.targets.len(), 3);
        let py = &f.targets[1];
        assert_eq!(
            (py.name.as_str(), py.line, py.spec.kind()),
            ("py", 4, "http")
        );
        let options = py.open_options(&OpenOptions::default());
        assert_eq!(
            options.start.as_deref(),
            Some("python3 server.py --port 8081")
        );
        assert_eq!(options.capabilities.unwrap().len(), 1);
        assert!(f.targets[2].shell);
        assert!(f.targets.iter().all(|t| t.interop));
        let off =
            parse("targets:\n  - name: a\n    address: reference\n    interop: false\n").unwrap();
        assert!(!off.targets[0].interop);
        let keyed = parse(
            "targets:\n  - name: a\n    address: receiver:http://127.0.0.1:9/\n    headers:\n      Authorization: Bearer t0k\n      X-Api-Key: k\n",
        )
        .unwrap();
        let base = OpenOptions {
            extra_headers: vec![
                ("authorization".into(), b"Bearer other".to_vec()),
                ("x-tenant".into(), b"7".to_vec()),
            ],
            ..OpenOptions::default()
        };
        let headers = keyed.targets[0].open_options(&base).extra_headers;
        assert_eq!(
            headers,
            [
                ("x-tenant".to_owned(), b"7".to_vec()),
                ("authorization".to_owned(), b"Bearer t0k".to_vec()),
                ("x-api-key".to_owned(), b"k".to_vec()),
            ]
        );
        // An entry's token, else --token's.
        let hook = parse(
            "targets:\n  - name: a\n    address: receiver:http://127.0.0.1:9/\n    token: t0k==\n  - name: b\n    address: http://127.0.0.1:9/\n",
        )
        .unwrap();
        let base = OpenOptions {
            token: Some("given".into()),
            ..OpenOptions::default()
        };
        let tokens: Vec<_> = (hook.targets.iter())
            .map(|t| t.open_options(&base).token)
            .collect();
        assert_eq!(tokens, [Some("t0k==".into()), Some("given".into())]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            (
                "targets:\n  - name: a\n    address: reference\n  - name: a\n    address: reference\n",
                "t.yaml: line 4: target name \"a\" is already used on line 2",
            ),
            (
                "targets:\n  - name: a\n    address: ftp://x/\n",
                "t.yaml: line 2: target a:",
            ),
            (
                "targets:\n  - name: a\n    address: http://x/\n    start: a && b\n",
                "t.yaml: line 2: target a:",
            ),
            (
                "targets:\n  - name: a\n    address: reference\n    start: ./x\n",
                "t.yaml: line 2",
            ),
            (
                "targets:\n  - name: a\n    adress: reference\n",
                "t.yaml:3:5: unknown field `adress`, expected one of name, address,",
            ),
            (
                "targets:\n  - name: a\n    address: reference\n    name: b\n",
                "t.yaml:4:5: name is given twice in one mapping",
            ),
            (
                "targets:\n  - name: a\n    address: http://x/\n    headers:\n      Content-Type: text/plain\n",
                "t.yaml: line 2: target a: headers: Content-Type is the case's to set",
            ),
            (
                "targets:\n  - name: a\n    address: reference\n    headers:\n      X-Key: k\n",
                "t.yaml: line 2: target a: target \"reference\": extra headers go with http:// and receiver: targets",
            ),
            (
                "targets:\n  - name: a\n    address: http://x/\n    token: two words\n",
                "t.yaml: line 2: target a: token: \"two words\" is not a bearer token",
            ),
            (
                "targets:\n  - name: a\n    address: cmd:./x\n    token: t\n",
                "t.yaml: line 2: target a: target \"cmd:./x\": a token goes with http:// and receiver: targets",
            ),
            ("targets: []\n", "t.yaml: the file lists no targets"),
            (
                "targets:\n  - name: a\n    address: https://x/\n    client-cert: c.pem\n",
                "t.yaml: line 2: target a: client-cert and client-key go together",
            ),
            (
                "targets:\n  - name: a\n    address: http://x/\n    ca-cert: ca.pem\n",
                "t.yaml: line 2: target a: ca-cert, client-cert and client-key go with https:// targets",
            ),
            (
                "targets:\n  - name: a\n    address: receiver:https://x/\n    ca-cert: [/nonexistent/ca.pem]\n",
                "t.yaml: line 2: target a: /nonexistent/ca.pem:",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
        }
    }

    #[test]
    fn loads_expectations_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("cespec-targets-file-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("x")).unwrap();
        std::fs::write(
            dir.join("x/known.yaml"),
            "known-failures:\n  - case: a/b\n    reason: r\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("targets.yaml"),
            "targets:\n  - name: a\n    address: reference\n    expectations: x/known.yaml\n",
        )
        .unwrap();
        let f = TargetsFile::load(&dir.join("targets.yaml")).unwrap();
        assert!(
            f.targets[0]
                .expectations
                .as_ref()
                .unwrap()
                .matching("a/b")
                .is_some()
        );
        std::fs::write(
            dir.join("targets.yaml"),
            "targets:\n  - name: a\n    address: reference\n    expectations: missing.yaml\n",
        )
        .unwrap();
        let e = TargetsFile::load(&dir.join("targets.yaml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.yaml"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
