//! The `relais` server: configuration, the HTTP application and its lifecycle.
//! `main.rs` is the command line over this.

// The release build (without cargo-leptos's `erase_components`) lays out
// the pages' deeply nested view types here.
#![recursion_limit = "256"]

pub mod cli;
pub mod demo;
pub mod http;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::domain::failover::WebhookAllowList;
use app::security::throttle::ThrottleLimits;
use app::state::{AppState, AuthSettings};
use app::store::Db;
use axum::serve::ListenerExt;
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;

/// Where the site (JS, WASM, CSS, assets) built by cargo-leptos lives.
pub fn default_site_root() -> PathBuf {
    std::env::var_os("LEPTOS_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

/// How long failover events are kept by default.
pub const DEFAULT_EVENT_RETENTION_DAYS: u32 = 90;

/// Failover event reports accepted per second per runtime token, by default.
pub const DEFAULT_EVENTS_PER_SECOND: u32 = 200;

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: String,
    pub addr: SocketAddr,
    pub site_root: PathBuf,
    pub auth: AuthSettings,
    pub webhook_allow_list: WebhookAllowList,
    /// Failover events are kept this many days (0: for ever).
    pub event_retention_days: u32,
    /// Failover event reports accepted per second per runtime token.
    pub events_per_second: u32,
    /// OFREP evaluations accepted per second per runtime token (0: no limit).
    pub ofrep_per_second: u32,
    /// The last known runtime snapshot, served when Relais starts while the
    /// database is unreachable (None: not kept).
    pub snapshot_file: Option<PathBuf>,
    /// Where invitation and password-reset links are e-mailed from
    /// (`RELAIS_SMTP_URL`, `RELAIS_MAIL_FROM`); none: links are only shown.
    pub mailer: Option<app::mail::Mailer>,
    /// A connection whose client takes none of the data sent for this long
    /// is closed (TCP_USER_TIMEOUT): a change stream nobody reads doesn't
    /// stay open, nor a client gone without a word.
    pub send_timeout: Duration,
}

/// How long a client may take no data before its connection is closed.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(30);

impl ServeConfig {
    /// A configuration for tests and tools: defaults everywhere but the database.
    pub fn for_database(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            addr: "127.0.0.1:0".parse().expect("literal address"),
            site_root: default_site_root(),
            auth: AuthSettings {
                throttle: ThrottleLimits::default(),
                ..AuthSettings::default()
            },
            webhook_allow_list: WebhookAllowList::default(),
            event_retention_days: DEFAULT_EVENT_RETENTION_DAYS,
            events_per_second: DEFAULT_EVENTS_PER_SECOND,
            ofrep_per_second: 0,
            snapshot_file: None,
            mailer: None,
            send_timeout: DEFAULT_SEND_TIMEOUT,
        }
    }
}

fn leptos_options(config: &ServeConfig, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("relais")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .env(Env::PROD)
        .site_addr(addr)
        .build()
}

/// A bound, ready-to-serve Relais.
pub struct Server {
    pub listener: TcpListener,
    pub state: AppState,
    /// The database could not be migrated at start (unreachable): done once it answers.
    migrate_later: bool,
    snapshot_file: Option<app::runtime::sync::SnapshotFile>,
    send_timeout: Duration,
}

