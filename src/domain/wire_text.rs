//! The text of dates and timestamps in JSON, written into a stack buffer: the same bytes as
//! chrono's `Serialize` (RFC 3339 with `Z`, seconds' fraction in 0, 3, 6 or 9 digits), without
//! `core::fmt`. Prices do the same in `domain::money`.
//!
//! Why not chrono's own: it goes through `collect_str` and `Formatter::write_char` per
//! character, ~1,600 instructions per timestamp; with the dates and prices of a plot it was
//! ~6 % of a 19-plot search page (bench/RESULTS.md, issue 20). Anything outside the usual range
//! (years before 0 or after 9999, leap seconds) is left to chrono, so the output never differs.
//!
//! Use with `#[serde(serialize_with = "…")]`; reading stays chrono's.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::{Serialize, Serializer};

/// `2026-11-28T01:02:03.456789Z` at most: 20 + 10 bytes.
const LONGEST: usize = 30;

fn two(out: &mut [u8], at: usize, value: u32) {
    out[at] = b'0' + (value / 10) as u8;
    out[at + 1] = b'0' + (value % 10) as u8;
}

/// `YYYY-MM-DD` into `out[..10]`, or `None` for a year chrono writes with a sign.
fn write_date(out: &mut [u8], date: NaiveDate) -> Option<()> {
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    two(out, 0, year / 100);
    two(out, 2, year % 100);
    out[4] = b'-';
    two(out, 5, date.month());
    out[7] = b'-';
    two(out, 8, date.day());
    Some(())
}

/// As ASCII it is valid UTF-8.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("ASCII digits and separators")
}

/// A timestamp as chrono serialises it (`SecondsFormat::AutoSi`, `Z`).
pub fn timestamp<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let time = value.naive_utc();
    let nano = time.nanosecond();
    let mut out = [0u8; LONGEST];
    if nano >= 1_000_000_000 || write_date(&mut out, time.date()).is_none() {
        return value.serialize(serializer);
    }
    out[10] = b'T';
    two(&mut out, 11, time.hour());
    out[13] = b':';
    two(&mut out, 14, time.minute());
    out[16] = b':';
    two(&mut out, 17, time.second());
    let (mut fraction, digits) = match nano {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let mut end = 19;
    if digits > 0 {
        out[19] = b'.';
        end = 20 + digits;
        for at in (20..end).rev() {
            out[at] = b'0' + (fraction % 10) as u8;
            fraction /= 10;
        }
    }
    out[end] = b'Z';
    serializer.serialize_str(text(&out[..=end]))
}

pub fn optional_timestamp<S: Serializer>(
    value: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => timestamp(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// A date as chrono serialises it (`YYYY-MM-DD`).
pub fn date<S: Serializer>(value: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = [0u8; 10];
    match write_date(&mut out, *value) {
        Some(()) => serializer.serialize_str(text(&out)),
        None => value.serialize(serializer),
    }
}

pub fn optional_date<S: Serializer>(
    value: &Option<NaiveDate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => date(value, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Fast {
        #[serde(serialize_with = "timestamp")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "optional_timestamp")]
        maybe: Option<DateTime<Utc>>,
        #[serde(serialize_with = "date")]
        day: NaiveDate,
        #[serde(serialize_with = "optional_date")]
        maybe_day: Option<NaiveDate>,
    }

    #[derive(Serialize)]
    struct Chrono {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
        day: NaiveDate,
        maybe_day: Option<NaiveDate>,
    }

    fn same(at: DateTime<Utc>) {
        let fast = Fast {
            at,
            maybe: Some(at),
            day: at.date_naive(),
            maybe_day: Some(at.date_naive()),
        };
        let chrono = Chrono {
            at,
            maybe: Some(at),
            day: at.date_naive(),
            maybe_day: Some(at.date_naive()),
        };
        assert_eq!(
            serde_json::to_string(&fast).unwrap(),
            serde_json::to_string(&chrono).unwrap(),
            "{at:?}"
        );
    }

    #[test]
    fn timestamps_and_dates_are_chronos_bytes() {
        let start = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        // Every fraction form: none, millis, micros (the database's), nanos, and their edges.
        for nanos in [
            0,
            1,
            999,
            1_000,
            1_500,
            999_000,
            1_000_000,
            120_000_000,
            999_999_999,
            100,
            10_000,
        ] {
            same(start + Duration::nanoseconds(nanos));
        }
        // A walk over four centuries with awkward steps: every month, day, hour, minute,
        // second and micro-second digit comes by.
        let mut at = Utc.with_ymd_and_hms(1800, 1, 1, 0, 0, 0).unwrap();
        let step = Duration::seconds(3_601_237) + Duration::microseconds(123_457);
        while at.year() < 2200 {
            same(at);
            at += step;
        }
        // The range's ends and beyond it (chrono's own text, signed years).
        for year in [0, 1, 999, 9999, -1, 10_000, -44, 262_000] {
            same(Utc.with_ymd_and_hms(year, 12, 31, 23, 59, 59).unwrap());
            same(Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap());
        }
        // A leap second: chrono writes `:60`.
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        same(leap);
        let none = Fast {
            at: start,
            maybe: None,
            day: start.date_naive(),
            maybe_day: None,
        };
        assert!(serde_json::to_string(&none)
            .unwrap()
            .ends_with(r#""maybe":null,"day":"2026-11-28","maybe_day":null}"#));
    }
}
