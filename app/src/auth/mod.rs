//! Who is signed in and what they may do: the principal, sign-in and sign-out.

#[cfg(feature = "ssr")]
pub mod ssr;

pub mod pages;

use leptos::prelude::*;

use crate::domain::Principal;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

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
    let result = ssr::sign_in(email.clone(), password, next).await;
    if result.is_ok() {
        // Signed in: on to `next` or home (set by `ssr::sign_in`).
        return result;
    }
    // The email stays in the form; the password never.
    Reply::new(SignIn::PATH, "signin", Notice::Saved)
        .keep("email", &email)
        .answer(result)
        .await
}

/// Ends the session.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::error::respond(ssr::sign_out().await)
}
