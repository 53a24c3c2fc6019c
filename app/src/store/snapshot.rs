//! What the runtime snapshot loads: the state of every agent whose document
//! changed in a range of the change sequence.

use std::collections::{BTreeMap, HashMap};

use sqlx::{Any, Row};

use super::StoreError;
use crate::domain::Direction;
use crate::domain::failover::FailoverAction;
use crate::domain::plan::FailoverPlan;
use crate::domain::schedule::Schedule;

/// The condition on `a` (the agents) that selects a slice: `$1`…`$4`.
macro_rules! in_slice {
    () => {
        "a.change_seq > $1 AND a.change_seq <= $2 AND a.id > $3 AND ($4 IS NULL OR a.id <= $4)"
    };
}

/// What the store holds for one agent, enough to build its document.
#[derive(Debug, Clone)]
pub struct AgentState {
    pub agent_id: String,
    pub account_id: String,
    pub direction: Direction,
    pub failover_enabled: bool,
    pub default_message: Option<(String, String)>,
    pub plan: Option<FailoverPlan>,
    /// Name and URI of each SIP connection the plan transfers through, by id.
    pub sip_connections: BTreeMap<String, (String, String)>,
    /// The schedules the plan's conditions name, by id.
    pub schedules: BTreeMap<String, Schedule>,
    /// The account's emergency mode, while it is on.
    pub emergency: Option<EmergencyState>,
    pub change_seq: i64,
    pub changed_at: i64,
}

/// An account's emergency mode as its agents' documents carry it.
#[derive(Debug, Clone)]
pub struct EmergencyState {
    pub action: FailoverAction,
    pub reason: String,
    pub ends_at: i64,
    /// Id, name and URI of the SIP connection a transfer goes through.
    pub sip_connection: Option<(String, String, String)>,
}

/// What the saved plans of the agents changed in (`after`, `upto`] use, by agent.
struct Uses {
    sip: HashMap<String, BTreeMap<String, (String, String)>>,
    /// The ids of the schedules each agent's plan names.
    schedule_ids: HashMap<String, Vec<String>>,
    /// Those schedules, parsed once each.
    schedules: HashMap<String, Schedule>,
}

impl Uses {
    /// What agent `id` uses (taken out: each agent is read once).
    fn take(
        &mut self,
        id: &str,
    ) -> (
        BTreeMap<String, (String, String)>,
        BTreeMap<String, Schedule>,
    ) {
        let sip = self.sip.remove(id).unwrap_or_default();
        let schedules = self
            .schedule_ids
            .remove(id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| {
                let schedule = self.schedules.get(&s)?.clone();
                Some((s, schedule))
            })
            .collect();
        (sip, schedules)
    }
}

async fn uses(pool: &sqlx::AnyPool, slice: &Slice) -> Result<Uses, StoreError> {
    let mut out = Uses {
        sip: HashMap::new(),
        schedule_ids: HashMap::new(),
        schedules: HashMap::new(),
    };
    let sip = sqlx::query::<Any>(concat!(
        "SELECT u.agent_id, sc.id, sc.name, sc.sip_uri FROM failover_uses u \
         JOIN agents a ON a.id = u.agent_id \
         JOIN sip_connections sc ON u.kind = 'sip' AND sc.id = u.ref_id \
         WHERE ",
        in_slice!()
    ));
    let sip = slice.bind(sip).fetch_all(pool).await?;
    for r in &sip {
        out.sip.entry(r.try_get("agent_id")?).or_default().insert(
            r.try_get("id")?,
            (r.try_get("name")?, r.try_get("sip_uri")?),
        );
    }
    let used = sqlx::query::<Any>(concat!(
        "SELECT u.agent_id, u.ref_id FROM failover_uses u \
         JOIN agents a ON a.id = u.agent_id \
         WHERE u.kind = 'schedule' AND ",
        in_slice!()
    ));
    let used = slice.bind(used).fetch_all(pool).await?;
    for r in &used {
        out.schedule_ids
            .entry(r.try_get("agent_id")?)
            .or_default()
            .push(r.try_get("ref_id")?);
    }
    let schedules = sqlx::query::<Any>(concat!(
        "SELECT s.id, s.schedule_json FROM schedules s WHERE s.id IN \
         (SELECT u.ref_id FROM failover_uses u JOIN agents a ON a.id = u.agent_id \
          WHERE u.kind = 'schedule' AND ",
        in_slice!(),
        ")"
    ));
    let schedules = slice.bind(schedules).fetch_all(pool).await?;
    for r in &schedules {
        let json: String = r.try_get("schedule_json")?;
        let schedule = serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        out.schedules.insert(r.try_get("id")?, schedule);
    }
    Ok(out)
}

/// Which agents a load reads: those changed in (`after`, `upto`] whose
/// ids are in (`ids_after`, `ids_upto`] (`None`: no upper bound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub after: i64,
    pub upto: i64,
    pub ids_after: String,
    pub ids_upto: Option<String>,
}

