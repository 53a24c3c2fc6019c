//! The audit log: who changed what, when, from where, with before and after.

use sqlx::{Any, AnyExecutor};

use super::{StoreError, Tx, new_id, now_ms};
use crate::domain::AuditAction;

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
    pub action: AuditAction,
    pub subject: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client_ip: Option<&'a str>,
}

/// Records the audit entry of the change made in `tx`, then commits both.
pub async fn commit(mut tx: Tx, e: Entry<'_>) -> Result<(), StoreError> {
    record(&mut *tx, e).await?;
    tx.0.commit().await?;
    Ok(())
}

/// Records one more entry in `tx` (a change that brings another with it:
/// the end of an emergency when failover is switched off); `commit` records
/// the last.
pub async fn record_in(tx: &mut Tx, e: Entry<'_>) -> Result<(), StoreError> {
    record(&mut **tx, e).await
}

async fn record<'c>(ex: impl AnyExecutor<'c>, e: Entry<'_>) -> Result<(), StoreError> {
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
    .bind(e.action.as_str())
    .bind(e.subject)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .bind(e.client_ip)
    .execute(ex)
    .await?;
    Ok(())
}

/// What to list from the audit log.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these accounts (a customer's); `None`: every entry (staff).
    pub within: Option<Vec<String>>,
    pub account_id: Option<String>,
    /// Part of the account's name or slug.
    pub account: Option<String>,
    /// Part of the actor's name, email or token name.
    pub actor: Option<String>,
    /// An action, or a prefix like `failover.`.
    pub action: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One audit entry, with its account's slug.
#[derive(Debug, Clone)]
pub struct Row {
    pub at: i64,
    pub actor_kind: String,
    pub actor_label: String,
    /// The user's name (when a user acted).
    pub actor_name: Option<String>,
    pub account_slug: Option<String>,
    pub account_name: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub client_ip: Option<String>,
}

