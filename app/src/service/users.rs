//! Users as the staff manage them (the list, disable and enable, staff
//! roles) and as each user manages themselves (password, open sessions).

use super::{Change, Ctx, page_offset};
use crate::domain::{AuditAction, Code, FieldErrors, Permission, StaffRole, browser_label};
use crate::error::AppError;
use crate::security::password::{check_new_password, hash_password, verify_password};
use crate::store::links::{self, Purpose};
use crate::store::{sessions, users};
use crate::views::{MyAccount, SessionView, USERS_PAGE_SIZE, UserList, UserState, UserView};

/// A user the caller may manage: staff manage customers; staff users are
/// for admins. Anyone else: not found.
pub(crate) async fn load(ctx: &Ctx, user_id: &str) -> Result<users::UserRow, AppError> {
    if !ctx.can(Permission::ManageUsers, None) {
        return Err(AppError::NotFound);
    }
    let user = users::find_by_id(ctx.db.pool(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.staff_role.is_some() {
        ctx.require(Permission::Administer, None)?;
    }
    Ok(user)
}

fn state_of(u: &users::UserRow) -> UserState {
    if u.disabled {
        UserState::Disabled
    } else if u.pending {
        UserState::Pending
    } else {
        UserState::Active
    }
}

/// A page of the users whose email or name contains `q` (staff).
pub async fn list(ctx: &Ctx, q: &str, page: i64) -> Result<UserList, AppError> {
    // The page is no secret: a customer is told they may not use it.
    ctx.require(Permission::ManageUsers, None)?;
    let (page, offset) = page_offset(page, USERS_PAGE_SIZE);
    let (rows, total) = users::search(ctx.db.pool(), q, USERS_PAGE_SIZE, offset).await?;
    let me = ctx.user_id();
    Ok(UserList {
        items: rows
            .into_iter()
            .map(|r| UserView {
                state: state_of(&r.user),
                is_me: me == Some(r.user.id.as_str()),
                id: r.user.id,
                email: r.user.email,
                name: r.user.name,
                staff: r.user.staff_role,
                memberships: r.memberships,
                last_sign_in_at: r.user.last_sign_in_at,
            })
            .collect(),
        total,
        page,
        can_administer: ctx.can(Permission::Administer, None),
        issued: None,
    })
}

/// Disables (every session ends at once, a reset link dies) or enables a
/// user. Nobody disables themselves, nor the last admin.
pub async fn set_disabled(ctx: &Ctx, user_id: &str, disabled: bool) -> Result<(), AppError> {
    let user = load(ctx, user_id).await?;
    if ctx.user_id() == Some(user.id.as_str()) {
        return Err(FieldErrors::single("user", Code::NotYourself).into());
    }
    let mut w = ctx.begin().await?;
    if disabled && user.staff_role == Some(StaffRole::Admin) && !user.pending {
        users::lock_admins(&mut **w.tx()).await?;
        if users::count_active_admins(&mut **w.tx()).await? <= 1 && !user.disabled {
            return Err(FieldErrors::single("user", Code::LastAdmin).into());
        }
    }
    users::set_disabled(&mut **w.tx(), &user.id, disabled).await?;
    let mut ended = 0;
    if disabled {
        ended = sessions::end_of_user(&mut **w.tx(), &user.id, None).await?;
        links::revoke(&mut **w.tx(), &user.id, Purpose::Reset).await?;
    }
    w.commit(Change {
        action: if disabled {
            AuditAction::UserDisable
        } else {
            AuditAction::UserEnable
        },
        account_id: None,
        subject: Some(&user.email),
        before: Some(serde_json::json!({"disabled": user.disabled})),
        after: Some(serde_json::json!({"disabled": disabled, "sessions_ended": ended})),
    })
    .await
}

/// Changes a staff user's role (admins); the last admin stays one.
pub async fn set_staff_role(ctx: &Ctx, user_id: &str, role: &str) -> Result<(), AppError> {
    ctx.require(Permission::Administer, None)?;
    let role = StaffRole::parse(role).map_err(|c| FieldErrors::single("role", c))?;
    let user = load(ctx, user_id).await?;
    let Some(before) = user.staff_role else {
        return Err(FieldErrors::single("role", Code::InvalidChoice).into());
    };
    if before == role {
        return Ok(());
    }
    let mut w = ctx.begin().await?;
    if before == StaffRole::Admin && !user.pending && !user.disabled {
        users::lock_admins(&mut **w.tx()).await?;
        if users::count_active_admins(&mut **w.tx()).await? <= 1 {
            return Err(FieldErrors::single("role", Code::LastAdmin).into());
        }
    }
    users::set_staff_role(&mut **w.tx(), &user.id, role).await?;
    w.commit(Change {
        action: AuditAction::UserStaffRole,
        account_id: None,
        subject: Some(&user.email),
        before: Some(serde_json::json!({"staff": before.as_str()})),
        after: Some(serde_json::json!({"staff": role.as_str()})),
    })
    .await
}

/// "My account": who I am and my open sessions (`current`: this browser's).
pub async fn my_account(ctx: &Ctx, current: Option<&str>) -> Result<MyAccount, AppError> {
    let p = ctx.principal().ok_or(AppError::Unauthenticated)?;
    let sessions = sessions::of_user(&ctx.db, &p.user_id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            this_one: current == Some(s.id.as_str()),
            browser: browser_label(s.user_agent.as_deref().unwrap_or_default()),
            ip: s.client_ip,
            signed_in_at: s.signed_in_at,
            last_seen_at: s.last_seen_at,
        })
        .collect();
    Ok(MyAccount {
        email: p.email.clone(),
        name: p.name.clone(),
        sessions,
    })
}

/// Changes the caller's password: the current one first, the new one passes
/// the strength rule; the user's other sessions end.
pub async fn change_password(
    ctx: &Ctx,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    let p = ctx.principal().ok_or(AppError::Unauthenticated)?;
    let user = users::find_by_id(ctx.db.pool(), &p.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let mut errors = FieldErrors::new();
    if current.is_empty() {
        errors.push("current_password", Code::Required);
    }
    errors.take(
        "new_password",
        check_new_password(new, &[user.email.as_str(), user.name.as_str()]),
    );
    errors.into_result()?;
    if !verify_password(current.to_owned(), Some(user.password_hash.clone())).await {
        return Err(FieldErrors::single("current_password", Code::WrongPassword).into());
    }
    let hash = hash_password(new.to_owned())
        .await
        .map_err(super::members::hashing_failed)?;
    let mut w = ctx.begin().await?;
    users::set_password(&mut **w.tx(), &user.id, &hash).await?;
    let ended = sessions::end_of_user(&mut **w.tx(), &user.id, keep_session).await?;
    links::revoke(&mut **w.tx(), &user.id, Purpose::Reset).await?;
    w.commit(Change {
        action: AuditAction::UserPassword,
        account_id: None,
        subject: Some(&user.email),
        before: None,
        after: Some(serde_json::json!({"by": "self", "sessions_ended": ended})),
    })
    .await
}

/// Ends the caller's other sessions; how many ended.
pub async fn end_other_sessions(ctx: &Ctx, keep_session: Option<&str>) -> Result<u64, AppError> {
    let p = ctx.principal().ok_or(AppError::Unauthenticated)?;
    let mut w = ctx.begin().await?;
    let ended = sessions::end_of_user(&mut **w.tx(), &p.user_id, keep_session).await?;
    let email = p.email.clone();
    w.commit(Change {
        action: AuditAction::UserSessionsEnd,
        account_id: None,
        subject: Some(&email),
        before: None,
        after: Some(serde_json::json!({"sessions_ended": ended})),
    })
    .await?;
    Ok(ended)
}

/// Finds a user by email for the command line (`relais user disable …`).
pub async fn id_by_email(ctx: &Ctx, email: &str) -> Result<String, AppError> {
    let email = crate::domain::Email::parse(email).map_err(|c| FieldErrors::single("email", c))?;
    users::find_by_email(ctx.db.pool(), &email)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| FieldErrors::single("email", Code::UnknownUser).into())
}
