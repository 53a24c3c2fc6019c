//! SIP connections of an account.

use sqlx::{Any, AnyExecutor, Row, any::AnyRow};

use super::{StoreError, new_id, now_ms, unique_as};
use crate::domain::Taken;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipConnectionRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub sip_uri: String,
}

fn row(r: &AnyRow) -> Result<SipConnectionRow, sqlx::Error> {
    Ok(SipConnectionRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        sip_uri: r.try_get("sip_uri")?,
    })
}

pub async fn create<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    name: &str,
    sip_uri: &str,
) -> Result<SipConnectionRow, StoreError> {
    let id = new_id();
    sqlx::query::<Any>(
        "INSERT INTO sip_connections (id, account_id, name, sip_uri, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(name)
    .bind(sip_uri)
    .bind(now_ms())
    .execute(ex)
    .await
    .map_err(unique_as(Taken::Name))?;
    Ok(SipConnectionRow {
        id,
        account_id: account_id.to_owned(),
        name: name.to_owned(),
        sip_uri: sip_uri.to_owned(),
    })
}

pub async fn update(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    name: &str,
    sip_uri: &str,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE sip_connections SET name = $1, sip_uri = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(name)
    .bind(sip_uri)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(unique_as(Taken::Name))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::changes::touch(conn, super::changes::Touched::SipConnection(id)).await?;
    Ok(())
}

pub async fn delete<'c>(ex: impl AnyExecutor<'c>, id: &str) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>("DELETE FROM sip_connections WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn find<'c>(
    ex: impl AnyExecutor<'c>,
    id: &str,
) -> Result<Option<SipConnectionRow>, StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT id, account_id, name, sip_uri FROM sip_connections WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

pub async fn list_by_account<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<Vec<SipConnectionRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT id, account_id, name, sip_uri FROM sip_connections WHERE account_id = $1 ORDER BY LOWER(name), id",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(row).collect::<Result<Vec<_>, _>>()?)
}

/// Names of the agents whose saved failover plan uses the connection.
pub async fn agents_using<'c>(
    ex: impl AnyExecutor<'c>,
    id: &str,
) -> Result<Vec<String>, StoreError> {
    super::failover::agents_using(ex, "sip", id).await
}
