//! One-time links: inviting someone to an account (or to the staff),
//! accepting, revoking; password-reset links and using them. A link carries
//! 256 random bits; only its hash is stored; it is shown once to whoever made
//! it and e-mailed when an SMTP server is configured.

use super::{Change, Ctx};
use crate::domain::{
    AccountRole, AuditAction, Code, Email, FieldErrors, Permission, PersonName, Principal,
    StaffRole,
};
use crate::error::AppError;
use crate::security::password::{check_new_password, hash_password};
use crate::store::links::{self, Purpose};
use crate::store::{accounts, sessions, tokens::hash_secret, users};
use crate::views::{InviteOutcome, IssuedLink, LinkInfo, LinkKind};

/// An invitation is valid 7 days.
pub const INVITATION_VALID_MS: i64 = 7 * 24 * 3600 * 1000;
/// A password-reset link, 1 day.
pub const RESET_VALID_MS: i64 = 24 * 3600 * 1000;

/// The paths of the pages that take a link's token.
pub const INVITE_PATH: &str = "/invite";
pub const RESET_PATH: &str = "/reset";

/// A new link for `user_id`, stored (by its hash) in the open change: its
/// token (256 random bits, hex) and row. It replaces the user's previous link
/// of the same purpose.
async fn new_link(
    ctx: &Ctx,
    w: &mut super::Write<'_>,
    purpose: Purpose,
    user_id: &str,
    account_id: Option<&str>,
) -> Result<(String, links::LinkRow), AppError> {
    use rand::Rng;
    let token = hex::encode(rand::rng().random::<[u8; 32]>());
    let valid_ms = match purpose {
        Purpose::Invite => INVITATION_VALID_MS,
        Purpose::Reset => RESET_VALID_MS,
    };
    let link = links::replace(
        w.tx(),
        purpose,
        user_id,
        account_id,
        &hash_secret(&token),
        ctx.label(),
        valid_ms,
    )
    .await?;
    Ok((token, link))
}

/// After the change committed: the link's URL, e-mailed (`mail` writes the
/// message for the URL) when an SMTP server is configured.
async fn deliver(
    ctx: &Ctx,
    kind: LinkKind,
    email: &str,
    token: &str,
    expires_at: i64,
    mail: impl FnOnce(&str) -> (String, String),
) -> IssuedLink {
    let path = match kind {
        LinkKind::Invitation => INVITE_PATH,
        LinkKind::PasswordReset => RESET_PATH,
    };
    let base = ctx.links.base_url.trim_end_matches('/');
    let url = format!("{base}{path}?token={token}");
    let emailed = send(ctx, email, mail(&url)).await;
    IssuedLink {
        kind,
        email: email.to_owned(),
        url,
        expires_at,
        emailed,
    }
}

/// E-mails `url` when an SMTP server is configured; whether it went.
async fn send(ctx: &Ctx, to: &str, (subject, body): (String, String)) -> Option<bool> {
    let mailer = ctx.links.mailer.as_ref()?;
    Some(mailer.send(to, &subject, body).await)
}

/// Invites `email` to the account `slug` as `role`. An existing user gets
/// the membership at once; a new email becomes a pending user with an
/// invitation link (inviting a pending user again replaces their link).
pub async fn invite(
    ctx: &Ctx,
    slug: &str,
    email: &str,
    role: &str,
) -> Result<InviteOutcome, AppError> {
    let account = super::accounts::load(ctx, slug, Permission::ManageAccountUsers).await?;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(email));
    let role = errors.take("role", AccountRole::parse(role));
    errors.into_result()?;
    let (email, role) = (email.expect("checked"), role.expect("checked"));
    let existing = users::find_by_email(ctx.db.pool(), &email).await?;
    if let Some(user) = &existing {
        if user.staff_role.is_some() {
            return Err(FieldErrors::single("email", Code::StaffUser).into());
        }
        let member = users::membership_role(ctx.db.pool(), &account.id, &user.id).await?;
        if !user.pending {
            if member.is_some() {
                return Err(FieldErrors::single("email", Code::AlreadyMember).into());
            }
            super::members::add_member(ctx, slug, &user.email, role).await?;
            return Ok(InviteOutcome::Added {
                email: user.email.clone(),
            });
        }
    }
    let mut w = ctx.begin().await?;
    let (user_id, before) = match &existing {
        Some(user) => {
            let before = users::membership_role(&mut **w.tx(), &account.id, &user.id).await?;
            match before {
                Some(_) => {
                    users::set_membership_role(&mut **w.tx(), &account.id, &user.id, role).await?
                }
                None => users::add_membership(&mut **w.tx(), &account.id, &user.id, role).await?,
            }
            (user.id.clone(), before)
        }
        None => {
            let id = users::create_pending(&mut **w.tx(), &email).await?;
            users::add_membership(&mut **w.tx(), &account.id, &id, role).await?;
            (id, None)
        }
    };
    let (token, link) = new_link(ctx, &mut w, Purpose::Invite, &user_id, Some(&account.id)).await?;
    w.commit(Change {
        action: AuditAction::InvitationCreate,
        account_id: Some(&account.id),
        subject: Some(email.as_str()),
        before: before.map(|r| serde_json::json!({"role": r.as_str()})),
        after: Some(serde_json::json!({
            "email": email.as_str(), "role": role.as_str(), "expires_at": link.expires_at
        })),
    })
    .await?;
    let link = deliver(
        ctx,
        LinkKind::Invitation,
        email.as_str(),
        &token,
        link.expires_at,
        |url| crate::mail::invitation(Some(&account.name), url),
    )
    .await;
    Ok(InviteOutcome::Invited(link))
}

