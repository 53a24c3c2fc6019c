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
    /// Where users reach the site (`RELAIS_PUBLIC_URL`): with https, cookies
    /// are `Secure` and `__Host-` prefixed, pages send HSTS; state-changing
    /// requests must come from its origin.
    pub public_url: Option<url::Url>,
    /// Proxy hops in front of Relais, counted from the right of
    /// `X-Forwarded-For` (`RELAIS_TRUSTED_PROXIES`; 0: the socket peer).
    pub trusted_proxies: u8,
    pub throttle: ThrottleLimits,
    /// When set (`RELAIS_METRICS_TOKEN`), `/metrics` and the details of
    /// `/readyz` need it as a bearer token.
    pub metrics_token: Option<String>,
}

impl AuthSettings {
    /// Served over https: cookies are `Secure`, pages send HSTS.
    pub fn https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The session cookie's name: `__Host-` prefixed over https (the browser
    /// then refuses it unless Secure, host-only and for the whole site).
    pub fn session_cookie(&self) -> &'static str {
        if self.https() {
            "__Host-relais_session"
        } else {
            "relais_session"
        }
    }

    /// Whether `headers` carry the metrics token (compared by digest, so
    /// the time taken says nothing of it). No token set: nobody has it.
    pub fn has_metrics_token(&self, headers: &axum::http::HeaderMap) -> bool {
        use blake2::Digest;
        let Some(want) = &self.metrics_token else {
            return false;
        };
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        blake2::Blake2s256::digest(given.as_bytes()) == blake2::Blake2s256::digest(want.as_bytes())
    }

    /// The origin state-changing requests must come from, when one is set.
    pub fn public_origin(&self) -> Option<String> {
        self.public_url
            .as_ref()
            .map(|u| u.origin().ascii_serialization())
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(2 * 3600),
            absolute_lifetime: Duration::from_secs(12 * 3600),
            public_url: None,
            trusted_proxies: 0,
            throttle: ThrottleLimits::default(),
            metrics_token: None,
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
    /// New tokens' secrets waiting for the page that shows them once (no JavaScript).
    pub created_tokens: crate::security::one_time::OneTime<crate::views::CreatedToken>,
    /// New one-time links waiting for the page that shows them once.
    pub issued_links: crate::security::one_time::OneTime<crate::views::IssuedLink>,
    /// The SMTP server (`RELAIS_SMTP_URL`), when one is configured.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// What the runtime API serves, in memory.
    pub runtime: Arc<crate::runtime::Runtime>,
    /// Failover events are kept this many days (0: for ever).
    pub event_retention_days: u32,
    /// Failover event reports per second, per runtime token.
    pub event_limiter: crate::security::rate::PerKey,
    /// OFREP evaluations per second, per runtime token (`None`: no limit).
    pub ofrep_limiter: Option<crate::security::rate::PerKey>,
    /// The editor's Test button.
    pub tests: crate::security::rate::TestLimits,
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
        events_per_second: u32,
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
            created_tokens: Default::default(),
            issued_links: Default::default(),
            mailer: None,
            runtime: Arc::new(crate::runtime::Runtime::new()),
            event_retention_days,
            event_limiter: crate::security::rate::PerKey::per_second(events_per_second),
            ofrep_limiter: None,
            tests: Default::default(),
            leptos_options,
        }))
    }
}

impl AppState {
    /// The same state, e-mailing links through `mailer` (set once at start,
    /// before the state is shared).
    pub fn with_mailer(self, mailer: Option<crate::mail::Mailer>) -> Self {
        let mut shared = Arc::try_unwrap(self.0)
            .unwrap_or_else(|_| panic!("with_mailer is called before the state is shared"));
        shared.mailer = mailer.map(Arc::new);
        Self(Arc::new(shared))
    }
}

impl AppState {
    /// The same state, limiting OFREP evaluations to `per_second` per token
    /// (0: no limit); set once at start, before the state is shared.
    pub fn with_ofrep_rate(self, per_second: u32) -> Self {
        let mut shared = Arc::try_unwrap(self.0)
            .unwrap_or_else(|_| panic!("with_ofrep_rate is called before the state is shared"));
        shared.ofrep_limiter =
            (per_second > 0).then(|| crate::security::rate::PerKey::per_second(per_second));
        Self(Arc::new(shared))
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
