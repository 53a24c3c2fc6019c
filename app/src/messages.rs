//! Error codes turned into sentences in the user's language (and in English
//! for the command line).

use crate::error::AppError;
use crate::i18n::*;

/// The sentence for a field error code.
pub fn field_message(locale: Locale, code: &str) -> &'static str {
    match code {
        "required" => td_string!(locale, err_required),
        "invalid_email" => td_string!(locale, err_invalid_email),
        "too_long" => td_string!(locale, err_too_long),
        "too_short" => td_string!(locale, err_too_short),
        "invalid_slug" => td_string!(locale, err_invalid_slug),
        "invalid_characters" => td_string!(locale, err_invalid_characters),
        "password_too_short" => td_string!(locale, err_password_too_short),
        "password_weak" => td_string!(locale, err_password_weak),
        "invalid_choice" => td_string!(locale, err_invalid_choice),
        "unsupported_language" => td_string!(locale, err_unsupported_language),
        "unknown_account" => td_string!(locale, err_unknown_account),
        "unknown_user" => td_string!(locale, err_unknown_user),
        _ => td_string!(locale, err_invalid_value),
    }
}

/// The sentence for an error that is not about one field.
pub fn error_message(locale: Locale, e: &AppError) -> &'static str {
    match e {
        AppError::Unauthenticated => td_string!(locale, err_unauthenticated),
        AppError::BadCredentials => td_string!(locale, err_bad_credentials),
        AppError::Forbidden => td_string!(locale, err_forbidden),
        AppError::NotFound => td_string!(locale, err_not_found),
        AppError::TooManyRequests { .. } => td_string!(locale, err_too_many),
        AppError::Invalid(f) => {
            f.0.first()
                .map(|f| field_message(locale, &f.code))
                .unwrap_or(td_string!(locale, err_invalid_value))
        }
        AppError::Conflict(what) => match what.as_str() {
            "slug" => td_string!(locale, err_taken_slug),
            "email" => td_string!(locale, err_taken_email),
            _ => td_string!(locale, err_taken_other),
        },
        AppError::Unavailable => td_string!(locale, err_unavailable),
        AppError::ServerFn(leptos::server_fn::error::ServerFnErrorErr::Request(_)) => {
            td_string!(locale, err_network)
        }
        AppError::Internal | AppError::ServerFn(_) => td_string!(locale, err_internal),
    }
}

/// One English line for the command line, naming the fields at fault.
pub fn describe_en(e: &AppError) -> String {
    match e {
        AppError::Invalid(fields) => fields
            .0
            .iter()
            .map(|f| format!("{}: {}", f.field, field_message(Locale::en, &f.code)))
            .collect::<Vec<_>>()
            .join(" "),
        other => error_message(Locale::en, other).to_owned(),
    }
}
