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
    pub staff_role: Option<StaffRole>,
}

const SELECT: &str = "SELECT u.id, u.email, u.name, u.password_hash, u.disabled, s.role AS staff_role \
                      FROM users u LEFT JOIN staff_roles s ON s.user_id = u.id";

fn row(r: &AnyRow) -> Result<UserRow, sqlx::Error> {
    let staff: Option<String> = r.try_get("staff_role")?;
    Ok(UserRow {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
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
}

pub async fn members<'c>(
    ex: impl AnyExecutor<'c>,
    account_id: &str,
) -> Result<Vec<MemberRow>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT u.id, u.email, u.name, u.disabled, m.role FROM memberships m \
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
                role: AccountRole::parse(&role).unwrap_or(AccountRole::Viewer),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}
