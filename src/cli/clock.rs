//! The wall clock, read by the binary only (the library takes times as
//! values): the start time a report records, and the seed `cespec prop`
//! takes when none is given.
//!
//! The formatter is a few lines of civil-calendar arithmetic rather than a
//! dependency: `chrono` is in the tree without its clock feature, and an
//! RFC 3339 UTC timestamp needs nothing more than the days-to-date
//! conversion below.

use std::time::{SystemTime, UNIX_EPOCH};

/// Returns the current time as an RFC 3339 UTC timestamp, to the second
/// (`2024-05-01T12:34:56Z`).
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// Returns `time` as an RFC 3339 UTC timestamp, to the second; a time
/// before 1970 is written as the epoch.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Returns the (year, month, day) of `days` after 1970-01-01 in the
/// proleptic Gregorian calendar.
///
/// See: <https://howardhinnant.github.io/date_algorithms.html#civil_from_days>
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01, so that a leap day ends its year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Returns a seed taken from the clock: the nanoseconds since the epoch,
/// folded to the digits a person can retype (below 10^12).
pub fn seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    u64::try_from(nanos % 1_000_000_000_000).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(secs: u64) -> String {
        rfc3339(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(at(1_234_567_890), "2009-02-13T23:31:30Z");
    }

    #[test]
    fn agrees_with_chrono_day_by_day() {
        // chrono (without its clock) knows the calendar: compare a day in
        // each of 200 years, leap years and century rules included.
        for day in (0..73_000u64).step_by(367) {
            let secs = day * 86_400 + 45_296;
            let expected = chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap(), 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(at(secs), expected);
        }
    }
}
