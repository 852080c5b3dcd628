//! `benches/summarise.py`, which turns criterion's results into the tables
//! and goal verdicts of reports/bench.md: run here on criterion directories
//! written by the test, so that what it computes (a goal's ratio as the
//! median over runs, the verdict, the per-run table, its arguments) is
//! checked rather than read. Needs `python3`, as `benches/compare.sh` does;
//! on a machine without it the tests say so and do nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A criterion directory under the test temp directory, emptied first.
fn criterion_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-summary")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes one row's result as criterion does: `benchmark.json` naming it,
/// `estimates.json` with its median time in nanoseconds.
fn row(root: &Path, group: &str, lib: &str, class: &str, median_ns: f64) {
    let dir = root.join(group).join(format!("{lib}_{class}")).join("new");
    std::fs::create_dir_all(&dir).unwrap();
    let benchmark = serde_json::json!({
        "group_id": group,
        "function_id": format!("{lib}/{class}"),
        "throughput": {"ElementsAndBytes": {"elements": 1, "bytes": 100}},
    });
    let estimates = serde_json::json!({"median": {"point_estimate": median_ns}});
    std::fs::write(dir.join("benchmark.json"), benchmark.to_string()).unwrap();
    std::fs::write(dir.join("estimates.json"), estimates.to_string()).unwrap();
}

/// One run of the structured decode rows: the reference, the SDK at 4× its
/// time and the serde struct at `struct_ratio` times it, on one class.
fn json_run(name: &str, reference_ns: f64, struct_ratio: f64) -> PathBuf {
    let root = criterion_dir(name);
    row(&root, "json-decode", "reference", "minimal", reference_ns);
    row(
        &root,
        "json-decode",
        "cloudevents-sdk",
        "minimal",
        reference_ns * 4.0,
    );
    row(
        &root,
        "json-decode",
        "serde-struct",
        "minimal",
        reference_ns * struct_ratio,
    );
    root
}

/// Runs the script with `args`; `None` when there is no `python3`.
fn summarise(args: &[&Path]) -> Option<Output> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/summarise.py");
    match Command::new("python3").arg(script).args(args).output() {
        Ok(output) => Some(output),
        Err(e) => {
            eprintln!("python3 could not be run ({e}); benches/summarise.py is not tested here");
            None
        }
    }
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "summarise.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The goal line of the struct comparison.
fn struct_goal(report: &str) -> &str {
    report
        .lines()
        .find(|l| l.contains("reference vs fixed-schema serde struct"))
        .expect("the struct goal is reported")
}

#[test]
fn one_run_decides_alone() {
    let main = json_run("alone", 100.0, 1.5);
    let Some(output) = summarise(&[&main]) else {
        return;
    };
    let report = stdout(&output);
    let goal = struct_goal(&report);
    assert!(goal.contains("1.50×"), "{goal}");
    assert!(goal.ends_with("| met |"), "{goal}");
    assert!(!goal.contains("median of"), "{goal}");
    assert!(!report.contains("Goal ratios over"), "{report}");
}

#[test]
fn a_goal_takes_the_median_of_its_runs() {
    // The main run reads the goal met; the other two read it missed, one
    // of them far off (a disturbed row): the median is the second run's.
    let main = json_run("median-main", 100.0, 1.5);
    let second = json_run("median-second", 100.0, 1.4);
    let disturbed = json_run("median-disturbed", 200.0, 0.75);
    let Some(output) = summarise(&[&main, Path::new("--rounds"), &second, &disturbed]) else {
        return;
    };
    let report = stdout(&output);
    let goal = struct_goal(&report);
    assert!(goal.contains("1.40×"), "{goal}");
    assert!(goal.contains("median of 3 runs"), "{goal}");
    assert!(goal.ends_with("| **missed** |"), "{goal}");
    // The SDK's ratio is 4× in every run.
    let sdk = report
        .lines()
        .find(|l| l.contains("reference vs cloudevents-sdk"))
        .expect("the SDK goal is reported");
    assert!(sdk.contains("4.00×") && sdk.ends_with("| met |"), "{sdk}");
    // Every run's ratio is listed beside the median.
    assert!(report.contains("Goal ratios over 3 runs"), "{report}");
    assert!(
        report.contains("| minimal | 1.50× | 1.40× | 0.75× | **1.40×** |"),
        "{report}"
    );
    // The tables are the main run's.
    assert!(report.contains("| minimal | 100 | 100 ns |"), "{report}");
}

