//! Keeping the snapshot up to date: the first load (retried until the
//! database answers), a poll every second (which is also how a database outage
//! and its end are noticed), and on PostgreSQL a LISTEN on the change channel
//! so that writes on other instances arrive within milliseconds. Every 30
//! seconds it also writes when each token was last presented.

use std::time::Duration;

use std::sync::Arc;

use super::Runtime;
use crate::store::{Backend, Db, changes};

/// How often the snapshot checks the database for changes.
pub const POLL: Duration = Duration::from_secs(1);

/// Every how many polls token use is written to the database.
const RECORD_USE_EVERY: u32 = 30;

/// Loads the snapshot, then keeps it fresh until the process ends.
pub fn spawn(db: Db, runtime: Arc<Runtime>) {
    let (poll_db, poll_rt) = (db.clone(), runtime.clone());
    tokio::spawn(async move {
        let (db, rt) = (&poll_db, &poll_rt);
        let started = std::time::Instant::now();
        loop {
            match rt.refresh(db).await {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not load the runtime snapshot; retrying");
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
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut polls = 0u32;
        loop {
            tick.tick().await;
            if let Err(e) = rt.refresh(db).await {
                tracing::debug!(error = %e, "snapshot refresh failed");
                continue;
            }
            polls += 1;
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
