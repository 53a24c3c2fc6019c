//! The store: SQLite or PostgreSQL (chosen by the `DATABASE_URL` scheme) behind
//! one pool, with one portable set of migrations. All the SQL of Relais lives
//! here; it depends on the domain types only. Writes run inside a [`Tx`], which
//! only [`audit::commit`] commits, with the change's audit entry.

pub mod accounts;
pub mod agents;
pub mod audit;
pub mod changes;
pub mod emergencies;
pub mod events;
pub mod failover;
pub mod health;
pub mod links;
pub mod schedules;
pub mod sessions;
pub mod sip;
pub mod snapshot;
pub mod tokens;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::domain::Taken;

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store failure, in terms callers act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the row; the name says which column.
    #[error("already exists: {0}")]
    Duplicate(Taken),
    #[error("not found")]
    NotFound,
    /// The database can't be reached (down, restarting, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error(transparent)]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => {
                health::trouble();
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(ref db) if health::is_outage(db.code().as_deref()) => {
                health::trouble();
                StoreError::Unavailable(e)
            }
            other => StoreError::Other(other),
        }
    }
}

/// Maps a unique violation to [`StoreError::Duplicate`] naming `what`.
pub(crate) fn unique_as(what: Taken) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what),
        _ => StoreError::from(e),
    }
}

/// The process's one database pool.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: Option<String>,
    /// A SQLite file's folder, created when missing (at every migration
    /// attempt: it may become creatable after the start).
    sqlite_dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Db {
    // Not the URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// When a SQLite commit is on disk. `Full` (what Relais runs with): when the
/// commit is answered, it survives an OS crash or a power loss, not only a
/// killed process. `Normal` may lose the last commits then (WAL mode); it
/// exists to measure the difference (`BENCHMARKS.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSync {
    Full,
    Normal,
}

impl Db {
    /// Connects to `url` (`sqlite:` file or `postgres://`), creating a SQLite
    /// file and its folder when missing.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Self::connect_with(url, SqliteSync::Full).await
    }

    /// The same, choosing SQLite's durability.
    pub async fn connect_with(url: &str, sync: SqliteSync) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Other(sqlx::Error::Configuration(
                format!(
                    "unsupported database URL (want sqlite: or postgres://): {}",
                    redact_url(url)
                )
                .into(),
            )));
        };
        let mut url = url.to_owned();
        let sqlite_dir = if backend == Backend::Sqlite {
            prepare_sqlite_path(&mut url)
        } else {
            None
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // Short: while the database is down, a write is refused (and the
            // runtime snapshot marked stale) within seconds, not half a minute.
            .acquire_timeout(Duration::from_secs(3))
            // A connection older than the last outage-like error may be the
            // one that failed (a SQLite file opened read-only stays so): it
            // is replaced, so service returns as soon as the cause is fixed.
            .before_acquire(|_conn, meta| {
                Box::pin(async move { Ok(!health::predates_trouble(meta.age)) })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes
                        // concurrent writers wait instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute(match sync {
                            SqliteSync::Full => "PRAGMA synchronous = FULL",
                            SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
                        })
                        .await?;
                    }
                    Ok(())
                })
            })
            // Lazily: a database that can't be reached at start is waited
            // for (the runtime API serves its last snapshot meanwhile).
            .connect_lazy_with(options);
        Ok(Db {
            pool,
            backend,
            url: Some(url),
            sqlite_dir,
        })
    }

    /// Applies the pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::create_dir_all(dir);
        }
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => StoreError::from(e),
            other => StoreError::Other(sqlx::Error::Migrate(Box::new(other))),
        })
    }

    /// Starts a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`), so two concurrent writers queue on
    /// the busy timeout instead of one failing when it upgrades from reading.
    /// Called by the services' write helper only.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx(tx))
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The URL connected to (for a second connection, like a PostgreSQL listener).
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction. It has no commit of its own: [`audit::commit`] commits
/// it together with the audit entry of the change, so nothing is committed
/// unaudited. Dropped without that, it rolls back.
pub struct Tx(sqlx::Transaction<'static, sqlx::Any>);

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.0
    }
}

/// Asks SQLite to create the file when missing (`mode=rwc`), creates its
/// folder, and returns the folder.
fn prepare_sqlite_path(url: &mut String) -> Option<std::path::PathBuf> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    let dir = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(std::path::Path::to_path_buf);
    if let Some(parent) = &dir {
        let _ = std::fs::create_dir_all(parent);
    }
    if !url.contains("mode=") {
        url.push_str(if url.contains('?') {
            "&mode=rwc"
        } else {
            "?mode=rwc"
        });
    }
    dir
}

/// A database URL as it may be shown or logged: the password (in the
/// user part or as a `password` parameter) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parsed.set_query(Some(&query.join("&")));
    }
    parsed.to_string()
}

/// Escapes `%`, `_` and `\` so a search term matches literally inside LIKE.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Milliseconds since the Unix epoch: every timestamp column holds one.
/// The time in whole seconds from the kernel's coarse clock (as of the last
/// tick): for "last used" marks, on every runtime request, where it costs a
/// fraction of [`now_ms`]'s precise clock.
pub fn coarse_now_s() -> i64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid timespec for the call to write.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } == 0 {
            return ts.tv_sec;
        }
    }
    now_ms() / 1000
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_escapes() {
        assert_eq!(super::like_pattern("A_b%"), "%a\\_b\\%%");
    }
}
