//! Failover events reported by runtimes, and the counts the events page charts.

use sqlx::{Any, AnyExecutor, Row};

use super::{StoreError, new_id, now_ms};
use crate::domain::{Cause, EventActionType, Outcome};

/// One reported failover, already checked.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub account_id: &'a str,
    pub agent_id: &'a str,
    pub call_id: &'a str,
    pub cause: Cause,
    pub action_type: EventActionType,
    pub outcome: Outcome,
    pub occurred_at: i64,
    pub token_id: Option<&'a str>,
    /// The route of the plan that ran, and the index of its step.
    pub route: Option<crate::domain::plan::Route>,
    pub step: Option<i64>,
}

/// Stores an event; a second report of the same call of the same agent is
/// ignored (runtimes retry). Says whether it was new.
pub async fn insert<'c>(ex: impl AnyExecutor<'c>, e: NewEvent<'_>) -> Result<bool, StoreError> {
    let done = sqlx::query::<Any>(
        "INSERT INTO failover_events (id, account_id, agent_id, call_id, cause, action_type, outcome, \
         occurred_at, received_at, token_id, route, step) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (agent_id, call_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(e.account_id)
    .bind(e.agent_id)
    .bind(e.call_id)
    .bind(e.cause.as_str())
    .bind(e.action_type.as_str())
    .bind(e.outcome.as_str())
    .bind(e.occurred_at)
    .bind(now_ms())
    .bind(e.token_id)
    .bind(e.route.map(crate::domain::plan::Route::as_str))
    .bind(e.step)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes the events that occurred before `before` (epoch ms), in batches
/// (short write locks even when a long backlog goes at once); returns how many.
pub async fn prune(pool: &sqlx::AnyPool, before: i64) -> Result<u64, StoreError> {
    const BATCH: i64 = 5_000;
    let mut total = 0;
    loop {
        let done = sqlx::query::<Any>(
            "DELETE FROM failover_events WHERE id IN \
             (SELECT id FROM failover_events WHERE occurred_at < $1 LIMIT $2)",
        )
        .bind(before)
        .bind(BATCH)
        .execute(pool)
        .await?;
        total += done.rows_affected();
        if done.rows_affected() < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// Which events to count.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these accounts (a customer's); `None`: all (staff).
    pub within: Option<Vec<String>>,
    pub account_id: Option<String>,
    pub agent_id: Option<String>,
    pub from_ms: i64,
    pub to_ms: i64,
}

/// A bound value; placeholders are numbered `$n` (the `Any` driver's query
/// builder writes `?`, which PostgreSQL refuses).
enum Arg {
    Int(i64),
    Text(String),
}

struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    fn push(&mut self, s: &str) -> &mut Sql {
        self.text.push_str(s);
        self
    }

    fn bind(&mut self, a: Arg) -> &mut Sql {
        self.args.push(a);
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    fn query(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query::<Any>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(t) => q.bind(t.as_str()),
            };
        }
        q
    }
}

fn push_filter(q: &mut Sql, f: &Filter) {
    q.push(" WHERE e.occurred_at >= ")
        .bind(Arg::Int(f.from_ms))
        .push(" AND e.occurred_at < ")
        .bind(Arg::Int(f.to_ms));
    if let Some(within) = &f.within {
        if within.is_empty() {
            q.push(" AND 1 = 0");
        } else {
            q.push(" AND e.account_id IN (");
            for (i, id) in within.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(Arg::Text(id.clone()));
            }
            q.push(")");
        }
    }
    if let Some(a) = &f.account_id {
        q.push(" AND e.account_id = ").bind(Arg::Text(a.clone()));
    }
    if let Some(a) = &f.agent_id {
        q.push(" AND e.agent_id = ").bind(Arg::Text(a.clone()));
    }
}

/// Event counts per time bucket (`bucket_ms` wide, aligned on the epoch) and
/// per value of `column` (`cause` or `action_type`).
pub async fn counts<'c>(
    ex: impl AnyExecutor<'c>,
    f: &Filter,
    column: CountBy,
    bucket_ms: i64,
) -> Result<Vec<(i64, String, i64)>, StoreError> {
    let col = match column {
        CountBy::Cause => "e.cause",
        CountBy::ActionType => "e.action_type",
    };
    let mut q = Sql::new("SELECT (e.occurred_at / ");
    q.bind(Arg::Int(bucket_ms))
        .push(") AS bucket, ")
        .push(col)
        .push(" AS k, COUNT(*) AS n FROM failover_events e");
    push_filter(&mut q, f);
    q.push(" GROUP BY bucket, k ORDER BY bucket, k");
    let rows = q.query().fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            let bucket: i64 = r.try_get("bucket")?;
            Ok((bucket * bucket_ms, r.try_get("k")?, r.try_get("n")?))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// How often each route and step ran (events that say so), most first:
/// `(route, step, count)`.
pub async fn step_counts<'c>(
    ex: impl AnyExecutor<'c>,
    f: &Filter,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let mut q = Sql::new("SELECT e.route AS r, e.step AS s, COUNT(*) AS n FROM failover_events e");
    push_filter(&mut q, f);
    q.push(" AND e.route IS NOT NULL AND e.step IS NOT NULL GROUP BY e.route, e.step ORDER BY n DESC, r, s");
    let rows = q.query().fetch_all(ex).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("r")?, r.try_get("s")?, r.try_get("n")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountBy {
    Cause,
    ActionType,
}

/// One event, for the list under the chart.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub occurred_at: i64,
    pub account_name: String,
    pub agent_name: String,
    pub call_id: String,
    pub cause: String,
    pub action_type: String,
    pub outcome: String,
}

/// The latest events matching `f`, newest first.
pub async fn latest<'c>(
    ex: impl AnyExecutor<'c>,
    f: &Filter,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    let mut q = Sql::new(
        "SELECT e.occurred_at, ac.name, ag.name, e.call_id, e.cause, e.action_type, e.outcome \
         FROM failover_events e JOIN accounts ac ON ac.id = e.account_id \
         JOIN agents ag ON ag.id = e.agent_id",
    );
    push_filter(&mut q, f);
    q.push(" ORDER BY e.occurred_at DESC, e.id DESC LIMIT ")
        .bind(Arg::Int(limit));
    let rows = q.query().fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            Ok(EventRow {
                occurred_at: r.try_get(0)?,
                account_name: r.try_get(1)?,
                agent_name: r.try_get(2)?,
                call_id: r.try_get(3)?,
                cause: r.try_get(4)?,
                action_type: r.try_get(5)?,
                outcome: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}
