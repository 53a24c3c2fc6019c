//! Failover configs: the editor's data, saving (naming the revision it was
//! loaded from), the revision history, restoring, and "Test".

use super::{Change as AuditChange, Ctx};
use crate::domain::Code;
use crate::domain::failover::{FailoverAction, FailoverDraft};
use crate::domain::plan::{FailoverPlan, PlanDraft};
use crate::domain::{AuditAction, Direction, FieldErrors, Permission};
use crate::error::AppError;
use crate::store::accounts::AccountRow;
use crate::store::agents::AgentRow;
use crate::store::failover::{self as store, SaveOutcome, SavedBy};
use crate::store::schedules::ScheduleRow;
use crate::store::sip;
use crate::views::{
    Change, FailoverEditor, HISTORY_PAGE_SIZE, RevisionPage, RevisionView, ScheduleOption,
    SimulatedStep, Simulation, SipConnectionView, TestReport,
};

/// Everything the editor page needs.
pub async fn editor(ctx: &Ctx, agent_id: &str) -> Result<FailoverEditor, AppError> {
    let agent = super::agents::load(ctx, agent_id, Permission::ViewAccount).await?;
    let account =
        super::accounts::load_by_id(ctx, &agent.account_id, Permission::ViewAccount).await?;
    let pool = ctx.db.pool();
    let current = store::current(pool, &agent.id).await?;
    let connections = sip::list_by_account(pool, &account.id)
        .await?
        .into_iter()
        .map(SipConnectionView::from)
        .collect();
    let inbound = agent.direction == Direction::Inbound;
    let schedules = crate::store::schedules::list_by_account(pool, &account.id).await?;
    let used = current
        .as_ref()
        .map(|c| c.plan.schedule_ids())
        .unwrap_or_default();
    // Simulate reads "At" in the zone of a schedule the plan uses (else the
    // account's first, else UTC).
    let zone = schedules
        .iter()
        .find(|s| used.contains(s.id.as_str()))
        .or(schedules.first())
        .map_or_else(|| "UTC".to_owned(), |s| s.schedule.timezone.clone());
    Ok(FailoverEditor {
        can_edit: inbound && may_save(ctx, &account),
        viewer_is_staff: ctx.is_staff(),
        agent_id: agent.id,
        agent_name: agent.name,
        inbound,
        account_slug: account.slug,
        account_name: account.name,
        feature_enabled: account.failover_enabled,
        revision: current.as_ref().map_or(0, |c| c.revision),
        updated_at: current.as_ref().map(|c| c.updated_at),
        updated_by: current.as_ref().map(|c| c.updated_by_label.clone()),
        action: current
            .as_ref()
            .and_then(|c| c.plan.first_action().cloned()),
        plan: PlanDraft::from_plan(current.as_ref().map(|c| &c.plan)),
        schedules: schedules
            .into_iter()
            .map(|s| ScheduleOption {
                id: s.id,
                name: s.schedule.name,
            })
            .collect(),
        zone,
        sip_connections: connections,
        emergency: super::emergencies::current(ctx, &account.id)
            .await?
            .map(|e| super::emergencies::view(&e)),
    })
}

/// Whether a webhook URL passes the save rules here (the allow-list stays
/// on the server: the editor asks about a local URL it would refuse).
pub fn webhook_allowed(ctx: &Ctx, url: &str) -> Result<bool, AppError> {
    ctx.principal().ok_or(AppError::Unauthenticated)?;
    Ok(crate::domain::failover::parse_webhook_url(url, &ctx.webhook_allow_list).is_ok())
}

/// Editors, owners and staff save; customers only while the flag is on.
fn may_save(ctx: &Ctx, account: &AccountRow) -> bool {
    ctx.can(Permission::EditFailoverConfig, Some(&account.id))
        && (account.failover_enabled || ctx.is_staff())
}

/// The agent's account, if this caller may change (or test) the agent's
/// failover now: inbound agents only, customers only while the flag is on.
async fn editable_account(ctx: &Ctx, agent: &AgentRow) -> Result<AccountRow, AppError> {
    let account =
        super::accounts::load_by_id(ctx, &agent.account_id, Permission::ViewAccount).await?;
    if agent.direction != Direction::Inbound {
        return Err(FieldErrors::single("action_type", Code::OutboundAgent).into());
    }
    if !may_save(ctx, &account) {
        return Err(
            if ctx.can(Permission::EditFailoverConfig, Some(&account.id)) {
                FieldErrors::single("action_type", Code::FeatureDisabled).into()
            } else {
                AppError::Forbidden
            },
        );
    }
    Ok(account)
}

