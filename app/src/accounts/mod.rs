//! Accounts: the list staff search, the account page, and their server functions.

pub mod pages;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{AccountRole, Direction};
use crate::error::AppError;

/// Accounts shown per page of the list.
pub const PAGE_SIZE: i64 = 20;

/// One row of the accounts list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub failover_enabled: bool,
    pub agent_count: i64,
    pub user_count: i64,
}

/// A page of the accounts list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountList {
    pub items: Vec<AccountSummary>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

impl AccountList {
    pub fn pages(&self) -> i64 {
        ((self.total + self.page_size - 1) / self.page_size).max(1)
    }
}

/// An agent, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub id: String,
    pub name: String,
    pub direction: Direction,
    pub language: String,
}

/// A member of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub email: String,
    pub name: String,
    pub role: AccountRole,
    pub disabled: bool,
}

/// One account, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub failover_enabled: bool,
    pub agents: Vec<AgentView>,
    /// Only for those who manage the account's users.
    pub members: Option<Vec<MemberView>>,
    /// Staff may switch failover.
    pub can_switch: bool,
    /// Owners and staff manage agents, SIP connections and the default message.
    pub can_manage: bool,
    pub sip_connections: Vec<crate::sip::SipConnectionView>,
    pub default_message: DefaultMessage,
}

/// The message played when the failover action itself fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultMessage {
    pub text: String,
    pub language: String,
    /// Not set by the account: the platform's.
    pub is_platform_default: bool,
}

/// Accounts whose name or slug contains `q`: every account for staff, a
/// customer's own accounts otherwise.
#[server(prefix = "/api", endpoint = "accounts/list")]
pub async fn list_accounts(
    #[server(default)] q: String,
    #[server(default)] page: i64,
) -> Result<AccountList, AppError> {
    crate::error::respond(ssr::list(q, page).await)
}

/// One account by slug; 404 for an account the user doesn't belong to.
#[server(prefix = "/api", endpoint = "accounts/get")]
pub async fn get_account(slug: String) -> Result<AccountView, AppError> {
    crate::error::respond(ssr::get(slug).await)
}

/// Switches failover on or off for an account (staff only), with a reason
/// and an explicit confirmation; audited.
#[server(prefix = "/api", endpoint = "accounts/failover")]
pub async fn set_failover_enabled(
    slug: String,
    enabled: bool,
    reason: String,
    #[server(default)] confirm: Option<String>,
) -> Result<(), AppError> {
    crate::error::respond(ssr::set_failover(slug, enabled, reason, confirm).await)
}

