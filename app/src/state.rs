//! What server functions and handlers share: the pool, settings and limiters.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::security::throttle::{SignInThrottle, ThrottleLimits};
use crate::store::Db;

/// Session and sign-in settings.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, whatever the activity.
    pub absolute_lifetime: Duration,
    /// Mark cookies `Secure` (the site is served over https).
    pub secure_cookies: bool,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub throttle: ThrottleLimits,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(2 * 3600),
            absolute_lifetime: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            trust_forwarded_for: false,
            throttle: ThrottleLimits::default(),
        }
    }
}

/// Shared by every request: one pointer, cheap to clone (handlers and
/// middleware take a copy per request).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

#[derive(Debug)]
pub struct Shared {
    pub db: Db,
    /// Local webhook endpoints allowed for development and tests.
    pub webhook_allow_list: Arc<crate::domain::failover::WebhookAllowList>,
    /// The one client that calls customers' webhooks.
    pub webhooks: crate::webhook::WebhookClient,
    pub auth: Arc<AuthSettings>,
    pub throttle: Arc<SignInThrottle>,
    /// What the runtime API serves, in memory.
    pub runtime: Arc<crate::runtime::Runtime>,
    /// Failover events are kept this many days (0: for ever).
    pub event_retention_days: u32,
    pub leptos_options: LeptosOptions,
}

/// The oldest failover event kept (epoch ms) under a retention of `days` (0: none).
pub fn event_cutoff(days: u32, now_ms: i64) -> Option<i64> {
    (days > 0).then(|| now_ms - i64::from(days) * crate::time_fmt::DAY_MS)
}

impl AppState {
    pub fn new(
        db: Db,
        auth: AuthSettings,
        webhook_allow_list: crate::domain::failover::WebhookAllowList,
        event_retention_days: u32,
        leptos_options: LeptosOptions,
    ) -> Self {
        let throttle = Arc::new(SignInThrottle::new(auth.throttle));
        let webhook_allow_list = Arc::new(webhook_allow_list);
        Self(Arc::new(Shared {
            db,
            webhooks: crate::webhook::WebhookClient::new(webhook_allow_list.clone()),
            webhook_allow_list,
            auth: Arc::new(auth),
            throttle,
            runtime: Arc::new(crate::runtime::Runtime::new()),
            event_retention_days,
            leptos_options,
        }))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state, inside a server function or a page rendered on the server.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or(crate::error::AppError::Internal)
}
