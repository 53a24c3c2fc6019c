//! What the runtime tokens page shows.

use serde::{Deserialize, Serialize};

/// A runtime token as the list shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// The first characters of the token.
    pub prefix: String,
    pub scopes: String,
    pub account: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<i64>,
}

/// A token just created: its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    pub secret: String,
}

/// Tokens shown per page.
pub const TOKENS_PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPageData {
    /// One page of the tokens, newest first.
    pub tokens: Vec<TokenView>,
    pub total: i64,
    pub page: i64,
    /// Slug and name of every account, to bind a token to one.
    pub accounts: Vec<(String, String)>,
    pub created: Option<CreatedToken>,
}
