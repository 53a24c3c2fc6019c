//! What the runtime snapshot loads: the state of every agent whose document
//! changed in a range of the change sequence.

use sqlx::{Any, Row};

use super::StoreError;
use crate::domain::Direction;
use crate::domain::failover::FailoverAction;

/// What the store holds for one agent, enough to build its document.
#[derive(Debug, Clone)]
pub struct AgentState {
    pub agent_id: String,
    pub account_id: String,
    pub direction: Direction,
    pub failover_enabled: bool,
    pub default_message: Option<(String, String)>,
    pub action: Option<FailoverAction>,
    /// Name and URI of the SIP connection a SIP transfer uses.
    pub sip_connection: Option<(String, String)>,
    pub change_seq: i64,
    pub changed_at: i64,
}

/// The state of every agent changed in (`after`, `upto`].
pub async fn agent_states(
    pool: &sqlx::AnyPool,
    after: i64,
    upto: i64,
) -> Result<Vec<AgentState>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT a.id, a.account_id, a.direction, a.change_seq, a.changed_at, \
         ac.failover_enabled, ac.default_message_text, ac.default_message_language, \
         fc.action_json, sc.name AS sip_name, sc.sip_uri \
         FROM agents a JOIN accounts ac ON ac.id = a.account_id \
         LEFT JOIN failover_configs fc ON fc.agent_id = a.id \
         LEFT JOIN sip_connections sc ON sc.id = fc.sip_connection_id \
         WHERE a.change_seq > $1 AND a.change_seq <= $2",
    )
    .bind(after)
    .bind(upto)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let direction: String = r.try_get("direction")?;
            let action: Option<String> = r.try_get("action_json")?;
            let action = action
                .map(|j| serde_json::from_str(&j))
                .transpose()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            let text: Option<String> = r.try_get("default_message_text")?;
            let language: Option<String> = r.try_get("default_message_language")?;
            let sip_name: Option<String> = r.try_get("sip_name")?;
            let sip_uri: Option<String> = r.try_get("sip_uri")?;
            Ok(AgentState {
                agent_id: r.try_get("id")?,
                account_id: r.try_get("account_id")?,
                direction: Direction::parse(&direction).unwrap_or(Direction::Outbound),
                failover_enabled: r.try_get::<i64, _>("failover_enabled")? != 0,
                default_message: text.zip(language),
                action,
                sip_connection: sip_name.zip(sip_uri),
                change_seq: r.try_get("change_seq")?,
                changed_at: r.try_get("changed_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}
