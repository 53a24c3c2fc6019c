//! Emergency mode: one row per account while it is on.

use sqlx::{Any, AnyConnection, AnyExecutor, Row, any::AnyRow};

use super::StoreError;
use super::changes::{Touched, touch};
use crate::domain::failover::{FailoverAction, TransferTarget};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyRow {
    pub account_id: String,
    pub action: FailoverAction,
    pub reason: String,
    pub started_at: i64,
    pub ends_at: i64,
    pub started_by_label: String,
}

const COLUMNS: &str = "account_id, action_json, reason, started_at, ends_at, started_by_label";

fn row(r: &AnyRow) -> Result<EmergencyRow, sqlx::Error> {
    let json: String = r.try_get("action_json")?;
    Ok(EmergencyRow {
        account_id: r.try_get("account_id")?,
        action: serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        reason: r.try_get("reason")?,
        started_at: r.try_get("started_at")?,
        ends_at: r.try_get("ends_at")?,
        started_by_label: r.try_get("started_by_label")?,
    })
}

/// Starts (or replaces) an account's emergency; its agents get new documents.
pub async fn start(conn: &mut AnyConnection, e: &EmergencyRow) -> Result<(), StoreError> {
    sqlx::query::<Any>("DELETE FROM emergencies WHERE account_id = $1")
        .bind(&e.account_id)
        .execute(&mut *conn)
        .await?;
    let sip = match &e.action {
        FailoverAction::Transfer {
            target: TransferTarget::Sip(s),
            ..
        } => Some(s.connection_id.as_str()),
        _ => None,
    };
    sqlx::query::<Any>(
        "INSERT INTO emergencies (account_id, action_json, sip_connection_id, reason, started_at, \
         ends_at, started_by_label) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&e.account_id)
    .bind(serde_json::to_string(&e.action).unwrap_or_default())
    .bind(sip)
    .bind(&e.reason)
    .bind(e.started_at)
    .bind(e.ends_at)
    .bind(&e.started_by_label)
    .execute(&mut *conn)
    .await?;
    touch(conn, Touched::Account(&e.account_id)).await?;
    Ok(())
}

/// Ends an account's emergency, if one is on (and, with `due_by`, only if
/// its end has come by then); what it was.
pub async fn end(
    conn: &mut AnyConnection,
    account_id: &str,
    due_by: Option<i64>,
) -> Result<Option<EmergencyRow>, StoreError> {
    let Some(current) = find(&mut *conn, account_id).await? else {
        return Ok(None);
    };
    let done =
        sqlx::query::<Any>("DELETE FROM emergencies WHERE account_id = $1 AND ends_at <= $2")
            .bind(account_id)
            .bind(due_by.unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    touch(conn, Touched::Account(account_id)).await?;
    Ok(Some(current))
}

pub async fn find<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<Option<EmergencyRow>, StoreError> {
    let r = sqlx::query::<Any>(&format!(
        "SELECT {COLUMNS} FROM emergencies WHERE account_id = $1"
    ))
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

/// The accounts whose emergency has reached its end by `now`.
pub async fn due<'c>(ex: impl AnyExecutor<'c>, now: i64) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query::<Any>("SELECT account_id FROM emergencies WHERE ends_at <= $1")
        .bind(now)
        .fetch_all(ex)
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("account_id"))
        .collect::<Result<Vec<String>, _>>()?)
}

/// Every emergency on now, soonest end first.
pub async fn active<'c>(ex: impl AnyExecutor<'c>) -> Result<Vec<EmergencyRow>, StoreError> {
    let rows = sqlx::query::<Any>(&format!(
        "SELECT {COLUMNS} FROM emergencies ORDER BY ends_at"
    ))
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(row).collect::<Result<Vec<_>, _>>()?)
}
