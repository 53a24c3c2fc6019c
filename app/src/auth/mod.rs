//! Who is signed in and what they may do: the principal, sign-in and sign-out.

#[cfg(feature = "ssr")]
pub mod ssr;

pub mod pages;

use leptos::prelude::*;

use crate::domain::Principal;
use crate::error::AppError;

/// The signed-in user, or `None`.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn current_user() -> Result<Option<Principal>, AppError> {
    crate::error::respond(ssr::optional_principal().await)
}

/// Signs in with email and password; on success the browser goes to `next`
/// (a local path) or the user's home page.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<(), AppError> {
    crate::error::respond(ssr::sign_in(email, password, next).await)
}

/// Ends the session.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::error::respond(ssr::sign_out().await)
}