/// Sets the account's default error message (owners and staff); an empty
/// text goes back to the platform's.
#[server(prefix = "/api", endpoint = "accounts/default_message")]
pub async fn set_default_message(
    slug: String,
    text: String,
    language: String,
) -> Result<(), AppError> {
    crate::error::respond(ssr::set_default_message(slug, text, language).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::auth::Principal;
    use crate::auth::ssr::{actor, principal};
    use crate::domain::failover::{parse_reason, parse_say_text};
    use crate::domain::{FieldErrors, Language, Permission};
    use crate::state::app_state;
    use crate::store::audit::{self, Entry};
    use crate::store::{StoreError, accounts, agents, users};

    /// The account with `slug`, if `p` may `perm` on it; another tenant's
    /// account is "not found".
    pub async fn account_for(
        p: &Principal,
        slug: &str,
        perm: Permission,
    ) -> Result<accounts::AccountRow, AppError> {
        let state = app_state()?;
        let account = accounts::find_by_slug(state.db.pool(), slug)
            .await?
            .ok_or(AppError::NotFound)?;
        if !p.can(Permission::ViewAccount, Some(&account.id)) {
            return Err(AppError::NotFound);
        }
        p.require(perm, Some(&account.id))?;
        Ok(account)
    }

    pub async fn set_failover(
        slug: String,
        enabled: bool,
        reason: String,
        confirm: Option<String>,
    ) -> Result<(), AppError> {
        let p = principal().await?;
        let account = account_for(&p, &slug, Permission::SwitchFailover).await?;
        let mut errors = FieldErrors::new();
        let reason = errors.take("reason", parse_reason(&reason));
        if !matches!(confirm.as_deref(), Some("on" | "true" | "yes")) {
            errors.push("confirm", "confirmation_required");
        }
        errors.into_result()?;
        let state = app_state()?;
        let (actor, ip) = actor(&p).await;
        let mut tx = state.db.begin_write().await?;
        accounts::set_failover_enabled(&mut tx, &account.id, enabled).await?;
        audit::record(
            &mut *tx,
            Entry {
                actor: &actor,
                account_id: Some(&account.id),
                action: "account.failover",
                subject: Some(&account.slug),
                before: Some(serde_json::json!({"failover_enabled": account.failover_enabled})),
                after: Some(serde_json::json!({"failover_enabled": enabled, "reason": reason})),
                client_ip: ip.as_deref(),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        crate::runtime::after_write(&state).await;
        Ok(())
    }

    pub async fn set_default_message(
        slug: String,
        text: String,
        language: String,
    ) -> Result<(), AppError> {
        let p = principal().await?;
        let account = account_for(&p, &slug, Permission::ManageAccountSettings).await?;
        let message = if text.trim().is_empty() {
            None
        } else {
            let mut errors = FieldErrors::new();
            let text = errors.take("text", parse_say_text(&text));
            let language = errors.take("language", Language::parse(&language));
            errors.into_result()?;
            Some((
                text.expect("checked"),
                language.expect("checked").as_str().to_owned(),
            ))
        };
        let state = app_state()?;
        let (actor, ip) = actor(&p).await;
        let mut tx = state.db.begin_write().await?;
        accounts::set_default_message(
            &mut tx,
            &account.id,
            message.as_ref().map(|(t, l)| (t.as_str(), l.as_str())),
        )
        .await?;
        audit::record(
            &mut *tx,
            Entry {
                actor: &actor,
                account_id: Some(&account.id),
                action: "account.default_message",
                subject: Some(&account.slug),
                before: Some(serde_json::json!({
                    "text": account.default_message_text, "language": account.default_message_language
                })),
                after: Some(serde_json::json!({
                    "text": message.as_ref().map(|m| &m.0), "language": message.as_ref().map(|m| &m.1)
                })),
                client_ip: ip.as_deref(),
            },
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        crate::runtime::after_write(&state).await;
        Ok(())
    }

    pub async fn list(q: String, page: i64) -> Result<AccountList, AppError> {
        let p = principal().await?;
        let state = app_state()?;
        let page = page.max(1);
        let only: Option<Vec<String>> = if p.can(Permission::ListAllAccounts, None) {
            None
        } else {
            Some(p.memberships.iter().map(|m| m.account_id.clone()).collect())
        };
        let (items, total) = accounts::search(
            state.db.pool(),
            &q,
            only.as_deref(),
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await?;
        Ok(AccountList {
            items,
            total,
            page,
            page_size: PAGE_SIZE,
        })
    }

    pub async fn get(slug: String) -> Result<AccountView, AppError> {
        let p = principal().await?;
        let state = app_state()?;
        let account = accounts::find_by_slug(state.db.pool(), &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        // Another tenant's account is "not found", not "forbidden": its
        // existence is none of the caller's business.
        if !p.can(Permission::ViewAccount, Some(&account.id)) {
            return Err(AppError::NotFound);
        }
        let agents = agents::list_by_account(state.db.pool(), &account.id)
            .await?
            .into_iter()
            .map(|a| AgentView {
                id: a.id,
                name: a.name,
                direction: a.direction,
                language: a.language,
            })
            .collect();
        let members = if p.can(Permission::ManageAccountUsers, Some(&account.id)) {
            Some(
                users::members(state.db.pool(), &account.id)
                    .await?
                    .into_iter()
                    .map(|m| MemberView {
                        email: m.email,
                        name: m.name,
                        role: m.role,
                        disabled: m.disabled,
                    })
                    .collect(),
            )
        } else {
            None
        };
        let sip_connections = crate::store::sip::list_by_account(state.db.pool(), &account.id)
            .await?
            .into_iter()
            .map(|c| crate::sip::SipConnectionView {
                id: c.id,
                name: c.name,
                sip_uri: c.sip_uri,
            })
            .collect();
        let (platform_text, platform_language) = crate::domain::failover::PLATFORM_DEFAULT_MESSAGE;
        let default_message = match (
            account.default_message_text,
            account.default_message_language,
        ) {
            (Some(text), Some(language)) => DefaultMessage {
                text,
                language,
                is_platform_default: false,
            },
            _ => DefaultMessage {
                text: platform_text.to_owned(),
                language: platform_language.to_owned(),
                is_platform_default: true,
            },
        };
        Ok(AccountView {
            can_switch: p.can(Permission::SwitchFailover, Some(&account.id)),
            can_manage: p.can(Permission::ManageAccountSettings, Some(&account.id)),
            id: account.id,
            name: account.name,
            slug: account.slug,
            failover_enabled: account.failover_enabled,
            agents,
            members,
            sip_connections,
            default_message,
        })
    }
}
