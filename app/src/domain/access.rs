//! Who is signed in and what they may do: the principal every check on the
//! server uses, built once per request from the session.

use serde::{Deserialize, Serialize};

use super::{AccountRole, Permission, StaffRole};

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

    pub fn is_staff(&self) -> bool {
        self.staff.is_some()
    }

    /// The accounts this user may `perm` on, when that is not every account:
    /// `None` for staff (all), the member accounts where it is allowed otherwise.
    pub fn accounts_where(&self, perm: Permission) -> Option<Vec<String>> {
        if self.can(perm, None) {
            return None;
        }
        Some(
            self.memberships
                .iter()
                .filter(|m| self.can(perm, Some(&m.account_id)))
                .map(|m| m.account_id.clone())
                .collect(),
        )
    }

    /// Where this user lands after signing in.
    pub fn home(&self) -> String {
        match (&self.staff, self.memberships.first()) {
            (Some(_), _) | (None, None) => "/accounts".to_owned(),
            (None, Some(m)) => format!("/accounts/{}", m.account_slug),
        }
    }
}