impl Server {
    /// Prepares the database (migrated now, or once it answers if it can't
    /// be reached), then binds the address. A database that can't be
    /// reached doesn't stop the start: the runtime API serves the snapshot
    /// file meanwhile.
    pub async fn bind(config: &ServeConfig) -> anyhow::Result<Server> {
        let db = Db::connect(&config.database_url).await?;
        // A database that doesn't answer within a second is waited for in
        // the background: the address is bound and the runtime API served.
        let migrated = tokio::time::timeout(Duration::from_secs(1), db.migrate()).await;
        let migrate_later = match migrated {
            Ok(Ok(())) => false,
            Ok(Err(app::store::StoreError::Unavailable(e))) => {
                tracing::warn!(
                    error = %e,
                    "the database can't be reached at start; the runtime API serves the snapshot file, if any, until it can"
                );
                true
            }
            Err(_) => {
                tracing::warn!(
                    "the database did not answer at start; the runtime API serves the snapshot file, if any, until it does"
                );
                true
            }
            Ok(Err(e)) => return Err(e.into()),
        };
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(
            db,
            config.auth.clone(),
            config.webhook_allow_list.clone(),
            config.event_retention_days,
            config.events_per_second,
            leptos_options(config, addr),
        )
        .with_mailer(config.mailer.clone())
        .with_ofrep_rate(config.ofrep_per_second);
        let snapshot_file =
            config
                .snapshot_file
                .clone()
                .map(|path| app::runtime::sync::SnapshotFile {
                    path,
                    identity: app::runtime::file::identity(&config.database_url),
                });
        Ok(Server {
            listener,
            state,
            migrate_later,
            snapshot_file,
            send_timeout: config.send_timeout,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state.clone();
        spawn_housekeeping(state.clone());
        spawn_emergency_timer(state.clone());
        app::runtime::sync::spawn(
            state.db.clone(),
            state.runtime.clone(),
            self.migrate_later,
            self.snapshot_file.clone(),
        );
        // Verifying against the dummy hash is the same work as a real one only once it exists.
        tokio::task::spawn_blocking(app::security::password::warm_up);
        let app = http::MakeFront::new(state.clone());
        // Change streams never end by themselves: told to, or the graceful
        // shutdown would wait for them for ever.
        let runtime = state.runtime.clone();
        let shutdown = async move {
            shutdown.await;
            runtime.close_streams();
        };
        // The kernel closes a connection whose client takes no data (zero
        // window, or nothing acknowledged) for `send_timeout`: hyper's
        // pending write then fails and drops the request, a change stream
        // whose client stopped reading among them.
        let send_timeout = self.send_timeout;
        let listener = self
            .listener
            .tap_io(move |tcp: &mut tokio::net::TcpStream| {
                if let Err(e) =
                    socket2::SockRef::from(&*tcp).set_tcp_user_timeout(Some(send_timeout))
                {
                    tracing::debug!(error = %e, "could not set the connection's send timeout");
                }
            });
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Err(e) = state.runtime.record_token_use(&state.db).await {
            tracing::warn!(error = %e, "could not record token use at shutdown");
        }
        state.db.close().await;
        Ok(())
    }
}

/// Periodic chores, at start and then every minute: expired sessions, idle
/// throttle buckets, failover events past their retention.
fn spawn_housekeeping(state: AppState) {
    use tower_sessions::session_store::ExpiredDeletion;
    tokio::spawn(async move {
        let store = app::store::sessions::DbSessionStore::new(state.db.clone());
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            state.throttle.prune();
            state.event_limiter.prune();
            state.tests.per_user.prune();
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
            let now = app::store::now_ms();
            if let Some(cutoff) = app::state::event_cutoff(state.event_retention_days, now) {
                match app::store::events::prune(state.db.pool(), cutoff).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(
                        deleted = n,
                        days = state.event_retention_days,
                        "failover events past their retention deleted"
                    ),
                    Err(e) => tracing::warn!(error = %e, "could not delete old failover events"),
                }
            }
        }
    });
}

/// Ends each emergency mode at its end time: checked every second, so the
/// runtime documents change within that second, without a save. Every
/// instance runs it; each end is written (and audited) once.
fn spawn_emergency_timer(state: AppState) {
    tokio::spawn(async move {
        let ctx =
            app::service::Ctx::system(state.db.clone(), "relais", Some(state.runtime.clone()));
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match app::service::emergencies::end_due(&ctx).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(ended = n, "emergency mode ended at its end time"),
                Err(e) => tracing::debug!(error = %e, "could not end emergencies due"),
            }
        }
    });
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
