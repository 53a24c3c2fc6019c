//! Business hours of an account (SPEC §8), and which agents' plans use them.

use sqlx::{Any, AnyExecutor, Row, any::AnyRow};

use super::{StoreError, new_id, now_ms, unique_as};
use crate::domain::Taken;
use crate::domain::schedule::Schedule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    pub id: String,
    pub account_id: String,
    pub schedule: Schedule,
    pub updated_at: i64,
}

fn row(r: &AnyRow) -> Result<ScheduleRow, sqlx::Error> {
    let json: String = r.try_get("schedule_json")?;
    Ok(ScheduleRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        schedule: serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn json(s: &Schedule) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub async fn create<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    schedule: &Schedule,
) -> Result<ScheduleRow, StoreError> {
    let id = new_id();
    let now = now_ms();
    sqlx::query::<Any>(
        "INSERT INTO schedules (id, account_id, name, schedule_json, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(&schedule.name)
    .bind(json(schedule))
    .bind(now)
    .execute(ex)
    .await
    .map_err(unique_as(Taken::Name))?;
    Ok(ScheduleRow {
        id,
        account_id: account_id.to_owned(),
        schedule: schedule.clone(),
        updated_at: now,
    })
}

/// Changes a schedule; the agents whose plans use it get a new document.
pub async fn update(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    schedule: &Schedule,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE schedules SET name = $1, schedule_json = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&schedule.name)
    .bind(json(schedule))
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(unique_as(Taken::Name))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::changes::touch(conn, super::changes::Touched::Schedule(id)).await?;
    Ok(())
}

pub async fn delete<'c>(ex: impl AnyExecutor<'c>, id: &str) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>("DELETE FROM schedules WHERE id = $1")
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
) -> Result<Option<ScheduleRow>, StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT id, account_id, schedule_json, updated_at FROM schedules WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

pub async fn list_by_account<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<Vec<ScheduleRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT id, account_id, schedule_json, updated_at FROM schedules \
         WHERE account_id = $1 ORDER BY LOWER(name), id",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(row).collect::<Result<Vec<_>, _>>()?)
}

/// Names of the agents whose saved plan uses the schedule.
pub async fn agents_using<'c>(
    ex: impl AnyExecutor<'c>,
    id: &str,
) -> Result<Vec<String>, StoreError> {
    super::failover::agents_using(ex, "schedule", id).await
}