/// Invites a staff user (admins): a pending user with the staff role and an
/// invitation link; inviting a pending staff user again replaces the link.
pub async fn invite_staff(ctx: &Ctx, email: &str, role: &str) -> Result<IssuedLink, AppError> {
    ctx.require(Permission::Administer, None)?;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(email));
    let role = errors.take("role", StaffRole::parse(role));
    errors.into_result()?;
    let (email, role) = (email.expect("checked"), role.expect("checked"));
    let existing = users::find_by_email(ctx.db.pool(), &email).await?;
    if let Some(user) = &existing
        && (!user.pending || user.staff_role.is_none())
    {
        return Err(AppError::Conflict(crate::domain::Taken::Email));
    }
    let mut w = ctx.begin().await?;
    let (user_id, before) = match &existing {
        Some(user) => {
            users::set_staff_role(&mut **w.tx(), &user.id, role).await?;
            (user.id.clone(), user.staff_role)
        }
        None => {
            let id = users::create_pending(&mut **w.tx(), &email).await?;
            users::grant_staff_role(&mut **w.tx(), &id, role).await?;
            (id, None)
        }
    };
    let (token, link) = new_link(ctx, &mut w, Purpose::Invite, &user_id, None).await?;
    w.commit(Change {
        action: AuditAction::InvitationCreate,
        account_id: None,
        subject: Some(email.as_str()),
        before: before.map(|r| serde_json::json!({"staff": r.as_str()})),
        after: Some(serde_json::json!({
            "email": email.as_str(), "staff": role.as_str(), "expires_at": link.expires_at
        })),
    })
    .await?;
    Ok(deliver(
        ctx,
        LinkKind::Invitation,
        email.as_str(),
        &token,
        link.expires_at,
        |url| crate::mail::invitation(None, url),
    )
    .await)
}

