//! Who is signed in and what they may do: the principal, sign-in and sign-out.

#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod throttle;

pub mod pages;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{AccountRole, Permission, StaffRole};
use crate::error::AppError;

/// A customer's role in one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub account_id: String,
    pub account_slug: String,
    pub account_name: String,
    pub role: AccountRole,
}

/// The signed-in user, as every check on the server sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub staff: Option<StaffRole>,
    pub memberships: Vec<Membership>,
}

impl Principal {
    /// This user's role in an account, if a member.
    pub fn role_in(&self, account_id: &str) -> Option<AccountRole> {
        self.memberships
            .iter()
            .find(|m| m.account_id == account_id)
            .map(|m| m.role)
    }

    /// Whether this user may do `perm` (on `account_id` when it concerns one).
    pub fn can(&self, perm: Permission, account_id: Option<&str>) -> bool {
        perm.allowed(self.staff, account_id.and_then(|a| self.role_in(a)))
    }

    /// Checks a permission; the error is what the server answers.
    pub fn require(&self, perm: Permission, account_id: Option<&str>) -> Result<(), AppError> {
        if self.can(perm, account_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn is_staff(&self) -> bool {
        self.staff.is_some()
    }

    /// Where this user lands after signing in.
    pub fn home(&self) -> String {
        match (&self.staff, self.memberships.first()) {
            (Some(_), _) | (None, None) => "/accounts".to_owned(),
            (None, Some(m)) => format!("/accounts/{}", m.account_slug),
        }
    }
}

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
