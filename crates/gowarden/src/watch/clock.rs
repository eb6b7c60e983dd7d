//! Time for the watcher: an injectable clock (monotonic for debouncing, wall for stamping
//! events and noticing a machine that slept), and RFC 3339 timestamps without a date crate.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Where the watcher reads the time. Tests drive the debounce logic with a fake one, so no
/// test sleeps to see a debounce expire.
pub trait Clock: Send + 'static {
    /// Monotonic time: what debounce deadlines and the rescan period count in. It stops while
    /// the machine sleeps (Linux `CLOCK_MONOTONIC`, macOS `mach_absolute_time`).
    fn now(&self) -> Instant;
    /// Wall-clock time: what events are stamped with. It keeps going while the machine
    /// sleeps, so a jump against [`Clock::now`] means the machine just woke up.
    fn wall(&self) -> SystemTime;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A moment in UTC, to the millisecond, written as RFC 3339 (`2026-11-29T14:03:07.250Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    ms: i64,
}

impl Timestamp {
    /// The moment `t` (truncated to the millisecond).
    pub fn from_system(t: SystemTime) -> Timestamp {
        let ms = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        };
        Timestamp { ms }
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_ms(self) -> i64 {
        self.ms
    }

    /// From milliseconds since the Unix epoch.
    pub fn from_unix_ms(ms: i64) -> Timestamp {
        Timestamp { ms }
    }

    /// This moment minus `d`.
    pub fn minus(self, d: Duration) -> Timestamp {
        Timestamp {
            ms: self.ms.saturating_sub(d.as_millis() as i64),
        }
    }
}

/// A timestamp that is not RFC 3339 (or a date, or an age).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a time: give an RFC 3339 time (2026-11-29T14:03:07Z), a date (2026-11-29), \
     or an age (90s, 30m, 12h, 7d, 2w)"
)]
pub struct BadTime(pub String);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.ms.div_euclid(86_400_000);
        let in_day = self.ms.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        let (h, min, s, ms) = (
            in_day / 3_600_000,
            in_day / 60_000 % 60,
            in_day / 1000 % 60,
            in_day % 1000,
        );
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{ms:03}Z")
    }
}

impl FromStr for Timestamp {
    type Err = BadTime;

    /// RFC 3339: `2026-11-29T14:03:07Z`, `2026-11-29t14:03:07.25+01:00`, `2026-11-29 14:03:07Z`.
    fn from_str(s: &str) -> Result<Timestamp, BadTime> {
        parse_rfc3339(s).ok_or_else(|| BadTime(s.to_string()))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An RFC 3339 time in UTC, to the millisecond.",
            "type": "string",
            "format": "date-time",
        })
    }
}

/// A `--since` value: an RFC 3339 time, a date (midnight UTC), or an age before `now`
/// (`90s`, `30m`, `12h`, `7d`, `2w`).
pub fn parse_since(s: &str, now: Timestamp) -> Result<Timestamp, BadTime> {
    let bad = || BadTime(s.to_string());
    let t = s.trim();
    if let Some(unit) = t.chars().last().filter(char::is_ascii_alphabetic)
        && t[..t.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && t.len() > 1
    {
        let n: u64 = t[..t.len() - 1].parse().map_err(|_| bad())?;
        let secs = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        return Ok(now.minus(Duration::from_secs(n.saturating_mul(secs))));
    }
    if t.len() == 10 {
        let (y, m, d) = parse_date(t).ok_or_else(bad)?;
        return Ok(Timestamp {
            ms: days_from_civil(y, m, d) * 86_400_000,
        });
    }
    t.parse()
}

fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(&s[0..4])?, num(&s[5..7])?, num(&s[8..10])?);
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month).contains(&d).then_some((y as i64, m, d))
}

/// Digits only (no sign, no spaces) as a number.
fn num(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, m, d) = parse_date(&s[..10])?;
    let time = &s[11..];
    let tb = time.as_bytes();
    if tb.len() < 9 || tb[2] != b':' || tb[5] != b':' {
        return None;
    }
    let (h, min, sec) = (num(&time[0..2])?, num(&time[3..5])?, num(&time[6..8])?);
    if h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut rest = &time[8..];
    let mut ms = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let first3: String = frac[..digits].chars().chain("00".chars()).take(3).collect();
        ms = i64::from(num(&first3)?);
        rest = &frac[digits..];
    }
    let offset_min: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || ob[3] != b':' || !matches!(ob[0], b'+' | b'-') {
                return None;
            }
            let (oh, om) = (num(&rest[1..3])?, num(&rest[4..6])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let sign = if ob[0] == b'-' { -1 } else { 1 };
            sign * i64::from(oh * 60 + om)
        }
    };
    let secs = days_from_civil(y, m, d) * 86_400
        + i64::from(h) * 3600
        + i64::from(min) * 60
        + i64::from(sec.min(59))
        - offset_min * 60;
    Some(Timestamp {
        ms: secs * 1000 + ms,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `z` days after 1970-01-01 (Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_and_read_back() {
        // (unix ms, text)
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_795_960_987_250, "2026-11-29T14:03:07.250Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
        ];
        for (ms, text) in cases {
            let t = Timestamp::from_unix_ms(ms);
            assert_eq!(t.to_string(), text);
            assert_eq!(text.parse::<Timestamp>(), Ok(t), "{text}");
        }
        let t = Timestamp::from_unix_ms(1_795_960_987_000);
        for other in [
            "2026-11-29T14:03:07Z",
            "2026-11-29t14:03:07z",
            "2026-11-29 14:03:07Z",
            "2026-11-29T15:03:07+01:00",
            "2026-11-29T09:33:07-04:30",
            "2026-11-29T14:03:07.0Z",
        ] {
            assert_eq!(other.parse::<Timestamp>(), Ok(t), "{other}");
        }
        for bad in [
            "",
            "2026-11-29",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "2026-11-29T14:03:07",
            "2026-11-29T14:03:07.Z",
            "2026-11-29T14:03:07+0100",
            "+2026-11-29T14:03:07Z",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad:?}");
        }
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-11-29T14:03:07.000Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn since_takes_a_time_a_date_or_an_age() {
        let now: Timestamp = "2026-11-29T14:00:00Z".parse().unwrap();
        let at = |s: &str| parse_since(s, now).map(|t| t.to_string());
        assert_eq!(at("90s").unwrap(), "2026-11-29T13:58:30.000Z");
        assert_eq!(at("30m").unwrap(), "2026-11-29T13:30:00.000Z");
        assert_eq!(at("12h").unwrap(), "2026-11-29T02:00:00.000Z");
        assert_eq!(at("7d").unwrap(), "2026-11-22T14:00:00.000Z");
        assert_eq!(at("2w").unwrap(), "2026-11-15T14:00:00.000Z");
        assert_eq!(at("2026-11-01").unwrap(), "2026-11-01T00:00:00.000Z");
        assert_eq!(
            at("2026-11-29T10:00:00+02:00").unwrap(),
            "2026-11-29T08:00:00.000Z"
        );
        for bad in ["", "h", "5y", "-5m", "yesterday", "2026-11-31"] {
            assert!(at(bad).is_err(), "{bad:?}");
        }
    }
}
