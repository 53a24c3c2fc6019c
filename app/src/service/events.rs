//! Failover events: what runtimes report (stored, not audited: a report is
//! what happened on a call, not a change to anyone's settings), and the
//! counts the events page charts.

use crate::domain::Code;
use strum::IntoEnumIterator;

use super::Ctx;
use crate::domain::{Cause, EventActionType, FieldErrors, Permission};
use crate::error::AppError;
use crate::store::events::{self, CountBy, Filter};
use crate::store::{Db, StoreError, now_ms};
use crate::time_fmt::{DAY_MS, LocalTime};
use crate::views::{EventView, EventsData, Series, StepCount};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};

const HOUR_MS: i64 = 3_600_000;

/// One failover a runtime reported, already checked.
pub use crate::store::events::NewEvent as Report;

/// Stores a report; a second report of the same call of the same agent is
/// ignored (runtimes retry). Says whether it was new.
pub async fn record(db: &Db, r: Report<'_>) -> Result<bool, StoreError> {
    events::insert(db.pool(), r).await
}

/// What the events page asks for; empty texts mean any (the period: the
/// last 7 days). Dates are `YYYY-MM-DD` in the time zone `tz` (an IANA
/// name; empty: UTC), `to` included.
#[derive(Debug, Clone, Default)]
pub struct EventsQuery {
    pub account: String,
    pub agent: String,
    pub from: String,
    pub to: String,
    pub tz: String,
}

/// The time zone asked for (empty: UTC), by its IANA name.
fn zone(name: &str, e: &mut FieldErrors) -> (String, TimeZone) {
    let name = name.trim();
    if name.is_empty() || name.eq_ignore_ascii_case("utc") {
        return ("UTC".to_owned(), TimeZone::UTC);
    }
    match TimeZone::get(name) {
        Ok(tz) => (tz.iana_name().unwrap_or(name).to_owned(), tz),
        Err(_) => {
            e.push("tz", Code::UnknownTimeZone);
            ("UTC".to_owned(), TimeZone::UTC)
        }
    }
}

/// Whether `name` is an IANA time zone this server knows.
pub fn known_zone(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

/// A `YYYY-MM-DD` date (empty: none).
fn day(field: &str, raw: &str, e: &mut FieldErrors) -> Option<Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<Date>() {
        Ok(d) if (1970..=9999).contains(&d.year()) => Some(d),
        _ => {
            e.push(field, Code::InvalidDate);
            None
        }
    }
}

/// Epoch ms of the first instant of `d` in `tz` (a day that starts with a
/// DST gap starts at the gap's end).
fn day_start(d: Date, tz: &TimeZone) -> i64 {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or_default()
}

/// The wall-clock time in `tz` of an instant.
pub fn local(ms: i64, tz: &TimeZone) -> LocalTime {
    let z = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone());
    LocalTime {
        year: i32::from(z.year()),
        month: z.month().unsigned_abs(),
        day: z.day().unsigned_abs(),
        hour: z.hour().unsigned_abs(),
        minute: z.minute().unsigned_abs(),
    }
}

/// The period asked for: its days, first and last (included), in `tz`.
fn period(q: &EventsQuery, tz: &TimeZone, e: &mut FieldErrors) -> Option<(Date, Date)> {
    let today = Timestamp::from_millisecond(now_ms())
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .date();
    let from = day("from", &q.from, e).or_else(|| {
        q.from
            .trim()
            .is_empty()
            .then(|| today.checked_sub(6.days()).unwrap_or(today))
    });
    let to = day("to", &q.to, e).or_else(|| q.to.trim().is_empty().then_some(today));
    let (from, to) = (from?, to?);
    if to < from {
        e.push("to", Code::EndBeforeStart);
        return None;
    }
    if (to - from).get_days() > 366 {
        e.push("to", Code::PeriodTooLong);
        return None;
    }
    Some((from, to))
}

