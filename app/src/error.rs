//! The one error type of Relais server functions: what went wrong, in terms a page can show.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, Taken};

/// An error returned by a server function. Variants carry codes, never
/// internal details: the page turns them into a message in the user's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    Unauthenticated,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(Taken),
    /// Someone saved since the revision the form was loaded from.
    #[error("revision {revision} was saved since, by {saved_by}")]
    StaleRevision {
        revision: i64,
        saved_by: String,
        saved_at: i64,
    },
    /// The thing is used by these (agents, by name) and can't be deleted.
    #[error("in use by {0:?}")]
    InUse(Vec<String>),
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The HTTP status this error stands for.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::TooManyRequests { .. } => 429,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) | AppError::StaleRevision { .. } | AppError::InUse(_) => 409,
            AppError::Unavailable => 503,
            AppError::Internal => 500,
            // Axum's body limit, as the arguments' decoder words it.
            AppError::ServerFn(
                ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m),
            ) if m.contains("length limit exceeded") => 413,
            AppError::ServerFn(
                ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_),
            ) => 400,
            AppError::ServerFn(_) => 500,
        }
    }

    /// The field errors, if this is a validation error.
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(f) => Some(f),
            _ => None,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(value: FieldErrors) -> Self {
        AppError::Invalid(value)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::ServerFn(value)
    }
}

/// Whether the server function being run was called by a plain HTML form
/// (no JavaScript): the browser asked for a page.
#[cfg(feature = "ssr")]
pub fn plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.headers.get(axum::http::header::ACCEPT).cloned())
        .and_then(|v| v.to_str().ok().map(|s| s.contains("text/html")))
        .unwrap_or(false)
}

/// Sets the HTTP status of a failed server-function call from its error.
/// A plain HTML form post (no JavaScript) keeps the redirect Leptos gives it,
/// which carries the error back to the form.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    use axum::http::{HeaderValue, StatusCode, header};
    use leptos::prelude::use_context;

    if let Err(e) = &result {
        let plain_form = plain_form_post();
        if let (false, Some(res)) = (plain_form, use_context::<leptos_axum::ResponseOptions>()) {
            res.set_status(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let AppError::TooManyRequests { retry_after_secs } = e {
                res.insert_header(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
        }
    }
    result
}
