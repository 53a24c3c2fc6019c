//! Timestamps (epoch milliseconds) shown as dates, the same on the server
//! and in the browser: UTC, or a wall-clock time the server worked out in
//! the viewer's time zone ([`LocalTime`]); day first (`jj/mm`) in French.

use crate::i18n::Locale;
use serde::{Deserialize, Serialize};
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

/// `2026-11-26T10:00:00Z`: for a `<time datetime>` attribute.
pub fn iso(ms: i64) -> String {
    let t = at(ms);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_string(ms),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A UTC time in the page's language: `2026-11-26 10:00 UTC`, in French
/// `26/11/2026 10:00 UTC`.
pub fn utc_in(locale: Locale, ms: i64) -> String {
    let t = at(ms);
    let d = t.date();
    LocalTime {
        year: d.year(),
        month: u8::from(d.month()),
        day: d.day(),
        hour: t.hour(),
        minute: t.minute(),
    }
    .date_time(locale)
        + " UTC"
}

/// A wall-clock time somewhere (the server converts; the page only shows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl LocalTime {
    /// `Nov 26`; in French `26/11`.
    pub fn day_month(&self, locale: Locale) -> String {
        match locale {
            Locale::fr => format!("{:02}/{:02}", self.day, self.month),
            Locale::en => {
                let m = MONTHS_EN[usize::from(self.month.clamp(1, 12)) - 1];
                format!("{m} {}", self.day)
            }
        }
    }

    /// `2026-11-26`; in French `26/11/2026`.
    pub fn date(&self, locale: Locale) -> String {
        match locale {
            Locale::fr => format!("{:02}/{:02}/{:04}", self.day, self.month, self.year),
            Locale::en => format!("{:04}-{:02}-{:02}", self.year, self.month, self.day),
        }
    }

    /// `14:05`.
    pub fn hour_minute(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// `2026-11-26 14:05`; in French `26/11/2026 14:05`.
    pub fn date_time(&self, locale: Locale) -> String {
        match locale {
            Locale::fr => format!(
                "{:02}/{:02}/{:04} {}",
                self.day,
                self.month,
                self.year,
                self.hour_minute()
            ),
            Locale::en => format!(
                "{:04}-{:02}-{:02} {}",
                self.year,
                self.month,
                self.day,
                self.hour_minute()
            ),
        }
    }
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

/// A `YYYY-MM-DD` date as the page's language writes it (`26/11/2026` in French).
pub fn day_in(locale: Locale, iso: &str) -> String {
    match (locale, iso.splitn(3, '-').collect::<Vec<_>>().as_slice()) {
        (Locale::fr, [y, m, d]) => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
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
        assert_eq!(super::iso(1_795_687_200_000), "2026-11-26T10:00:00Z");
    }

    #[test]
    fn french_puts_the_day_first() {
        use crate::i18n::Locale;
        let ms = 1_795_687_200_000;
        assert_eq!(super::utc_in(Locale::fr, ms), "26/11/2026 10:00 UTC");
        assert_eq!(super::utc_in(Locale::en, ms), "2026-11-26 10:00 UTC");
        let t = super::LocalTime {
            year: 2026,
            month: 3,
            day: 5,
            hour: 9,
            minute: 7,
        };
        assert_eq!(t.day_month(Locale::fr), "05/03");
        assert_eq!(t.day_month(Locale::en), "Mar 5");
        assert_eq!(t.date_time(Locale::fr), "05/03/2026 09:07");
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
