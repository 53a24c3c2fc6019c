//! Runtime API tokens. The secret is shown once, at creation; only its hash is
//! kept. A token is recognised by its prefix (`relais_rt_`), carries scopes and
//! may be bound to one account.

use sqlx::{Any, AnyConnection, AnyExecutor, Row, any::AnyRow};

use super::changes::{Touched, touch};
use super::{StoreError, new_id, now_ms};
use crate::domain::{Scope, scopes_to_string};

/// What every token starts with, so a leaked one is easy to spot (and to scan for).
pub const TOKEN_PREFIX: &str = "relais_rt_";
/// Characters of randomness after the prefix (alphanumeric: ~238 bits).
const SECRET_LEN: usize = 40;
/// How much of a token lists show.
const SHOWN_LEN: usize = TOKEN_PREFIX.len() + 6;

/// The hash kept for a token (BLAKE2s-256, hex). Tokens are long random
/// strings, so a fast hash is enough: there is nothing to brute-force.
pub fn hash_secret(token: &str) -> String {
    hex::encode(hash_bytes(token))
}

/// The same hash, as bytes (how the runtime API looks tokens up).
pub fn hash_bytes(token: &str) -> [u8; 32] {
    use blake2::Digest;
    blake2::Blake2s256::digest(token.as_bytes()).into()
}

/// Bytes from the hex of [`hash_secret`].
pub fn unhex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// A new token: `relais_rt_` and 40 random alphanumeric characters.
pub fn generate() -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    let secret: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(SECRET_LEN)
        .map(char::from)
        .collect();
    format!("{TOKEN_PREFIX}{secret}")
}

/// A token as stored (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub scopes: Vec<Scope>,
    pub account_id: Option<String>,
    pub account_slug: Option<String>,
    pub created_at: i64,
    pub created_by_label: String,
    pub revoked_at: Option<i64>,
    pub revoked_by_label: Option<String>,
    pub change_seq: i64,
    /// The last request that presented it (epoch ms), as last recorded.
    pub last_used_at: Option<i64>,
}

fn row(r: &AnyRow) -> Result<TokenRow, sqlx::Error> {
    let scopes: String = r.try_get("scopes")?;
    Ok(TokenRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        secret_hash: r.try_get("secret_hash")?,
        scopes: scopes.split(',').filter_map(Scope::parse).collect(),
        account_id: r.try_get("account_id")?,
        account_slug: r.try_get("account_slug")?,
        created_at: r.try_get("created_at")?,
        created_by_label: r.try_get("created_by_label")?,
        revoked_at: r.try_get("revoked_at")?,
        revoked_by_label: r.try_get("revoked_by_label")?,
        change_seq: r.try_get("change_seq")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

const SELECT: &str = "SELECT t.id, t.name, t.prefix, t.secret_hash, t.scopes, t.account_id, \
    a.slug AS account_slug, t.created_at, t.created_by_label, t.revoked_at, t.revoked_by_label, \
    t.change_seq, t.last_used_at FROM runtime_tokens t LEFT JOIN accounts a ON a.id = t.account_id";

/// Creates a token; returns the row and the secret (to show once).
pub async fn create(
    conn: &mut AnyConnection,
    name: &str,
    scopes: &[Scope],
    account_id: Option<&str>,
    created_by: &str,
) -> Result<(TokenRow, String), StoreError> {
    let token = generate();
    let id = new_id();
    let prefix = token[..SHOWN_LEN].to_owned();
    sqlx::query::<Any>(
        "INSERT INTO runtime_tokens (id, name, prefix, secret_hash, scopes, account_id, created_at, \
         created_by_label, change_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
    )
    .bind(&id)
    .bind(name)
    .bind(&prefix)
    .bind(hash_secret(&token))
    .bind(scopes_to_string(scopes))
    .bind(account_id)
    .bind(now_ms())
    .bind(created_by)
    .execute(&mut *conn)
    .await?;
    touch(conn, Touched::Token(&id)).await?;
    let row = find(&mut *conn, &id).await?.ok_or(StoreError::NotFound)?;
    Ok((row, token))
}

/// Revokes a token; `false` when it was already revoked.
pub async fn revoke(conn: &mut AnyConnection, id: &str, by: &str) -> Result<bool, StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE runtime_tokens SET revoked_at = $1, revoked_by_label = $2 \
         WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    touch(conn, Touched::Token(id)).await?;
    Ok(true)
}

/// Records that a token was presented at `at` (epoch ms), unless a later use
/// is already recorded (by another instance). Not a change of the runtime
/// documents: no sequence number.
pub async fn record_use<'c>(ex: impl AnyExecutor<'c>, id: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "UPDATE runtime_tokens SET last_used_at = $1 \
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
    )
    .bind(at)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn find<'c>(ex: impl AnyExecutor<'c>, id: &str) -> Result<Option<TokenRow>, StoreError> {
    let r = sqlx::query::<Any>(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

/// Every token, newest first.
pub async fn list<'c>(ex: impl AnyExecutor<'c>) -> Result<Vec<TokenRow>, StoreError> {
    page(ex, i64::MAX, 0).await
}

/// Up to `limit` tokens, newest first, skipping `offset`.
pub async fn page<'c>(
    ex: impl AnyExecutor<'c>,
    limit: i64,
    offset: i64,
) -> Result<Vec<TokenRow>, StoreError> {
    let rows = sqlx::query::<Any>(&format!(
        "{SELECT} ORDER BY t.created_at DESC, t.id LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(row).collect::<Result<Vec<_>, _>>()?)
}

/// How many tokens there are.
pub async fn count<'c>(ex: impl AnyExecutor<'c>) -> Result<i64, StoreError> {
    let r = sqlx::query::<Any>("SELECT COUNT(*) AS n FROM runtime_tokens")
        .fetch_one(ex)
        .await?;
    Ok(r.try_get("n")?)
}

/// Tokens changed (created or revoked) after `seq`.
pub async fn changed_since<'c>(
    ex: impl AnyExecutor<'c>,
    seq: i64,
) -> Result<Vec<TokenRow>, StoreError> {
    let rows = sqlx::query::<Any>(&format!("{SELECT} WHERE t.change_seq > $1"))
        .bind(seq)
        .fetch_all(ex)
        .await?;
    Ok(rows.iter().map(row).collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_like_tokens() {
        let t = generate();
        assert!(t.starts_with(TOKEN_PREFIX));
        assert_eq!(t.len(), TOKEN_PREFIX.len() + SECRET_LEN);
        assert_ne!(generate(), t);
        assert_eq!(hash_secret(&t).len(), 64);
        assert_eq!(hash_secret(&t), hash_secret(&t.clone()));
        assert_eq!(unhex(&hash_secret(&t)), Some(hash_bytes(&t)));
        assert_eq!(unhex("zz"), None);
    }
}
