//! Accounts: creating one, the list, the account page, the failover switch
//! and the default error message.

use super::{Change, Ctx, page_offset};
use crate::domain::Code;
use crate::domain::failover::{DefaultMessage, parse_reason, parse_say_text};
use crate::domain::{AccountName, AuditAction, FieldErrors, Language, Permission, Slug};
use crate::error::AppError;
use crate::store::accounts::{self, AccountRow};
use crate::store::{agents, links, sip, users};
use crate::views::{
    ACCOUNTS_PAGE_SIZE, AGENTS_PAGE_SIZE, AccountList, AccountSummary, AccountView, AgentView,
    InvitationView, MemberView, MembersView, SipConnectionView,
};

/// The account with `slug`, if the caller may `perm` on it; another
/// tenant's account is "not found".
pub async fn load(ctx: &Ctx, slug: &str, perm: Permission) -> Result<AccountRow, AppError> {
    let account = accounts::find_by_slug(ctx.db.pool(), slug)
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.require_in(perm, &account.id)?;
    Ok(account)
}

/// The same, by id.
pub async fn load_by_id(ctx: &Ctx, id: &str, perm: Permission) -> Result<AccountRow, AppError> {
    let account = accounts::find_by_id(ctx.db.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.require_in(perm, &account.id)?;
    Ok(account)
}

/// An account named on a form or the command line, for a field error when
/// it is unknown (or not the caller's).
pub(crate) async fn field(ctx: &Ctx, slug: &str, perm: Permission) -> Result<AccountRow, AppError> {
    load(ctx, slug.trim(), perm).await.map_err(|e| match e {
        AppError::NotFound => FieldErrors::single("account", Code::UnknownAccount).into(),
        other => other,
    })
}

/// Creates an account (failover off); a taken slug is a field error.
pub async fn create(ctx: &Ctx, name: &str, slug: &str) -> Result<AccountRow, AppError> {
    ctx.require(Permission::CreateAccount, None)?;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", AccountName::parse(name));
    let slug = errors.take("slug", Slug::parse(slug));
    errors.into_result()?;
    let (name, slug) = (name.expect("checked"), slug.expect("checked"));
    let mut w = ctx.begin().await?;
    let account = match accounts::create(&mut **w.tx(), &name, &slug).await {
        Err(crate::store::StoreError::Duplicate(crate::domain::Taken::Slug)) => {
            return Err(FieldErrors::single("slug", Code::TakenSlug).into());
        }
        other => other?,
    };
    w.commit(Change {
        action: AuditAction::AccountCreate,
        account_id: Some(&account.id),
        subject: Some(&account.slug),
        before: None,
        after: Some(serde_json::json!({"name": account.name, "slug": account.slug})),
    })
    .await?;
    Ok(account)
}

/// Renames an account (staff); its slug stays.
pub async fn rename(ctx: &Ctx, slug: &str, name: &str) -> Result<(), AppError> {
    let account = load(ctx, slug, Permission::CreateAccount).await?;
    let name = AccountName::parse(name).map_err(|c| FieldErrors::single("name", c))?;
    if name.as_str() == account.name {
        return Ok(());
    }
    let mut w = ctx.begin().await?;
    accounts::rename(&mut **w.tx(), &account.id, &name).await?;
    w.commit(Change {
        action: AuditAction::AccountRename,
        account_id: Some(&account.id),
        subject: Some(&account.slug),
        before: Some(serde_json::json!({"name": account.name})),
        after: Some(serde_json::json!({"name": name.as_str()})),
    })
    .await
}

/// Accounts whose name or slug contains `q`: every account for staff, the
/// caller's own otherwise.
pub async fn list(ctx: &Ctx, q: &str, page: i64) -> Result<AccountList, AppError> {
    let only = ctx.accounts_where(Permission::ViewAccount);
    let (page, offset) = page_offset(page, ACCOUNTS_PAGE_SIZE);
    let (rows, total) = accounts::search(
        ctx.db.pool(),
        q,
        only.as_deref(),
        ACCOUNTS_PAGE_SIZE,
        offset,
    )
    .await?;
    // The emergencies on the accounts the caller sees.
    let mut on = std::collections::HashMap::new();
    let mut emergencies = Vec::new();
    for e in crate::store::emergencies::active(ctx.db.pool()).await? {
        if !ctx.can(Permission::ViewAccount, Some(&e.account_id)) {
            continue;
        }
        if let Some(a) = accounts::find_by_id(ctx.db.pool(), &e.account_id).await? {
            let view = super::emergencies::view(&e);
            emergencies.push((a.slug, a.name, view.clone()));
            on.insert(e.account_id.clone(), view);
        }
    }
    Ok(AccountList {
        items: rows
            .into_iter()
            .map(|r| AccountSummary {
                emergency: on.get(&r.id).cloned(),
                id: r.id,
                name: r.name,
                slug: r.slug,
                failover_enabled: r.failover_enabled,
                agent_count: r.agent_count,
                user_count: r.user_count,
            })
            .collect(),
        total,
        page,
        page_size: ACCOUNTS_PAGE_SIZE,
        can_create: ctx.can(Permission::CreateAccount, None),
        can_emergency: ctx.can(Permission::SwitchFailover, None),
        emergencies,
        zone: "UTC".to_owned(),
    })
}

/// Slug and name of every account the caller may see (for filters and binds).
pub async fn choices(ctx: &Ctx) -> Result<Vec<(String, String)>, AppError> {
    let only = ctx.accounts_where(Permission::ViewAccount);
    let (rows, _) = accounts::search(ctx.db.pool(), "", only.as_deref(), 1000, 0).await?;
    Ok(rows.into_iter().map(|a| (a.slug, a.name)).collect())
}

/// The account page.
pub async fn view(ctx: &Ctx, slug: &str, agents_page: i64) -> Result<AccountView, AppError> {
    let account = load(ctx, slug, Permission::ViewAccount).await?;
    let pool = ctx.db.pool();
    let (agents_page, offset) = page_offset(agents_page, AGENTS_PAGE_SIZE);
    let agents_total = agents::count_by_account(pool, &account.id).await?;
    let configs =
        crate::store::failover::current_on_page(pool, &account.id, AGENTS_PAGE_SIZE, offset)
            .await?;
    let action_of = |id: &str| {
        configs
            .iter()
            .find(|c| c.agent_id == id)
            .and_then(|c| c.plan.first_action().map(|a| a.action_type()))
    };
    let agents = agents::page_by_account(pool, &account.id, AGENTS_PAGE_SIZE, offset)
        .await?
        .into_iter()
        .map(|a| {
            let action_type = action_of(&a.id);
            AgentView {
                action_type,
                ..AgentView::from(a)
            }
        })
        .collect();
    let (inbound_total, configured_total) =
        crate::store::failover::inbound_counts(pool, &account.id).await?;
    let members = if ctx.can(Permission::ManageAccountUsers, Some(&account.id)) {
        let now = crate::store::now_ms();
        Some(MembersView {
            members: users::members(pool, &account.id)
                .await?
                .into_iter()
                .map(|m| MemberView {
                    user_id: m.user_id,
                    email: m.email,
                    name: m.name,
                    role: m.role,
                    disabled: m.disabled,
                    pending: m.pending,
                })
                .collect(),
            invitations: links::invitations(pool, &account.id)
                .await?
                .into_iter()
                .map(|i| InvitationView {
                    expired: i.expires_at <= now,
                    user_id: i.user_id,
                    email: i.email,
                    role: i.role,
                    created_by: i.created_by,
                    created_at: i.created_at,
                    expires_at: i.expires_at,
                })
                .collect(),
            issued: None,
        })
    } else {
        None
    };
    let sip_connections = sip::list_by_account(pool, &account.id)
        .await?
        .into_iter()
        .map(SipConnectionView::from)
        .collect();
    let emergency = super::emergencies::current(ctx, &account.id)
        .await?
        .map(|e| super::emergencies::view(&e));
    Ok(AccountView {
        can_emergency: account.failover_enabled
            && (ctx.can(Permission::SwitchFailover, Some(&account.id))
                || ctx.can(Permission::ManageAccountSettings, Some(&account.id))),
        emergency,
        zone: "UTC".to_owned(),
        can_switch: ctx.can(Permission::SwitchFailover, Some(&account.id)),
        can_rename: ctx.can(Permission::CreateAccount, Some(&account.id)),
        can_manage: ctx.can(Permission::ManageAccountSettings, Some(&account.id)),
        can_read_audit: ctx.can(Permission::ReadAudit, Some(&account.id)),
        inbound_total,
        configured_total,
        default_message: default_message(&account),
        id: account.id,
        name: account.name,
        slug: account.slug,
        failover_enabled: account.failover_enabled,
        agents,
        agents_total,
        agents_page,
        members,
        sip_connections,
    })
}

/// The message the runtime plays when an account's failover action fails.
pub fn default_message(account: &AccountRow) -> DefaultMessage {
    DefaultMessage::effective(
        account.default_message_text.clone(),
        account.default_message_language.clone(),
    )
}

/// Switches failover on or off (staff), with a reason and an explicit
/// confirmation.
pub async fn set_failover(
    ctx: &Ctx,
    slug: &str,
    enabled: bool,
    reason: &str,
    confirm: Option<&str>,
) -> Result<(), AppError> {
    let account = load(ctx, slug, Permission::SwitchFailover).await?;
    let mut errors = FieldErrors::new();
    let reason = errors.take("reason", parse_reason(reason));
    if !matches!(confirm, Some("on" | "true" | "yes")) {
        errors.push("confirm", Code::ConfirmationRequired);
    }
    errors.into_result()?;
    let mut w = ctx.begin().await?;
    accounts::set_failover_enabled(w.tx(), &account.id, enabled).await?;
    // Switched off, failover takes its emergency mode with it.
    if !enabled && let Some(was) = crate::store::emergencies::end(w.tx(), &account.id, None).await?
    {
        w.record(super::emergencies::ended(
            &account.id,
            &account.slug,
            &was,
            crate::domain::emergency::Ended::FailoverOff,
        ))
        .await?;
    }
    w.commit(Change {
        action: AuditAction::AccountFailover,
        account_id: Some(&account.id),
        subject: Some(&account.slug),
        before: Some(serde_json::json!({"failover_enabled": account.failover_enabled})),
        after: Some(serde_json::json!({"failover_enabled": enabled, "reason": reason})),
    })
    .await
}

/// A default error message as typed: `None` (an empty text) is the
/// platform's.
pub(crate) fn parse_default_message(
    text: &str,
    language: &str,
) -> Result<Option<(String, Language)>, FieldErrors> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut errors = FieldErrors::new();
    let text = errors.take("text", parse_say_text(text));
    let language = errors.take("language", Language::parse(language));
    errors.into_result()?;
    Ok(Some((text.expect("checked"), language.expect("checked"))))
}

/// Sets the account's default error message (owners, staff); an empty text
/// goes back to the platform's.
pub async fn set_default_message(
    ctx: &Ctx,
    slug: &str,
    text: &str,
    language: &str,
) -> Result<(), AppError> {
    let account = load(ctx, slug, Permission::ManageAccountSettings).await?;
    let message = parse_default_message(text, language)?;
    let mut w = ctx.begin().await?;
    accounts::set_default_message(
        w.tx(),
        &account.id,
        message.as_ref().map(|(t, l)| (t.as_str(), l.as_str())),
    )
    .await?;
    w.commit(Change {
        action: AuditAction::AccountDefaultMessage,
        account_id: Some(&account.id),
        subject: Some(&account.slug),
        before: Some(serde_json::json!({
            "text": account.default_message_text, "language": account.default_message_language
        })),
        after: Some(serde_json::json!({
            "text": message.as_ref().map(|m| &m.0),
            "language": message.as_ref().map(|m| m.1.as_str()),
        })),
    })
    .await
}

/// Whether the database holds no account yet (the demo seeds only then).
pub async fn none_yet(ctx: &Ctx) -> Result<bool, AppError> {
    Ok(accounts::count(ctx.db.pool()).await? == 0)
}
