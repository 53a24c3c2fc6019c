//! Keeping the snapshot up to date: the first load (retried until the
//! database answers), a poll every second (which is also how a database outage
//! and its end are noticed), and on PostgreSQL a LISTEN on the change channel
//! so that writes on other instances arrive within milliseconds. Every 30
//! seconds it also writes when each token was last presented.

use std::time::Duration;

use crate::state::AppState;
use crate::store::{Backend, changes};

/// How often the snapshot checks the database for changes.
pub const POLL: Duration = Duration::from_secs(1);

/// Every how many polls token use is written to the database.
const RECORD_USE_EVERY: u32 = 30;

/// Loads the snapshot, then keeps it fresh until the process ends.
pub fn spawn(state: AppState) {
    let poll_state = state.clone();
    tokio::spawn(async move {
        let rt = &poll_state.runtime;
        let started = std::time::Instant::now();
        loop {
            match rt.refresh(&poll_state.db).await {
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
            if let Err(e) = rt.refresh(&poll_state.db).await {
                tracing::debug!(error = %e, "snapshot refresh failed");
                continue;
            }
            polls += 1;
            if polls.is_multiple_of(RECORD_USE_EVERY)
                && let Err(e) = rt.record_token_use(&poll_state.db).await
            {
                tracing::debug!(error = %e, "could not record token use");
            }
        }
    });
    if state.db.backend() == Backend::Postgres
        && let Some(url) = state.db.url().map(str::to_owned)
    {
        tokio::spawn(listen(state, url));
    }
}

/// Refreshes on every notification of the change channel; reconnects after
/// a lost connection (and refreshes then, as notifications may have been missed).
async fn listen(state: AppState, url: String) {
    use sqlx::postgres::PgListener;
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "change listener could not connect; retrying");
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(changes::CHANNEL).await {
            tracing::debug!(error = %e, "change listener could not LISTEN; retrying");
            tokio::time::sleep(POLL).await;
            continue;
        }
        let _ = state.runtime.refresh(&state.db).await;
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => {
                    let _ = state.runtime.refresh(&state.db).await;
                }
                // The connection dropped; the listener reconnects on the next call.
                Ok(None) => {
                    let _ = state.runtime.refresh(&state.db).await;
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

/// After a write on this instance: the next request sees it.
pub async fn after_write(state: &AppState) {
    if let Err(e) = state.runtime.refresh(&state.db).await {
        tracing::warn!(error = %e, "snapshot refresh after a write failed");
    }
}
