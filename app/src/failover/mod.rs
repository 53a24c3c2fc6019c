//! The failover editor of an inbound agent: what it loads, saving (naming the
//! revision it was loaded from), the revision history and restoring.

pub mod editor;
pub mod pages;
mod report;
mod simulate;
mod steps;

use leptos::prelude::*;

use crate::domain::failover::FailoverDraft;
use crate::domain::plan::PlanDraft;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::views::{FailoverEditor, RevisionPage, Simulation, TestReport};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// Tests the draft (not saved): a workflow's webhook is called with a sample
/// context (`"test": true`); other actions are described as the runtime
/// would run them.
#[server(prefix = "/api", endpoint = "failover/test")]
pub async fn test_failover(agent_id: String, draft: FailoverDraft) -> Result<TestReport, AppError> {
    crate::error::respond(ssr::test(agent_id, draft).await)
}

/// Whether a webhook URL the browser would refuse as local is on the
/// server's allow-list (the list itself never leaves the server).
#[server(prefix = "/api", endpoint = "failover/webhook_allowed")]
pub async fn webhook_allowed(url: String) -> Result<bool, AppError> {
    crate::error::respond(ssr::webhook_allowed(url).await)
}

#[server(prefix = "/api", endpoint = "failover/editor")]
pub async fn get_failover_editor(agent_id: String) -> Result<FailoverEditor, AppError> {
    crate::error::respond(ssr::editor(agent_id).await)
}

/// Saves the draft as the revision after `base_revision`; refused (nothing
/// overwritten) if someone saved since.
#[server(prefix = "/api", endpoint = "failover/save")]
pub async fn save_failover(
    agent_id: String,
    base_revision: i64,
    draft: FailoverDraft,
) -> Result<i64, AppError> {
    crate::error::respond(ssr::save(agent_id, base_revision, draft).await)
}

/// Saves the plan as the revision after `base_revision`; refused (nothing
/// overwritten) if someone saved since. A form without JavaScript also
/// posts here the changes of its own shape (`op`: a step added, removed or
/// moved, and `simulate`): made on the draft, not saved, and the form comes
/// back with it.
#[server(prefix = "/api", endpoint = "failover/save_plan")]
pub async fn save_plan(
    agent_id: String,
    base_revision: i64,
    #[server(default)] plan: PlanDraft,
    #[server(default)] op: String,
    #[server(default)] cause: String,
    #[server(default)] at: String,
    #[server(default)] zone: String,
) -> Result<i64, AppError> {
    ssr::save_plan(agent_id, base_revision, plan, op, (cause, at, zone)).await
}

/// Simulate: the steps of the draft (not saved) that run for `cause` at
/// `at` (local time in `zone`, or RFC 3339; empty: now).
#[server(prefix = "/api", endpoint = "failover/simulate")]
pub async fn simulate(
    agent_id: String,
    #[server(default)] plan: PlanDraft,
    cause: String,
    #[server(default)] at: String,
    #[server(default)] zone: String,
) -> Result<Simulation, AppError> {
    crate::error::respond(ssr::simulate(agent_id, plan, cause, at, zone).await)
}

/// One page of the agent's revisions, newest first.
#[server(prefix = "/api", endpoint = "failover/history")]
pub async fn list_revisions(
    agent_id: String,
    #[server(default)] page: i64,
) -> Result<RevisionPage, AppError> {
    crate::error::respond(ssr::history(agent_id, page).await)
}

/// Saves an old revision again, as a new revision.
#[server(prefix = "/api", endpoint = "failover/restore")]
pub async fn restore_revision(
    agent_id: String,
    revision: i64,
    base_revision: i64,
) -> Result<i64, AppError> {
    let result = ssr::restore(agent_id, revision, base_revision).await;
    Reply::new(RestoreRevision::PATH, "history", Notice::Restored)
        .answer(result)
        .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::failover;

    pub async fn webhook_allowed(url: String) -> Result<bool, AppError> {
        failover::webhook_allowed(&context().await?, &url)
    }

    pub async fn editor(agent_id: String) -> Result<FailoverEditor, AppError> {
        failover::editor(&context().await?, &agent_id).await
    }

    pub async fn save(
        agent_id: String,
        base_revision: i64,
        draft: FailoverDraft,
    ) -> Result<i64, AppError> {
        failover::save(&context().await?, &agent_id, base_revision, &draft).await
    }

    pub async fn test(agent_id: String, draft: FailoverDraft) -> Result<TestReport, AppError> {
        let state = crate::state::app_state()?;
        failover::test(
            &context().await?,
            &state.webhooks,
            &state.tests,
            &agent_id,
            &draft,
        )
        .await
    }

    pub async fn simulate(
        agent_id: String,
        plan: PlanDraft,
        cause: String,
        at: String,
        zone: String,
    ) -> Result<Simulation, AppError> {
        failover::simulate(&context().await?, &agent_id, &plan, &cause, &at, &zone).await
    }

    /// A save, or (a form without JavaScript) an edit of the draft or a
    /// simulation, answered with the draft kept for the form.
    pub async fn save_plan(
        agent_id: String,
        base_revision: i64,
        mut plan: PlanDraft,
        op: String,
        (cause, at, zone): (String, String, String),
    ) -> Result<i64, AppError> {
        use crate::domain::plan::PlanEdit;
        let ctx = context().await?;
        let reply = |plan: &PlanDraft| {
            Reply::new(SavePlan::PATH, "editor", Notice::Saved)
                .keep_whole("plan", serde_json::to_string(plan).unwrap_or_default())
                .keep("cause", &cause)
                .keep("at", &at)
        };
        if op == "simulate" {
            // Looked at, not saved: the draft, its errors or what it does.
            let kept = reply(&plan);
            let kept = match failover::simulate(&ctx, &agent_id, &plan, &cause, &at, &zone).await {
                Ok(sim) => kept.keep_whole(
                    "simulation",
                    serde_json::to_string(&sim).unwrap_or_default(),
                ),
                Err(AppError::Invalid(f)) => {
                    kept.keep_whole("errors", serde_json::to_string(&f).unwrap_or_default())
                }
                Err(e) => return crate::error::respond(Err(e)),
            };
            kept.again().await;
            return Ok(base_revision);
        }
        if !op.is_empty() {
            // The shape only: saved by Save, like everything else typed.
            failover::agent_for_edit(&ctx, &agent_id).await?;
            let edit = PlanEdit::parse(&op).ok_or_else(|| {
                crate::domain::FieldErrors::single("op", crate::domain::Code::InvalidChoice)
            })?;
            plan.apply(edit);
            reply(&plan).again().await;
            return Ok(base_revision);
        }
        let result = failover::save_plan(&ctx, &agent_id, base_revision, &plan).await;
        let mut r = reply(&plan);
        if let Err(AppError::Invalid(f)) = &result {
            r = r.keep_whole("errors", serde_json::to_string(f).unwrap_or_default());
        }
        r.answer(result).await
    }

    pub async fn restore(
        agent_id: String,
        revision: i64,
        base_revision: i64,
    ) -> Result<i64, AppError> {
        failover::restore(&context().await?, &agent_id, revision, base_revision).await
    }

    pub async fn history(agent_id: String, page: i64) -> Result<RevisionPage, AppError> {
        failover::history(&context().await?, &agent_id, page).await
    }
}