/// The buckets of a period, as epoch-ms boundaries (one more than buckets):
/// hours for up to two days, else the days of `tz` (23 or 25 hours long on a
/// DST change).
fn boundaries(from: Date, to: Date, tz: &TimeZone) -> Vec<i64> {
    let start = day_start(from, tz);
    let end = day_start(to.tomorrow().unwrap_or(to), tz);
    if (to - from).get_days() < 2 {
        let mut b: Vec<i64> = (0..)
            .map(|i| start + i * HOUR_MS)
            .take_while(|b| *b < end)
            .collect();
        b.push(end);
        b
    } else {
        from.series(1.day())
            .take_while(|d| *d <= to)
            .map(|d| day_start(d, tz))
            .chain(std::iter::once(end))
            .collect()
    }
}

/// The coarsest grain the database can count by so that every slot falls in
/// one bucket: a day in UTC, an hour in most zones, a quarter or a minute in
/// the others.
fn grain(boundaries: &[i64]) -> i64 {
    [DAY_MS, HOUR_MS, 15 * 60_000, 60_000]
        .into_iter()
        .find(|g| boundaries.iter().all(|b| b.rem_euclid(*g) == 0))
        .unwrap_or(1000)
}

/// Counts of each of `keys` per bucket, from counts per slot.
fn series(keys: &[&str], rows: &[(i64, String, i64)], boundaries: &[i64]) -> Vec<Series> {
    let buckets = boundaries.len().saturating_sub(1);
    let mut out: Vec<Series> = keys
        .iter()
        .map(|k| Series {
            key: (*k).to_owned(),
            counts: vec![0; buckets],
            total: 0,
        })
        .collect();
    for (slot, key, n) in rows {
        let i = boundaries.partition_point(|b| b <= slot);
        let (Some(i), Some(s)) = (
            i.checked_sub(1).filter(|i| *i < buckets),
            out.iter_mut().find(|s| &s.key == key),
        ) else {
            continue;
        };
        s.counts[i] += n;
        s.total += n;
    }
    out
}

