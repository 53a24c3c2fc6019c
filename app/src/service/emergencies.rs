//! Emergency mode (SPEC §8): staff for one or several accounts at once,
//! owners for their own; only where failover is on. It ends by hand, at its
//! end time (the timer below, every second), or when failover is switched
//! off; each start and end is audited.

use super::{Change, Ctx};
use crate::domain::emergency::{Activation, EmergencyDraft, Ended};
use crate::domain::failover::{FailoverAction, TransferTarget};
use crate::domain::{AuditAction, Code, FieldErrors, Permission};
use crate::error::AppError;
use crate::store::accounts::AccountRow;
use crate::store::emergencies::{self, EmergencyRow};

/// Staff may; an owner may for their account. Another tenant's: not found.
async fn account_for(ctx: &Ctx, slug: &str) -> Result<AccountRow, AppError> {
    let account = super::accounts::load(ctx, slug, Permission::ViewAccount).await?;
    let staff = ctx.can(Permission::SwitchFailover, Some(&account.id));
    if !staff && !ctx.can(Permission::ManageAccountSettings, Some(&account.id)) {
        return Err(AppError::Forbidden);
    }
    Ok(account)
}

fn snapshot(e: &EmergencyRow) -> serde_json::Value {
    serde_json::json!({"action": e.action, "reason": e.reason, "ends_at": e.ends_at})
}

/// Starts emergency mode on each account of `slugs` (or replaces the one on
/// it), all or none: every account is checked before any starts.
/// `to_ms` reads the end as the viewer typed it.
pub async fn start(
    ctx: &Ctx,
    slugs: &[String],
    draft: &EmergencyDraft,
    confirmed: bool,
    to_ms: impl Fn(&str) -> Option<i64>,
) -> Result<(), AppError> {
    if slugs.is_empty() {
        return Err(FieldErrors::single("accounts", Code::Required).into());
    }
    // Who may, first: another tenant's account is not found.
    let mut accounts = Vec::with_capacity(slugs.len());
    for slug in slugs {
        accounts.push(account_for(ctx, slug).await?);
    }
    if !confirmed {
        return Err(FieldErrors::single("confirm", Code::ConfirmationRequired).into());
    }
    let now = crate::store::now_ms();
    let Activation {
        action,
        reason,
        ends_at,
    } = draft.parse(&ctx.webhook_allow_list, now, to_ms)?;
    for account in &accounts {
        if !account.failover_enabled {
            return Err(FieldErrors::single("accounts", Code::FeatureDisabled).into());
        }
        if let FailoverAction::Transfer {
            target: TransferTarget::Sip(s),
            ..
        } = &action
        {
            let ok = crate::store::sip::find(ctx.db.pool(), &s.connection_id)
                .await?
                .is_some_and(|c| c.account_id == account.id);
            if !ok {
                return Err(
                    FieldErrors::single("sip_connection_id", Code::UnknownConnection).into(),
                );
            }
        }
    }
    for account in accounts {
        let mut w = ctx.begin().await?;
        let before = emergencies::find(&mut **w.tx(), &account.id).await?;
        let row = EmergencyRow {
            account_id: account.id.clone(),
            action: action.clone(),
            reason: reason.clone(),
            started_at: now,
            ends_at,
            started_by_label: ctx.label().to_owned(),
        };
        emergencies::start(w.tx(), &row).await?;
        w.commit(Change {
            action: AuditAction::EmergencyStart,
            account_id: Some(&account.id),
            subject: Some(&account.slug),
            before: before.as_ref().map(snapshot),
            after: Some(snapshot(&row)),
        })
        .await?;
    }
    Ok(())
}

/// Ends an account's emergency by hand; nothing to end is not an error.
pub async fn end(ctx: &Ctx, slug: &str) -> Result<(), AppError> {
    let account = account_for(ctx, slug).await?;
    let mut w = ctx.begin().await?;
    if let Some(was) = emergencies::end(w.tx(), &account.id, None).await? {
        w.commit(ended(&account.id, &account.slug, &was, Ended::ByHand))
            .await?;
    }
    Ok(())
}

/// The audit entry of an end.
pub(crate) fn ended<'a>(
    account_id: &'a str,
    slug: &'a str,
    was: &EmergencyRow,
    how: Ended,
) -> Change<'a> {
    Change {
        action: AuditAction::EmergencyEnd,
        account_id: Some(account_id),
        subject: Some(slug),
        before: Some(snapshot(was)),
        after: Some(serde_json::json!({"ended": how.as_str()})),
    }
}

/// Ends every emergency whose end time has come (`ctx`: the system, on a
/// timer every second). Several instances may run it: each end happens once.
pub async fn end_due(ctx: &Ctx) -> Result<usize, AppError> {
    let now = crate::store::now_ms();
    let mut n = 0;
    for account_id in emergencies::due(ctx.db.pool(), now).await? {
        let Some(account) = crate::store::accounts::find_by_id(ctx.db.pool(), &account_id).await?
        else {
            continue;
        };
        let mut w = ctx.begin().await?;
        if let Some(was) = emergencies::end(w.tx(), &account.id, Some(now)).await? {
            w.commit(ended(
                &account.id,
                &account.slug,
                &was,
                Ended::Automatically,
            ))
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Reads an end as typed: RFC 3339, or a local `YYYY-MM-DDTHH:MM` in `tz`
/// (an IANA name; UTC when unknown), the earlier of a repeated hour.
pub fn moment_reader(tz: &str) -> impl Fn(&str) -> Option<i64> + use<> {
    let zone = jiff::tz::TimeZone::get(tz.trim()).unwrap_or(jiff::tz::TimeZone::UTC);
    move |raw: &str| {
        if let Some(ms) = crate::runtime::doc::parse_rfc3339(raw) {
            return Some(ms);
        }
        let local: jiff::civil::DateTime = raw.trim().parse().ok()?;
        let at = zone.to_ambiguous_timestamp(local).compatible().ok()?;
        Some(at.as_millisecond())
    }
}

/// What the banner says of an emergency.
pub fn view(e: &EmergencyRow) -> crate::views::EmergencyView {
    crate::views::EmergencyView {
        action: e.action.clone(),
        reason: e.reason.clone(),
        ends_at: e.ends_at,
        started_by: e.started_by_label.clone(),
    }
}

/// The emergency on an account, if any (for its pages' banner).
pub async fn current(ctx: &Ctx, account_id: &str) -> Result<Option<EmergencyRow>, AppError> {
    Ok(emergencies::find(ctx.db.pool(), account_id).await?)
}
