//! The `relais` server: configuration, the HTTP application and its lifecycle.
//! `main.rs` is the command line over this.

pub mod cli;
pub mod demo;
pub mod http;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::auth::throttle::ThrottleLimits;
use app::domain::failover::WebhookAllowList;
use app::state::{AppState, AuthSettings};
use app::store::Db;
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;

/// Where the site (JS, WASM, CSS, assets) built by cargo-leptos lives.
pub fn default_site_root() -> PathBuf {
    std::env::var_os("LEPTOS_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: String,
    pub addr: SocketAddr,
    pub site_root: PathBuf,
    pub auth: AuthSettings,
    pub webhook_allow_list: WebhookAllowList,
}

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

/// A bound, migrated, ready-to-serve Relais.
pub struct Server {
    pub listener: TcpListener,
    pub state: AppState,
}

impl Server {
    /// Connects and migrates the database, then binds the address.
    pub async fn bind(config: &ServeConfig) -> anyhow::Result<Server> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(
            db,
            config.auth.clone(),
            config.webhook_allow_list.clone(),
            leptos_options(config, addr),
        );
        Ok(Server { listener, state })
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
        app::runtime::sync::spawn(state.clone());
        // Verifying against the dummy hash is the same work as a real one only once it exists.
        tokio::task::spawn_blocking(app::auth::password::warm_up);
        let router = http::router(state.clone());
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        state.db.close().await;
        Ok(())
    }
}

/// Periodic chores: expired sessions and idle throttle buckets.
fn spawn_housekeeping(state: AppState) {
    use tower_sessions::session_store::ExpiredDeletion;
    tokio::spawn(async move {
        let store = app::store::sessions::DbSessionStore::new(state.db.clone());
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.throttle.prune();
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
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
