//! Failover configs: the current one per agent and every saved revision, with
//! saves that name the revision they were loaded from.

use sqlx::{Any, AnyConnection, AnyExecutor, Row, any::AnyRow};

use super::{StoreError, now_ms};
use crate::domain::plan::FailoverPlan;

/// The saved config of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRow {
    pub agent_id: String,
    pub account_id: String,
    pub revision: i64,
    pub plan: FailoverPlan,
    pub updated_at: i64,
    pub updated_by_label: String,
}

/// One saved revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionRow {
    pub revision: i64,
    pub plan: FailoverPlan,
    pub saved_at: i64,
    pub saved_by_label: String,
    pub restored_from: Option<i64>,
}

/// A stored plan, or a v1 action stored alone (a one-step plan).
fn decode(json: &str) -> Result<FailoverPlan, sqlx::Error> {
    FailoverPlan::from_stored(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn config(r: &AnyRow) -> Result<ConfigRow, sqlx::Error> {
    Ok(ConfigRow {
        agent_id: r.try_get("agent_id")?,
        account_id: r.try_get("account_id")?,
        revision: r.try_get("revision")?,
        plan: decode(&r.try_get::<String, _>("action_json")?)?,
        updated_at: r.try_get("updated_at")?,
        updated_by_label: r.try_get("updated_by_label")?,
    })
}

pub async fn current<'c>(
    ex: impl AnyExecutor<'c>,
    agent_id: &str,
) -> Result<Option<ConfigRow>, StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT agent_id, account_id, revision, action_json, updated_at, updated_by_label \
         FROM failover_configs WHERE agent_id = $1",
    )
    .bind(agent_id)
    .fetch_optional(ex)
    .await?;
    Ok(r.as_ref().map(config).transpose()?)
}

/// The saved configs of the agents on one page of an account's agents (the
/// page of `agents::page_by_account`; those that have one).
pub async fn current_on_page<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConfigRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT agent_id, account_id, revision, action_json, updated_at, updated_by_label \
         FROM failover_configs WHERE agent_id IN (SELECT id FROM agents \
         WHERE account_id = $1 ORDER BY LOWER(name), id LIMIT $2 OFFSET $3)",
    )
    .bind(account_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().map(config).collect::<Result<Vec<_>, _>>()?)
}

/// How many inbound agents an account has, and how many of them have a
/// saved failover action.
pub async fn inbound_counts<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<(i64, i64), StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT COUNT(*) AS inbound, COUNT(f.agent_id) AS configured FROM agents a \
         LEFT JOIN failover_configs f ON f.agent_id = a.id \
         WHERE a.account_id = $1 AND a.direction = 'inbound'",
    )
    .bind(account_id)
    .fetch_one(ex)
    .await?;
    Ok((r.try_get("inbound")?, r.try_get("configured")?))
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved(ConfigRow),
    /// Someone saved since the base revision: here is what is current now.
    Stale(Option<ConfigRow>),
}

/// Who saves.
#[derive(Debug, Clone)]
pub struct SavedBy<'a> {
    pub id: Option<&'a str>,
    pub label: &'a str,
}