/// Revokes the invitation of a pending member of `slug`: the link dies, the
/// membership goes, and a pending user left with nothing goes too.
pub async fn revoke(ctx: &Ctx, slug: &str, user_id: &str) -> Result<(), AppError> {
    let account = super::accounts::load(ctx, slug, Permission::ManageAccountUsers).await?;
    let user = users::find_by_id(ctx.db.pool(), user_id)
        .await?
        .filter(|u| u.pending)
        .ok_or(AppError::NotFound)?;
    let mut w = ctx.begin().await?;
    let role = users::membership_role(&mut **w.tx(), &account.id, &user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::members::leave_account(&mut w, &account.id, &user).await?;
    w.commit(Change {
        action: AuditAction::InvitationRevoke,
        account_id: Some(&account.id),
        subject: Some(&user.email),
        before: Some(serde_json::json!({"email": user.email, "role": role.as_str()})),
        after: None,
    })
    .await
}

/// What the page of a link shows; any link that can't be used (expired,
/// used, revoked, unknown, its user disabled) is "not found", alike.
pub async fn info(ctx: &Ctx, kind: LinkKind, token: &str) -> Result<LinkInfo, AppError> {
    let (link, user) = live(ctx, kind, token).await?;
    let account_name = match &link.account_id {
        Some(id) => accounts::find_by_id(ctx.db.pool(), id)
            .await?
            .map(|a| a.name),
        None => None,
    };
    Ok(LinkInfo {
        kind,
        email: user.email,
        account_name,
        expires_at: link.expires_at,
    })
}

async fn live(
    ctx: &Ctx,
    kind: LinkKind,
    token: &str,
) -> Result<(links::LinkRow, users::UserRow), AppError> {
    let token = token.trim();
    // A token is 64 hex digits; anything else is unknown without a lookup.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let purpose = match kind {
        LinkKind::Invitation => Purpose::Invite,
        LinkKind::PasswordReset => Purpose::Reset,
    };
    let link = links::find_live(ctx.db.pool(), purpose, &hash_secret(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let user = users::find_by_id(ctx.db.pool(), &link.user_id)
        .await?
        .filter(|u| !u.disabled && u.pending == (kind == LinkKind::Invitation))
        .ok_or(AppError::NotFound)?;
    Ok((link, user))
}

fn principal_of(user: &users::UserRow, name: &str) -> Principal {
    Principal {
        user_id: user.id.clone(),
        email: user.email.clone(),
        name: name.to_owned(),
        staff: user.staff_role,
        memberships: Vec::new(),
    }
}

/// Accepts an invitation: the user's name and password (the strength rule
/// of every new password); returns their principal and where they land.
pub async fn accept(
    ctx: &Ctx,
    token: &str,
    name: &str,
    password: &str,
) -> Result<(Principal, String), AppError> {
    let (link, user) = live(ctx, LinkKind::Invitation, token).await?;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", PersonName::parse(name));
    let inputs: Vec<&str> = [user.email.as_str()]
        .into_iter()
        .chain(name.iter().map(PersonName::as_str))
        .collect();
    errors.take("password", check_new_password(password, &inputs));
    errors.into_result()?;
    let name = name.expect("checked");
    let hash = hash_password(password.to_owned())
        .await
        .map_err(super::members::hashing_failed)?;
    let me = ctx.acting_as(principal_of(&user, name.as_str()));
    let mut w = me.begin().await?;
    // Deleting the link first: of two tabs accepting at once, one wins.
    links::take(&mut **w.tx(), &link.id).await?;
    users::complete_signup(&mut **w.tx(), &user.id, &name, &hash).await?;
    w.commit(Change {
        action: AuditAction::InvitationAccept,
        account_id: link.account_id.as_deref(),
        subject: Some(&user.email),
        before: None,
        after: Some(serde_json::json!({"name": name.as_str()})),
    })
    .await?;
    let principal = super::members::principal(&ctx.db, &user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let landing = match &link.account_id {
        Some(id) => principal
            .memberships
            .iter()
            .find(|m| &m.account_id == id)
            .map(|m| format!("/accounts/{}", m.account_slug))
            .unwrap_or_else(|| principal.home()),
        None => principal.home(),
    };
    Ok((principal, landing))
}

/// A password-reset link for a user (staff; staff users' for admins): the
/// user chooses a new password themselves.
pub async fn reset_link(ctx: &Ctx, user_id: &str) -> Result<IssuedLink, AppError> {
    let user = super::users::load(ctx, user_id).await?;
    if user.pending {
        return Err(FieldErrors::single("user", Code::PendingUser).into());
    }
    if user.disabled {
        return Err(FieldErrors::single("user", Code::DisabledUser).into());
    }
    let mut w = ctx.begin().await?;
    let (token, link) = new_link(ctx, &mut w, Purpose::Reset, &user.id, None).await?;
    w.commit(Change {
        action: AuditAction::UserResetLink,
        account_id: None,
        subject: Some(&user.email),
        before: None,
        after: Some(serde_json::json!({"expires_at": link.expires_at})),
    })
    .await?;
    Ok(deliver(
        ctx,
        LinkKind::PasswordReset,
        &user.email,
        &token,
        link.expires_at,
        crate::mail::password_reset,
    )
    .await)
}

/// Uses a reset link: the new password (the strength rule); every session of
/// the user ends. Returns the principal, to sign in with.
pub async fn use_reset(ctx: &Ctx, token: &str, password: &str) -> Result<Principal, AppError> {
    let (link, user) = live(ctx, LinkKind::PasswordReset, token).await?;
    check_new_password(password, &[user.email.as_str(), user.name.as_str()])
        .map_err(|code| FieldErrors::single("password", code))?;
    let hash = hash_password(password.to_owned())
        .await
        .map_err(super::members::hashing_failed)?;
    let me = ctx.acting_as(principal_of(&user, &user.name));
    let mut w = me.begin().await?;
    links::take(&mut **w.tx(), &link.id).await?;
    users::set_password(&mut **w.tx(), &user.id, &hash).await?;
    let ended = sessions::end_of_user(&mut **w.tx(), &user.id, None).await?;
    w.commit(Change {
        action: AuditAction::UserPassword,
        account_id: None,
        subject: Some(&user.email),
        before: None,
        after: Some(serde_json::json!({"by": "reset_link", "sessions_ended": ended})),
    })
    .await?;
    super::members::principal(&ctx.db, &user.id)
        .await?
        .ok_or(AppError::NotFound)
}