impl Slice {
    /// Every agent changed in (`after`, `upto`].
    pub fn changed(after: i64, upto: i64) -> Slice {
        Slice {
            after,
            upto,
            ids_after: String::new(),
            ids_upto: None,
        }
    }

    fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        q.bind(self.after)
            .bind(self.upto)
            .bind(self.ids_after.as_str())
            .bind(self.ids_upto.as_deref())
    }

    /// This slice cut by agent id into at most `parts` slices holding
    /// about as many agents each, so that a large load can be read on
    /// several connections at once (fewer when there are too few agents).
    pub async fn split(self, pool: &sqlx::AnyPool, parts: i64) -> Result<Vec<Slice>, StoreError> {
        let count: i64 = self
            .bind(sqlx::query::<Any>(concat!(
                "SELECT COUNT(*) AS n FROM agents a WHERE ",
                in_slice!()
            )))
            .fetch_one(pool)
            .await?
            .try_get("n")?;
        let mut cuts: Vec<String> = Vec::new();
        for i in 1..parts {
            let offset = count * i / parts;
            if offset == 0 {
                continue;
            }
            let at: Option<String> = self
                .bind(sqlx::query::<Any>(concat!(
                    "SELECT a.id FROM agents a WHERE ",
                    in_slice!(),
                    " ORDER BY a.id LIMIT 1 OFFSET $5"
                )))
                .bind(offset - 1)
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?;
            if let Some(at) = at
                && cuts.last().is_none_or(|c| *c < at)
            {
                cuts.push(at);
            }
        }
        let mut out = Vec::with_capacity(cuts.len() + 1);
        let mut ids_after = self.ids_after.clone();
        for cut in cuts {
            out.push(Slice {
                ids_after: std::mem::replace(&mut ids_after, cut.clone()),
                ids_upto: Some(cut),
                ..self.clone()
            });
        }
        out.push(Slice { ids_after, ..self });
        Ok(out)
    }
}

/// The state of every agent in `slice`, one at a time to `each` as the
/// rows arrive (a first load reads 100,000 of them: they are never all in
/// memory at once); returns how many.
pub async fn agent_states(
    pool: &sqlx::AnyPool,
    slice: &Slice,
    mut each: impl FnMut(AgentState),
) -> Result<usize, StoreError> {
    use futures_util::TryStreamExt;
    let mut uses = uses(pool, slice).await?;
    let rows = sqlx::query::<Any>(concat!(
        "SELECT a.id, a.account_id, a.direction, a.change_seq, a.changed_at, \
         ac.failover_enabled, ac.default_message_text, ac.default_message_language, \
         fc.action_json, e.action_json AS emergency_json, e.reason AS emergency_reason, \
         e.ends_at AS emergency_ends_at, esc.id AS esip_id, esc.name AS esip_name, \
         esc.sip_uri AS esip_uri \
         FROM agents a JOIN accounts ac ON ac.id = a.account_id \
         LEFT JOIN failover_configs fc ON fc.agent_id = a.id \
         LEFT JOIN emergencies e ON e.account_id = a.account_id \
         LEFT JOIN sip_connections esc ON esc.id = e.sip_connection_id \
         WHERE ",
        in_slice!()
    ));
    let mut rows = slice.bind(rows).fetch(pool);
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        each(agent_state(&r, &mut uses)?);
        n += 1;
    }
    Ok(n)
}

fn agent_state(r: &sqlx::any::AnyRow, uses: &mut Uses) -> Result<AgentState, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let direction: String = r.try_get("direction")?;
    let plan: Option<String> = r.try_get("action_json")?;
    let plan = plan
        .map(|j| FailoverPlan::from_stored(&j))
        .transpose()
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let emergency_json: Option<String> = r.try_get("emergency_json")?;
    let emergency = match emergency_json {
        None => None,
        Some(j) => {
            let esip_id: Option<String> = r.try_get("esip_id")?;
            let esip_name: Option<String> = r.try_get("esip_name")?;
            let esip_uri: Option<String> = r.try_get("esip_uri")?;
            Some(EmergencyState {
                action: serde_json::from_str(&j).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                reason: r.try_get("emergency_reason")?,
                ends_at: r.try_get("emergency_ends_at")?,
                sip_connection: esip_id
                    .zip(esip_name)
                    .zip(esip_uri)
                    .map(|((i, n), u)| (i, n, u)),
            })
        }
    };
    let text: Option<String> = r.try_get("default_message_text")?;
    let language: Option<String> = r.try_get("default_message_language")?;
    let (sip_connections, schedules) = uses.take(&id);
    Ok(AgentState {
        account_id: r.try_get("account_id")?,
        direction: Direction::parse(&direction).unwrap_or(Direction::Outbound),
        failover_enabled: r.try_get::<i64, _>("failover_enabled")? != 0,
        default_message: text.zip(language),
        plan,
        sip_connections,
        schedules,
        emergency,
        change_seq: r.try_get("change_seq")?,
        changed_at: r.try_get("changed_at")?,
        agent_id: id,
    })
}
