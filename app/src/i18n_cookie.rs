//! The language switch: remembers the choice in the cookie the translations read.

use leptos::prelude::*;

use crate::error::AppError;

/// The cookie leptos_i18n reads the preferred locale from.
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";

/// Remembers `locale` (`en` or `fr`) for a year; the form comes back to the
/// page it was on.
#[server(prefix = "/api", endpoint = "locale")]
pub async fn set_locale(locale: String) -> Result<(), AppError> {
    crate::error::respond(ssr::set(locale))
}

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::{HeaderValue, header};

    use super::LOCALE_COOKIE;
    use crate::domain::{Code, FieldErrors};
    use crate::error::AppError;
    use crate::state::app_state;

    pub fn set(locale: String) -> Result<(), AppError> {
        let locale = match locale.as_str() {
            "en" | "fr" => locale,
            _ => return Err(FieldErrors::single("locale", Code::InvalidChoice).into()),
        };
        let secure = if app_state()?.auth.https() {
            "; Secure"
        } else {
            ""
        };
        let cookie =
            format!("{LOCALE_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax{secure}");
        let res = leptos::prelude::expect_context::<leptos_axum::ResponseOptions>();
        res.append_header(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
        );
        Ok(())
    }
}