/// Saves `plan` as the revision after `base_revision`, or refuses (nothing
/// overwritten) when someone saved since.
async fn write(
    ctx: &Ctx,
    agent: &AgentRow,
    base_revision: i64,
    plan: FailoverPlan,
    restored_from: Option<i64>,
) -> Result<i64, AppError> {
    // A revision the form can have been loaded from: 0 (none yet) up to one
    // that still has a successor.
    if !(0..i64::MAX).contains(&base_revision) {
        return Err(FieldErrors::single("base_revision", Code::OutOfRange).into());
    }
    let account = editable_account(ctx, agent).await?;
    check_uses(ctx, &account, &plan).await?;
    let mut w = ctx.begin().await?;
    let before = store::current(&mut **w.tx(), &agent.id).await?;
    let by = SavedBy {
        id: ctx.user_id(),
        label: ctx.label(),
    };
    let saved = match store::save(
        w.tx(),
        &agent.id,
        &account.id,
        base_revision,
        &plan,
        by,
        restored_from,
    )
    .await?
    {
        SaveOutcome::Stale(current) => {
            let current = current.ok_or(AppError::NotFound)?;
            return Err(AppError::StaleRevision {
                revision: current.revision,
                saved_by: current.updated_by_label,
                saved_at: current.updated_at,
            });
        }
        SaveOutcome::Saved(saved) => saved,
    };
    w.commit(AuditChange {
        action: if restored_from.is_some() {
            AuditAction::FailoverRestore
        } else {
            AuditAction::FailoverSave
        },
        account_id: Some(&account.id),
        subject: Some(&agent.id),
        before: before.map(|b| audited(b.revision, &b.plan)),
        after: Some(audited(saved.revision, &saved.plan)),
    })
    .await?;
    Ok(saved.revision)
}

/// What the audit log keeps of a saved plan: a one-step plan as its action
/// (as before plans), else the plan step by step (`plan.default.1.text`).
fn audited(revision: i64, plan: &FailoverPlan) -> serde_json::Value {
    if plan.is_single() {
        serde_json::json!({"revision": revision, "action": plan.compared(false)})
    } else {
        serde_json::json!({"revision": revision, "plan": plan.compared(true)})
    }
}

/// Every SIP connection and schedule a plan names is the account's.
async fn check_uses(ctx: &Ctx, account: &AccountRow, plan: &FailoverPlan) -> Result<(), AppError> {
    let pool = ctx.db.pool();
    for id in plan.sip_connection_ids() {
        let ok = sip::find(pool, id)
            .await?
            .is_some_and(|c| c.account_id == account.id);
        if !ok {
            return Err(FieldErrors::single("sip_connection_id", Code::UnknownConnection).into());
        }
    }
    for id in plan.schedule_ids() {
        let ok = crate::store::schedules::find(pool, id)
            .await?
            .is_some_and(|s| s.account_id == account.id);
        if !ok {
            return Err(FieldErrors::single("only_when", Code::UnknownSchedule).into());
        }
    }
    Ok(())
}

/// Refused unless this caller may change the agent's failover now (a form
/// without JavaScript asking for a step to be added, moved or removed).
pub async fn agent_for_edit(ctx: &Ctx, agent_id: &str) -> Result<(), AppError> {
    let agent = super::agents::load(ctx, agent_id, Permission::EditFailoverConfig).await?;
    editable_account(ctx, &agent).await.map(|_| ())
}

/// Saves the draft as the revision after `base_revision`.
pub async fn save(
    ctx: &Ctx,
    agent_id: &str,
    base_revision: i64,
    draft: &FailoverDraft,
) -> Result<i64, AppError> {
    let agent = super::agents::load(ctx, agent_id, Permission::EditFailoverConfig).await?;
    let action = draft.parse(&ctx.webhook_allow_list)?;
    write(
        ctx,
        &agent,
        base_revision,
        FailoverPlan::single(action),
        None,
    )
    .await
}

/// Saves a whole plan (routes of steps, with their conditions) as the
/// revision after `base_revision`.
pub async fn save_plan(
    ctx: &Ctx,
    agent_id: &str,
    base_revision: i64,
    draft: &PlanDraft,
) -> Result<i64, AppError> {
    let agent = super::agents::load(ctx, agent_id, Permission::EditFailoverConfig).await?;
    let plan = parse_plan(ctx, &account_schedules(ctx, &agent).await?, draft)?;
    write(ctx, &agent, base_revision, plan, None).await
}

/// The schedules of the agent's account: what a plan's conditions may name.
async fn account_schedules(ctx: &Ctx, agent: &AgentRow) -> Result<Vec<ScheduleRow>, AppError> {
    Ok(crate::store::schedules::list_by_account(ctx.db.pool(), &agent.account_id).await?)
}

