//! Agents of an account.

use sqlx::{Any, AnyExecutor, Row};

use super::{StoreError, new_id, now_ms};
use crate::domain::{Direction, Language, PersonName};

/// One agent as stored.
#[derive(Debug, Clone)]
pub struct AgentRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub direction: Direction,
    pub language: String,
}

pub async fn create(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    name: &PersonName,
    direction: Direction,
    language: &Language,
) -> Result<AgentRow, StoreError> {
    let id = new_id();
    sqlx::query::<Any>(
        "INSERT INTO agents (id, account_id, name, direction, language, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(name.as_str())
    .bind(direction.as_str())
    .bind(language.as_str())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    super::changes::touch(conn, super::changes::Touched::Agent(&id)).await?;
    Ok(AgentRow {
        id,
        account_id: account_id.to_owned(),
        name: name.as_str().to_owned(),
        direction,
        language: language.as_str().to_owned(),
    })
}

pub async fn list_by_account<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<Vec<AgentRow>, StoreError> {
    page_by_account(ex, account_id, i64::MAX, 0).await
}

/// How many agents an account has.
pub async fn count_by_account<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<i64, StoreError> {
    let r = sqlx::query::<Any>("SELECT COUNT(*) AS n FROM agents WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(ex)
        .await?;
    Ok(r.try_get("n")?)
}

/// Up to `limit` agents of an account by name, skipping `offset`.
pub async fn page_by_account<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<AgentRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT id, account_id, name, direction, language FROM agents \
         WHERE account_id = $1 ORDER BY LOWER(name), id LIMIT $2 OFFSET $3",
    )
    .bind(account_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let direction: String = r.try_get("direction")?;
            Ok(AgentRow {
                id: r.try_get("id")?,
                account_id: r.try_get("account_id")?,
                name: r.try_get("name")?,
                direction: Direction::parse(&direction).unwrap_or(Direction::Outbound),
                language: r.try_get("language")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

pub async fn find<'c>(ex: impl AnyExecutor<'c>, id: &str) -> Result<Option<AgentRow>, StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT id, account_id, name, direction, language FROM agents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let direction: String = r.try_get("direction")?;
    Ok(Some(AgentRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        direction: Direction::parse(&direction).unwrap_or(Direction::Outbound),
        language: r.try_get("language")?,
    }))
}

pub async fn update(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    name: &PersonName,
    direction: Direction,
    language: &Language,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE agents SET name = $1, direction = $2, language = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(name.as_str())
    .bind(direction.as_str())
    .bind(language.as_str())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::changes::touch(conn, super::changes::Touched::Agent(id)).await?;
    Ok(())
}
