//! People: users, their staff role and their memberships of accounts; who a
//! session belongs to and signing in.

use super::{Change, Ctx};
use crate::domain::Code;
use crate::domain::{
    AccountRole, AuditAction, Email, FieldErrors, Permission, PersonName, Principal, StaffRole,
};
use crate::error::AppError;
use crate::security::password::{check_new_password, hash_password, verify_password};
use crate::store::{Db, links, users};

/// What a new user may do: a staff role, or a role in one account.
#[derive(Debug, Clone)]
pub enum NewUserRole {
    Staff(StaffRole),
    Member {
        account_slug: String,
        role: AccountRole,
    },
}

/// Creates a user whose password passes the strength rule. Staff users are
/// for admins; members for those who manage the account's users.
pub async fn create_user(
    ctx: &Ctx,
    email: &str,
    name: &str,
    password: &str,
    role: NewUserRole,
) -> Result<(String, Email), AppError> {
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(email));
    let name = errors.take("name", PersonName::parse(name));
    let inputs: Vec<&str> = email
        .iter()
        .map(Email::as_str)
        .chain(name.iter().map(PersonName::as_str))
        .collect();
    errors.take("password", check_new_password(password, &inputs));
    errors.into_result()?;
    let account = match &role {
        NewUserRole::Member { account_slug, .. } => {
            Some(super::accounts::field(ctx, account_slug, Permission::ManageAccountUsers).await?)
        }
        NewUserRole::Staff(_) => {
            ctx.require(Permission::Administer, None)?;
            None
        }
    };
    let (email, name) = (email.expect("checked"), name.expect("checked"));
    let hash = hash_password(password.to_owned())
        .await
        .map_err(hashing_failed)?;

    let mut w = ctx.begin().await?;
    let user_id = users::create(&mut **w.tx(), &email, &name, &hash).await?;
    let role_text = match (&role, &account) {
        (NewUserRole::Staff(r), _) => {
            users::grant_staff_role(&mut **w.tx(), &user_id, *r).await?;
            r.as_str()
        }
        (NewUserRole::Member { role, .. }, Some(account)) => {
            users::add_membership(&mut **w.tx(), &account.id, &user_id, *role).await?;
            role.as_str()
        }
        (NewUserRole::Member { .. }, None) => unreachable!("members have an account"),
    };
    w.commit(Change {
        action: AuditAction::UserCreate,
        account_id: account.as_ref().map(|a| a.id.as_str()),
        subject: Some(email.as_str()),
        before: None,
        after: Some(
            serde_json::json!({"email": email.as_str(), "name": name.as_str(), "role": role_text}),
        ),
    })
    .await?;
    Ok((user_id, email))
}

/// A password hash that couldn't be made: logged, answered as internal.
pub(super) fn hashing_failed(e: String) -> AppError {
    tracing::error!(error = %e, "password hashing failed");
    AppError::Internal
}

/// Gives an existing user a role in one more account.
pub async fn add_member(
    ctx: &Ctx,
    account_slug: &str,
    email: &str,
    role: AccountRole,
) -> Result<(), AppError> {
    let account = super::accounts::field(ctx, account_slug, Permission::ManageAccountUsers).await?;
    let email = Email::parse(email).map_err(|code| FieldErrors::single("email", code))?;
    let user = users::find_by_email(ctx.db.pool(), &email)
        .await?
        .ok_or_else(|| AppError::Invalid(FieldErrors::single("email", Code::UnknownUser)))?;
    let mut w = ctx.begin().await?;
    users::add_membership(&mut **w.tx(), &account.id, &user.id, role).await?;
    w.commit(Change {
        action: AuditAction::MembershipCreate,
        account_id: Some(&account.id),
        subject: Some(&user.email),
        before: None,
        after: Some(serde_json::json!({"email": user.email, "role": role.as_str()})),
    })
    .await
}

/// Changes a member's role; the account's last owner stays one.
pub async fn change_role(
    ctx: &Ctx,
    account_slug: &str,
    user_id: &str,
    role: &str,
) -> Result<(), AppError> {
    let account = super::accounts::load(ctx, account_slug, Permission::ManageAccountUsers).await?;
    let role = AccountRole::parse(role).map_err(|c| FieldErrors::single("role", c))?;
    let mut w = ctx.begin().await?;
    let (user, before) = member(ctx, &mut w, &account.id, user_id).await?;
    if before == role {
        return Ok(());
    }
    if before == AccountRole::Owner {
        last_owner_guard(&mut w, &account.id, &user).await?;
    }
    users::set_membership_role(&mut **w.tx(), &account.id, &user.id, role).await?;
    w.commit(Change {
        action: AuditAction::MembershipRole,
        account_id: Some(&account.id),
        subject: Some(&user.email),
        before: Some(serde_json::json!({"role": before.as_str()})),
        after: Some(serde_json::json!({"role": role.as_str()})),
    })
    .await
}

