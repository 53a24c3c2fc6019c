use serde::{Deserialize, Serialize};

use super::MemberView;
use crate::domain::{AccountRole, StaffRole};

/// The people of an account, for those who manage them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersView {
    pub members: Vec<MemberView>,
    pub invitations: Vec<InvitationView>,
    /// The link just issued, shown once (after a plain form post).
    pub issued: Option<IssuedLink>,
}

/// An invitation waiting for its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub user_id: String,
    pub email: String,
    pub role: Option<AccountRole>,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// Past `expires_at`: invite again for a new link.
    pub expired: bool,
}

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    Invitation,
    PasswordReset,
}

/// A one-time link just made: shown once to whoever asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLink {
    pub kind: LinkKind,
    pub email: String,
    pub url: String,
    pub expires_at: i64,
    /// `None`: no SMTP server is configured; `Some(false)`: it refused or
    /// didn't answer (the link still works: pass it on).
    pub emailed: Option<bool>,
}

/// What inviting an email did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteOutcome {
    /// An existing user: the membership is theirs at once.
    Added { email: String },
    /// A new (or still pending) user: here is their link.
    Invited(IssuedLink),
}

/// What the page of a one-time link shows before it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub kind: LinkKind,
    pub email: String,
    /// The account an invitation is to (none for staff and resets).
    pub account_name: Option<String>,
    pub expires_at: i64,
}

/// Users of the staff's list, one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub items: Vec<UserView>,
    pub total: i64,
    pub page: i64,
    /// Admins manage staff users.
    pub can_administer: bool,
    /// The link just issued, shown once (after a plain form post).
    pub issued: Option<IssuedLink>,
}

/// How far along a user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserState {
    Active,
    Pending,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub state: UserState,
    pub staff: Option<StaffRole>,
    /// (account slug, account name, role).
    pub memberships: Vec<(String, String, AccountRole)>,
    pub last_sign_in_at: Option<i64>,
    /// The one asking (nobody disables themselves).
    pub is_me: bool,
}

/// "My account".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccount {
    pub email: String,
    pub name: String,
    pub sessions: Vec<SessionView>,
}

/// One open browser session of the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The browser, shortened from its User-Agent ("Firefox on Linux").
    pub browser: String,
    pub ip: Option<String>,
    pub signed_in_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub this_one: bool,
}

pub const USERS_PAGE_SIZE: i64 = 50;
