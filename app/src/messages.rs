//! Error codes turned into sentences in the user's language (and in English
//! for the command line).

use crate::domain::{Code, Taken};
use crate::error::AppError;
use crate::i18n::*;

/// The sentence for the error of `field`: a range says which (`field_message`
/// for the others).
pub fn field_error_message(locale: Locale, field: &str, code: Code) -> String {
    use crate::domain::failover::{RING_SECONDS, TIMEOUT_SECONDS};
    let range = match (code, field) {
        (Code::OutOfRange, "timeout_seconds") => Some(TIMEOUT_SECONDS),
        (Code::OutOfRange, "max_ring_seconds") => Some(RING_SECONDS),
        _ => None,
    };
    // An opening interval's end is a time, not a date.
    let interval = crate::domain::schedule::Weekday::ALL.iter().any(|d| {
        field
            .strip_prefix(d.as_str())
            .is_some_and(|r| r.starts_with('.'))
    });
    if code == Code::EndBeforeStart && interval {
        return td_string!(locale, err_interval_end_before_start).to_owned();
    }
    match (code, field) {
        (Code::OutOfRange, "ends_at") => {
            return td_string!(locale, err_emergency_end_range).to_owned();
        }
        (Code::EndBeforeStart, "ends_at") => {
            return td_string!(locale, err_emergency_end_past).to_owned();
        }
        _ => {}
    }
    match range {
        // The catalogue marks the numbers `%min%` and `%max%`.
        Some((min, max)) => td_string!(locale, err_seconds_between)
            .replace("%min%", &min.to_string())
            .replace("%max%", &max.to_string()),
        None => field_message(locale, code).to_owned(),
    }
}

/// The sentence for a field error code.
pub fn field_message(locale: Locale, code: Code) -> &'static str {
    match code {
        Code::Required => td_string!(locale, err_required),
        Code::InvalidEmail => td_string!(locale, err_invalid_email),
        Code::TooLong => td_string!(locale, err_too_long),
        Code::TooShort => td_string!(locale, err_too_short),
        Code::InvalidSlug => td_string!(locale, err_invalid_slug),
        Code::InvalidCharacters => td_string!(locale, err_invalid_characters),
        Code::PasswordTooShort => td_string!(locale, err_password_too_short),
        Code::PasswordWeak => td_string!(locale, err_password_weak),
        Code::InvalidChoice => td_string!(locale, err_invalid_choice),
        Code::UnsupportedLanguage => td_string!(locale, err_unsupported_language),
        Code::UnknownAccount => td_string!(locale, err_unknown_account),
        Code::UnknownUser => td_string!(locale, err_unknown_user),
        Code::NotAWholeNumber => td_string!(locale, err_not_a_whole_number),
        Code::OutOfRange => td_string!(locale, err_out_of_range),
        Code::EndBeforeStart => td_string!(locale, err_end_before_start),
        Code::PeriodTooLong => td_string!(locale, err_period_too_long),
        Code::UnknownTimeZone => td_string!(locale, err_unknown_time_zone),
        Code::InvalidTime => td_string!(locale, err_invalid_time),
        Code::Overlapping => td_string!(locale, err_overlapping),
        Code::TooManyIntervals => td_string!(locale, err_too_many_intervals),
        Code::TooManyClosures => td_string!(locale, err_too_many_closures),
        Code::TooManySteps => td_string!(locale, err_too_many_steps),
        Code::UnreachableStep => td_string!(locale, err_unreachable_step),
        Code::UnknownSchedule => td_string!(locale, err_unknown_schedule),
        Code::NotForThisType => td_string!(locale, err_not_for_this_type),
        Code::PhoneOrSip => td_string!(locale, err_phone_or_sip),
        Code::InvalidUrl => td_string!(locale, err_invalid_url),
        Code::HttpsRequired => td_string!(locale, err_https_required),
        Code::ForbiddenHost => td_string!(locale, err_forbidden_host),
        Code::CredentialsInUrl => td_string!(locale, err_credentials_in_url),
        Code::ControlCharacters => td_string!(locale, err_control_characters),
        Code::BidiCharacters => td_string!(locale, err_bidi_characters),
        Code::PhoneNotE164 => td_string!(locale, err_phone_not_e164),
        Code::PhoneInvalid => td_string!(locale, err_phone_invalid),
        Code::SipHeaderName => td_string!(locale, err_sip_header_name),
        Code::DuplicateHeader => td_string!(locale, err_duplicate_header),
        Code::TooManyHeaders => td_string!(locale, err_too_many_headers),
        Code::HeadersTooLarge => td_string!(locale, err_headers_too_large),
        Code::UuiNotHex => td_string!(locale, err_uui_not_hex),
        Code::UuiOddLength => td_string!(locale, err_uui_odd_length),
        Code::SipUriScheme => td_string!(locale, err_sip_uri_scheme),
        Code::InvalidSipUri => td_string!(locale, err_invalid_sip_uri),
        Code::UnknownConnection => td_string!(locale, err_unknown_connection),
        Code::OutboundAgent => td_string!(locale, err_outbound_agent),
        Code::FeatureDisabled => td_string!(locale, err_feature_disabled),
        Code::ConfirmationRequired => td_string!(locale, err_confirmation_required),
        Code::TakenName => td_string!(locale, err_taken_name),
        Code::InvalidDate => td_string!(locale, err_invalid_date),
        Code::AlreadyRevoked => td_string!(locale, err_already_revoked),
        Code::LastOwner => td_string!(locale, err_last_owner),
        Code::LastAdmin => td_string!(locale, err_last_admin),
        Code::NotYourself => td_string!(locale, err_not_yourself),
        Code::WrongPassword => td_string!(locale, err_wrong_password),
        Code::AlreadyMember => td_string!(locale, err_already_member),
        Code::StaffUser => td_string!(locale, err_staff_user),
        Code::PendingUser => td_string!(locale, err_pending_user),
        Code::DisabledUser => td_string!(locale, err_disabled_user),
        Code::TakenSlug => td_string!(locale, err_taken_slug),
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
                .map(|f| field_message(locale, f.code))
                .unwrap_or(td_string!(locale, err_invalid_value))
        }
        AppError::Conflict(what) => match what {
            Taken::Slug => td_string!(locale, err_taken_slug),
            Taken::Email => td_string!(locale, err_taken_email),
            Taken::Name => td_string!(locale, err_taken_name),
            Taken::StaffRole | Taken::Membership => td_string!(locale, err_taken_other),
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
            .map(|f| {
                format!(
                    "{}: {}",
                    f.field,
                    field_error_message(Locale::en, &f.field, f.code)
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        AppError::InUse(names) => {
            format!("{} ({})", error_message(Locale::en, e), names.join(", "))
        }
        other => error_message(Locale::en, other).to_owned(),
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn a_range_error_says_the_range() {
        assert_eq!(
            field_error_message(Locale::en, "max_ring_seconds", Code::OutOfRange),
            "Between 5 and 45 seconds."
        );
        assert_eq!(
            field_error_message(Locale::fr, "timeout_seconds", Code::OutOfRange),
            "Entre 1 et 30 secondes."
        );
        assert_eq!(
            field_error_message(Locale::en, "name", Code::Required),
            field_message(Locale::en, Code::Required)
        );
    }
}
