//! Instants and durations: microseconds since the Unix epoch (UTC), and microseconds.

use jiff::Timestamp;

pub const MICROSECOND: i64 = 1;
pub const SECOND: i64 = 1_000_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;
pub const WEEK: i64 = 7 * DAY;

/// Parses an instant: RFC 3339 (`2026-11-01T08:00:00Z`, `2026-11-01T16:00:00+08:00`) or a
/// date (`2026-11-01`, midnight UTC). Returns microseconds since the epoch.
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts.as_microsecond());
    }
    // `2026-11-01T08:00:00` and `2026-11-01 08:00:00` without an offset are read as UTC.
    // (Tried before the date alone: jiff's date parser also accepts a date-time and
    // would drop its time of day.)
    if text.len() > 10
        && let Ok(dt) = text.parse::<jiff::civil::DateTime>()
    {
        let ts = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
        return Some(ts.as_microsecond());
    }
    if text.len() == 10
        && let Ok(date) = text.parse::<jiff::civil::Date>()
    {
        let ts = date.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
        return Some(ts.as_microsecond());
    }
    None
}

/// Formats an instant as RFC 3339 in UTC (`2026-11-01T08:00:00Z`).
pub fn format_rfc3339(micros: i64) -> String {
    match Timestamp::from_microsecond(micros) {
        Ok(ts) => ts.to_string(),
        Err(_) => micros.to_string(),
    }
}

/// The current time.
pub fn now() -> i64 {
    Timestamp::now().as_microsecond()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_instants_dates_and_local_date_times_as_utc() {
        let noon = parse_instant("2026-11-22T12:30:00Z");
        assert!(noon.is_some());
        assert_eq!(parse_instant("2026-11-22T20:30:00+08:00"), noon);
        assert_eq!(parse_instant("2026-11-22T12:30:00"), noon);
        assert_eq!(parse_instant("2026-11-22 12:30:00"), noon);
        assert_eq!(
            parse_instant("2026-11-22"),
            parse_instant("2026-11-22T00:00:00Z")
        );
        assert_eq!(
            parse_instant("2026-11-22T12:30:00.25Z")
                .zip(noon)
                .map(|(a, b)| a - b),
            Some(250_000)
        );
        for bad in [
            "",
            "2026-13-01",
            "2026-11-22T25:00:00Z",
            "yesterday",
            "2026-11-22x",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }
}
