//! Field-level validation errors: a field name and a stable code the page translates.

use serde::{Deserialize, Serialize};
use strum::{EnumIter, IntoStaticStr};

/// Why a field is refused: stable codes the pages translate
/// (`messages::field_message` has a sentence for each) and the JSON answers
/// carry (`"required"`, `"out_of_range"`…).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Code {
    Required,
    InvalidEmail,
    TooLong,
    TooShort,
    InvalidSlug,
    InvalidCharacters,
    PasswordTooShort,
    PasswordWeak,
    InvalidChoice,
    UnsupportedLanguage,
    UnknownAccount,
    UnknownUser,
    NotAWholeNumber,
    OutOfRange,
    InvalidUrl,
    HttpsRequired,
    ForbiddenHost,
    CredentialsInUrl,
    ControlCharacters,
    BidiCharacters,
    PhoneNotE164,
    PhoneInvalid,
    SipHeaderName,
    DuplicateHeader,
    TooManyHeaders,
    HeadersTooLarge,
    UuiNotHex,
    UuiOddLength,
    SipUriScheme,
    InvalidSipUri,
    UnknownConnection,
    OutboundAgent,
    FeatureDisabled,
    ConfirmationRequired,
    TakenName,
    InvalidDate,
    AlreadyRevoked,
    /// The last owner of an account can't be removed or demoted.
    LastOwner,
    /// The last admin can't be disabled or demoted.
    LastAdmin,
    /// Not on oneself (disable, change one's own staff role).
    NotYourself,
    /// The current password given is not the user's.
    WrongPassword,
    /// Already a member of this account.
    AlreadyMember,
    /// A staff user, managed by admins only.
    StaffUser,
    /// A user who hasn't accepted their invitation yet (invite them again).
    PendingUser,
    /// A disabled user (enable them first).
    DisabledUser,
    /// Another account has this slug.
    TakenSlug,
    /// A period whose end is before its start.
    EndBeforeStart,
    /// A period longer than allowed.
    PeriodTooLong,
    /// Not an IANA time zone name.
    UnknownTimeZone,
    /// Not a `HH:MM` time of day.
    InvalidTime,
    /// An opening interval that overlaps another of the same day.
    Overlapping,
    /// More opening intervals in a day than allowed.
    TooManyIntervals,
    /// More closures than allowed.
    TooManyClosures,
    /// More steps in a route than allowed.
    TooManySteps,
    /// A step after an unconditional say-message step: it can never run.
    UnreachableStep,
    /// A condition on a schedule the account doesn't have.
    UnknownSchedule,
    /// A field a step of this type doesn't use (a configuration file).
    NotForThisType,
    /// A transfer given both a phone number and a SIP connection (a
    /// configuration file).
    PhoneOrSip,
}

/// What must be unique and already is: the conflict of a refused create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Taken {
    /// An account's slug.
    Slug,
    /// A user's email.
    Email,
    /// A name unique within its account (a SIP connection's).
    Name,
    StaffRole,
    Membership,
}

impl std::fmt::Display for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.into())
    }
}

impl Code {
    /// The code as the JSON answers carry it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid field: `code` is stable and translated by the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: Code,
}

/// Every invalid field of one submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, code: Code) -> Self {
        let mut e = Self::new();
        e.push(field, code);
        e
    }

    pub fn push(&mut self, field: &str, code: Code) {
        self.0.push(FieldError {
            field: field.to_owned(),
            code,
        });
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn take<T>(&mut self, field: &str, result: Result<T, Code>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(code) => {
                self.push(field, code);
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<Code> {
        self.0.iter().find(|e| e.field == field).map(|e| e.code)
    }

    /// Takes `other`'s errors, their field names after `prefix`
    /// (`default.1.` + `text`: the second step's sentence).
    pub fn absorb(&mut self, prefix: &str, other: FieldErrors) {
        for e in other.0 {
            self.push(&format!("{prefix}{}", e.field), e.code);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing is invalid.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.code))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn codes_are_snake_case_on_the_wire() {
        for c in Code::iter() {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::String(c.as_str().to_owned())
            );
        }
        assert_eq!(Code::PhoneNotE164.as_str(), "phone_not_e164");
        assert_eq!(Code::UuiNotHex.as_str(), "uui_not_hex");
    }
}
