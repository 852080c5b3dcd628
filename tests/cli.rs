//! The real `cespec` binary: help, listing, checking, and the exit code of
//! every way a command can end (DESIGN.md §6).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const GOOD_EVENT: &str =
    r#"{"specversion":"1.0","id":"1","source":"https://example.com/s","type":"t.x"}"#;
const BAD_EVENT: &str = r#"{"specversion":"1.0","id":"","source":"/s","type":"t.x"}"#;

fn cespec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cespec"))
        .args(args)
        .env_remove("CESPEC_LOG")
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes `text` to a file of its own under the test temp directory.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

#[test]
fn help_teaches_commands_examples_and_exit_codes() {
    let out = cespec(&["--help"]);
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    for want in [
        "run",
        "list",
        "check",
        "serve",
        "listen",
        "prop",
        "report",
        "import",
        "Exit codes:",
        "4  no case selected",
    ] {
        assert!(help.contains(want), "{want:?} missing from:\n{help}");
    }
    let run = stdout(&cespec(&["run", "--help"]));
    for want in [
        "Examples:",
        "--target <ADDR>",
        "--fail-fast",
        "receiver:http://",
        "5  harness or transport errors",
    ] {
        assert!(run.contains(want), "{want:?} missing from:\n{run}");
    }
    assert!(stdout(&cespec(&["check", "--help"])).contains("1  at least one MUST violation"));
    for want in [
        "--json <FILE>",
        "--junit <FILE>",
        "--markdown <FILE>",
        "--html <FILE>",
        "$GITHUB_STEP_SUMMARY",
    ] {
        assert!(run.contains(want), "{want:?} missing from:\n{run}");
    }
    let report = stdout(&cespec(&["report", "--help"]));
    for want in [
        "Examples:",
        "--baseline <BASE>",
        "--merge <REPORT>...",
        "1  with --baseline: at least one result failing now",
    ] {
        assert!(report.contains(want), "{want:?} missing from:\n{report}");
    }
    let prop = stdout(&cespec(&["prop", "--help"]));
    for want in [
        "Examples:",
        "--seed <N>",
        "--mutations",
        "--save-cases <FILE>",
        "0  no disagreement",
    ] {
        assert!(prop.contains(want), "{want:?} missing from:\n{prop}");
    }
}

