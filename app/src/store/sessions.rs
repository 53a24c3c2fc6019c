//! Browser sessions kept in the database, so any instance can serve any request.

use async_trait::async_trait;
use sqlx::{Any, Row};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use super::{Db, now_ms};

/// A tower-sessions store over the Relais pool.
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry_ms(record: &Record) -> i64 {
    (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The session-data keys the store copies into columns (to list a user's
/// sessions and end them): who, since when, with which browser, from where.
pub const USER_ID: &str = "uid";
pub const SIGNED_IN_AT: &str = "signed_in_at";
pub const USER_AGENT: &str = "ua";
pub const CLIENT_IP: &str = "ip";

/// The columns of a record: (user id, browser, IP, signed in at).
fn columns(record: &Record) -> (Option<String>, Option<String>, Option<String>, Option<i64>) {
    let text = |k: &str| {
        record
            .data
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    (
        text(USER_ID),
        text(USER_AGENT),
        text(CLIENT_IP),
        record.data.get(SIGNED_IN_AT).and_then(|v| v.as_i64()),
    )
}

/// One open session of a user, for "My account".
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
    pub signed_in_at: Option<i64>,
    pub last_seen_at: Option<i64>,
}

/// A user's open sessions, the most recently seen first.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<SessionRow>, super::StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT id, user_agent, client_ip, signed_in_at, last_seen_at FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, id LIMIT 100",
    )
    .bind(user_id)
    .bind(now_ms())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionRow {
                id: r.try_get("id")?,
                user_agent: r.try_get("user_agent")?,
                client_ip: r.try_get("client_ip")?,
                signed_in_at: r.try_get("signed_in_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(super::StoreError::from)
}

/// Ends a user's sessions, but `keep` (the one asking); how many ended.
pub async fn end_of_user<'c>(
    ex: impl sqlx::AnyExecutor<'c>,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, super::StoreError> {
    let done = sqlx::query::<Any>("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(backend)?;
        let (user_id, ua, ip, signed_in_at) = columns(record);
        // A collision of 128-bit random ids is next to impossible; still, never
        // hand one browser another's session.
        loop {
            let inserted = sqlx::query::<Any>(
                "INSERT INTO sessions (id, data, expires_at, user_id, user_agent, client_ip, signed_in_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(expiry_ms(record))
            .bind(&user_id)
            .bind(&ua)
            .bind(&ip)
            .bind(signed_in_at)
            .bind(now_ms())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Saves a session that still exists: one ended meanwhile (signed out
    /// elsewhere, its user disabled) stays ended.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(backend)?;
        let (user_id, ua, ip, signed_in_at) = columns(record);
        sqlx::query::<Any>(
            "UPDATE sessions SET data = $2, expires_at = $3, user_id = $4, user_agent = $5, \
             client_ip = $6, signed_in_at = $7, last_seen_at = $8 WHERE id = $1",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(expiry_ms(record))
        .bind(&user_id)
        .bind(&ua)
        .bind(&ip)
        .bind(signed_in_at)
        .bind(now_ms())
        .execute(self.db.pool())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sqlx::query::<Any>(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now_ms())
        .fetch_optional(self.db.pool())
        .await
        .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(backend)?;
        let expires_at: i64 = row.try_get("expires_at").map_err(backend)?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
                .map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data).map_err(backend)?,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query::<Any>("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query::<Any>("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
