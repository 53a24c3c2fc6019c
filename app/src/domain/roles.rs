//! Roles and what each may do (SPEC §2), agent directions and supported languages.

use super::Code;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr};

/// A staff role: sees every account.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Display, EnumString, IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum StaffRole {
    Admin,
    Csm,
}

/// A customer's role in one account.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum AccountRole {
    Viewer,
    Editor,
    Owner,
}

/// Everything a user may ask for; checked on the server in one place
/// ([`Permission::allowed`]), and used by pages only to hide what would be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// List and search every account (staff).
    ListAllAccounts,
    /// Read one account and what it holds.
    ViewAccount,
    /// Switch the failover flag of an account.
    SwitchFailover,
    /// Add, change or remove an account's customer users.
    ManageAccountUsers,
    /// SIP connections and the default error message.
    ManageAccountSettings,
    /// Create and change agents and their failover configs.
    EditFailoverConfig,
    /// Read the audit log of an account (or all, for staff).
    ReadAudit,
    /// Create and rename accounts (staff).
    CreateAccount,
    /// The list of every user; disable, enable, password-reset links (staff).
    ManageUsers,
    /// Staff users and runtime API tokens (admins).
    Administer,
}

impl Permission {
    /// Whether a user with `staff` and, for the account concerned, `member`
    /// role may do this.
    pub fn allowed(self, staff: Option<StaffRole>, member: Option<AccountRole>) -> bool {
        use Permission::*;
        match staff {
            Some(StaffRole::Admin) => return true,
            // Staff do everything on accounts and customers; staff users and
            // runtime tokens stay with admins.
            Some(StaffRole::Csm) => return self != Administer,
            None => {}
        }
        let Some(role) = member else { return false };
        match self {
            ListAllAccounts | SwitchFailover | CreateAccount | ManageUsers | Administer => false,
            ViewAccount => true,
            ManageAccountUsers | ManageAccountSettings | ReadAudit => role == AccountRole::Owner,
            EditFailoverConfig => role >= AccountRole::Editor,
        }
    }
}

/// The string forms (`admin`, `owner`, `inbound`…) come from strum; parsing
/// trims and says why a value is refused.
macro_rules! choice {
    ($($ty:ty),*) => {$(
        impl $ty {
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            pub fn parse(raw: &str) -> Result<Self, Code> {
                match raw.trim() {
                    "" => Err(Code::Required),
                    s => s.parse().map_err(|_| Code::InvalidChoice),
                }
            }
        }
    )*};
}

choice!(StaffRole, AccountRole, Direction);

/// An agent answers calls (inbound) or places them (outbound).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Display, EnumString, IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// The locales an agent speaks and a message may be said in.
pub const LANGUAGES: &[&str] = &[
    "fr-FR", "en-US", "en-GB", "es-ES", "de-DE", "it-IT", "nl-NL", "pt-PT",
];

/// A supported locale, e.g. `fr-FR`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Language(String);

impl Language {
    pub fn parse(raw: &str) -> Result<Self, Code> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Code::Required);
        }
        LANGUAGES
            .iter()
            .find(|l| l.eq_ignore_ascii_case(s))
            .map(|l| Language((*l).to_owned()))
            .ok_or(Code::UnsupportedLanguage)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountRole::*;
    use Permission::*;

    #[test]
    fn staff_roles() {
        for p in [
            ListAllAccounts,
            ViewAccount,
            SwitchFailover,
            ManageAccountUsers,
            ManageAccountSettings,
            EditFailoverConfig,
            ReadAudit,
            CreateAccount,
            ManageUsers,
            Administer,
        ] {
            assert!(p.allowed(Some(StaffRole::Admin), None), "admin {p:?}");
        }
        assert!(SwitchFailover.allowed(Some(StaffRole::Csm), None));
        assert!(ReadAudit.allowed(Some(StaffRole::Csm), None));
        assert!(!Administer.allowed(Some(StaffRole::Csm), None));
        assert!(EditFailoverConfig.allowed(Some(StaffRole::Csm), None));
        assert!(ManageAccountSettings.allowed(Some(StaffRole::Csm), None));
        assert!(CreateAccount.allowed(Some(StaffRole::Csm), None));
        assert!(ManageUsers.allowed(Some(StaffRole::Csm), None));
    }

    #[test]
    fn customer_roles() {
        assert!(
            !ViewAccount.allowed(None, None),
            "a non-member sees nothing"
        );
        for role in [Viewer, Editor, Owner] {
            assert!(ViewAccount.allowed(None, Some(role)));
            assert!(
                !SwitchFailover.allowed(None, Some(role)),
                "customers never switch failover"
            );
            assert!(!ListAllAccounts.allowed(None, Some(role)));
            assert!(!Administer.allowed(None, Some(role)));
            assert!(!CreateAccount.allowed(None, Some(role)));
            assert!(!ManageUsers.allowed(None, Some(role)));
        }
        assert!(!EditFailoverConfig.allowed(None, Some(Viewer)));
        assert!(EditFailoverConfig.allowed(None, Some(Editor)));
        assert!(EditFailoverConfig.allowed(None, Some(Owner)));
        assert!(!ManageAccountSettings.allowed(None, Some(Editor)));
        assert!(ManageAccountSettings.allowed(None, Some(Owner)));
        assert!(ManageAccountUsers.allowed(None, Some(Owner)));
        assert!(!ReadAudit.allowed(None, Some(Editor)));
    }

    #[test]
    fn parsing() {
        assert_eq!(AccountRole::parse("owner"), Ok(Owner));
        assert_eq!(AccountRole::parse("boss"), Err(Code::InvalidChoice));
        assert_eq!(Direction::parse("inbound"), Ok(Direction::Inbound));
        assert_eq!(Language::parse("fr-fr").unwrap().as_str(), "fr-FR");
        assert_eq!(Language::parse("xx-XX"), Err(Code::UnsupportedLanguage));
    }
}
