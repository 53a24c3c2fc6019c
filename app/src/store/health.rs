//! Telling database trouble (the file can't be written, the server is down
//! or refusing) from a bug, and healing from it: connections that may have
//! seen the trouble are replaced at their next use. Also the write probe
//! behind `/readyz`'s `database` field.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::Any;

use super::{StoreError, now_ms};

/// Whether a database error code means the database can't serve now
/// (nothing is wrong with the request): SQLite's PERM, BUSY, LOCKED,
/// READONLY, IOERR, FULL and CANTOPEN families (the primary code is the low
/// byte of the extended one), PostgreSQL's connection exceptions (08),
/// insufficient resources (53), operator intervention (57P: shutting down,
/// can't connect now), system errors (58) and a read-only transaction (25006,
/// a standby).
pub fn is_outage(code: Option<&str>) -> bool {
    let Some(code) = code else { return false };
    // A SQLSTATE has exactly five characters; SQLite's codes are at most four digits.
    if code.len() < 5
        && let Ok(n) = code.parse::<u32>()
    {
        return matches!(n & 0xff, 3 | 5 | 6 | 8 | 10 | 13 | 14);
    }
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code.starts_with("58")
        || code == "25006"
}

fn start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// When the last outage-like error happened, in ns since `start()` (0: never).
static LAST_TROUBLE: AtomicU64 = AtomicU64::new(0);

/// Notes an outage-like error: every connection open now is replaced at its next use.
pub(crate) fn trouble() {
    let at = start().elapsed().as_nanos().max(1) as u64;
    LAST_TROUBLE.fetch_max(at, Ordering::Relaxed);
}

/// Whether a connection of this age was opened before the last trouble.
/// (Process-wide: in a process with several pools, each replaces its
/// connections once after another's trouble, which costs a reconnection.)
pub(crate) fn predates_trouble(age: Duration) -> bool {
    let last = LAST_TROUBLE.load(Ordering::Relaxed);
    if last == 0 {
        return false;
    }
    let now = start().elapsed().as_nanos() as u64;
    let opened = now.saturating_sub(age.as_nanos() as u64);
    opened <= last
}

/// Writes one row (and commits), to learn whether the database takes writes:
/// a SQLite file can stay readable while it can't be written.
pub async fn probe_write(pool: &sqlx::AnyPool) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO health_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
    )
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outage_codes() {
        // SQLite: READONLY, READONLY_DBMOVED (1032), IOERR_WRITE (778), CANTOPEN, BUSY.
        for c in ["8", "1032", "778", "14", "5", "13"] {
            assert!(is_outage(Some(c)), "{c}");
        }
        // SQLite: CONSTRAINT_UNIQUE (2067), ERROR (1); PostgreSQL: unique violation, syntax.
        for c in ["2067", "1", "23505", "42601"] {
            assert!(!is_outage(Some(c)), "{c}");
        }
        for c in ["08006", "57P01", "57P03", "53300", "25006"] {
            assert!(is_outage(Some(c)), "{c}");
        }
        assert!(!is_outage(None));
    }

    #[test]
    fn connections_opened_before_trouble_are_replaced() {
        let age = start().elapsed() + Duration::from_secs(1);
        trouble();
        assert!(predates_trouble(age));
        std::thread::sleep(Duration::from_millis(2));
        assert!(!predates_trouble(Duration::from_millis(1)));
    }
}
