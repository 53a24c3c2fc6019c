//! The failover editor of an inbound agent: what it loads, saving (naming the
//! revision it was loaded from), the revision history and restoring.

pub mod editor;
pub mod pages;

use leptos::prelude::*;

use crate::domain::failover::FailoverDraft;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::views::{FailoverEditor, RevisionPage, TestReport};
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
