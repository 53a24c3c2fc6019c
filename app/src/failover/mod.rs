//! The failover editor of an inbound agent: what it loads, saving (naming the
//! revision it was loaded from), the revision history and restoring.

pub mod editor;
pub mod pages;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::failover::{FailoverAction, FailoverDraft, WebhookAllowList};
use crate::error::AppError;
use crate::sip::SipConnectionView;

/// Everything the editor page needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailoverEditor {
    pub agent_id: String,
    pub agent_name: String,
    pub inbound: bool,
    pub account_slug: String,
    pub account_name: String,
    /// The account's flag: off means the section is locked for customers.
    pub feature_enabled: bool,
    /// Whether this user may save (role, and the flag for customers).
    pub can_edit: bool,
    /// Staff see the form even while the flag is off.
    pub viewer_is_staff: bool,
    /// 0 when nothing is saved yet.
    pub revision: i64,
    pub action: Option<FailoverAction>,
    pub updated_at: Option<i64>,
    pub updated_by: Option<String>,
    pub sip_connections: Vec<SipConnectionView>,
    pub allow_list: WebhookAllowList,
}

/// A saved revision and what it changed from the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionView {
    pub revision: i64,
    pub saved_at: i64,
    pub saved_by: String,
    pub restored_from: Option<i64>,
    pub action: FailoverAction,
    pub changes: Vec<Change>,
}

/// One field that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

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

/// The fields that differ from `before` to `after`, in a stable order.
pub fn changes(before: Option<&FailoverAction>, after: &FailoverAction) -> Vec<Change> {
    let mut a = Vec::new();
    let mut b = Vec::new();
    if let Some(before) = before {
        flatten(
            "",
            &serde_json::to_value(before).unwrap_or_default(),
            &mut a,
        );
    }
    flatten("", &serde_json::to_value(after).unwrap_or_default(), &mut b);
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

/// What the webhook's answer means for the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// `{}` or `{"action": null}`: hang up when the webhook ends.
    HangUp,
    /// A valid say-message or transfer action.
    Action(FailoverAction),
    /// Anything else: the runtime plays the default error message. The code says why.
    Invalid(String),
}

/// The outcome of calling a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCall {
    /// None when no HTTP answer came (refused address, timeout, connection error).
    pub status: Option<u16>,
    pub body: String,
    pub duration_ms: u64,
    /// `timeout`, `forbidden_address`, `connect_failed`, `redirect_refused`, `answer_too_large`.
    pub failure: Option<String>,
    pub verdict: Verdict,
}

/// What "Test" shows: the webhook's answer, or what the runtime would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestReport {
    Webhook(WebhookCall),
    Runtime {
        action: FailoverAction,
        default_message: crate::accounts::DefaultMessage,
    },
}

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
pub(crate) mod ssr {
    use super::*;
    use crate::agents::ssr::agent_for;
    use crate::auth::Principal;
    use crate::auth::ssr::{actor, principal};
    use crate::domain::failover::TransferTarget;
    use crate::domain::{Direction, FieldErrors, Permission};
    use crate::state::app_state;
    use crate::store::audit::{self, Entry};
    use crate::store::failover::{self as store, SaveOutcome, SavedBy};
    use crate::store::{StoreError, accounts, agents, sip};

