//! Reading the audit log: staff every entry, owners their accounts'.

use super::{Ctx, page_offset};
use crate::domain::Code;
use crate::domain::{FieldErrors, Permission};
use crate::error::AppError;
use crate::store::audit;
use crate::time_fmt::{DAY_MS, parse_date};
use crate::views::{AUDIT_PAGE_SIZE, AuditEntry, AuditPage};

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

/// Entries matching `q`, newest first.
pub async fn list(ctx: &Ctx, q: &AuditQuery) -> Result<AuditPage, AppError> {
    let mut e = FieldErrors::new();
    let from_ms = date("from", &q.from, &mut e);
    let to_ms = date("to", &q.to, &mut e).map(|d| d + DAY_MS);
    e.into_result()?;
    let account_id = if q.account.trim().is_empty() {
        None
    } else {
        Some(
            super::accounts::load(ctx, q.account.trim(), Permission::ReadAudit)
                .await?
                .id,
        )
    };
    let within = ctx.accounts_where(Permission::ReadAudit);
    if within.as_ref().is_some_and(Vec::is_empty) {
        return Err(AppError::Forbidden);
    }
    let (page, offset) = page_offset(q.page, AUDIT_PAGE_SIZE);
    let filter = audit::Filter {
        within,
        account_id,
        actor: Some(q.actor.trim().to_owned()).filter(|a| !a.is_empty()),
        action: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
        from_ms,
        to_ms,
        limit: AUDIT_PAGE_SIZE,
        offset,
    };
    let (rows, total) = audit::list(ctx.db.pool(), &filter).await?;
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| AuditEntry {
                at: r.at,
                actor: r.actor_label,
                actor_kind: r.actor_kind,
                account: r.account_slug,
                action: r.action,
                subject: r.subject,
                before: r.before_json.map(pretty),
                after: r.after_json.map(pretty),
                client_ip: r.client_ip,
            })
            .collect(),
        total,
        page,
    })
}

fn pretty(json: String) -> String {
    serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(json)
}
