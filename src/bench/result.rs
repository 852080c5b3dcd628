//! What `cespec bench` measures and writes: a [`BenchReport`] (kebab-case
//! JSON) whose `results` rows have the shape the reports chart
//! (`{name, target, events-per-second, conformant}`, see
//! `report::model::BenchRow`), plus latency percentiles from an HDR
//! histogram, throughput, errors and the CPU time the driver spent.
//!
//! [`regressions`] compares a run with a baseline file row by row.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// The version of the bench JSON format.
pub const FORMAT_VERSION: u32 = 1;

/// One `cespec bench` run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BenchReport {
    pub format_version: u32,
    /// `cespec <version>`.
    pub tool: String,
    /// `codec` or `load`.
    pub mode: String,
    /// Facts about the machine the binary looked up (CPUs, load average).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub machine: BTreeMap<String, String>,
    pub results: Vec<BenchResult>,
}

/// One measured series: one input against one target in one mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BenchResult {
    /// What was measured: `codec/<class>@<encoding>`, `load/<class>@<mode>`.
    pub name: String,
    /// The target's name (its address, or the name the targets file gives).
    pub target: String,
    /// Events completed per second (a batch of N counts N).
    pub events_per_second: f64,
    /// False when any validated reply broke a rule or the target rejected a
    /// valid bench input: such a row is flagged, never ranked as fastest.
    pub conformant: bool,
    /// Requests (exchanges) completed per second.
    pub requests_per_second: f64,
    /// Request and reply bytes moved per second, in decimal megabytes.
    pub megabytes_per_second: f64,
    pub requests: u64,
    pub events: u64,
    /// Exchanges that failed: transport errors, timeouts, unexpected statuses.
    pub errors: u64,
    /// Replies checked with the reference decoder and judge.
    pub validated: u64,
    /// Checked replies (or rejections of valid inputs) that broke a rule.
    pub non_conformant: u64,
    /// The first reason a reply was non-conformant or an exchange failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_problem: Option<String>,
    pub duration_seconds: f64,
    pub latency: Latency,
    /// HTTP status codes seen, with counts (load mode).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status_codes: BTreeMap<String, u64>,
    /// Connections (load mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<usize>,
    /// The fixed rate asked for, requests per second (open loop), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_rate: Option<f64>,
    /// The CPU time this process spent driving the series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
}

/// Latency percentiles in microseconds. In open-loop load mode they are
/// measured from each request's intended send time (no coordinated omission).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    #[serde(rename = "p99.9")]
    pub p99_9: f64,
    pub max: f64,
    pub mean: f64,
}

impl Latency {
    /// Reads the percentiles of a histogram of nanoseconds.
    pub fn from_nanos(h: &Histogram<u64>) -> Self {
        let us = |ns: u64| ns as f64 / 1_000.0;
        if h.is_empty() {
            return Self::default();
        }
        Self {
            p50: us(h.value_at_quantile(0.50)),
            p90: us(h.value_at_quantile(0.90)),
            p99: us(h.value_at_quantile(0.99)),
            p99_9: us(h.value_at_quantile(0.999)),
            max: us(h.max()),
            mean: h.mean() / 1_000.0,
        }
    }
}

/// CPU time spent by the driving process (user and system), and per request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cpu {
    pub user_seconds: f64,
    pub system_seconds: f64,
    /// (user + system) / requests, in microseconds.
    pub per_request_us: f64,
}

/// Returns an empty latency histogram of nanoseconds (1 ns to 100 s, three
/// significant digits).
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("valid histogram bounds")
}

/// Returns the CPU time (user, system) this process has used so far, in
/// seconds, from `/proc/self/stat` (Linux; `None` elsewhere).
pub fn process_cpu() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of stat(5), in USER_HZ (100) ticks.
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? / 100.0, ticks(12)? / 100.0))
}

/// A throughput regression found by [`regressions`].
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    pub name: String,
    pub target: String,
    pub baseline: f64,
    pub current: f64,
    /// How much slower, in percent of the baseline.
    pub percent: f64,
}

/// Returns the rows of `current` whose events/s fell by more than
/// `threshold_percent` against the row of `baseline` with the same name and
/// target. Rows present on one side only are not compared.
pub fn regressions(
    current: &BenchReport,
    baseline: &BenchReport,
    threshold_percent: f64,
) -> Vec<Regression> {
    current
        .results
        .iter()
        .filter_map(|row| {
            let before = baseline
                .results
                .iter()
                .find(|b| b.name == row.name && b.target == row.target)?;
            if before.events_per_second <= 0.0 {
                return None;
            }
            let percent = (before.events_per_second - row.events_per_second)
                / before.events_per_second
                * 100.0;
            (percent > threshold_percent).then(|| Regression {
                name: row.name.clone(),
                target: row.target.clone(),
                baseline: before.events_per_second,
                current: row.events_per_second,
                percent,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, eps: f64) -> BenchResult {
        BenchResult {
            name: name.into(),
            target: "t".into(),
            events_per_second: eps,
            conformant: true,
            ..BenchResult::default()
        }
    }

    #[test]
    fn regressions_beyond_the_threshold_only() {
        let baseline = BenchReport {
            results: vec![row("a", 1000.0), row("b", 1000.0), row("gone", 5.0)],
            ..BenchReport::default()
        };
        let current = BenchReport {
            results: vec![row("a", 940.0), row("b", 960.0), row("new", 1.0)],
            ..BenchReport::default()
        };
        let found = regressions(&current, &baseline, 5.0);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "a");
        assert!((found[0].percent - 6.0).abs() < 1e-9);
    }

    #[test]
    fn rows_have_the_charted_shape() {
        let mut h = histogram();
        for v in [1_000u64, 2_000, 3_000, 1_000_000] {
            h.record(v).unwrap();
        }
        let mut r = row("codec/minimal@json", 12.5);
        r.latency = Latency::from_nanos(&h);
        let report = BenchReport {
            format_version: FORMAT_VERSION,
            tool: "cespec".into(),
            mode: "codec".into(),
            machine: BTreeMap::new(),
            results: vec![r],
        };
        let json = serde_json::to_value(&report).unwrap();
        let first = &json["results"][0];
        assert_eq!(first["events-per-second"], 12.5);
        assert_eq!(first["conformant"], true);
        assert!(first["latency"]["p99.9"].as_f64().unwrap() >= 999.0);
        let back: BenchReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
        assert!(process_cpu().is_none_or(|(u, s)| u >= 0.0 && s >= 0.0));
    }
}
