//! Accounts: create, find, list with search and counts, switch the failover flag.

use sqlx::{Any, AnyExecutor, Row, any::AnyRow};

use super::{StoreError, like_pattern, new_id, now_ms, unique_as};
use crate::domain::{AccountName, Slug, Taken};

/// One account as stored.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub failover_enabled: bool,
    pub default_message_text: Option<String>,
    pub default_message_language: Option<String>,
}

/// An account in a list, with how many agents and members it has.
#[derive(Debug, Clone)]
pub struct AccountListRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub failover_enabled: bool,
    pub agent_count: i64,
    pub user_count: i64,
}

const COLUMNS: &str =
    "id, name, slug, failover_enabled, default_message_text, default_message_language";

fn row(r: &AnyRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        slug: r.try_get("slug")?,
        failover_enabled: r.try_get::<i64, _>("failover_enabled")? != 0,
        default_message_text: r.try_get("default_message_text")?,
        default_message_language: r.try_get("default_message_language")?,
    })
}

pub async fn create<'c>(
    ex: impl AnyExecutor<'c>,
    name: &AccountName,
    slug: &Slug,
) -> Result<AccountRow, StoreError> {
    let id = new_id();
    let now = now_ms();
    sqlx::query::<Any>(
        "INSERT INTO accounts (id, name, slug, failover_enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, $4, $4)",
    )
    .bind(&id)
    .bind(name.as_str())
    .bind(slug.as_str())
    .bind(now)
    .execute(ex)
    .await
    .map_err(unique_as(Taken::Slug))?;
    Ok(AccountRow {
        id,
        name: name.as_str().to_owned(),
        slug: slug.as_str().to_owned(),
        failover_enabled: false,
        default_message_text: None,
        default_message_language: None,
    })
}

pub async fn find_by_slug<'c>(
    ex: impl AnyExecutor<'c>,
    slug: &str,
) -> Result<Option<AccountRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE slug = $1");
    let r = sqlx::query::<Any>(&sql)
        .bind(slug)
        .fetch_optional(ex)
        .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

pub async fn find_by_id<'c>(
    ex: impl AnyExecutor<'c>,
    id: &str,
) -> Result<Option<AccountRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let r = sqlx::query::<Any>(&sql).bind(id).fetch_optional(ex).await?;
    Ok(r.as_ref().map(row).transpose()?)
}

/// A page of accounts whose name or slug contains `search` (any case), with
/// counts, ordered by name; plus the total number of matches.
pub async fn search(
    pool: &sqlx::AnyPool,
    search: &str,
    only_ids: Option<&[String]>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AccountListRow>, i64), StoreError> {
    let term = search.trim();
    let pattern = like_pattern(term);
    // Restricting to a set of ids (a customer's memberships) is done with a
    // JSON-free IN list of bound parameters.
    let mut filter = String::from(
        "($1 = '' OR LOWER(a.name) LIKE $2 ESCAPE '\\' OR a.slug LIKE $2 ESCAPE '\\')",
    );
    if let Some(ids) = only_ids {
        if ids.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let params: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
        filter.push_str(&format!(" AND a.id IN ({})", params.join(", ")));
    }
    let n = only_ids.map_or(0, <[String]>::len);
    let count_sql = format!("SELECT COUNT(*) AS n FROM accounts a WHERE {filter}");
    let list_sql = format!(
        "SELECT a.id, a.name, a.slug, a.failover_enabled, \
           (SELECT COUNT(*) FROM agents g WHERE g.account_id = a.id) AS agent_count, \
           (SELECT COUNT(*) FROM memberships m WHERE m.account_id = a.id) AS user_count \
         FROM accounts a WHERE {filter} ORDER BY LOWER(a.name), a.id LIMIT ${} OFFSET ${}",
        n + 3,
        n + 4
    );
    let mut count = sqlx::query::<Any>(&count_sql).bind(term).bind(&pattern);
    let mut list = sqlx::query::<Any>(&list_sql).bind(term).bind(&pattern);
    for id in only_ids.unwrap_or_default() {
        count = count.bind(id);
        list = list.bind(id);
    }
    let total: i64 = count.fetch_one(pool).await?.try_get("n")?;
    let rows = list.bind(limit).bind(offset).fetch_all(pool).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(AccountListRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                slug: r.try_get("slug")?,
                failover_enabled: r.try_get::<i64, _>("failover_enabled")? != 0,
                agent_count: r.try_get("agent_count")?,
                user_count: r.try_get("user_count")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((items, total))
}

/// How many accounts there are.
pub async fn count<'c>(ex: impl AnyExecutor<'c>) -> Result<i64, StoreError> {
    Ok(sqlx::query::<Any>("SELECT COUNT(*) AS n FROM accounts")
        .fetch_one(ex)
        .await?
        .try_get("n")?)
}

pub async fn set_failover_enabled(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    enabled: bool,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE accounts SET failover_enabled = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(i64::from(enabled))
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::changes::touch(conn, super::changes::Touched::Account(id)).await?;
    Ok(())
}

/// Renames an account (its slug stays: links and tokens name it).
pub async fn rename<'c>(
    ex: impl AnyExecutor<'c>,
    id: &str,
    name: &AccountName,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>("UPDATE accounts SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name.as_str())
        .bind(now_ms())
        .bind(id)
        .execute(ex)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Sets (or, with `None`, resets to the platform's) default error message.
pub async fn set_default_message(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    message: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE accounts SET default_message_text = $1, default_message_language = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(message.map(|m| m.0))
    .bind(message.map(|m| m.1))
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::changes::touch(conn, super::changes::Touched::Account(id)).await?;
    Ok(())
}
