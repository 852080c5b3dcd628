//! RFC 3339 timestamps, parsed by hand so that cespec decides exactly what is
//! valid (the `date-time` ABNF of RFC 3339 §5.6) and keeps the original text.
//!
//! The canonical string of a Timestamp is the text the producer wrote: it is
//! never re-formatted, so offsets and every fractional digit survive a round
//! trip. Comparison is by instant (seconds since the epoch plus nanoseconds),
//! which is what DESIGN.md §3 asks for. Digits past the ninth still count for
//! [`Timestamp::fraction_digits`] but not for the instant.
//!
//! Choices (see `suites/rules.yaml`, CORE-TS-12): `T`/`t` and `Z`/`z` are
//! accepted; a space separator is not (the ABNF requires `T`); a leap second
//! `:60` is accepted and counted as the next second for the instant.

use std::cmp::Ordering;
use std::fmt;

/// A valid RFC 3339 date-time with its original text.
#[derive(Clone, Debug)]
pub struct Timestamp {
    text: String,
    unix_seconds: i64,
    nanos: u32,
    offset_minutes: i16,
    fraction_digits: u16,
}

/// Why a string is not an RFC 3339 date-time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampError(pub &'static str);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

fn digits(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = bytes.get(at..at + n)?;
    let mut value = 0u32;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    Some(value)
}

fn expect(bytes: &[u8], at: usize, wanted: u8, what: &'static str) -> Result<(), TimestampError> {
    if bytes.get(at) == Some(&wanted) {
        Ok(())
    } else {
        Err(TimestampError(what))
    }
}

fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Timestamp {
    /// Parses `text` as an RFC 3339 `date-time`, keeping it verbatim.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let b = text.as_bytes();
        let year = digits(b, 0, 4).ok_or(TimestampError("expected a four-digit year"))?;
        expect(b, 4, b'-', "expected '-' after the year")?;
        let month = digits(b, 5, 2).ok_or(TimestampError("expected a two-digit month"))?;
        expect(b, 7, b'-', "expected '-' after the month")?;
        let day = digits(b, 8, 2).ok_or(TimestampError("expected a two-digit day"))?;
        if !(1..=12).contains(&month) {
            return Err(TimestampError("month out of range 01-12"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(TimestampError("day out of range for the month"));
        }
        match b.get(10) {
            Some(b'T' | b't') => {}
            Some(b' ') => {
                return Err(TimestampError(
                    "a space separates date and time; the RFC 3339 ABNF requires 'T'",
                ));
            }
            None => return Err(TimestampError("a date without a time and offset")),
            _ => return Err(TimestampError("expected 'T' between date and time")),
        }
        let hour = digits(b, 11, 2).ok_or(TimestampError("expected a two-digit hour"))?;
        expect(b, 13, b':', "expected ':' after the hour")?;
        let minute = digits(b, 14, 2).ok_or(TimestampError("expected a two-digit minute"))?;
        expect(
            b,
            16,
            b':',
            "expected ':' after the minute (seconds are required)",
        )?;
        let second = digits(b, 17, 2).ok_or(TimestampError("expected two-digit seconds"))?;
        if hour > 23 {
            return Err(TimestampError("hour out of range 00-23"));
        }
        if minute > 59 {
            return Err(TimestampError("minute out of range 00-59"));
        }
        if second > 60 {
            return Err(TimestampError("second out of range 00-60"));
        }
        let mut at = 19;
        let mut nanos = 0u32;
        let mut fraction_digits = 0u16;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while let Some(d) = b.get(at).filter(|d| d.is_ascii_digit()) {
                if at - start < 9 {
                    nanos = nanos * 10 + u32::from(d - b'0');
                }
                at += 1;
            }
            let count = at - start;
            if count == 0 {
                return Err(TimestampError(
                    "a '.' must be followed by fractional digits",
                ));
            }
            for _ in count..9 {
                nanos *= 10;
            }
            fraction_digits = u16::try_from(count).unwrap_or(u16::MAX);
        }
        let offset_minutes: i16 = match b.get(at) {
            Some(b'Z' | b'z') => {
                at += 1;
                0
            }
            Some(sign @ (b'+' | b'-')) => {
                let oh = digits(b, at + 1, 2)
                    .ok_or(TimestampError("expected a two-digit offset hour"))?;
                expect(b, at + 3, b':', "expected ':' in the offset")?;
                let om = digits(b, at + 4, 2)
                    .ok_or(TimestampError("expected two-digit offset minutes"))?;
                if oh > 23 || om > 59 {
                    return Err(TimestampError(
                        "offset out of range (hours 00-23, minutes 00-59)",
                    ));
                }
                at += 6;
                // Bounded above: at most 23*60+59.
                let magnitude = (oh * 60 + om) as i16;
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            None => return Err(TimestampError("no offset: RFC 3339 requires 'Z' or ±hh:mm")),
            _ => return Err(TimestampError("expected 'Z' or a ±hh:mm offset")),
        };
        if at != b.len() {
            return Err(TimestampError("unexpected characters after the offset"));
        }
        let days = days_from_civil(i64::from(year), month, day);
        let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Ok(Self {
            text: text.to_owned(),
            unix_seconds: local - i64::from(offset_minutes) * 60,
            nanos,
            offset_minutes,
            fraction_digits,
        })
    }

    /// Returns the original text, which is the canonical string.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns the instant as (seconds since the Unix epoch, nanoseconds).
    pub fn instant(&self) -> (i64, u32) {
        (self.unix_seconds, self.nanos)
    }

    /// Returns the offset from UTC in minutes.
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// Returns how many fractional-second digits the text carries.
    pub fn fraction_digits(&self) -> u16 {
        self.fraction_digits
    }

    /// Returns true if both name the same instant (offset and trailing zeros ignored).
    pub fn same_instant(&self, other: &Timestamp) -> bool {
        self.instant() == other.instant()
    }
}

impl PartialEq for Timestamp {
    /// Equality is by instant, as DESIGN.md §3 defines equivalence.
    fn eq(&self, other: &Self) -> bool {
        self.same_instant(other)
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.instant().cmp(&other.instant()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc3339_forms() {
        for ok in [
            "2018-04-05T17:31:00Z",
            "2018-04-05t17:31:00z",
            "1985-04-12T23:20:50.52Z",
            "1990-12-31T23:59:60Z",
            "2018-04-05T17:31:00-00:00",
            "2018-04-05T17:31:00.123456789+02:00",
            "2018-04-05T17:31:00.1234567891234+14:00",
            "2024-02-29T00:00:00Z",
            "2018-04-05T17:31:00+23:59",
        ] {
            assert!(Timestamp::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_non_rfc3339_forms() {
        for bad in [
            "2018-04-05T18:31Z",
            "2018-04-05T18:31:00X",
            "2018-04-05T18:31:00+25:00",
            "2018-04-05T18:31:00+xx:00",
            "2018-04-05T18:31:00+05",
            "2018-04-05T18:31:00",
            "20180405T183100Z",
            "2018-04-05",
            "2018-04-05 17:31:00Z",
            "2023-02-29T00:00:00Z",
            "2018-04-05T24:00:00Z",
            "2018-04-05T23:60:00Z",
            "2018-04-05T23:59:61Z",
            "2018-04-05T17:31:00.Z",
            "2020-07-16T13:53:54.5America/Los_Angeles",
            "2018-13-05T17:31:00Z",
            "",
            "2018-04-05T17:31:00Z ",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_ignore_offset_and_trailing_zeros() {
        let a = Timestamp::parse("2018-04-05T17:31:00Z").unwrap();
        let b = Timestamp::parse("2018-04-05T19:31:00.000+02:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.fraction_digits(), 3);
        assert_eq!(a.instant().0, 1_522_949_460);
        let c = Timestamp::parse("2018-04-05T17:31:00.000000001Z").unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn dates_before_the_epoch_are_exact() {
        let t = Timestamp::parse("1969-12-31T23:59:59Z").unwrap();
        assert_eq!(t.instant(), (-1, 0));
        let t = Timestamp::parse("0001-01-01T00:00:00Z").unwrap();
        assert_eq!(t.instant().0, -62_135_596_800);
    }
}