/// Saves `plan` as the revision after `base_revision` (0: none saved yet),
/// inside the caller's transaction. Refuses, changing nothing, when the
/// current revision is not `base_revision`.
pub async fn save(
    conn: &mut AnyConnection,
    agent_id: &str,
    account_id: &str,
    base_revision: i64,
    plan: &FailoverPlan,
    by: SavedBy<'_>,
    restored_from: Option<i64>,
) -> Result<SaveOutcome, StoreError> {
    let json = plan.to_stored();
    let connections = plan.sip_connection_ids();
    // The first connection, as before plans (the column keeps its meaning).
    let connection = connections.first().copied();
    let now = now_ms();
    let revision = base_revision + 1;
    let written = if base_revision == 0 {
        sqlx::query::<Any>(
            "INSERT INTO failover_configs (agent_id, account_id, revision, action_json, sip_connection_id, \
             updated_at, updated_by_id, updated_by_label) VALUES ($1, $2, 1, $3, $4, $5, $6, $7) \
             ON CONFLICT (agent_id) DO NOTHING",
        )
        .bind(agent_id)
        .bind(account_id)
        .bind(&json)
        .bind(connection)
        .bind(now)
        .bind(by.id)
        .bind(by.label)
        .execute(&mut *conn)
        .await?
    } else {
        sqlx::query::<Any>(
            "UPDATE failover_configs SET revision = $1, action_json = $2, sip_connection_id = $3, \
             updated_at = $4, updated_by_id = $5, updated_by_label = $6 WHERE agent_id = $7 AND revision = $8",
        )
        .bind(revision)
        .bind(&json)
        .bind(connection)
        .bind(now)
        .bind(by.id)
        .bind(by.label)
        .bind(agent_id)
        .bind(base_revision)
        .execute(&mut *conn)
        .await?
    };
    if written.rows_affected() == 0 {
        return Ok(SaveOutcome::Stale(current(&mut *conn, agent_id).await?));
    }
    sqlx::query::<Any>(
        "INSERT INTO failover_revisions (agent_id, revision, action_json, saved_at, saved_by_id, saved_by_label, restored_from) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(agent_id)
    .bind(revision)
    .bind(&json)
    .bind(now)
    .bind(by.id)
    .bind(by.label)
    .bind(restored_from)
    .execute(&mut *conn)
    .await?;
    let uses: Vec<(&str, &str)> = connections
        .iter()
        .map(|c| ("sip", *c))
        .chain(plan.schedule_ids().into_iter().map(|s| ("schedule", s)))
        .collect();
    record_uses(conn, agent_id, &uses).await?;
    super::changes::touch(conn, super::changes::Touched::Agent(agent_id)).await?;
    Ok(SaveOutcome::Saved(ConfigRow {
        agent_id: agent_id.to_owned(),
        account_id: account_id.to_owned(),
        revision,
        plan: plan.clone(),
        updated_at: now,
        updated_by_label: by.label.to_owned(),
    }))
}

/// Names of the agents whose saved plan uses a SIP connection (`kind`
/// `sip`) or a schedule (`schedule`).
pub async fn agents_using<'c>(
    ex: impl AnyExecutor<'c>,
    kind: &str,
    id: &str,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT a.name FROM failover_uses u JOIN agents a ON a.id = u.agent_id \
         WHERE u.kind = $1 AND u.ref_id = $2 ORDER BY LOWER(a.name)",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("name"))
        .collect::<Result<Vec<String>, _>>()?)
}

/// Records what a saved plan uses, in place of what the agent's plan used before.
async fn record_uses(
    conn: &mut AnyConnection,
    agent_id: &str,
    uses: &[(&str, &str)],
) -> Result<(), StoreError> {
    sqlx::query::<Any>("DELETE FROM failover_uses WHERE agent_id = $1")
        .bind(agent_id)
        .execute(&mut *conn)
        .await?;
    for (kind, id) in uses {
        sqlx::query::<Any>(
            "INSERT INTO failover_uses (agent_id, kind, ref_id) VALUES ($1, $2, $3)",
        )
        .bind(agent_id)
        .bind(*kind)
        .bind(*id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn revision_row(r: &AnyRow) -> Result<RevisionRow, sqlx::Error> {
    Ok(RevisionRow {
        revision: r.try_get("revision")?,
        plan: decode(&r.try_get::<String, _>("action_json")?)?,
        saved_at: r.try_get("saved_at")?,
        saved_by_label: r.try_get("saved_by_label")?,
        restored_from: r.try_get("restored_from")?,
    })
}

/// Up to `limit` revisions of an agent, newest first, skipping `offset`.
pub async fn revisions<'c>(
    ex: impl AnyExecutor<'c>,
    agent_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<RevisionRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT revision, action_json, saved_at, saved_by_label, restored_from FROM failover_revisions \
         WHERE agent_id = $1 ORDER BY revision DESC LIMIT $2 OFFSET $3",
    )
    .bind(agent_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .iter()
        .map(revision_row)
        .collect::<Result<Vec<_>, _>>()?)
}

/// How many revisions an agent has.
pub async fn count_revisions<'c>(
    ex: impl AnyExecutor<'c>,
    agent_id: &str,
) -> Result<i64, StoreError> {
    let row =
        sqlx::query::<Any>("SELECT COUNT(*) AS n FROM failover_revisions WHERE agent_id = $1")
            .bind(agent_id)
            .fetch_one(ex)
            .await?;
    Ok(row.try_get("n")?)
}

pub async fn revision<'c>(
    ex: impl AnyExecutor<'c>,
    agent_id: &str,
    revision: i64,
) -> Result<Option<RevisionRow>, StoreError> {
    let r = sqlx::query::<Any>(
        "SELECT revision, action_json, saved_at, saved_by_label, restored_from FROM failover_revisions \
         WHERE agent_id = $1 AND revision = $2",
    )
    .bind(agent_id)
    .bind(revision)
    .fetch_optional(ex)
    .await?;
    Ok(r.as_ref().map(revision_row).transpose()?)
}
