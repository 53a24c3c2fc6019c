//! Reading the audit log: staff every entry, owners their accounts'.

use super::{Ctx, page_offset};
use crate::domain::Code;
use crate::domain::{FieldErrors, Permission};
use crate::error::AppError;
use crate::store::audit;
use crate::time_fmt::{DAY_MS, parse_date};
use crate::views::{AUDIT_EXPORT_LIMIT, AUDIT_PAGE_SIZE, AuditEntry, AuditPage, Change};

/// What to list; empty texts mean any. Dates are `YYYY-MM-DD`, UTC, `to` included.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub account: String,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub page: i64,
}

/// A `YYYY-MM-DD` filter (empty: none); a bad one is a field error.
pub(crate) fn date(field: &str, raw: &str, e: &mut FieldErrors) -> Option<i64> {
    if raw.trim().is_empty() {
        return None;
    }
    let d = parse_date(raw);
    if d.is_none() {
        e.push(field, Code::InvalidDate);
    }
    d
}

/// Entries matching `q`, newest first: the page `q.page`.
pub async fn list(ctx: &Ctx, q: &AuditQuery) -> Result<AuditPage, AppError> {
    let (page, offset) = page_offset(q.page, AUDIT_PAGE_SIZE);
    fetch(ctx, q, AUDIT_PAGE_SIZE, offset, page).await
}

/// Every entry matching `q` (up to [`AUDIT_EXPORT_LIMIT`], newest first), for a file.
pub async fn export(ctx: &Ctx, q: &AuditQuery) -> Result<AuditPage, AppError> {
    fetch(ctx, q, AUDIT_EXPORT_LIMIT, 0, 1).await
}

async fn fetch(
    ctx: &Ctx,
    q: &AuditQuery,
    limit: i64,
    offset: i64,
    page: i64,
) -> Result<AuditPage, AppError> {
    let mut e = FieldErrors::new();
    let from_ms = date("from", &q.from, &mut e);
    let to_ms = date("to", &q.to, &mut e).map(|d| d + DAY_MS);
    e.into_result()?;
    let within = ctx.accounts_where(Permission::ReadAudit);
    if within.as_ref().is_some_and(Vec::is_empty) {
        return Err(AppError::Forbidden);
    }
    let filter = audit::Filter {
        within,
        account_id: None,
        account: Some(q.account.trim().to_owned()).filter(|a| !a.is_empty()),
        actor: Some(q.actor.trim().to_owned()).filter(|a| !a.is_empty()),
        action: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
        from_ms,
        to_ms,
        limit,
        offset,
    };
    let (rows, total) = audit::list(ctx.db.pool(), &filter).await?;
    let parse = |j: &Option<String>| {
        j.as_deref()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
    };
    let parsed: Vec<_> = rows
        .iter()
        .map(|r| {
            let (before, after) = (parse(&r.before_json), parse(&r.after_json));
            let changes = diff(before.as_ref(), after.as_ref());
            // A deleted thing is known by the name it had.
            let gone = before
                .as_ref()
                .and_then(|b| b.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_owned);
            (changes, gone)
        })
        .collect();
    // Names instead of ids: the subjects, and the SIP connections the changes name.
    let mut wanted: Vec<(audit::SubjectKind, String)> = rows
        .iter()
        .filter_map(|r| {
            r.subject
                .clone()
                .map(|s| (audit::subject_kind(&r.action), s))
        })
        .collect();
    for (changes, _) in &parsed {
        for c in changes.iter().filter(|c| names_sip_connection(&c.field)) {
            for v in [&c.before, &c.after].into_iter().flatten() {
                wanted.push((audit::SubjectKind::SipConnection, v.clone()));
            }
        }
    }
    let names = audit::names(ctx.db.pool(), &wanted).await?;
    let named = |kind, key: &str| names.get(&(kind, key.to_owned())).cloned();
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .zip(parsed)
            .map(|(r, (mut changes, gone))| {
                for c in changes
                    .iter_mut()
                    .filter(|c| names_sip_connection(&c.field))
                {
                    for v in [&mut c.before, &mut c.after].into_iter().flatten() {
                        if let Some(name) = named(audit::SubjectKind::SipConnection, v) {
                            *v = name;
                        }
                    }
                }
                let kind = audit::subject_kind(&r.action);
                let subject_name = r.subject.as_deref().and_then(|s| named(kind, s)).or(gone);
                AuditEntry {
                    at: r.at,
                    actor: r.actor_label,
                    actor_name: r.actor_name.filter(|n| !n.is_empty()),
                    actor_kind: r.actor_kind,
                    account: r.account_slug,
                    account_name: r.account_name,
                    action: r.action,
                    subject: r.subject,
                    subject_name,
                    changes,
                    client_ip: r.client_ip,
                }
            })
            .collect(),
        total,
        page,
        now: crate::store::now_ms(),
    })
}

/// Whether a changed field holds a SIP connection's id (shown by its name).
fn names_sip_connection(field: &str) -> bool {
    field.ends_with("sip.connection_id")
}

/// The leaves of a JSON value, as dotted paths and texts.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{i}"), v, out);
            }
        }
        serde_json::Value::Null => {}
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// The leaves that differ from `before` to `after` (dotted paths), in a
/// stable order: what an audit entry or a revision changed.
pub fn diff(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> Vec<Change> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    if let Some(v) = before {
        flatten("", v, &mut a);
    }
    if let Some(v) = after {
        flatten("", v, &mut b);
    }
    let mut fields: Vec<&String> = a.iter().chain(b.iter()).map(|(k, _)| k).collect();
    fields.sort();
    fields.dedup();
    let find = |list: &Vec<(String, String)>, f: &str| {
        list.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone())
    };
    fields
        .into_iter()
        .filter_map(|f| {
            let (x, y) = (find(&a, f), find(&b, f));
            (x != y).then(|| Change {
                field: f.clone(),
                before: x,
                after: y,
            })
        })
        .collect()
}