/// Removes a member from an account (their other accounts stay theirs); the
/// last owner stays. A pending user left with nothing goes.
pub async fn remove(ctx: &Ctx, account_slug: &str, user_id: &str) -> Result<(), AppError> {
    let account = super::accounts::load(ctx, account_slug, Permission::ManageAccountUsers).await?;
    let mut w = ctx.begin().await?;
    let (user, before) = member(ctx, &mut w, &account.id, user_id).await?;
    if before == AccountRole::Owner {
        last_owner_guard(&mut w, &account.id, &user).await?;
    }
    leave_account(&mut w, &account.id, &user).await?;
    w.commit(Change {
        action: AuditAction::MembershipRemove,
        account_id: Some(&account.id),
        subject: Some(&user.email),
        before: Some(serde_json::json!({"email": user.email, "role": before.as_str()})),
        after: None,
    })
    .await
}

/// A member of the account and their role there; anyone else: not found.
async fn member(
    ctx: &Ctx,
    w: &mut super::Write<'_>,
    account_id: &str,
    user_id: &str,
) -> Result<(users::UserRow, AccountRole), AppError> {
    let user = users::find_by_id(ctx.db.pool(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = users::membership_role(&mut **w.tx(), account_id, &user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((user, role))
}

/// Takes `user` out of the account, in the open change. A pending user's
/// invitation to it dies with the membership, and a pending user left with
/// nothing (no account, no staff role) goes.
pub(super) async fn leave_account(
    w: &mut super::Write<'_>,
    account_id: &str,
    user: &users::UserRow,
) -> Result<(), AppError> {
    users::remove_membership(&mut **w.tx(), account_id, &user.id).await?;
    if !user.pending {
        return Ok(());
    }
    let link = links::of_user(&mut **w.tx(), &user.id, links::Purpose::Invite).await?;
    if link.is_some_and(|l| l.account_id.as_deref() == Some(account_id)) {
        links::revoke(&mut **w.tx(), &user.id, links::Purpose::Invite).await?;
    }
    if users::membership_count(&mut **w.tx(), &user.id).await? == 0 && user.staff_role.is_none() {
        users::delete_pending(&mut **w.tx(), &user.id).await?;
    }
    Ok(())
}

/// Refuses to take away the last owner who can act (signed up, enabled).
async fn last_owner_guard(
    w: &mut super::Write<'_>,
    account_id: &str,
    user: &users::UserRow,
) -> Result<(), AppError> {
    if user.pending || user.disabled {
        return Ok(());
    }
    users::lock_owners(&mut **w.tx(), account_id).await?;
    if users::count_active_owners(&mut **w.tx(), account_id).await? <= 1 {
        return Err(FieldErrors::single("role", Code::LastOwner).into());
    }
    Ok(())
}

/// The principal of a user id (a session's), unless the user is gone,
/// disabled or hasn't signed up yet.
pub async fn principal(db: &Db, user_id: &str) -> Result<Option<Principal>, AppError> {
    let Some(user) = users::find_by_id(db.pool(), user_id)
        .await?
        .filter(|u| !u.disabled && !u.pending)
    else {
        return Ok(None);
    };
    let memberships = users::memberships(db.pool(), &user.id).await?;
    Ok(Some(Principal {
        user_id: user.id,
        email: user.email,
        name: user.name,
        staff: user.staff_role,
        memberships,
    }))
}

/// The user whose email and password these are; the same work (and the same
/// error) for an unknown email, a wrong password and a disabled user.
pub async fn authenticate(
    db: &Db,
    email: Option<&Email>,
    password: String,
) -> Result<Principal, AppError> {
    let user = match email {
        Some(email) => users::find_by_email(db.pool(), email).await?,
        None => None,
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let verified = verify_password(password, hash).await;
    match user {
        Some(u) if verified && !u.disabled && !u.pending => {
            let p = principal(db, &u.id)
                .await?
                .ok_or(AppError::BadCredentials)?;
            users::signed_in(db.pool(), &u.id).await?;
            Ok(p)
        }
        _ => Err(AppError::BadCredentials),
    }
}