#[test]
fn list_prints_case_ids_rules_and_coverage() {
    let out = cespec(&["list", "--suite", "http-binary"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ids = stdout(&out);
    assert!(ids.lines().any(|l| l == "http-binary/minimal"), "{ids}");
    assert!(ids.lines().all(|l| l.starts_with("http-binary/")), "{ids}");

    let rules = stdout(&cespec(&["list", "--rules"]));
    assert!(
        rules.lines().any(|l| l.starts_with("HTTP-BIN-5 ")),
        "{rules}"
    );
    assert!(rules.contains("    http-binary/minimal\n"), "{rules}");
    let line = |id: &str| {
        (rules.lines())
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("CORE-CTX-2").ends_with("main branch only, not in v1.0.2)"));
    assert!(!line("CORE-ID-1").contains("main branch"));

    let coverage = stdout(&cespec(&["list", "--coverage"]));
    assert!(coverage.starts_with("MUST "), "{coverage}");
    assert!(coverage.contains("testable rules covered"), "{coverage}");
    // Every document of the catalog has a line; the core spec is fully covered.
    let spec_line = coverage
        .lines()
        .find(|l| l.trim_start().starts_with("spec.md "))
        .unwrap_or_default();
    let counts: Vec<&str> = spec_line.split_whitespace().skip(1).collect();
    assert!(
        matches!(counts.as_slice(), [hit, "of", total] if hit == total),
        "{coverage}"
    );
    for document in [
        "formats/json-format.md",
        "bindings/kafka-protocol-binding.md",
    ] {
        assert!(coverage.contains(document), "{coverage}");
    }
    // The Web Hook spec: some rules have cases, others are checked apart.
    let webhook_line = coverage
        .lines()
        .find(|l| l.trim_start().starts_with("http-webhook.md "))
        .unwrap_or_default();
    let hit: usize = webhook_line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    assert!(hit > 0, "{webhook_line}");
    assert!(
        webhook_line.contains("`listen --webhook` checks"),
        "{webhook_line}"
    );
}

#[test]
fn check_exits_0_on_a_good_event_and_1_with_the_rule_on_a_bad_one() {
    let out = cespec(&["check", file("good.json", GOOD_EVENT).to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains(": JSON-format event, json: valid"),
        "{}",
        stdout(&out)
    );

    let out = cespec(&["check", file("bad.json", BAD_EVENT).to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("  CORE-ID-1 [MUST] "), "{text}");
    assert!(text.contains("(at attribute id)"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when piped");

    let coloured = cespec(&[
        "check",
        "--color",
        "always",
        file("bad2.json", BAD_EVENT).to_str().unwrap(),
    ]);
    assert!(
        stdout(&coloured).contains("\u{1b}["),
        "{}",
        stdout(&coloured)
    );
}

#[test]
fn check_reads_wire_messages_and_stdin() {
    let yaml = "http:\n  headers:\n    ce-specversion: '1.0'\n    ce-id: '1'\n    ce-source: /s\n    ce-type: t.x\n    ce-time: '2018-04-05T17:31:00'\n";
    let out = cespec(&["check", file("request.yaml", yaml).to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("CORE-TIME-1 [MUST]"),
        "{}",
        stdout(&out)
    );
    // A wire message that is no message is a load error at its line.
    let typo = file(
        "typo.yaml",
        "http:\n  headers:\n    ce-id: '1'\n  bodyy: x\n",
    );
    let out = cespec(&["check", typo.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).starts_with(&format!(
            "error: {}:4:3: unknown field `bodyy`",
            typo.display()
        )),
        "{}",
        stderr(&out)
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_cespec"))
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), GOOD_EVENT.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).starts_with("<stdin>: JSON-format event"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = cespec(&["run", "--encoding", "carrier-pigeon"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("error: --encoding: unknown encoding \"carrier-pigeon\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        code(&cespec(&["run", "--no-such-flag"])),
        2,
        "clap's own errors"
    );
    assert_eq!(code(&cespec(&["run", "--timeout", "soon"])), 2);
}

#[test]
fn load_errors_exit_3() {
    let out = cespec(&["check", "/nonexistent/event.json"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).starts_with("error: /nonexistent/event.json: "),
        "{}",
        stderr(&out)
    );
    let out = cespec(&[
        "run",
        "--expectations",
        "/nonexistent/known.yaml",
        "--target",
        "reference",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
}

#[test]
fn run_exits_0_on_the_reference_and_4_when_nothing_is_selected() {
    let out = cespec(&[
        "run",
        "-q",
        "--suite",
        "json-format",
        "--target",
        "reference",
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("test result: ok."),
        "{}",
        stdout(&out)
    );

    let out = cespec(&["run", "--case", "no-such-suite/*"]);
    assert_eq!(code(&out), 4);
    assert!(
        stdout(&out).contains("no case was selected"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_unreachable_target_exits_5() {
    // Port 9 (discard) is closed on a test machine: connection refused.
    let out = cespec(&[
        "run",
        "--target",
        "http://127.0.0.1:9/",
        "--case",
        "http-binary/minimal",
        "--timeout",
        "2s",
    ]);
    assert_eq!(code(&out), 5, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("test result: ERRORS."),
        "{}",
        stdout(&out)
    );
    // Said once, before any case, and no hostile case is blamed for it.
    assert!(
        stdout(&out).contains("could not be used: http://127.0.0.1:9/ cannot be reached: cannot connect to 127.0.0.1:9"),
        "{}",
        stdout(&out)
    );
    let out = cespec(&[
        "run",
        "--target",
        "http://127.0.0.1:9/",
        "--suite",
        "hostile-framing",
    ]);
    assert_eq!(code(&out), 5, "{}{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains("FAILED"), "{}", stdout(&out));
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cespec"))
        .arg("list")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("error:"), "{}", stderr(&out));
}

#[test]
fn a_run_report_records_how_it_was_judged() {
    let path = file("judged.json", "");
    let path_text = path.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--case", "http-binary/minimal", "--json", path_text];
        args.extend_from_slice(extra);
        let output = cespec(&args);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        std::fs::read_to_string(&path).unwrap()
    };
    assert!(!run(&[]).contains("\"judging\""));
    let judged = run(&["--released-spec", "--strict"]);
    assert!(judged.contains("\"released-spec\": true"), "{judged}");
    assert!(judged.contains("\"strict\": true"), "{judged}");
}

/// A report that cannot be written (here: a full disk, `/dev/full`) ends
/// the run with exit 5 and the file's name and the cause, in every format;
/// so does a full standard output.
#[test]
fn a_full_disk_is_an_error_naming_the_file() {
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    for format in ["--json", "--junit", "--markdown", "--html"] {
        let output = cespec(&["run", "--suite", "json-format", "-q", format, "/dev/full"]);
        assert_eq!(code(&output), 5, "{format}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("/dev/full: No space left on device"),
            "{format}: {}",
            stderr(&output)
        );
    }
    // A bench's figures are printed before its file is written, so a full
    // disk loses none of them.
    let output = cespec(&[
        "bench",
        "--input",
        "minimal",
        "--encoding",
        "json",
        "-d",
        "50ms",
        "--json",
        "/dev/full",
    ]);
    assert_eq!(code(&output), 5, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("codec/minimal@json"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("writing /dev/full: No space left on device"),
        "{}",
        stderr(&output)
    );
    let output = Command::new(env!("CARGO_BIN_EXE_cespec"))
        .args(["run", "--suite", "json-format"])
        .stdout(std::fs::File::create(full).expect("/dev/full opens"))
        .output()
        .expect("the binary runs");
    assert_eq!(code(&output), 5, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("standard output: No space left on device"),
        "{}",
        stderr(&output)
    );
}
