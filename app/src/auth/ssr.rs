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

const USER_ID: &str = "uid";
const SIGNED_IN_AT: &str = "signed_in_at";

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop
/// when the deployment says a trusted proxy sets it.
pub async fn client_ip(state: &AppState) -> Option<IpAddr> {
    if state.auth.trust_forwarded_for
        && let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>()
    {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip())
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
    let ip = client_ip(&state).await.map(|ip| ip.to_string());
    Ok(Ctx::user(
        state.db.clone(),
        state.runtime.clone(),
        principal,
        ip,
        state.webhook_allow_list.clone(),
    ))
}

/// Only local paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<String>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/api/")
    })
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
            tracing::info!(?ip, "sign-in refused");
            return Err(e);
        }
    };
    let session = session().await?;
    // A new id at sign-in: a session id planted before sign-in is worthless.
    session.cycle_id().await.map_err(|_| AppError::Internal)?;
    session
        .insert(USER_ID, &principal.user_id)
        .await
        .map_err(|_| AppError::Internal)?;
    session
        .insert(SIGNED_IN_AT, now_ms())
        .await
        .map_err(|_| AppError::Internal)?;
    let home = safe_next(next).unwrap_or_else(|| principal.home());
    leptos_axum::redirect(&home);
    Ok(())
}

pub async fn sign_out() -> Result<(), AppError> {
    let session = session().await?;
    session.flush().await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/signin");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_be_local() {
        assert_eq!(
            safe_next(Some("/accounts/acme".into())).as_deref(),
            Some("/accounts/acme")
        );
        assert_eq!(safe_next(Some("//evil.example".into())), None);
        assert_eq!(safe_next(Some("https://evil.example".into())), None);
        assert_eq!(safe_next(Some("/\\evil.example".into())), None);
        assert_eq!(safe_next(None), None);
    }
}
