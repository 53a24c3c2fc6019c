//! Server side of identity: loading the principal from the session on every
//! request (and the service context of a server function), signing in and out.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use tower_sessions::Session;

use crate::domain::{Email, Principal};
use crate::error::AppError;
use crate::service::{Ctx, members};
use crate::state::{AppState, app_state};
use crate::store::now_ms;

use crate::store::sessions::{CLIENT_IP, SIGNED_IN_AT, USER_AGENT, USER_ID};

pub(crate) async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

/// The client's address (see `security::client::client_ip`).
pub async fn client_ip(state: &AppState) -> Option<IpAddr> {
    let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr);
    match leptos::prelude::use_context::<axum::http::request::Parts>() {
        Some(parts) => {
            crate::security::client::client_ip(&parts.headers, peer, state.auth.trusted_proxies)
        }
        None => peer.map(|p| p.ip()),
    }
}

/// Loads the principal of a session, refusing an expired session or a
/// disabled user (and forgetting the session then).
pub async fn principal_of(
    state: &AppState,
    session: &Session,
) -> Result<Option<Principal>, AppError> {
    // Sessions live in the database: failing to load one means it is unreachable.
    let uid: Option<String> = session.get(USER_ID).await.map_err(|e| {
        tracing::warn!(error = %e, "could not load the session");
        AppError::Unavailable
    })?;
    let Some(uid) = uid else { return Ok(None) };
    let signed_in_at: i64 = session
        .get(SIGNED_IN_AT)
        .await
        .map_err(|_| AppError::Internal)?
        .unwrap_or(0);
    let lifetime_ms = state.auth.absolute_lifetime.as_millis() as i64;
    if now_ms().saturating_sub(signed_in_at) >= lifetime_ms {
        let _ = session.flush().await;
        return Ok(None);
    }
    let principal = members::principal(&state.db, &uid).await?;
    if principal.is_none() {
        let _ = session.flush().await;
    }
    Ok(principal)
}

/// The signed-in user, if any.
pub async fn optional_principal() -> Result<Option<Principal>, AppError> {
    let state = app_state()?;
    principal_of(&state, &session().await?).await
}

/// What a signed-in user's server function runs with.
pub async fn context() -> Result<Ctx, AppError> {
    let state = app_state()?;
    let principal = optional_principal()
        .await?
        .ok_or(AppError::Unauthenticated)?;
    context_as(&state, principal).await
}

async fn context_as(state: &AppState, principal: Principal) -> Result<Ctx, AppError> {
    let ip = client_ip(state).await.map(|ip| ip.to_string());
    Ok(Ctx::user(
        state.db.clone(),
        state.runtime.clone(),
        principal,
        ip,
        state.webhook_allow_list.clone(),
    )
    .with_links(links(state)))
}

/// How links are written for this request: to `RELAIS_PUBLIC_URL`, else to
/// the host the browser asked for (what the inviter sees in their address bar).
fn links(state: &AppState) -> crate::service::Links {
    let base_url = match &state.auth.public_url {
        Some(u) => u.as_str().trim_end_matches('/').to_owned(),
        None => leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(axum::http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| {
                        h.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
                    })
                    .map(|h| format!("http://{h}"))
            })
            .unwrap_or_default(),
    };
    crate::service::Links {
        base_url,
        mailer: state.mailer.clone(),
    }
}

/// What an anonymous server function (a one-time link's page) runs with:
/// the service acts as the link's user once it has checked the link.
pub async fn anonymous_context() -> Result<Ctx, AppError> {
    let state = app_state()?;
    let ip = client_ip(&state).await.map(|ip| ip.to_string());
    let mut ctx = Ctx::system(state.db.clone(), "link", Some(state.runtime.clone()))
        .with_links(links(&state));
    ctx.client_ip = ip;
    Ok(ctx)
}

/// This browser's session id, if it has one.
pub async fn current_session_id() -> Option<String> {
    session().await.ok()?.id().map(|id| id.to_string())
}

/// Starts a session for `principal` (after sign-in, an accepted invitation,
/// a used reset link): a new id, who, since when, which browser, from where.
pub async fn start_session(principal: &Principal) -> Result<(), AppError> {
    let state = app_state()?;
    let session = session().await?;
    // A new id at sign-in: a session id planted before sign-in is worthless.
    session.cycle_id().await.map_err(|_| AppError::Internal)?;
    let ip = client_ip(&state).await.map(|ip| ip.to_string());
    let ua: Option<String> =
        leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|p| {
            p.headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect())
        });
    let insert = async |k: &str, v: serde_json::Value| {
        session.insert(k, v).await.map_err(|_| AppError::Internal)
    };
    insert(USER_ID, principal.user_id.clone().into()).await?;
    insert(SIGNED_IN_AT, now_ms().into()).await?;
    insert(USER_AGENT, ua.into()).await?;
    insert(CLIENT_IP, ip.into()).await?;
    Ok(())
}

pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let state = app_state()?;
    let ip = client_ip(&state).await;
    let parsed = Email::parse(&email).ok();
    if let Err(wait) = state.throttle.check(ip, parsed.as_ref()) {
        let retry_after_secs = wait.as_secs().max(1);
        tracing::warn!(?ip, "sign-in throttled");
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let principal = match members::authenticate(&state.db, parsed.as_ref(), password).await {
        Ok(p) => p,
        Err(e) => {
            if e == AppError::BadCredentials {
                state.throttle.failed(ip, parsed.as_ref());
            }
            tracing::info!(?ip, "sign-in refused");
            return Err(e);
        }
    };
    if let Some(email) = &parsed {
        state.throttle.succeeded(ip, email);
    }
    start_session(&principal).await?;
    let home = crate::security::local_path::safe_next(next).unwrap_or_else(|| principal.home());
    leptos_axum::redirect(&home);
    Ok(())
}

pub async fn sign_out() -> Result<(), AppError> {
    let session = session().await?;
    session.flush().await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/signin");
    Ok(())
}