/// Entries matching `f`, newest first, and how many match in all.
/// The WHERE clause of a filter and its bound values; `None` when it can match
/// nothing (no account within reach).
fn where_clause(f: &Filter) -> Option<(String, Vec<BindValue>)> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<BindValue> = Vec::new();
    let next = |v: BindValue, binds: &mut Vec<BindValue>| {
        binds.push(v);
        format!("${}", binds.len())
    };
    if let Some(within) = &f.within {
        if within.is_empty() {
            return None;
        }
        let params: Vec<String> = within
            .iter()
            .map(|id| next(BindValue::Text(id.clone()), &mut binds))
            .collect();
        clauses.push(format!("l.account_id IN ({})", params.join(", ")));
    }
    if let Some(a) = &f.account_id {
        let p = next(BindValue::Text(a.clone()), &mut binds);
        clauses.push(format!("l.account_id = {p}"));
    }
    if let Some(account) = &f.account {
        let p = next(
            BindValue::Text(super::like_pattern(&account.to_lowercase())),
            &mut binds,
        );
        clauses.push(format!(
            "(LOWER(a.name) LIKE {p} ESCAPE '\\' OR a.slug LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(actor) = &f.actor {
        let p = next(
            BindValue::Text(super::like_pattern(&actor.to_lowercase())),
            &mut binds,
        );
        clauses.push(format!(
            "(LOWER(l.actor_label) LIKE {p} ESCAPE '\\' OR LOWER(u.name) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(action) = &f.action {
        let p = next(BindValue::Text(format!("{action}%")), &mut binds);
        clauses.push(format!("l.action LIKE {p}"));
    }
    if let Some(from) = f.from_ms {
        let p = next(BindValue::Int(from), &mut binds);
        clauses.push(format!("l.at >= {p}"));
    }
    if let Some(to) = f.to_ms {
        let p = next(BindValue::Int(to), &mut binds);
        clauses.push(format!("l.at < {p}"));
    }
    let filter = if clauses.is_empty() {
        String::from("1 = 1")
    } else {
        clauses.join(" AND ")
    };
    Some((filter, binds))
}

fn row(r: &sqlx::any::AnyRow) -> Result<Row, sqlx::Error> {
    use sqlx::Row as _;
    Ok(Row {
        at: r.try_get("at")?,
        actor_kind: r.try_get("actor_kind")?,
        actor_label: r.try_get("actor_label")?,
        actor_name: r.try_get("actor_name")?,
        account_slug: r.try_get("account_slug")?,
        account_name: r.try_get("account_name")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        before_json: r.try_get("before_json")?,
        after_json: r.try_get("after_json")?,
        client_ip: r.try_get("client_ip")?,
    })
}

pub async fn list(pool: &sqlx::AnyPool, f: &Filter) -> Result<(Vec<Row>, i64), StoreError> {
    use sqlx::Row as _;
    let Some((filter, binds)) = where_clause(f) else {
        return Ok((Vec::new(), 0));
    };
    const FROM: &str = "audit_log l LEFT JOIN accounts a ON a.id = l.account_id \
         LEFT JOIN users u ON l.actor_kind = 'user' AND u.id = l.actor_id";
    let count_sql = format!("SELECT COUNT(*) AS n FROM {FROM} WHERE {filter}");
    let n = binds.len();
    let list_sql = format!(
        "SELECT l.at, l.actor_kind, l.actor_label, u.name AS actor_name, a.slug AS account_slug, \
         a.name AS account_name, l.action, l.subject, l.before_json, l.after_json, l.client_ip \
         FROM {FROM} WHERE {filter} ORDER BY l.at DESC, l.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut count = sqlx::query::<Any>(&count_sql);
    let mut list = sqlx::query::<Any>(&list_sql);
    for b in &binds {
        match b {
            BindValue::Text(t) => {
                count = count.bind(t.clone());
                list = list.bind(t.clone());
            }
            BindValue::Int(i) => {
                count = count.bind(*i);
                list = list.bind(*i);
            }
        }
    }
    let total: i64 = count.fetch_one(pool).await?.try_get("n")?;
    let rows = list.bind(f.limit).bind(f.offset).fetch_all(pool).await?;
    let rows = rows
        .iter()
        .map(row)
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((rows, total))
}

/// What an action's subject is: the table its name is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Account,
    Agent,
    SipConnection,
    Schedule,
    Token,
    User,
    Other,
}

/// The kind of subject of an action (`failover.save` → an agent…).
pub fn subject_kind(action: &str) -> SubjectKind {
    match action.split('.').next().unwrap_or("") {
        "account" => SubjectKind::Account,
        "agent" | "failover" => SubjectKind::Agent,
        "sip_connection" => SubjectKind::SipConnection,
        "schedule" => SubjectKind::Schedule,
        "emergency" => SubjectKind::Account,
        "token" => SubjectKind::Token,
        "user" | "membership" | "invitation" => SubjectKind::User,
        _ => SubjectKind::Other,
    }
}

/// The names of the things `wanted` names that still exist, by kind and key
/// (an account by slug, a user by email, the others by id).
pub async fn names(
    pool: &sqlx::AnyPool,
    wanted: &[(SubjectKind, String)],
) -> Result<std::collections::HashMap<(SubjectKind, String), String>, StoreError> {
    use sqlx::Row as _;
    let mut out = std::collections::HashMap::new();
    for (kind, sql) in [
        (
            SubjectKind::Account,
            "SELECT slug AS k, name AS v FROM accounts WHERE slug IN",
        ),
        (
            SubjectKind::Agent,
            "SELECT id AS k, name AS v FROM agents WHERE id IN",
        ),
        (
            SubjectKind::SipConnection,
            "SELECT id AS k, name AS v FROM sip_connections WHERE id IN",
        ),
        (
            SubjectKind::Schedule,
            "SELECT id AS k, name AS v FROM schedules WHERE id IN",
        ),
        (
            SubjectKind::Token,
            "SELECT id AS k, name AS v FROM runtime_tokens WHERE id IN",
        ),
        (
            SubjectKind::User,
            "SELECT email AS k, name AS v FROM users WHERE email IN",
        ),
    ] {
        let mut keys: Vec<&str> = wanted
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, key)| key.as_str())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            continue;
        }
        let params: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{sql} ({})", params.join(", "));
        let mut q = sqlx::query::<Any>(&sql);
        for k in &keys {
            q = q.bind(*k);
        }
        for r in q.fetch_all(pool).await? {
            let (k, v): (String, String) = (r.try_get("k")?, r.try_get("v")?);
            if !v.is_empty() {
                out.insert((kind, k), v);
            }
        }
    }
    Ok(out)
}

enum BindValue {
    Text(String),
    Int(i64),
}
