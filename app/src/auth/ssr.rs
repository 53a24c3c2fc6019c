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
    let ip = client_ip(&state).await.map(|ip| ip.to_string());
    Ok(Ctx::user(
        state.db.clone(),
        state.runtime.clone(),
        principal,
        ip,
        state.webhook_allow_list.clone(),
    ))
}

/// Only a path of this site is followed after sign-in (no open redirect):
/// printable ASCII only (a browser drops a tab or a newline, turning `/\t/x`
/// into `//x`), no backslash (browsers read it as `/`), neither `//` nor its
/// percent-encoded form at the start, and resolved against an origin it must
/// not leave. Anything else: the role's home.
fn safe_next(next: Option<String>) -> Option<String> {
    const ORIGIN: &str = "http://relais.invalid";
    let next = next?;
    let printable = next.bytes().all(|b| b.is_ascii_graphic());
    let decoded = percent_encoding::percent_decode_str(&next).decode_utf8_lossy();
    let plain = |s: &str| {
        s.starts_with('/') && !s.starts_with("//") && !s.contains('\\') && !s.starts_with("/api/")
    };
    if !(printable && plain(&next) && plain(&decoded)) {
        return None;
    }
    let base = url::Url::parse(ORIGIN).ok()?;
    let joined = base.join(&next).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let local = &joined.as_str()[ORIGIN.len()..];
    plain(local).then(|| local.to_owned())
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
        assert_eq!(
            safe_next(Some("/accounts?page=2#x".into())).as_deref(),
            Some("/accounts?page=2#x")
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "https:evil.example",
            "/\\evil.example",
            "/\tevil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/\u{3000}/evil.example",
            "/\u{ff0f}evil.example",
            "/é/evil",
            " /evil",
            "evil.example",
            "",
            "/api/sign_out",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(bad.into())), None, "{bad:?}");
        }
        assert_eq!(safe_next(None), None);
    }
}
