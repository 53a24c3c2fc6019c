//! The failover editor of an inbound agent: what it loads, saving (naming the
//! revision it was loaded from), the revision history and restoring.

pub mod editor;
pub mod pages;

use leptos::prelude::*;

use crate::domain::failover::FailoverDraft;
use crate::error::AppError;
use crate::views::{FailoverEditor, RevisionView, TestReport};

/// Tests the draft (not saved): a workflow's webhook is called with a sample
/// context (`"test": true`); other actions are described as the runtime
/// would run them.
#[server(prefix = "/api", endpoint = "failover/test")]
pub async fn test_failover(agent_id: String, draft: FailoverDraft) -> Result<TestReport, AppError> {
    crate::error::respond(ssr::test(agent_id, draft).await)
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

#[server(prefix = "/api", endpoint = "failover/history")]
pub async fn list_revisions(agent_id: String) -> Result<Vec<RevisionView>, AppError> {
    crate::error::respond(ssr::history(agent_id).await)
}

/// Saves an old revision again, as a new revision.
#[server(prefix = "/api", endpoint = "failover/restore")]
pub async fn restore_revision(
    agent_id: String,
    revision: i64,
    base_revision: i64,
) -> Result<i64, AppError> {
    crate::error::respond(ssr::restore(agent_id, revision, base_revision).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::failover;

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
        failover::test(&context().await?, &state.webhooks, &agent_id, &draft).await
    }

    pub async fn restore(
        agent_id: String,
        revision: i64,
        base_revision: i64,
    ) -> Result<i64, AppError> {
        failover::restore(&context().await?, &agent_id, revision, base_revision).await
    }

    pub async fn history(agent_id: String) -> Result<Vec<RevisionView>, AppError> {
        failover::history(&context().await?, &agent_id).await
    }
}
