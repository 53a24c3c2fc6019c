//! What the accounts list and the account page show.

use serde::{Deserialize, Serialize};

use super::MembersView;
use crate::domain::failover::DefaultMessage;
use crate::domain::{AccountRole, Direction};

/// Accounts shown per page of the list.
pub const ACCOUNTS_PAGE_SIZE: i64 = 20;

/// One row of the accounts list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub failover_enabled: bool,
    pub agent_count: i64,
    pub user_count: i64,
    /// Its emergency mode, while it is on.
    pub emergency: Option<EmergencyView>,
}

/// An account's emergency mode as its pages' red banner says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyView {
    pub action: crate::domain::failover::FailoverAction,
    pub reason: String,
    pub ends_at: i64,
    pub started_by: String,
}

/// A page of the accounts list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountList {
    pub items: Vec<AccountSummary>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Staff create accounts.
    pub can_create: bool,
    /// Staff start emergency mode on several accounts at once.
    pub can_emergency: bool,
    /// Every account in emergency mode now (the list's banner).
    pub emergencies: Vec<(String, String, EmergencyView)>,
    /// The viewer's time zone, for "Ends at".
    pub zone: String,
}

/// Agents shown per page of an account.
pub const AGENTS_PAGE_SIZE: i64 = 50;

impl AccountList {
    pub fn pages(&self) -> i64 {
        super::page_count(self.total, self.page_size)
    }
}

/// An agent, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub id: String,
    pub name: String,
    pub direction: Direction,
    pub language: String,
    /// The type of its saved failover action, if it has one.
    #[serde(default)]
    pub action_type: Option<crate::domain::failover::ActionType>,
}

/// A member of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: AccountRole,
    pub disabled: bool,
    /// Invited, not signed up yet.
    pub pending: bool,
}

/// One account, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub failover_enabled: bool,
    /// One page of the account's agents, by name.
    pub agents: Vec<AgentView>,
    pub agents_total: i64,
    pub agents_page: i64,
    /// Only for those who manage the account's users.
    pub members: Option<MembersView>,
    /// Staff may rename the account.
    pub can_rename: bool,
    /// Staff may switch failover.
    pub can_switch: bool,
    /// Owners and staff manage agents, SIP connections and the default message.
    pub can_manage: bool,
    /// Owners and staff read the account's audit entries.
    pub can_read_audit: bool,
    /// The whole account's agents: inbound ones, and those with an action.
    pub inbound_total: i64,
    pub configured_total: i64,
    pub sip_connections: Vec<SipConnectionView>,
    pub default_message: DefaultMessage,
    /// Its emergency mode, while it is on.
    pub emergency: Option<EmergencyView>,
    /// Owners and staff start and end emergency mode while failover is on.
    pub can_emergency: bool,
    /// The viewer's time zone (the browser's, remembered), for "Ends at".
    pub zone: String,
}

/// A SIP connection as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SipConnectionView {
    pub id: String,
    pub name: String,
    pub sip_uri: String,
}