/// The plan of `draft` by the rules, its conditions on `schedules`.
fn parse_plan(
    ctx: &Ctx,
    schedules: &[ScheduleRow],
    draft: &PlanDraft,
) -> Result<FailoverPlan, FieldErrors> {
    draft.parse(&ctx.webhook_allow_list, |id| {
        schedules.iter().any(|s| s.id == id)
    })
}

/// Saves an old revision again, as a new revision: checked by today's rules
/// (a webhook host since refused, a header since forbidden stay out).
pub async fn restore(
    ctx: &Ctx,
    agent_id: &str,
    revision: i64,
    base_revision: i64,
) -> Result<i64, AppError> {
    let agent = super::agents::load(ctx, agent_id, Permission::EditFailoverConfig).await?;
    let old = store::revision(ctx.db.pool(), &agent.id, revision)
        .await?
        .ok_or(AppError::NotFound)?;
    let schedules = account_schedules(ctx, &agent).await?;
    let plan = parse_plan(ctx, &schedules, &PlanDraft::from_plan(Some(&old.plan)))?;
    write(ctx, &agent, base_revision, plan, Some(revision)).await
}

/// The action of a plan's first step (what the editor shows for now).
fn first(plan: &FailoverPlan) -> FailoverAction {
    plan.first_action()
        .cloned()
        .unwrap_or(FailoverAction::SayMessage {
            text: String::new(),
            language: String::new(),
        })
}

/// Simulate: for the draft on screen (not saved), the steps of the route
/// `cause` runs at the moment `at` (RFC 3339 or local `YYYY-MM-DDTHH:MM`
/// in `zone`; empty: now), each run or skipped and why, then the default
/// error message — the walk the resolve call answers with.
pub async fn simulate(
    ctx: &Ctx,
    agent_id: &str,
    draft: &PlanDraft,
    cause: &str,
    at: &str,
    zone: &str,
) -> Result<Simulation, AppError> {
    use crate::domain::schedule::ZonedSchedule;
    let agent = super::agents::load(ctx, agent_id, Permission::ViewAccount).await?;
    let account =
        super::accounts::load_by_id(ctx, &agent.account_id, Permission::ViewAccount).await?;
    let mut e = FieldErrors::new();
    let cause = cause.trim().parse::<crate::domain::Cause>().ok();
    if cause.is_none() {
        e.push("cause", Code::InvalidChoice);
    }
    let at_ms = if at.trim().is_empty() {
        Some(crate::store::now_ms())
    } else {
        super::emergencies::moment_reader(zone)(at)
    };
    if at_ms.is_none() {
        e.push("at", Code::InvalidDate);
    }
    let rows = account_schedules(ctx, &agent).await?;
    let plan = parse_plan(ctx, &rows, draft).map_err(|f| {
        let mut all = e.clone();
        all.absorb("", f);
        all
    })?;
    let (Some(cause), Some(at_ms)) = (cause, at_ms) else {
        return Err(e.into());
    };
    let schedules: std::collections::BTreeMap<String, (String, ZonedSchedule)> = rows
        .into_iter()
        .filter_map(|s| {
            let name = s.schedule.name.clone();
            Some((s.id, (name, ZonedSchedule::new(s.schedule)?)))
        })
        .collect();
    let walk = crate::domain::plan::walk(&plan, cause, |id| {
        schedules.get(id).map(|(_, z)| z.state_at(at_ms))
    });
    let (_, steps) = plan.route_for(cause);
    let steps = steps
        .iter()
        .zip(walk.verdicts)
        .enumerate()
        .map(|(index, (step, verdict))| SimulatedStep {
            index,
            schedule: step
                .only_when
                .as_ref()
                .and_then(|c| schedules.get(&c.schedule_id))
                .map(|(name, _)| name.clone()),
            action: step.action.clone(),
            verdict,
        })
        .collect();
    let tz = jiff::tz::TimeZone::get(zone.trim()).unwrap_or(jiff::tz::TimeZone::UTC);
    let at_local = jiff::Timestamp::from_millisecond(at_ms)
        .map(|t| t.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    Ok(Simulation {
        route: walk.route,
        at_ms,
        at_local: format!("{at_local} ({})", zone.trim()),
        zone: zone.to_owned(),
        steps,
        then: super::accounts::default_message(&account),
    })
}

/// One page of the saved revisions, newest first, with what each changed.
pub async fn history(ctx: &Ctx, agent_id: &str, page: i64) -> Result<RevisionPage, AppError> {
    let agent = super::agents::load(ctx, agent_id, Permission::ViewAccount).await?;
    let (page, offset) = super::page_offset(page, HISTORY_PAGE_SIZE);
    let pool = ctx.db.pool();
    let total = store::count_revisions(pool, &agent.id).await?;
    // One more than shown: the oldest shown is compared with the one before it.
    let revisions = store::revisions(pool, &agent.id, HISTORY_PAGE_SIZE + 1, offset).await?;
    let shown = revisions.len().min(HISTORY_PAGE_SIZE as usize);
    let revisions_view = revisions[..shown]
        .iter()
        .enumerate()
        .map(|(i, r)| RevisionView {
            revision: r.revision,
            saved_at: r.saved_at,
            saved_by: r.saved_by_label.clone(),
            restored_from: r.restored_from,
            action: first(&r.plan),
            changes: plan_changes(revisions.get(i + 1).map(|prev| &prev.plan), &r.plan),
        })
        .collect();
    Ok(RevisionPage {
        revisions: revisions_view,
        total,
        page,
        page_size: HISTORY_PAGE_SIZE,
    })
}

/// Tests the draft (not saved): a workflow's webhook is called with a sample
/// context (`"test": true`); other actions are described as the runtime
/// would run them.
///
/// Refused, as a save would be, for an outbound agent or (for customers)
/// while the flag is off. Webhook calls are limited per user and in number
/// running at once (429).
pub async fn test(
    ctx: &Ctx,
    webhooks: &crate::webhook::WebhookClient,
    limits: &crate::security::rate::TestLimits,
    agent_id: &str,
    draft: &FailoverDraft,
) -> Result<TestReport, AppError> {
    let agent = super::agents::load(ctx, agent_id, Permission::EditFailoverConfig).await?;
    let action = draft.parse(&ctx.webhook_allow_list)?;
    let account = editable_account(ctx, &agent).await?;
    match action {
        FailoverAction::Workflow {
            webhook_url,
            timeout_seconds,
        } => {
            let payload = serde_json::json!({
                "call_id": format!("test-{}", crate::store::new_id()),
                "agent_id": agent.id,
                "account_id": account.id,
                "caller": "+33100000001",
                "called": "+33100000002",
                "precall_context": {"trigger": "precall_error", "detail": "sample context sent by the Test button"},
                "test": true,
            });
            let too_many = |wait: std::time::Duration| AppError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            };
            limits.per_user.check(ctx.label()).map_err(too_many)?;
            let _running = limits
                .running
                .clone()
                .try_acquire_owned()
                .map_err(|_| too_many(std::time::Duration::from_secs(1)))?;
            let timeout = std::time::Duration::from_secs(u64::from(timeout_seconds));
            let call = webhooks
                .call(&webhook_url, timeout, &payload, &ctx.webhook_allow_list)
                .await;
            Ok(TestReport::Webhook(call))
        }
        action => Ok(TestReport::Runtime {
            action,
            default_message: super::accounts::default_message(&account),
        }),
    }
}

