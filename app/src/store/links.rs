//! One-time links: invitations (a pending user signs up) and password
//! resets. Only the token's hash is stored; a user has at most one live link
//! per purpose, and using or revoking one deletes it.

use sqlx::{Any, AnyExecutor, Row, any::AnyRow};

use super::{StoreError, new_id, now_ms};
use crate::domain::AccountRole;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invite,
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// A live link, as stored.
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: String,
    pub user_id: String,
    pub account_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

fn row(r: &AnyRow) -> Result<LinkRow, sqlx::Error> {
    Ok(LinkRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        account_id: r.try_get("account_id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

/// Stores a link (by its token's hash), replacing the user's previous one
/// for the same purpose.
pub async fn replace(
    conn: &mut sqlx::AnyConnection,
    purpose: Purpose,
    user_id: &str,
    account_id: Option<&str>,
    token_hash: &str,
    created_by: &str,
    valid_ms: i64,
) -> Result<LinkRow, StoreError> {
    sqlx::query::<Any>("DELETE FROM user_links WHERE user_id = $1 AND purpose = $2")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    let now = now_ms();
    let link = LinkRow {
        id: new_id(),
        user_id: user_id.to_owned(),
        account_id: account_id.map(str::to_owned),
        created_by: created_by.to_owned(),
        created_at: now,
        expires_at: now.saturating_add(valid_ms),
    };
    sqlx::query::<Any>(
        "INSERT INTO user_links (id, token_hash, purpose, user_id, account_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&link.id)
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(user_id)
    .bind(account_id)
    .bind(created_by)
    .bind(link.created_at)
    .bind(link.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(link)
}

/// The live (unexpired) link with this token hash and purpose.
pub async fn find_live<'c>(
    ex: impl AnyExecutor<'c>,
    purpose: Purpose,
    token_hash: &str,
) -> Result<Option<LinkRow>, StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT id, user_id, account_id, created_by, created_at, expires_at FROM user_links \
         WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now_ms())
    .fetch_optional(ex)
    .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

/// Deletes a link by id (used); `NotFound` when it was already used or
/// revoked (two tabs accepting at once: one wins).
pub async fn take<'c>(ex: impl AnyExecutor<'c>, id: &str) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>("DELETE FROM user_links WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deletes a user's link of one purpose (revoked); whether there was one.
pub async fn revoke<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
    purpose: Purpose,
) -> Result<bool, StoreError> {
    let done = sqlx::query::<Any>("DELETE FROM user_links WHERE user_id = $1 AND purpose = $2")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A pending invitation of an account, for its page.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub user_id: String,
    pub email: String,
    pub role: Option<AccountRole>,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The invitations of an account that wait for an answer (expired ones
/// included: the page says so and offers to invite again), by email.
pub async fn invitations<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<Vec<InvitationRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT l.user_id, u.email, m.role, l.created_by, l.created_at, l.expires_at FROM user_links l \
         JOIN users u ON u.id = l.user_id \
         LEFT JOIN memberships m ON m.account_id = l.account_id AND m.user_id = l.user_id \
         WHERE l.account_id = $1 AND l.purpose = 'invite' ORDER BY u.email",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InvitationRow {
                user_id: r.try_get("user_id")?,
                email: r.try_get("email")?,
                role: r
                    .try_get::<Option<String>, _>("role")?
                    .and_then(|r| AccountRole::parse(&r).ok()),
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// The live invitation of a user, if any (staff invitations included).
pub async fn of_user<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
    purpose: Purpose,
) -> Result<Option<LinkRow>, StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT id, user_id, account_id, created_by, created_at, expires_at FROM user_links \
         WHERE user_id = $1 AND purpose = $2",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .fetch_optional(ex)
    .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

/// Deletes password-reset links expired for a day or more (invitations stay
/// listed, marked expired, until revoked or replaced).
pub async fn sweep<'c>(ex: impl AnyExecutor<'c>) -> Result<u64, StoreError> {
    let done =
        sqlx::query::<Any>("DELETE FROM user_links WHERE purpose = 'reset' AND expires_at <= $1")
            .bind(now_ms() - 24 * 3600 * 1000)
            .execute(ex)
            .await?;
    Ok(done.rows_affected())
}