/// Events matching `q` that the caller may see: staff every account,
/// customers their own.
pub async fn list(ctx: &Ctx, q: &EventsQuery, retention_days: u32) -> Result<EventsData, AppError> {
    let mut e = FieldErrors::new();
    let (zone_name, tz) = zone(&q.tz, &mut e);
    let days = period(q, &tz, &mut e);
    e.into_result()?;
    let (from, to) = days.expect("checked");
    let bounds = boundaries(from, to, &tz);
    let (from_ms, to_ms) = (bounds[0], bounds[bounds.len() - 1]);
    let pool = ctx.db.pool();
    let within = ctx.accounts_where(Permission::ViewAccount);
    let accounts = super::accounts::choices(ctx).await?;
    let account = match q.account.trim() {
        "" => None,
        slug => Some(super::accounts::load(ctx, slug, Permission::ViewAccount).await?),
    };
    let agents = match &account {
        Some(a) => crate::store::agents::list_by_account(pool, &a.id).await?,
        None => Vec::new(),
    };
    let agent_id = match q.agent.trim() {
        "" => None,
        id => Some(
            super::agents::load(ctx, id, Permission::ViewAccount)
                .await?
                .id,
        ),
    };
    let filter = Filter {
        within,
        account_id: account.map(|a| a.id),
        agent_id,
        from_ms,
        to_ms,
    };
    let slot = grain(&bounds);
    let causes = events::counts(pool, &filter, CountBy::Cause, slot).await?;
    let actions = events::counts(pool, &filter, CountBy::ActionType, slot).await?;
    let latest = events::latest(pool, &filter, 50).await?;
    let steps = events::step_counts(pool, &filter)
        .await?
        .into_iter()
        .filter_map(|(route, step, count)| {
            Some(StepCount {
                route: crate::domain::plan::Route::parse(&route)?,
                step,
                count,
            })
        })
        .collect();
    let cause_keys: Vec<&str> = Cause::iter().map(Cause::as_str).collect();
    let action_keys: Vec<&str> = EventActionType::iter()
        .map(EventActionType::as_str)
        .collect();
    let by_cause = series(&cause_keys, &causes, &bounds);
    let buckets = bounds[..bounds.len() - 1].to_vec();
    Ok(EventsData {
        by_action: series(&action_keys, &actions, &bounds),
        total: by_cause.iter().map(|s| s.total).sum(),
        steps,
        by_cause,
        bucket_times: buckets.iter().map(|b| local(*b, &tz)).collect(),
        hourly: bounds.len() > 2 && bounds[1] - bounds[0] == HOUR_MS,
        buckets,
        latest: latest
            .into_iter()
            .map(|r| EventView {
                local: local(r.occurred_at, &tz),
                occurred_at: r.occurred_at,
                account: r.account_name,
                agent: r.agent_name,
                call_id: r.call_id,
                cause: r.cause,
                action_type: r.action_type,
                outcome: r.outcome,
            })
            .collect(),
        accounts,
        agents: agents.into_iter().map(|g| (g.id, g.name)).collect(),
        from: from.to_string(),
        to: to.to_string(),
        zone: zone_name,
        retention_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    #[test]
    fn days_follow_the_zone_and_its_dst_changes() {
        let paris = tz("Europe/Paris");
        // 2026-03-29: clocks go from 02:00 to 03:00 in Paris, a 23-hour day.
        let b = boundaries(
            "2026-03-28".parse().unwrap(),
            "2026-03-30".parse().unwrap(),
            &paris,
        );
        assert_eq!(b.len(), 4);
        assert_eq!(b[1] - b[0], 24 * HOUR_MS);
        assert_eq!(b[2] - b[1], 23 * HOUR_MS);
        assert_eq!(local(b[2], &paris).hour, 0);
        // Midnight in Paris is 23:00 UTC in winter: counted by the hour.
        assert_eq!(grain(&b), HOUR_MS);
        let utc = boundaries(
            "2026-03-28".parse().unwrap(),
            "2026-03-30".parse().unwrap(),
            &TimeZone::UTC,
        );
        assert_eq!(grain(&utc), DAY_MS);
        // Kolkata is 5:30 ahead: quarter hours.
        let k = boundaries(
            "2026-03-28".parse().unwrap(),
            "2026-03-30".parse().unwrap(),
            &tz("Asia/Kolkata"),
        );
        assert_eq!(grain(&k), 15 * 60_000);
    }

    #[test]
    fn two_days_or_less_are_counted_by_the_hour() {
        let b = boundaries(
            "2026-12-01".parse().unwrap(),
            "2026-12-02".parse().unwrap(),
            &TimeZone::UTC,
        );
        assert_eq!(b.len(), 49);
        assert_eq!(b[1] - b[0], HOUR_MS);
    }

    #[test]
    fn slots_land_in_their_bucket() {
        let b = vec![0, 10 * HOUR_MS, 20 * HOUR_MS];
        let rows = vec![
            (0, "a".to_owned(), 1),
            (9 * HOUR_MS, "a".to_owned(), 2),
            (10 * HOUR_MS, "a".to_owned(), 4),
            (20 * HOUR_MS, "a".to_owned(), 8),
            (-HOUR_MS, "a".to_owned(), 16),
            (HOUR_MS, "zzz".to_owned(), 32),
        ];
        let s = series(&["a"], &rows, &b);
        assert_eq!(s[0].counts, vec![3, 4]);
        assert_eq!(s[0].total, 7);
    }

    #[test]
    fn the_period_is_checked() {
        let q = |from: &str, to: &str| EventsQuery {
            from: from.into(),
            to: to.into(),
            ..Default::default()
        };
        let mut e = FieldErrors::new();
        assert!(period(&q("2026-12-02", "2026-12-01"), &TimeZone::UTC, &mut e).is_none());
        assert_eq!(e.get("to"), Some(Code::EndBeforeStart));
        let mut e = FieldErrors::new();
        assert!(period(&q("2024-01-01", "2026-01-01"), &TimeZone::UTC, &mut e).is_none());
        assert_eq!(e.get("to"), Some(Code::PeriodTooLong));
        let mut e = FieldErrors::new();
        assert!(period(&q("2026-02-30", ""), &TimeZone::UTC, &mut e).is_none());
        assert_eq!(e.get("from"), Some(Code::InvalidDate));
        let mut e = FieldErrors::new();
        let (n, z) = zone("Mars/Olympus", &mut e);
        assert_eq!((n.as_str(), z), ("UTC", TimeZone::UTC));
        assert_eq!(e.get("tz"), Some(Code::UnknownTimeZone));
    }
}
