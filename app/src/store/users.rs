//! Users, their staff role and their account memberships.

use sqlx::{Any, AnyExecutor, Row, any::AnyRow};

use super::{StoreError, new_id, now_ms, unique_as};
use crate::domain::Membership;
use crate::domain::{AccountRole, Email, PersonName, StaffRole, Taken};

/// One user as stored, with the staff role if any.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub disabled: bool,
    /// Invited, no password set yet: can't sign in.
    pub pending: bool,
    pub last_sign_in_at: Option<i64>,
    pub staff_role: Option<StaffRole>,
}

const SELECT: &str = "SELECT u.id, u.email, u.name, u.password_hash, u.disabled, u.pending, \
                      u.last_sign_in_at, s.role AS staff_role \
                      FROM users u LEFT JOIN staff_roles s ON s.user_id = u.id";

fn row(r: &AnyRow) -> Result<UserRow, sqlx::Error> {
    let staff: Option<String> = r.try_get("staff_role")?;
    Ok(UserRow {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        pending: r.try_get::<i64, _>("pending")? != 0,
        last_sign_in_at: r.try_get("last_sign_in_at")?,
        staff_role: staff.as_deref().and_then(|s| StaffRole::parse(s).ok()),
    })
}

pub async fn create<'c>(
    ex: impl AnyExecutor<'c>,
    email: &Email,
    name: &PersonName,
    password_hash: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query::<Any>(
        "INSERT INTO users (id, email, name, password_hash, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(&id)
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(password_hash)
    .bind(now_ms())
    .execute(ex)
    .await
    .map_err(unique_as(Taken::Email))?;
    Ok(id)
}

/// A user invited and not yet signed up: no password (the empty hash matches
/// none), named after their email until they choose a name.
pub async fn create_pending<'c>(
    ex: impl AnyExecutor<'c>,
    email: &Email,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query::<Any>(
        "INSERT INTO users (id, email, name, password_hash, disabled, pending, created_at, updated_at) \
         VALUES ($1, $2, $2, '', 0, 1, $3, $3)",
    )
    .bind(&id)
    .bind(email.as_str())
    .bind(now_ms())
    .execute(ex)
    .await
    .map_err(unique_as(Taken::Email))?;
    Ok(id)
}

/// A pending user accepts: their name and password, and they are pending no more.
pub async fn complete_signup<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
    name: &PersonName,
    password_hash: &str,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE users SET name = $1, password_hash = $2, pending = 0, updated_at = $3 \
         WHERE id = $4 AND pending = 1",
    )
    .bind(name.as_str())
    .bind(password_hash)
    .bind(now_ms())
    .bind(user_id)
    .execute(ex)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn set_password<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND pending = 0",
    )
    .bind(password_hash)
    .bind(now_ms())
    .bind(user_id)
    .execute(ex)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Remembers a successful sign-in.
pub async fn signed_in<'c>(ex: impl AnyExecutor<'c>, user_id: &str) -> Result<(), StoreError> {
    sqlx::query::<Any>("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Deletes a pending user (an invitation revoked, their last membership removed).
pub async fn delete_pending<'c>(ex: impl AnyExecutor<'c>, user_id: &str) -> Result<(), StoreError> {
    sqlx::query::<Any>("DELETE FROM users WHERE id = $1 AND pending = 1")
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn find_by_email<'c>(
    ex: impl AnyExecutor<'c>,
    email: &Email,
) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("{SELECT} WHERE u.email = $1");
    let r = sqlx::query::<Any>(&sql)
        .bind(email.as_str())
        .fetch_optional(ex)
        .await?;
    Ok(r.as_ref().map(row).transpose()?)
}

pub async fn find_by_id<'c>(
    ex: impl AnyExecutor<'c>,
    id: &str,
) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("{SELECT} WHERE u.id = $1");
    let r = sqlx::query::<Any>(&sql).bind(id).fetch_optional(ex).await?;
    Ok(r.as_ref().map(row).transpose()?)
}

pub async fn set_disabled<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
    disabled: bool,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(now_ms())
        .bind(user_id)
        .execute(ex)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Changes a staff user's role.
pub async fn set_staff_role<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
    role: StaffRole,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>("UPDATE staff_roles SET role = $1 WHERE user_id = $2")
        .bind(role.as_str())
        .bind(user_id)
        .execute(ex)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// How many admins can act (signed up and not disabled).
pub async fn count_active_admins<'c>(ex: impl AnyExecutor<'c>) -> Result<i64, StoreError> {
    Ok(sqlx::query::<Any>(
        "SELECT COUNT(*) AS n FROM staff_roles s JOIN users u ON u.id = s.user_id \
         WHERE s.role = 'admin' AND u.disabled = 0 AND u.pending = 0",
    )
    .fetch_one(ex)
    .await?
    .try_get("n")?)
}

/// How many owners of an account can act (signed up and not disabled).
pub async fn count_active_owners<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query::<Any>(
        "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.account_id = $1 AND m.role = 'owner' AND u.disabled = 0 AND u.pending = 0",
    )
    .bind(account_id)
    .fetch_one(ex)
    .await?
    .try_get("n")?)
}

