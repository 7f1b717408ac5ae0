//! Local clock times in the rule set's zone: `quiet a..b` windows and the next
//! `every day at HH:MM`.

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// The minute of the local day (0..1440) at instant `t` (microseconds).
fn local_minute(zone: &TimeZone, t: i64) -> Option<u16> {
    let ts = Timestamp::from_microsecond(t).ok()?;
    let z = ts.to_zoned(zone.clone());
    Some(z.hour() as u16 * 60 + z.minute() as u16)
}

/// Whether `t` falls in the local window `from..to` (minutes of the day; the window
/// includes `from` and excludes `to`, and wraps past midnight when `from > to`; an
/// empty window when they are equal).
pub fn in_quiet(zone: &TimeZone, (from, to): (u16, u16), t: i64) -> bool {
    let Some(m) = local_minute(zone, t) else {
        return false;
    };
    if from <= to {
        from <= m && m < to
    } else {
        m >= from || m < to
    }
}

/// The first instant after `t` at which the local clock reads `minute` (minutes of the
/// day). Where a DST gap skips that local time, the instant the clock jumps to;
/// where a fold repeats it, the earlier one.
pub fn next_local(zone: &TimeZone, minute: u16, t: i64) -> Option<i64> {
    let ts = Timestamp::from_microsecond(t).ok()?;
    let today = ts.to_zoned(zone.clone()).date();
    let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?;
    let mut date = today;
    // Today, tomorrow, or (past a skipped day in a zone change) the day after.
    for _ in 0..3 {
        let at = date
            .to_datetime(time)
            .to_zoned(zone.clone())
            .ok()?
            .timestamp()
            .as_microsecond();
        if at > t {
            return Some(at);
        }
        date = date.tomorrow().ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;

    fn t(s: &str) -> i64 {
        parse_instant(s).unwrap_or(i64::MIN)
    }

    #[test]
    fn quiet_windows_wrap_midnight_in_the_zone() {
        let sh = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        let night = (22 * 60, 8 * 60);
        // 15:00Z is 23:00 in Shanghai; 23:59:59Z is 07:59:59; 00:00Z is 08:00.
        assert!(in_quiet(&sh, night, t("2026-11-22T15:00:00Z")));
        assert!(in_quiet(&sh, night, t("2026-11-22T23:59:59Z")));
        assert!(!in_quiet(&sh, night, t("2026-11-23T00:00:00Z")));
        assert!(!in_quiet(&sh, night, t("2026-11-22T13:59:00Z")));
        assert!(in_quiet(&sh, night, t("2026-11-22T14:00:00Z")));
        assert!(!in_quiet(&TimeZone::UTC, night, t("2026-11-22T15:00:00Z")));
        assert!(!in_quiet(
            &TimeZone::UTC,
            (600, 600),
            t("2026-11-22T10:00:00Z")
        ));
        assert!(in_quiet(
            &TimeZone::UTC,
            (600, 660),
            t("2026-11-22T10:59:00Z")
        ));
    }

    #[test]
    fn next_local_time_is_strictly_after() {
        let sh = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        // 08:00 Shanghai is 00:00Z.
        assert_eq!(
            next_local(&sh, 8 * 60, t("2026-11-22T15:00:00Z")),
            Some(t("2026-11-23T00:00:00Z"))
        );
        assert_eq!(
            next_local(&sh, 8 * 60, t("2026-11-23T00:00:00Z")),
            Some(t("2026-11-24T00:00:00Z"))
        );
        assert_eq!(
            next_local(&TimeZone::UTC, 20 * 60, t("2026-11-22T19:59:00Z")),
            Some(t("2026-11-22T20:00:00Z"))
        );
        // New York springs forward on 2026-03-08: 02:30 does not exist that day.
        let ny = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
        let at = next_local(&ny, 150, t("2026-03-08T05:00:00Z"));
        assert_eq!(at, Some(t("2026-03-08T07:30:00Z")));
    }
}