    pub async fn editor(agent_id: String) -> Result<FailoverEditor, AppError> {
        let p = principal().await?;
        let agent = agent_for(&p, &agent_id, Permission::ViewAccount).await?;
        let state = app_state()?;
        let account = accounts::find_by_id(state.db.pool(), &agent.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let current = store::current(state.db.pool(), &agent.id).await?;
        let connections = sip::list_by_account(state.db.pool(), &account.id)
            .await?
            .into_iter()
            .map(|c| SipConnectionView {
                id: c.id,
                name: c.name,
                sip_uri: c.sip_uri,
            })
            .collect();
        let inbound = agent.direction == Direction::Inbound;
        Ok(FailoverEditor {
            can_edit: inbound && may_save(&p, &account),
            viewer_is_staff: p.is_staff(),
            agent_id: agent.id,
            agent_name: agent.name,
            inbound,
            account_slug: account.slug,
            account_name: account.name,
            feature_enabled: account.failover_enabled,
            revision: current.as_ref().map_or(0, |c| c.revision),
            updated_at: current.as_ref().map(|c| c.updated_at),
            updated_by: current.as_ref().map(|c| c.updated_by_label.clone()),
            action: current.map(|c| c.action),
            sip_connections: connections,
            allow_list: (*state.webhook_allow_list).clone(),
        })
    }

    /// Editors, owners and staff save; customers only while the flag is on.
    fn may_save(p: &Principal, account: &accounts::AccountRow) -> bool {
        p.can(Permission::EditFailoverConfig, Some(&account.id))
            && (account.failover_enabled || p.is_staff())
    }

    async fn write(
        p: &Principal,
        agent: &agents::AgentRow,
        base_revision: i64,
        action: FailoverAction,
        restored_from: Option<i64>,
    ) -> Result<i64, AppError> {
        let state = app_state()?;
        let account = accounts::find_by_id(state.db.pool(), &agent.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if agent.direction != Direction::Inbound {
            return Err(FieldErrors::single("action_type", "outbound_agent").into());
        }
        if !may_save(p, &account) {
            return Err(
                if p.can(Permission::EditFailoverConfig, Some(&account.id)) {
                    FieldErrors::single("action_type", "feature_disabled").into()
                } else {
                    AppError::Forbidden
                },
            );
        }
        if let FailoverAction::Transfer {
            target: TransferTarget::Sip(s),
            ..
        } = &action
        {
            let ok = sip::find(state.db.pool(), &s.connection_id)
                .await?
                .is_some_and(|c| c.account_id == account.id);
            if !ok {
                return Err(FieldErrors::single("sip_connection_id", "unknown_connection").into());
            }
        }
        let (actor, ip) = actor(p).await;
        let mut tx = state.db.begin_write().await?;
        let before = store::current(&mut *tx, &agent.id).await?;
        let by = SavedBy {
            id: Some(&p.user_id),
            label: &p.email,
        };
        match store::save(
            &mut tx,
            &agent.id,
            &account.id,
            base_revision,
            &action,
            by,
            restored_from,
        )
        .await?
        {
            SaveOutcome::Stale(current) => {
                let current = current.ok_or(AppError::NotFound)?;
                Err(AppError::StaleRevision {
                    revision: current.revision,
                    saved_by: current.updated_by_label,
                    saved_at: current.updated_at,
                })
            }
            SaveOutcome::Saved(saved) => {
                audit::record(
                    &mut *tx,
                    Entry {
                        actor: &actor,
                        account_id: Some(&account.id),
                        action: if restored_from.is_some() {
                            "failover.restore"
                        } else {
                            "failover.save"
                        },
                        subject: Some(&agent.id),
                        before: before.map(
                            |b| serde_json::json!({"revision": b.revision, "action": b.action}),
                        ),
                        after: Some(
                            serde_json::json!({"revision": saved.revision, "action": saved.action}),
                        ),
                        client_ip: ip.as_deref(),
                    },
                )
                .await?;
                tx.commit().await.map_err(StoreError::from)?;
                crate::runtime::after_write(&state).await;
                Ok(saved.revision)
            }
        }
    }

    pub async fn save(
        agent_id: String,
        base_revision: i64,
        draft: FailoverDraft,
    ) -> Result<i64, AppError> {
        let p = principal().await?;
        let agent = agent_for(&p, &agent_id, Permission::EditFailoverConfig).await?;
        let state = app_state()?;
        let action = draft.parse(&state.webhook_allow_list)?;
        write(&p, &agent, base_revision, action, None).await
    }

    pub async fn test(agent_id: String, draft: FailoverDraft) -> Result<TestReport, AppError> {
        let p = principal().await?;
        let agent = agent_for(&p, &agent_id, Permission::EditFailoverConfig).await?;
        let state = app_state()?;
        let action = draft.parse(&state.webhook_allow_list)?;
        let account = accounts::find_by_id(state.db.pool(), &agent.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
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
                let timeout = std::time::Duration::from_secs(u64::from(timeout_seconds));
                let call = state
                    .webhooks
                    .call(&webhook_url, timeout, &payload, &state.webhook_allow_list)
                    .await;
                Ok(TestReport::Webhook(call))
            }
            action => {
                let (text, language) = crate::domain::failover::PLATFORM_DEFAULT_MESSAGE;
                let default_message = match (
                    account.default_message_text,
                    account.default_message_language,
                ) {
                    (Some(text), Some(language)) => crate::accounts::DefaultMessage {
                        text,
                        language,
                        is_platform_default: false,
                    },
                    _ => crate::accounts::DefaultMessage {
                        text: text.to_owned(),
                        language: language.to_owned(),
                        is_platform_default: true,
                    },
                };
                Ok(TestReport::Runtime {
                    action,
                    default_message,
                })
            }
        }
    }

    pub async fn restore(
        agent_id: String,
        revision: i64,
        base_revision: i64,
    ) -> Result<i64, AppError> {
        let p = principal().await?;
        let agent = agent_for(&p, &agent_id, Permission::EditFailoverConfig).await?;
        let state = app_state()?;
        let old = store::revision(state.db.pool(), &agent.id, revision)
            .await?
            .ok_or(AppError::NotFound)?;
        write(&p, &agent, base_revision, old.action, Some(revision)).await
    }

    pub async fn history(agent_id: String) -> Result<Vec<RevisionView>, AppError> {
        let p = principal().await?;
        let agent = agent_for(&p, &agent_id, Permission::ViewAccount).await?;
        let state = app_state()?;
        let revisions = store::revisions(state.db.pool(), &agent.id).await?;
        let views = revisions
            .iter()
            .enumerate()
            .map(|(i, r)| RevisionView {
                revision: r.revision,
                saved_at: r.saved_at,
                saved_by: r.saved_by_label.clone(),
                restored_from: r.restored_from,
                action: r.action.clone(),
                changes: changes(revisions.get(i + 1).map(|prev| &prev.action), &r.action),
            })
            .collect();
        Ok(views)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::failover::TransferTarget;

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
