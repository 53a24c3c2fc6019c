//! What the failover editor and the revision history show.

use serde::{Deserialize, Serialize};

use super::SipConnectionView;
use crate::domain::failover::{DefaultMessage, FailoverAction};
use crate::webhook::WebhookCall;

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
    /// The first step of the saved plan (a v1 config's action).
    pub action: Option<FailoverAction>,
    /// The saved plan as its form (one empty step when nothing is saved).
    pub plan: crate::domain::plan::PlanDraft,
    /// The account's schedules, for "Only when".
    pub schedules: Vec<ScheduleOption>,
    /// The time zone Simulate reads "At" in.
    pub zone: String,
    pub updated_at: Option<i64>,
    pub updated_by: Option<String>,
    pub sip_connections: Vec<SipConnectionView>,
    /// The account's emergency mode, while it is on.
    pub emergency: Option<crate::views::EmergencyView>,
}

/// What a form post without JavaScript brought back to the editor: the
/// draft as typed, its errors, and Simulate's question and answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditorKept {
    pub plan: Option<crate::domain::plan::PlanDraft>,
    pub errors: crate::domain::FieldErrors,
    pub cause: String,
    pub at: String,
    pub simulation: Option<Simulation>,
}

/// A schedule a step can depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleOption {
    pub id: String,
    pub name: String,
}

/// What Simulate found for the draft: the route the cause runs, each of its
/// steps run or skipped (and why), then the default error message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Simulation {
    pub route: crate::domain::plan::Route,
    pub at_ms: i64,
    /// The moment in `zone`: `2026-12-24 19:30 (Europe/Paris)`.
    pub at_local: String,
    pub zone: String,
    pub steps: Vec<SimulatedStep>,
    pub then: DefaultMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedStep {
    pub index: usize,
    pub action: FailoverAction,
    pub verdict: crate::domain::plan::Verdict,
    /// The name of the schedule its condition names, if it still exists.
    pub schedule: Option<String>,
}

/// Revisions shown per page of an agent's history.
pub const HISTORY_PAGE_SIZE: i64 = 20;

/// One page of an agent's history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionPage {
    pub revisions: Vec<RevisionView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

impl RevisionPage {
    pub fn pages(&self) -> i64 {
        super::page_count(self.total, self.page_size)
    }
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

/// What "Test" shows: the webhook's answer, or what the runtime would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestReport {
    Webhook(WebhookCall),
    Runtime {
        action: FailoverAction,
        default_message: DefaultMessage,
    },
}
