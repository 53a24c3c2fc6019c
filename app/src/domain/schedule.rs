//! Business hours (SPEC §8): a schedule's weekly opening hours and closures,
//! parsed once from what the form holds; on the server, whether a moment is
//! open in the schedule's time zone (DST included) and when that changes next.

use serde::{Deserialize, Serialize};

use super::{Code, FieldErrors};

pub const SCHEDULE_NAME_MAX_CHARS: usize = 100;
/// Opening intervals a weekday may have.
pub const INTERVALS_PER_DAY: usize = 3;
pub const CLOSURES_MAX: usize = 50;
pub const CLOSURE_LABEL_MAX_CHARS: usize = 100;
const MINUTES_PER_DAY: u16 = 24 * 60;

/// The days of the week, Monday first, as the runtime document keys them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    /// 0 for Monday … 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A wall-clock time of day to the minute, `00:00` to `24:00` (the end of
/// the day, for an interval that runs to midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    pub const MIDNIGHT: ClockTime = ClockTime(0);
    pub const END_OF_DAY: ClockTime = ClockTime(MINUTES_PER_DAY);

    /// `HH:MM`, 24-hour (`9:00` too); `24:00` is the end of the day.
    pub fn parse(raw: &str) -> Result<ClockTime, Code> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Code::Required);
        }
        let (h, m) = raw.split_once(':').ok_or(Code::InvalidTime)?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || m.len() != 2 || !digits(m) {
            return Err(Code::InvalidTime);
        }
        let (h, m): (u16, u16) = (
            h.parse().map_err(|_| Code::InvalidTime)?,
            m.parse().map_err(|_| Code::InvalidTime)?,
        );
        match (h, m) {
            (24, 0) => Ok(ClockTime::END_OF_DAY),
            (0..=23, 0..=59) => Ok(ClockTime(h * 60 + m)),
            _ => Err(Code::InvalidTime),
        }
    }

    pub fn from_minutes(minutes: u16) -> ClockTime {
        ClockTime(minutes.min(MINUTES_PER_DAY))
    }

    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        ClockTime::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Open from `start` (included) to `end` (excluded), `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "(ClockTime, ClockTime)", into = "(ClockTime, ClockTime)")]
pub struct Interval {
    pub start: ClockTime,
    pub end: ClockTime,
}

impl From<(ClockTime, ClockTime)> for Interval {
    fn from((start, end): (ClockTime, ClockTime)) -> Self {
        Interval { start, end }
    }
}

impl From<Interval> for (ClockTime, ClockTime) {
    fn from(i: Interval) -> Self {
        (i.start, i.end)
    }
}

impl Interval {
    pub fn contains(&self, t: ClockTime) -> bool {
        self.start <= t && t < self.end
    }
}

/// A calendar date, `YYYY-MM-DD` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub time::Date);

impl Day {
    /// `YYYY-MM-DD`, a real date (no 31 June), years 1970–9999.
    pub fn parse(raw: &str) -> Result<Day, Code> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Code::Required);
        }
        let mut parts = raw.splitn(3, '-');
        let mut next = || parts.next().ok_or(Code::InvalidDate);
        let (y, m, d) = (next()?, next()?, next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(Code::InvalidDate);
        }
        let y: i32 = y.parse().map_err(|_| Code::InvalidDate)?;
        let m: u8 = m.parse().map_err(|_| Code::InvalidDate)?;
        let d: u8 = d.parse().map_err(|_| Code::InvalidDate)?;
        if !(1970..=9999).contains(&y) {
            return Err(Code::InvalidDate);
        }
        let month = time::Month::try_from(m).map_err(|_| Code::InvalidDate)?;
        time::Date::from_calendar_date(y, month, d)
            .map(Day)
            .map_err(|_| Code::InvalidDate)
    }

    pub fn ymd(self) -> (i16, i8, i8) {
        (
            self.0.year() as i16,
            u8::from(self.0.month()) as i8,
            self.0.day() as i8,
        )
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Day::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Closed all day from `from` to `to`, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub from: Day,
    pub to: Day,
    pub label: String,
}

/// The opening intervals of each weekday, sorted and apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Weekly(pub [Vec<Interval>; 7]);

impl Weekly {
    pub fn day(&self, d: Weekday) -> &[Interval] {
        &self.0[d.index()]
    }
}

impl Serialize for Weekly {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(7))?;
        for d in Weekday::ALL {
            m.serialize_entry(d.as_str(), self.day(d))?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Weekly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<Weekday, Vec<Interval>>::deserialize(d)?;
        let mut w = Weekly::default();
        for (day, intervals) in map {
            w.0[day.index()] = intervals;
        }
        Ok(w)
    }
}

/// A schedule as the runtime document carries it (SPEC §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub name: String,
    /// An IANA time zone name (`Europe/Paris`).
    pub timezone: String,
    pub weekly: Weekly,
    pub closures: Vec<Closure>,
}

/// One opening interval as typed (`<input type="time">` gives `HH:MM`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntervalDraft {
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
}

/// One closure as typed; an empty `to` is the `from` day alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureDraft {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub label: String,
}

/// The business-hours form as typed. Field errors are named `name`,
/// `timezone`, `mon.0` (the first interval of Monday), `closures.2.to`…
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub timezone: String,
    /// Monday first; each day's slots, empty ones ignored.
    #[serde(default)]
    pub weekly: Vec<Vec<IntervalDraft>>,
    #[serde(default)]
    pub closures: Vec<ClosureDraft>,
}

impl ScheduleDraft {
    /// The form of a saved schedule, with every slot a day may have.
    pub fn from_schedule(s: &Schedule) -> ScheduleDraft {
        ScheduleDraft {
            name: s.name.clone(),
            timezone: s.timezone.clone(),
            weekly: Weekday::ALL
                .iter()
                .map(|d| {
                    let mut slots: Vec<IntervalDraft> = s
                        .weekly
                        .day(*d)
                        .iter()
                        .map(|i| IntervalDraft {
                            start: i.start.to_string(),
                            end: i.end.to_string(),
                        })
                        .collect();
                    slots.resize(INTERVALS_PER_DAY, IntervalDraft::default());
                    slots
                })
                .collect(),
            closures: s
                .closures
                .iter()
                .map(|c| ClosureDraft {
                    from: c.from.to_string(),
                    to: if c.to == c.from {
                        String::new()
                    } else {
                        c.to.to_string()
                    },
                    label: c.label.clone(),
                })
                .collect(),
        }
    }

    /// The schedule, or every field's error. `known_zone` says whether a
    /// name is an IANA time zone (the server asks its time-zone database).
    pub fn parse(&self, known_zone: impl Fn(&str) -> bool) -> Result<Schedule, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take("name", parse_name(&self.name, SCHEDULE_NAME_MAX_CHARS));
        let timezone = self.timezone.trim();
        if timezone.is_empty() {
            e.push("timezone", Code::Required);
        } else if !known_zone(timezone) {
            e.push("timezone", Code::UnknownTimeZone);
        }
        let mut weekly = Weekly::default();
        for (day, slots) in Weekday::ALL
            .iter()
            .zip(self.weekly.iter().chain(std::iter::repeat(&Vec::new())))
        {
            weekly.0[day.index()] = parse_day(*day, slots, &mut e);
        }
        if self
            .closures
            .iter()
            .filter(|c| !closure_is_blank(c))
            .count()
            > CLOSURES_MAX
        {
            e.push("closures", Code::TooManyClosures);
        }
        let closures = self
            .closures
            .iter()
            .enumerate()
            .filter(|(_, c)| !closure_is_blank(c))
            .filter_map(|(i, c)| parse_closure(i, c, &mut e))
            .collect();
        e.into_result()?;
        Ok(Schedule {
            name: name.unwrap_or_default(),
            timezone: timezone.to_owned(),
            weekly,
            closures,
        })
    }
}

fn parse_name(raw: &str, max: usize) -> Result<String, Code> {
    let name = raw.trim();
    if name.is_empty() {
        Err(Code::Required)
    } else if name.chars().count() > max {
        Err(Code::TooLong)
    } else if name.chars().any(char::is_control) {
        Err(Code::ControlCharacters)
    } else {
        Ok(name.to_owned())
    }
}

/// A day's intervals: each slot whole, in order, not overlapping.
fn parse_day(day: Weekday, slots: &[IntervalDraft], e: &mut FieldErrors) -> Vec<Interval> {
    let mut out: Vec<Interval> = Vec::new();
    let filled = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| !(s.start.trim().is_empty() && s.end.trim().is_empty()));
    for (i, slot) in filled {
        let field = format!("{}.{i}", day.as_str());
        if i >= INTERVALS_PER_DAY {
            e.push(&field, Code::TooManyIntervals);
            continue;
        }
        let start = ClockTime::parse(&slot.start).and_then(|t| {
            if t == ClockTime::END_OF_DAY {
                Err(Code::InvalidTime)
            } else {
                Ok(t)
            }
        });
        // An interval ending at 00:00 runs to midnight.
        let end = ClockTime::parse(&slot.end).map(|t| {
            if t == ClockTime::MIDNIGHT {
                ClockTime::END_OF_DAY
            } else {
                t
            }
        });
        match (start, end) {
            (Ok(start), Ok(end)) if start >= end => e.push(&field, Code::EndBeforeStart),
            (Ok(start), Ok(end)) => {
                let interval = Interval { start, end };
                if out.iter().any(|o| o.start < end && start < o.end) {
                    e.push(&field, Code::Overlapping);
                } else {
                    out.push(interval);
                }
            }
            (Err(c), _) | (_, Err(c)) => e.push(&field, c),
        }
    }
    out.sort();
    out
}

fn closure_is_blank(c: &ClosureDraft) -> bool {
    c.from.trim().is_empty() && c.to.trim().is_empty() && c.label.trim().is_empty()
}

fn parse_closure(i: usize, c: &ClosureDraft, e: &mut FieldErrors) -> Option<Closure> {
    let from = e.take(&format!("closures.{i}.from"), Day::parse(&c.from));
    let to = if c.to.trim().is_empty() {
        from
    } else {
        e.take(&format!("closures.{i}.to"), Day::parse(&c.to))
    };
    let label = e.take(
        &format!("closures.{i}.label"),
        parse_name(&c.label, CLOSURE_LABEL_MAX_CHARS),
    );
    let (from, to, label) = (from?, to?, label?);
    if to < from {
        e.push(&format!("closures.{i}.to"), Code::EndBeforeStart);
        return None;
    }
    Some(Closure { from, to, label })
}

/// Whether a schedule is open or closed at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenState {
    Open,
    Closed,
}

impl OpenState {
    pub fn as_str(self) -> &'static str {
        match self {
            OpenState::Open => "open",
            OpenState::Closed => "closed",
        }
    }
}

#[cfg(feature = "ssr")]
pub use eval::ZonedSchedule;

/// Open or closed at a moment, and until when (server side: the time-zone
/// database is bundled with the server).
#[cfg(feature = "ssr")]
mod eval {
    use super::{ClockTime, Day, OpenState, Schedule, Weekday};
    use jiff::civil::{Date, DateTime};
    use jiff::tz::TimeZone;
    use jiff::{Timestamp, Zoned};

    /// How far ahead `next_change` looks (a schedule never open, or always).
    const HORIZON_DAYS: i64 = 400;

    /// A schedule with its time zone resolved.
    #[derive(Debug, Clone)]
    pub struct ZonedSchedule {
        pub schedule: Schedule,
        tz: TimeZone,
    }

    impl ZonedSchedule {
        /// `None` when the schedule's zone is not in the database.
        pub fn new(schedule: Schedule) -> Option<ZonedSchedule> {
            let tz = TimeZone::get(&schedule.timezone).ok()?;
            Some(ZonedSchedule { schedule, tz })
        }

        pub fn zone(&self) -> &TimeZone {
            &self.tz
        }

        /// Open iff the local wall-clock time falls in an interval of its
        /// local weekday and its local date is in no closure.
        pub fn state_at(&self, at_ms: i64) -> OpenState {
            let local = self.local(at_ms);
            if self.open_local(&local) {
                OpenState::Open
            } else {
                OpenState::Closed
            }
        }

        pub fn is_open(&self, at_ms: i64) -> bool {
            self.state_at(at_ms) == OpenState::Open
        }

        /// The moment in the schedule's zone.
        pub fn local(&self, at_ms: i64) -> Zoned {
            Timestamp::from_millisecond(at_ms)
                .unwrap_or(Timestamp::UNIX_EPOCH)
                .to_zoned(self.tz.clone())
        }

        fn open_local(&self, local: &Zoned) -> bool {
            let date = local.date();
            if self.closed_on(date) {
                return false;
            }
            let t = ClockTime::from_minutes(local.hour() as u16 * 60 + local.minute() as u16);
            self.schedule
                .weekly
                .day(weekday(date))
                .iter()
                .any(|i| i.contains(t))
        }

        fn closed_on(&self, date: Date) -> bool {
            let day = time::Month::try_from(date.month() as u8)
                .ok()
                .and_then(|m| {
                    time::Date::from_calendar_date(date.year().into(), m, date.day() as u8).ok()
                })
                .map(Day);
            day.is_some_and(|d| {
                self.schedule
                    .closures
                    .iter()
                    .any(|c| c.from <= d && d <= c.to)
            })
        }

        /// The first moment after `at_ms` when the state differs from the
        /// state at `at_ms` (milliseconds, on a minute boundary or a DST
        /// transition); `None` if it doesn't change within 400 days.
        pub fn next_change(&self, at_ms: i64) -> Option<i64> {
            let now = self.is_open(at_ms);
            let start = self.local(at_ms).date();
            let mut transitions = self
                .tz
                .following(Timestamp::from_millisecond(at_ms).ok()?)
                .map(|t| t.timestamp().as_millisecond())
                .peekable();
            for offset in 0..HORIZON_DAYS {
                let date = start.checked_add(jiff::Span::new().days(offset)).ok()?;
                let next_date = date.tomorrow().ok()?;
                let day_end = self
                    .instants(next_date, ClockTime::MIDNIGHT)
                    .into_iter()
                    .max()?;
                let mut candidates = self.day_candidates(date);
                while let Some(t) = transitions.next_if(|t| *t <= day_end) {
                    candidates.push(t);
                }
                candidates.push(day_end);
                candidates.sort_unstable();
                candidates.dedup();
                if let Some(t) = candidates
                    .into_iter()
                    .filter(|t| *t > at_ms)
                    .find(|t| self.is_open(*t) != now)
                {
                    return Some(t);
                }
            }
            None
        }

        /// The instants at which a day's wall clock reads one of its
        /// interval edges (both, where DST makes a time occur twice).
        fn day_candidates(&self, date: Date) -> Vec<i64> {
            let mut out = self.instants(date, ClockTime::MIDNIGHT);
            for i in self.schedule.weekly.day(weekday(date)) {
                out.extend(self.instants(date, i.start));
                if i.end != ClockTime::END_OF_DAY {
                    out.extend(self.instants(date, i.end));
                }
            }
            out
        }

        fn instants(&self, date: Date, t: ClockTime) -> Vec<i64> {
            let m = t.minutes();
            let dt = DateTime::from_parts(
                date,
                jiff::civil::Time::new((m / 60).min(23) as i8, (m % 60) as i8, 0, 0)
                    .unwrap_or_default(),
            );
            let amb = self.tz.to_ambiguous_timestamp(dt);
            [amb.earlier(), amb.later()]
                .into_iter()
                .flatten()
                .map(|ts| ts.as_millisecond())
                .collect()
        }
    }

    pub(super) fn weekday(date: Date) -> Weekday {
        Weekday::ALL[date.weekday().to_monday_zero_offset() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(days: &[(usize, &str, &str)]) -> ScheduleDraft {
        let mut weekly = vec![vec![IntervalDraft::default(); INTERVALS_PER_DAY]; 7];
        for (d, s, e) in days {
            let slot = weekly[*d].iter_mut().find(|s| s.start.is_empty()).unwrap();
            *slot = IntervalDraft {
                start: s.to_string(),
                end: e.to_string(),
            };
        }
        ScheduleDraft {
            name: "Front desk".into(),
            timezone: "Europe/Paris".into(),
            weekly,
            closures: vec![],
        }
    }

    #[test]
    fn times_parse_to_the_minute() {
        assert_eq!(ClockTime::parse("09:30").unwrap().minutes(), 570);
        assert_eq!(ClockTime::parse("9:05").unwrap().to_string(), "09:05");
        assert_eq!(ClockTime::parse("24:00"), Ok(ClockTime::END_OF_DAY));
        for bad in [
            "24:01", "12:60", "1230", "12:3", "ab:cd", "-1:00", "12:00:00",
        ] {
            assert_eq!(ClockTime::parse(bad), Err(Code::InvalidTime), "{bad}");
        }
        assert_eq!(ClockTime::parse(" "), Err(Code::Required));
    }

    #[test]
    fn a_week_parses_with_its_errors_on_the_slot() {
        let ok = draft(&[
            (0, "14:00", "18:00"),
            (0, "09:00", "12:30"),
            (5, "22:00", "00:00"),
        ])
        .parse(|z| z == "Europe/Paris")
        .unwrap();
        assert_eq!(ok.weekly.day(Weekday::Mon)[0].start.to_string(), "09:00");
        assert_eq!(ok.weekly.day(Weekday::Sat)[0].end, ClockTime::END_OF_DAY);
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(
            json["weekly"]["mon"],
            serde_json::json!([["09:00", "12:30"], ["14:00", "18:00"]])
        );
        assert_eq!(json["weekly"]["sun"], serde_json::json!([]));
        assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), ok);

        let e = draft(&[
            (0, "12:00", "09:00"),
            (1, "09:00", "12:00"),
            (1, "11:00", "13:00"),
            (2, "09:00", ""),
        ])
        .parse(|_| false)
        .unwrap_err();
        assert_eq!(e.get("mon.0"), Some(Code::EndBeforeStart));
        assert_eq!(e.get("tue.1"), Some(Code::Overlapping));
        assert_eq!(e.get("wed.0"), Some(Code::Required));
        assert_eq!(e.get("timezone"), Some(Code::UnknownTimeZone));
    }

    #[test]
    fn closures_are_a_day_or_a_range_with_a_label() {
        let mut d = draft(&[]);
        d.closures = vec![
            ClosureDraft {
                from: "2026-12-25".into(),
                to: "".into(),
                label: "Noël".into(),
            },
            ClosureDraft::default(),
            ClosureDraft {
                from: "2026-08-10".into(),
                to: "2026-08-01".into(),
                label: "Été".into(),
            },
            ClosureDraft {
                from: "2026-02-30".into(),
                to: "".into(),
                label: "".into(),
            },
        ];
        let e = d.parse(|_| true).unwrap_err();
        assert_eq!(e.get("closures.2.to"), Some(Code::EndBeforeStart));
        assert_eq!(e.get("closures.3.from"), Some(Code::InvalidDate));
        assert_eq!(e.get("closures.3.label"), Some(Code::Required));
        d.closures.truncate(2);
        let s = d.parse(|_| true).unwrap();
        assert_eq!(s.closures.len(), 1);
        assert_eq!(s.closures[0].from, s.closures[0].to);
        assert_eq!(ScheduleDraft::from_schedule(&s).closures[0].to, "");
    }
}
