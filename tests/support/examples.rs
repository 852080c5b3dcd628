//! Locating the example programs (`examples/*.rs`) from integration
//! tests, which get `CARGO_BIN_EXE_*` for binaries but not for examples.
//! Included with `#[path]` by each test crate that needs it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Returns the path of example program `name`, built once per run.
///
/// Integration tests get `CARGO_BIN_EXE_*` for binaries but not for
/// examples, and `cargo test --test targets` does not build examples.
/// Adding them as `[[bin]]`s would install test helpers with the tool,
/// so the test runs `cargo build --examples` itself (a no-op when they
/// are fresh; cargo's lock is free while tests run) and takes the paths
/// from cargo's JSON messages. Bounded to 15 minutes for a cold build
/// on a busy machine.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let mut child = Command::new(env!("CARGO"))
            .args(["build", "--examples", "--message-format=json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cargo runs");
        let stdout = child.stdout.take().unwrap();
        let reader =
            std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
        let deadline = Instant::now() + Duration::from_secs(900);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "cargo build --examples failed");
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("cargo build --examples took longer than 15 minutes");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let text = reader.join().unwrap();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| {
                Some((
                    v["target"]["name"].as_str()?.to_owned(),
                    PathBuf::from(v["executable"].as_str()?),
                ))
            })
            .collect()
    });
    built
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p.clone())
        .unwrap_or_else(|| panic!("no example {name}"))
}
