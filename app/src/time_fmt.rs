//! Timestamps (epoch milliseconds) shown as UTC dates, the same on the server
//! and in the browser.

use time::{Date, Month, OffsetDateTime};

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

fn at(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-11-26 10:00 UTC`.
pub fn utc(ms: i64) -> String {
    let t = at(ms);
    format!("{} {:02}:{:02} UTC", date_string(ms), t.hour(), t.minute())
}

/// Milliseconds at 00:00 UTC of a `YYYY-MM-DD` date (a real one: no 31 June).
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) {
        return None;
    }
    let date = Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

/// `2026-11-26` (UTC) from epoch milliseconds.
pub fn date_string(ms: i64) -> String {
    let d = at(ms).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(1_795_687_200_000), "2026-11-26 10:00 UTC");
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(super::date_string(1_795_687_200_000), "2026-11-26");
    }

    #[test]
    fn parses_dates() {
        assert_eq!(super::parse_date("1970-01-01"), Some(0));
        assert_eq!(super::parse_date("2000-02-29"), Some(951_782_400_000));
        assert_eq!(super::parse_date("2026-13-01"), None);
        assert_eq!(super::parse_date("2026-06-31"), None);
        assert_eq!(super::parse_date("nope"), None);
    }
}
