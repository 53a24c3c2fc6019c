//! Keeping the snapshot up to date: the first load (retried until the
//! database answers), a poll every second (which is also how a database outage
//! and its end are noticed), and on PostgreSQL a LISTEN on the change channel
//! so that writes on other instances arrive within milliseconds. Every 30
//! seconds it also writes when each token was last presented, and every 5
//! (each second while they fail) it checks that the database takes writes.

use std::time::Duration;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Runtime;
use crate::store::{Backend, Db, changes};

/// How often the snapshot checks the database for changes.
pub const POLL: Duration = Duration::from_secs(1);

/// Every how many polls token use is written to the database.
const RECORD_USE_EVERY: u32 = 30;

/// Every how many polls a write is tried (every poll while writes fail).
const PROBE_WRITES_EVERY: u32 = 5;

/// The snapshot file: where, and for which database.
#[derive(Debug, Clone)]
pub struct SnapshotFile {
    pub path: std::path::PathBuf,
    pub identity: [u8; 32],
}

/// How long the first load may take before the snapshot file is served.
const FILE_AFTER: Duration = Duration::from_millis(300);

/// The snapshot file is written at most this often (after changes).
pub const WRITE_FILE_EVERY: Duration = Duration::from_secs(5);

/// Loads the snapshot (migrating the database first when `migrate` says the
/// start could not), then keeps it fresh until the process ends. While the
/// database can't be reached at start, the snapshot file (if any, and
/// usable) is served, marked stale.
pub fn spawn(db: Db, runtime: Arc<Runtime>, migrate: bool, file: Option<SnapshotFile>) {
    let (poll_db, poll_rt) = (db.clone(), runtime.clone());
    // Whether the database has answered: then its snapshot is on its way,
    // and reading the file meanwhile would hold two snapshots in memory.
    let reached = Arc::new(AtomicBool::new(false));
    // Unless the database answers at once, the file is served meanwhile.
    if let Some(f) = file.clone() {
        let (rt, reached) = (runtime.clone(), reached.clone());
        tokio::spawn(async move {
            tokio::time::sleep(FILE_AFTER).await;
            if !rt.is_loaded() && !reached.load(Ordering::Acquire) {
                adopt_file(&rt, &f).await;
            }
        });
    }
    tokio::spawn(async move {
        let (db, rt) = (&poll_db, &poll_rt);
        let started = std::time::Instant::now();
        let mut migrated = !migrate;
        loop {
            let attempt = async {
                if !migrated {
                    db.migrate().await?;
                    migrated = true;
                    tracing::info!("database reachable; migrations applied");
                }
                changes::current(db.pool()).await?;
                reached.store(true, Ordering::Release);
                // Beside the load (a write takes a millisecond, the load
                // seconds): once `/readyz` says ready, it knows whether the
                // database takes writes, instead of `read_only` until a
                // first probe; a database slow to take the write (locked)
                // doesn't hold the load back.
                let (_, loaded) = tokio::join!(rt.probe_writes(db), rt.refresh(db));
                loaded
            };
            match attempt.await {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not load the runtime snapshot; retrying");
                    // It answered, then failed: the file, while it retries.
                    if reached.swap(false, Ordering::AcqRel)
                        && let Some(f) = &file
                    {
                        adopt_file(rt, f).await;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        let snapshot = rt.snapshot();
        tracing::info!(
            agents = snapshot.docs.len(),
            tokens = snapshot.tokens.len(),
            bytes = snapshot.bytes,
            ms = started.elapsed().as_millis() as u64,
            "runtime snapshot loaded"
        );
        drop(snapshot);
        let mut written: Option<(i64, std::time::Instant)> = None;
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut polls = 0u32;
        loop {
            if let Some(f) = &file {
                written = write_file(rt, f, written).await;
            }
            tick.tick().await;
            if let Err(e) = rt.refresh(db).await {
                tracing::debug!(error = %e, "snapshot refresh failed");
                rt.probe_writes(db).await;
                continue;
            }
            polls += 1;
            if !rt.db_writable() || polls.is_multiple_of(PROBE_WRITES_EVERY) {
                rt.probe_writes(db).await;
            }
            if polls.is_multiple_of(RECORD_USE_EVERY)
                && let Err(e) = rt.record_token_use(db).await
            {
                tracing::debug!(error = %e, "could not record token use");
            }
        }
    });
    if db.backend() == Backend::Postgres {
        tokio::spawn(listen(db, runtime));
    }
}

/// Serves the snapshot file while the database can't be reached, if it is usable.
async fn adopt_file(rt: &Runtime, f: &SnapshotFile) {
    // Served already (or loaded from the database): not read again.
    if rt.is_loaded() {
        return;
    }
    let (path, identity) = (f.path.clone(), f.identity);
    let started = std::time::Instant::now();
    let read = tokio::task::spawn_blocking(move || super::file::read(&path, &identity)).await;
    match read {
        Ok(Ok(snapshot)) => {
            let (agents, tokens, sequence) =
                (snapshot.docs.len(), snapshot.tokens.len(), snapshot.seq);
            if rt.adopt(snapshot).await {
                tracing::warn!(
                    agents,
                    tokens,
                    sequence,
                    ms = started.elapsed().as_millis() as u64,
                    path = %f.path.display(),
                    "database unreachable at start: serving the last snapshot file (stale)"
                );
            }
        }
        Ok(Err(super::file::FileError::Io(e))) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::info!(path = %f.path.display(), "no snapshot file yet");
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, path = %f.path.display(), "snapshot file ignored");
        }
        Err(e) => tracing::warn!(error = %e, "snapshot file could not be read"),
    }
}

/// Writes the snapshot file when the snapshot changed since the last write
/// and the last write is `WRITE_FILE_EVERY` old; returns what was last written.
async fn write_file(
    rt: &Runtime,
    f: &SnapshotFile,
    written: Option<(i64, std::time::Instant)>,
) -> Option<(i64, std::time::Instant)> {
    let snapshot = rt.snapshot_full();
    let due = match written {
        None => true,
        Some((seq, at)) => seq != snapshot.seq && at.elapsed() >= WRITE_FILE_EVERY,
    };
    if !due || rt.is_stale() {
        return written;
    }
    let (path, identity) = (f.path.clone(), f.identity);
    let seq = snapshot.seq;
    let done =
        tokio::task::spawn_blocking(move || super::file::save(&path, &snapshot, &identity)).await;
    match done {
        Ok(Ok(bytes)) => {
            tracing::debug!(sequence = seq, bytes, "snapshot file written");
            Some((seq, std::time::Instant::now()))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, path = %f.path.display(), "could not write the snapshot file");
            // Tried again after the usual interval.
            Some((i64::MIN, std::time::Instant::now()))
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not write the snapshot file");
            written
        }
    }
}

/// Refreshes on every notification of the change channel; reconnects after
/// a lost connection (and refreshes then, as notifications may have been missed).
async fn listen(db: Db, runtime: Arc<Runtime>) {
    loop {
        let mut listener = match changes::Listener::connect(&db).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "change listener could not connect; retrying");
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        let _ = runtime.refresh(&db).await;
        loop {
            match listener.next().await {
                Ok(()) => {
                    let _ = runtime.refresh(&db).await;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "change listener lost its connection");
                    tokio::time::sleep(POLL).await;
                    break;
                }
            }
        }
    }
}