/// The role of a user in an account, if a member.
pub async fn membership_role<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    user_id: &str,
) -> Result<Option<AccountRole>, StoreError> {
    let r =
        sqlx::query::<Any>("SELECT role FROM memberships WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(ex)
            .await?;
    let Some(r) = r else { return Ok(None) };
    let role: String = r.try_get("role")?;
    Ok(AccountRole::parse(&role).ok())
}

pub async fn set_membership_role<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    user_id: &str,
    role: AccountRole,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE memberships SET role = $1 WHERE account_id = $2 AND user_id = $3",
    )
    .bind(role.as_str())
    .bind(account_id)
    .bind(user_id)
    .execute(ex)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn remove_membership<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    user_id: &str,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>("DELETE FROM memberships WHERE account_id = $1 AND user_id = $2")
        .bind(account_id)
        .bind(user_id)
        .execute(ex)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// How many accounts a user belongs to.
pub async fn membership_count<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query::<Any>("SELECT COUNT(*) AS n FROM memberships WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(ex)
            .await?
            .try_get("n")?,
    )
}

pub async fn grant_staff_role<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
    role: StaffRole,
) -> Result<(), StoreError> {
    sqlx::query::<Any>("INSERT INTO staff_roles (user_id, role, granted_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(role.as_str())
        .bind(now_ms())
        .execute(ex)
        .await
        .map_err(unique_as(Taken::StaffRole))?;
    Ok(())
}

pub async fn add_membership<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
    user_id: &str,
    role: AccountRole,
) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(ex)
    .await
    .map_err(unique_as(Taken::Membership))?;
    Ok(())
}

/// The accounts a user belongs to, by account name.
pub async fn memberships<'c>(
    ex: impl AnyExecutor<'c>,
    user_id: &str,
) -> Result<Vec<Membership>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT a.id, a.slug, a.name, m.role FROM memberships m \
         JOIN accounts a ON a.id = m.account_id WHERE m.user_id = $1 ORDER BY LOWER(a.name), a.id",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(Membership {
                account_id: r.try_get("id")?,
                account_slug: r.try_get("slug")?,
                account_name: r.try_get("name")?,
                role: AccountRole::parse(&role).unwrap_or(AccountRole::Viewer),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A member of an account, for the account page.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: AccountRole,
    pub disabled: bool,
    pub pending: bool,
}

pub async fn members<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<Vec<MemberRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT u.id, u.email, u.name, u.disabled, u.pending, m.role FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.account_id = $1 ORDER BY u.email",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(MemberRow {
                user_id: r.try_get("id")?,
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                disabled: r.try_get::<i64, _>("disabled")? != 0,
                pending: r.try_get::<i64, _>("pending")? != 0,
                role: AccountRole::parse(&role).unwrap_or(AccountRole::Viewer),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A user in the staff's list: state, staff role, memberships, last sign-in.
#[derive(Debug, Clone)]
pub struct UserListRow {
    pub user: UserRow,
    /// (account slug, account name, role), by account name.
    pub memberships: Vec<(String, String, AccountRole)>,
}

/// A page of users whose email or name contains `search` (any case), by
/// email; plus the number of matches.
pub async fn search(
    pool: &sqlx::AnyPool,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserListRow>, i64), StoreError> {
    let term = search.trim();
    let pattern = super::like_pattern(term);
    let filter =
        "($1 = '' OR LOWER(u.email) LIKE $2 ESCAPE '\\' OR LOWER(u.name) LIKE $2 ESCAPE '\\')";
    let total: i64 =
        sqlx::query::<Any>(&format!("SELECT COUNT(*) AS n FROM users u WHERE {filter}"))
            .bind(term)
            .bind(&pattern)
            .fetch_one(pool)
            .await?
            .try_get("n")?;
    let rows = sqlx::query::<Any>(&format!(
        "{SELECT} WHERE {filter} ORDER BY u.email LIMIT $3 OFFSET $4"
    ))
    .bind(term)
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let users = rows.iter().map(row).collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(users.len());
    if users.is_empty() {
        return Ok((out, total));
    }
    let params: Vec<String> = (1..=users.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT m.user_id, a.slug, a.name, m.role FROM memberships m \
         JOIN accounts a ON a.id = m.account_id WHERE m.user_id IN ({}) \
         ORDER BY LOWER(a.name), a.id",
        params.join(", ")
    );
    let mut q = sqlx::query::<Any>(&sql);
    for u in &users {
        q = q.bind(&u.id);
    }
    let memberships = q.fetch_all(pool).await?;
    for user in users {
        let mine = memberships
            .iter()
            .filter(|r| {
                r.try_get::<String, _>("user_id")
                    .is_ok_and(|id| id == user.id)
            })
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok((
                    r.try_get("slug")?,
                    r.try_get("name")?,
                    AccountRole::parse(&role).unwrap_or(AccountRole::Viewer),
                ))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        out.push(UserListRow {
            user,
            memberships: mine,
        });
    }
    Ok((out, total))
}

/// Locks the admins' rows until the transaction ends (PostgreSQL; SQLite's
/// write transaction holds the whole database), so two changes can't each
/// think the other admin remains.
pub async fn lock_admins<'c>(ex: impl AnyExecutor<'c>) -> Result<(), StoreError> {
    sqlx::query::<Any>("UPDATE staff_roles SET role = role WHERE role = 'admin'")
        .execute(ex)
        .await?;
    Ok(())
}

/// The same for an account's owners.
pub async fn lock_owners<'c>(ex: impl AnyExecutor<'c>, account_id: &str) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "UPDATE memberships SET role = role WHERE account_id = $1 AND role = 'owner'",
    )
    .bind(account_id)
    .execute(ex)
    .await?;
    Ok(())
}