/// The fields that differ from `before` to `after`, step by step
/// (`default.1.phone_number`); between one-step plans, the action's fields
/// (`phone_number`), as before plans.
pub fn plan_changes(before: Option<&FailoverPlan>, after: &FailoverPlan) -> Vec<Change> {
    let whole = !after.is_single() || before.is_some_and(|b| !b.is_single());
    let before = before.map(|b| b.compared(whole));
    super::audit::diff(before.as_ref(), Some(&after.compared(whole)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::failover::TransferTarget;

    fn changes(before: Option<&FailoverAction>, after: &FailoverAction) -> Vec<Change> {
        let before = before.cloned().map(FailoverPlan::single);
        plan_changes(before.as_ref(), &FailoverPlan::single(after.clone()))
    }

    #[test]
    fn changes_name_the_fields_that_differ() {
        let a = FailoverAction::SayMessage {
            text: "Bonjour".into(),
            language: "fr-FR".into(),
        };
        let b = FailoverAction::SayMessage {
            text: "Hello".into(),
            language: "fr-FR".into(),
        };
        assert_eq!(
            changes(Some(&a), &b),
            vec![Change {
                field: "text".into(),
                before: Some("Bonjour".into()),
                after: Some("Hello".into())
            }]
        );
        let t = FailoverAction::Transfer {
            max_ring_seconds: 20,
            target: TransferTarget::PhoneNumber("+33123456789".into()),
        };
        let c = changes(Some(&a), &t);
        assert!(
            c.iter()
                .any(|c| c.field == "type" && c.after.as_deref() == Some("transfer"))
        );
        assert!(c.iter().any(|c| c.field == "text" && c.after.is_none()));
        assert_eq!(changes(None, &a).len(), 3);
    }
}