#[test]
fn chart_rows_go_where_json_says_whatever_the_order() {
    let main = json_run("json-out", 100.0, 1.5);
    let out = criterion_dir("json-out-file").join("codec.json");
    let Some(output) = summarise(&[Path::new("--json"), &out, &main]) else {
        return;
    };
    stdout(&output);
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let results = rows["results"].as_array().expect("a results array");
    assert_eq!(results.len(), 3);
    let struct_row = results
        .iter()
        .find(|r| r["target"] == "serde-struct")
        .expect("the struct row");
    // Charted, never ranked.
    assert_eq!(struct_row["conformant"], false);
}

#[test]
fn a_directory_without_results_is_an_error_that_names_it() {
    let empty = criterion_dir("empty");
    let Some(output) = summarise(&[&empty]) else {
        return;
    };
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("no criterion results under"), "{message}");
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn the_goal_filter_selects_exactly_the_rows_the_goals_read() {
    let Some(output) = summarise(&[Path::new("--goal-filter")]) else {
        return;
    };
    let filter = stdout(&output).trim().to_owned();
    // Criterion matches a filter as a regex search over `group/row/class`;
    // Python's `re.search` reads this one alike.
    // Rows of the codec bench (two classes of six for each single-event
    // group), the goals' and others.
    let mut ids = Vec::new();
    for class in ["minimal", "binary"] {
        for row in [
            "json-decode/reference",
            "json-decode/reference-borrowed",
            "json-decode/cloudevents-sdk",
            "json-decode/serde-struct",
            "json-decode-floor/floor-spans",
            "json-encode/reference",
            "http-binary-decode/reference",
            "http-binary-decode/reference-read-data",
            "http-binary-decode/cloudevents-sdk",
            "http-binary-decode-floor/floor-keep",
            "http-binary-encode/reference",
            "http-binary-encode/cloudevents-sdk",
            "kafka-binary-decode/reference",
        ] {
            ids.push(format!("{row}/{class}"));
        }
    }
    for class in ["batch-1", "batch-100", "batch-1000"] {
        for row in [
            "batch-decode/reference",
            "batch-decode/cloudevents-sdk",
            "batch-encode/reference",
        ] {
            ids.push(format!("{row}/{class}"));
        }
    }
    let selected = Command::new("python3")
        .args([
            "-c",
            "import re, sys\nf = re.compile(sys.argv[1])\nprint('\\n'.join(i for i in sys.argv[2:] if f.search(i)))",
            &filter,
        ])
        .args(&ids)
        .output()
        .expect("python3 runs");
    let selected = stdout(&selected);
    let selected: Vec<&str> = selected.lines().collect();
    let wanted = |id: &&String| {
        let (row, class) = id.rsplit_once('/').unwrap();
        match row {
            "json-decode/reference"
            | "json-decode/cloudevents-sdk"
            | "json-decode/serde-struct"
            | "http-binary-decode/reference"
            | "http-binary-decode/cloudevents-sdk"
            | "http-binary-encode/reference"
            | "http-binary-encode/cloudevents-sdk" => true,
            "batch-decode/reference" | "batch-decode/cloudevents-sdk" => class == "batch-100",
            _ => false,
        }
    };
    let expected: Vec<&str> = ids.iter().filter(wanted).map(String::as_str).collect();
    assert_eq!(selected, expected, "{filter}");
}
