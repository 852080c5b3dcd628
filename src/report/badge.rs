//! Compliance badges: one shields.io endpoint JSON file per target
//! (<https://shields.io/badges/endpoint-badge>), for `cespec report
//! --badges DIR`. A README shows one with
//! `https://img.shields.io/endpoint?url=<raw URL of the file>`.
//!
//! The message is the MUST score: results at MUST level that passed, of
//! those that ran (skips left out; errors and known failures count as not
//! passed), rounded down, as in `93% MUST (412/443)`. The colour follows
//! the ratio: 100% brightgreen, from 95% green, from 90% yellowgreen, from
//! 75% yellow, from 50% orange, red below; lightgrey when nothing ran.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{Report, TargetReport};
use crate::rules::Level;

/// The badge's label.
pub const LABEL: &str = "CloudEvents";

/// A shields.io endpoint badge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// Always 1 (the endpoint schema version).
    pub schema_version: u8,
    pub label: String,
    pub message: String,
    pub color: String,
}

/// Returns the shields.io colour for `passed` of `ran`.
pub fn color(passed: usize, ran: usize) -> &'static str {
    if ran == 0 {
        return "lightgrey";
    }
    match passed * 100 / ran {
        100.. => "brightgreen",
        95..=99 => "green",
        90..=94 => "yellowgreen",
        75..=89 => "yellow",
        50..=74 => "orange",
        _ => "red",
    }
}

/// Returns the badge of one target.
pub fn badge(target: &TargetReport) -> Badge {
    let s = target.score(Level::Must);
    let message = match s.percent() {
        Some(p) => format!("{p}% MUST ({}/{})", s.passed, s.ran),
        None => "no MUST results".to_owned(),
    };
    Badge {
        schema_version: 1,
        label: LABEL.to_owned(),
        message,
        color: color(s.passed, s.ran).to_owned(),
    }
}

/// Returns the file name of a target's badge: `cloudevents-<name>.json`,
/// with every character outside `[A-Za-z0-9._-]` replaced by `_`.
pub fn file_name(target: &str) -> String {
    format!("cloudevents-{}.json", super::split::safe_name(target))
}

/// Returns every target's badge with its file name; names that collide
/// after sanitising get `-2`, `-3`, ... before `.json`.
pub fn badges(report: &Report) -> Vec<(String, Badge)> {
    let names = super::split::file_names(report, "cloudevents-", ".json");
    names
        .into_iter()
        .zip(&report.targets)
        .map(|(name, t)| (name, badge(t)))
        .collect()
}

/// Writes every target's badge into `dir` (which must exist) and returns
/// the paths written.
pub fn write_badges(report: &Report, dir: &Path) -> io::Result<Vec<PathBuf>> {
    badges(report)
        .into_iter()
        .map(|(name, badge)| {
            let path = dir.join(name);
            let mut text = serde_json::to_string_pretty(&badge)?;
            text.push('\n');
            std::fs::write(&path, text)?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_ratio() {
        assert_eq!(color(0, 0), "lightgrey");
        assert_eq!(color(443, 443), "brightgreen");
        assert_eq!(color(442, 443), "green");
        assert_eq!(color(412, 443), "yellowgreen");
        assert_eq!(color(3, 4), "yellow");
        assert_eq!(color(1, 2), "orange");
        assert_eq!(color(1, 3), "red");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("sdk-go@v2"), "cloudevents-sdk-go_v2.json");
        assert_eq!(file_name("../etc/x"), "cloudevents-_etc_x.json");
    }
}
