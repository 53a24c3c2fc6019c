//! What the audit log page shows.

use serde::{Deserialize, Serialize};

/// Entries per page.
pub const AUDIT_PAGE_SIZE: i64 = 50;
/// The most entries an export holds (the newest, when more match).
pub const AUDIT_EXPORT_LIMIT: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    /// The user's email, the token's name or `cli` / `demo`.
    pub actor: String,
    /// The user's name, when a user did it.
    pub actor_name: Option<String>,
    pub actor_kind: String,
    /// The account's slug and name.
    pub account: Option<String>,
    pub account_name: Option<String>,
    pub action: String,
    /// What was changed: an id, a slug or an email…
    pub subject: Option<String>,
    /// …and its name (a deleted thing: the name it had).
    pub subject_name: Option<String>,
    /// Only the fields that changed.
    pub changes: Vec<super::Change>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub page: i64,
    /// The server's clock when it answered (for "3 h ago").
    pub now: i64,
}
