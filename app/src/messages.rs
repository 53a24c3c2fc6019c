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
        "not_a_whole_number" => td_string!(locale, err_not_a_whole_number),
        "out_of_range" => td_string!(locale, err_out_of_range),
        "invalid_url" => td_string!(locale, err_invalid_url),
        "https_required" => td_string!(locale, err_https_required),
        "forbidden_host" => td_string!(locale, err_forbidden_host),
        "credentials_in_url" => td_string!(locale, err_credentials_in_url),
        "control_characters" => td_string!(locale, err_control_characters),
        "bidi_characters" => td_string!(locale, err_bidi_characters),
        "phone_not_e164" => td_string!(locale, err_phone_not_e164),
        "phone_invalid" => td_string!(locale, err_phone_invalid),
        "sip_header_name" => td_string!(locale, err_sip_header_name),
        "duplicate_header" => td_string!(locale, err_duplicate_header),
        "too_many_headers" => td_string!(locale, err_too_many_headers),
        "headers_too_large" => td_string!(locale, err_headers_too_large),
        "uui_not_hex" => td_string!(locale, err_uui_not_hex),
        "uui_odd_length" => td_string!(locale, err_uui_odd_length),
        "sip_uri_scheme" => td_string!(locale, err_sip_uri_scheme),
        "invalid_sip_uri" => td_string!(locale, err_invalid_sip_uri),
        "unknown_connection" => td_string!(locale, err_unknown_connection),
        "outbound_agent" => td_string!(locale, err_outbound_agent),
        "feature_disabled" => td_string!(locale, err_feature_disabled),
        "confirmation_required" => td_string!(locale, err_confirmation_required),
        "taken_name" => td_string!(locale, err_taken_name),
        "invalid_date" => td_string!(locale, err_invalid_date),
        "already_revoked" => td_string!(locale, err_already_revoked),
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
        AppError::StaleRevision { .. } => td_string!(locale, err_stale_revision),
        AppError::InUse(_) => td_string!(locale, err_in_use),
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
        AppError::InUse(names) => {
            format!("{} ({})", error_message(Locale::en, e), names.join(", "))
        }
        other => error_message(Locale::en, other).to_owned(),
    }
}
