//! The runtime change sequence. Every write that changes what the runtime API
//! serves for an agent (its config, its account's flag or default message, the
//! SIP connection it transfers to, the agent itself) or a runtime token takes
//! the next number, inside the writer's transaction. Readers follow the
//! sequence: a Relais instance refreshes its snapshot with everything numbered
//! above what it has, and runtimes page through the changes feed.

use sqlx::{Any, AnyConnection, Row};

use super::{StoreError, now_ms};

/// The PostgreSQL channel that tells other instances something changed.
pub const CHANNEL: &str = "relais_runtime";

/// What a write changed.
#[derive(Debug, Clone, Copy)]
pub enum Touched<'a> {
    Agent(&'a str),
    /// Every agent of an account (its flag or default message).
    Account(&'a str),
    /// Every agent whose saved plan transfers to this SIP connection.
    SipConnection(&'a str),
    /// Every agent whose saved plan has a condition on this schedule.
    Schedule(&'a str),
    Token(&'a str),
}

/// Takes the next sequence number and stamps what `touched` names with it.
/// On PostgreSQL it also queues a notification, delivered on commit.
pub async fn touch(conn: &mut AnyConnection, touched: Touched<'_>) -> Result<i64, StoreError> {
    let seq: i64 = sqlx::query::<Any>(
        "UPDATE change_counters SET value = value + 1 WHERE name = 'runtime' RETURNING value",
    )
    .fetch_one(&mut *conn)
    .await?
    .try_get("value")?;
    let now = now_ms();
    let sql = match touched {
        Touched::Agent(_) => "UPDATE agents SET change_seq = $1, changed_at = $2 WHERE id = $3",
        Touched::Account(_) => {
            "UPDATE agents SET change_seq = $1, changed_at = $2 WHERE account_id = $3"
        }
        Touched::SipConnection(_) => {
            "UPDATE agents SET change_seq = $1, changed_at = $2 WHERE id IN \
             (SELECT agent_id FROM failover_uses WHERE kind = 'sip' AND ref_id = $3)"
        }
        Touched::Schedule(_) => {
            "UPDATE agents SET change_seq = $1, changed_at = $2 WHERE id IN \
             (SELECT agent_id FROM failover_uses WHERE kind = 'schedule' AND ref_id = $3)"
        }
        Touched::Token(_) => "UPDATE runtime_tokens SET change_seq = $1 WHERE id = $2",
    };
    match touched {
        Touched::Agent(id)
        | Touched::Account(id)
        | Touched::SipConnection(id)
        | Touched::Schedule(id) => {
            sqlx::query::<Any>(sql)
                .bind(seq)
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Touched::Token(id) => {
            sqlx::query::<Any>(sql)
                .bind(seq)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        sqlx::query::<Any>("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(seq.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(seq)
}

/// The last number taken.
pub async fn current<'c>(ex: impl sqlx::AnyExecutor<'c>) -> Result<i64, StoreError> {
    Ok(
        sqlx::query::<Any>("SELECT value FROM change_counters WHERE name = 'runtime'")
            .fetch_one(ex)
            .await?
            .try_get("value")?,
    )
}

/// A PostgreSQL connection that listens on [`CHANNEL`].
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// Connects to `db`'s server (a connection of its own, outside the pool).
    pub async fn connect(db: &super::Db) -> Result<Listener, StoreError> {
        let url = db.url().ok_or(StoreError::NotFound)?;
        let mut l = sqlx::postgres::PgListener::connect(url).await?;
        l.listen(CHANNEL).await?;
        Ok(Listener(l))
    }

    /// Waits for the next notification. After the connection dropped it
    /// returns at once (notifications may have been missed) and reconnects on
    /// the next call; an error means it could not.
    pub async fn next(&mut self) -> Result<(), StoreError> {
        self.0.try_recv().await?;
        Ok(())
    }
}
