//! The audit log: who changed what, when, from where, with before and after.

use sqlx::{Any, AnyExecutor};

use super::{StoreError, new_id, now_ms};

/// Who made a change.
#[derive(Debug, Clone)]
pub enum Actor {
    User {
        id: String,
        email: String,
    },
    Token {
        id: String,
        name: String,
    },
    /// The command line, run by whoever has the database.
    System(&'static str),
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a Actor,
    pub account_id: Option<&'a str>,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client_ip: Option<&'a str>,
}

pub async fn record<'c>(ex: impl AnyExecutor<'c>, e: Entry<'_>) -> Result<(), StoreError> {
    let (kind, actor_id, label) = match e.actor {
        Actor::User { id, email } => ("user", Some(id.as_str()), email.as_str()),
        Actor::Token { id, name } => ("token", Some(id.as_str()), name.as_str()),
        Actor::System(label) => ("system", None, *label),
    };
    sqlx::query::<Any>(
        "INSERT INTO audit_log (id, at, actor_kind, actor_id, actor_label, account_id, action, \
         subject, before_json, after_json, client_ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new_id())
    .bind(now_ms())
    .bind(kind)
    .bind(actor_id)
    .bind(label)
    .bind(e.account_id)
    .bind(e.action)
    .bind(e.subject)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .bind(e.client_ip)
    .execute(ex)
    .await?;
    Ok(())
}
