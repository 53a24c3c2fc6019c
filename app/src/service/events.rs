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
use crate::time_fmt::{DAY_MS, date_string};
use crate::views::{EventView, EventsData, Series};

const HOUR_MS: i64 = 3_600_000;

/// One failover a runtime reported, already checked.
pub use crate::store::events::NewEvent as Report;

/// Stores a report; a second report of the same call of the same agent is
/// ignored (runtimes retry). Says whether it was new.
pub async fn record(db: &Db, r: Report<'_>) -> Result<bool, StoreError> {
    events::insert(db.pool(), r).await
}

/// What the events page asks for; empty texts mean any (the period: the
/// last 7 days). Dates are `YYYY-MM-DD`, UTC, `to` included.
#[derive(Debug, Clone, Default)]
pub struct EventsQuery {
    pub account: String,
    pub agent: String,
    pub from: String,
    pub to: String,
}

/// Counts of each of `keys` per bucket.
fn series(keys: &[&str], rows: &[(i64, String, i64)], buckets: &[i64]) -> Vec<Series> {
    let mut out: Vec<Series> = keys
        .iter()
        .map(|k| Series {
            key: (*k).to_owned(),
            counts: vec![0; buckets.len()],
            total: 0,
        })
        .collect();
    for (bucket, key, n) in rows {
        let (Some(i), Some(s)) = (
            buckets.iter().position(|b| b == bucket),
            out.iter_mut().find(|s| &s.key == key),
        ) else {
            continue;
        };
        s.counts[i] += n;
        s.total += n;
    }
    out
}

/// The period asked for, in epoch ms: [from, to + 1 day).
fn period(q: &EventsQuery) -> Result<(i64, i64), AppError> {
    let mut e = FieldErrors::new();
    let today = now_ms().div_euclid(DAY_MS) * DAY_MS;
    let from_ms = super::audit::date("from", &q.from, &mut e)
        .or_else(|| q.from.trim().is_empty().then_some(today - 6 * DAY_MS));
    let to_ms =
        super::audit::date("to", &q.to, &mut e).or_else(|| q.to.trim().is_empty().then_some(today));
    if let (Some(f), Some(t)) = (from_ms, to_ms) {
        if t < f {
            e.push("to", Code::EndBeforeStart);
        } else if t - f > 366 * DAY_MS {
            e.push("to", Code::PeriodTooLong);
        }
    }
    e.into_result()?;
    Ok((from_ms.expect("checked"), to_ms.expect("checked") + DAY_MS))
}

/// Events matching `q` that the caller may see: staff every account,
/// customers their own.
pub async fn list(ctx: &Ctx, q: &EventsQuery, retention_days: u32) -> Result<EventsData, AppError> {
    let (from_ms, to_ms) = period(q)?;
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
    let bucket_ms = if to_ms - from_ms <= 2 * DAY_MS {
        HOUR_MS
    } else {
        DAY_MS
    };
    let buckets: Vec<i64> = (0..)
        .map(|i| from_ms + i * bucket_ms)
        .take_while(|b| *b < to_ms)
        .collect();
    let causes = events::counts(pool, &filter, CountBy::Cause, bucket_ms).await?;
    let actions = events::counts(pool, &filter, CountBy::ActionType, bucket_ms).await?;
    let latest = events::latest(pool, &filter, 50).await?;
    let cause_keys: Vec<&str> = Cause::iter().map(Cause::as_str).collect();
    let action_keys: Vec<&str> = EventActionType::iter()
        .map(EventActionType::as_str)
        .collect();
    let by_cause = series(&cause_keys, &causes, &buckets);
    Ok(EventsData {
        by_action: series(&action_keys, &actions, &buckets),
        total: by_cause.iter().map(|s| s.total).sum(),
        by_cause,
        buckets,
        bucket_ms,
        latest: latest
            .into_iter()
            .map(|r| EventView {
                occurred_at: r.occurred_at,
                account: r.account_slug,
                agent: r.agent_name,
                call_id: r.call_id,
                cause: r.cause,
                action_type: r.action_type,
                outcome: r.outcome,
            })
            .collect(),
        accounts,
        agents: agents.into_iter().map(|g| (g.id, g.name)).collect(),
        from: date_string(from_ms),
        to: date_string(to_ms - DAY_MS),
        retention_days,
    })
}
