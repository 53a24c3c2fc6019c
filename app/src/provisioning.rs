//! Creating accounts, users and agents: input parsed by the domain rules, the
//! rows and their audit entries written in one transaction (all or nothing).
//! Used by the command line now and by the pages later.

use crate::domain::{
    AccountName, AccountRole, Direction, Email, FieldErrors, Language, PersonName, Slug, StaffRole,
};
use crate::error::AppError;
use crate::store::audit::{self, Actor, Entry};
use crate::store::{Db, accounts, agents, tokens, users};

/// Creates an account; `Conflict("slug")` when the slug is taken.
pub async fn create_account(
    db: &Db,
    actor: &Actor,
    name: &str,
    slug: &str,
) -> Result<accounts::AccountRow, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", AccountName::parse(name));
    let slug = errors.take("slug", Slug::parse(slug));
    errors.into_result()?;
    let (name, slug) = (name.expect("checked"), slug.expect("checked"));
    let mut tx = db.begin_write().await?;
    let account = accounts::create(&mut *tx, &name, &slug).await?;
    audit::record(
        &mut *tx,
        Entry {
            actor,
            account_id: Some(&account.id),
            action: "account.create",
            subject: Some(&account.slug),
            before: None,
            after: Some(serde_json::json!({"name": account.name, "slug": account.slug})),
            client_ip: None,
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(account)
}

/// What a new user may do: a staff role, or a role in one account.
#[derive(Debug, Clone)]
pub enum NewUserRole {
    Staff(StaffRole),
    Member {
        account_slug: String,
        role: AccountRole,
    },
}

/// Creates a user with a password already checked against the strength rule.
pub async fn create_user(
    db: &Db,
    actor: &Actor,
    email: &str,
    name: &str,
    password: &str,
    role: NewUserRole,
) -> Result<String, AppError> {
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(email));
    let name = errors.take("name", PersonName::parse(name));
    let inputs: Vec<&str> = email
        .iter()
        .map(Email::as_str)
        .chain(name.iter().map(PersonName::as_str))
        .collect();
    errors.take(
        "password",
        crate::auth::password::check_new_password(password, &inputs),
    );
    errors.into_result()?;
    let (email, name) = (email.expect("checked"), name.expect("checked"));

    let account = match &role {
        NewUserRole::Member { account_slug, .. } => Some(
            accounts::find_by_slug(db.pool(), account_slug)
                .await?
                .ok_or_else(|| {
                    AppError::Invalid(FieldErrors::single("account", "unknown_account"))
                })?,
        ),
        NewUserRole::Staff(_) => None,
    };
    let hash = crate::auth::password::hash_password(password.to_owned())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })?;

    let mut tx = db.begin_write().await?;
    let user_id = users::create(&mut *tx, &email, &name, &hash).await?;
    let role_text = match &role {
        NewUserRole::Staff(r) => {
            users::grant_staff_role(&mut *tx, &user_id, *r).await?;
            r.as_str()
        }
        NewUserRole::Member { role, .. } => {
            let account = account.as_ref().expect("looked up above");
            users::add_membership(&mut *tx, &account.id, &user_id, *role).await?;
            role.as_str()
        }
    };
    audit::record(
        &mut *tx,
        Entry {
            actor,
            account_id: account.as_ref().map(|a| a.id.as_str()),
            action: "user.create",
            subject: Some(email.as_str()),
            before: None,
            after: Some(serde_json::json!({"email": email.as_str(), "name": name.as_str(), "role": role_text})),
            client_ip: None,
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(user_id)
}

/// Creates an agent in the account with `account_slug`.
pub async fn create_agent(
    db: &Db,
    actor: &Actor,
    account_slug: &str,
    name: &str,
    direction: &str,
    language: &str,
) -> Result<agents::AgentRow, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", PersonName::parse(name));
    let direction = errors.take("direction", Direction::parse(direction));
    let language = errors.take("language", Language::parse(language));
    errors.into_result()?;
    let account = accounts::find_by_slug(db.pool(), account_slug)
        .await?
        .ok_or_else(|| AppError::Invalid(FieldErrors::single("account", "unknown_account")))?;
    let mut tx = db.begin_write().await?;
    let agent = agents::create(
        &mut tx,
        &account.id,
        &name.expect("checked"),
        direction.expect("checked"),
        &language.expect("checked"),
    )
    .await?;
    audit::record(
        &mut *tx,
        Entry {
            actor,
            account_id: Some(&account.id),
            action: "agent.create",
            subject: Some(&agent.id),
            before: None,
            after: Some(serde_json::json!({
                "name": agent.name, "direction": agent.direction.as_str(), "language": agent.language
            })),
            client_ip: None,
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(agent)
}

/// Gives an existing user a role in one more account.
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    account_slug: &str,
    email: &str,
    role: AccountRole,
) -> Result<(), AppError> {
    let account = accounts::find_by_slug(db.pool(), account_slug)
        .await?
        .ok_or_else(|| AppError::Invalid(FieldErrors::single("account", "unknown_account")))?;
    let user = users::find_by_email(db.pool(), email)
        .await?
        .ok_or_else(|| AppError::Invalid(FieldErrors::single("email", "unknown_user")))?;
    let mut tx = db.begin_write().await?;
    users::add_membership(&mut *tx, &account.id, &user.id, role).await?;
    audit::record(
        &mut *tx,
        Entry {
            actor,
            account_id: Some(&account.id),
            action: "membership.create",
            subject: Some(&user.email),
            before: None,
            after: Some(serde_json::json!({"email": user.email, "role": role.as_str()})),
            client_ip: None,
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

/// Creates a runtime API token; returns it with its secret, to show once.
/// `scopes` is a comma-separated list; `account_slug` binds it to one account.
pub async fn create_token(
    db: &Db,
    actor: &Actor,
    client_ip: Option<&str>,
    name: &str,
    scopes: &str,
    account_slug: Option<&str>,
) -> Result<(tokens::TokenRow, String), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", PersonName::parse(name));
    let scopes = errors.take("scopes", tokens::Scope::parse_list(scopes));
    let account = match account_slug.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(slug) => {
            let found = accounts::find_by_slug(db.pool(), slug).await?;
            errors.take("account", found.ok_or("unknown_account"))
        }
    };
    errors.into_result()?;
    let (name, scopes) = (name.expect("checked"), scopes.expect("checked"));
    let mut tx = db.begin_write().await?;
    let (row, secret) = tokens::create(
        &mut tx,
        name.as_str(),
        &scopes,
        account.as_ref().map(|a| a.id.as_str()),
        &actor_label(actor),
    )
    .await?;
    audit::record(
        &mut *tx,
        Entry {
            actor,
            account_id: account.as_ref().map(|a| a.id.as_str()),
            action: "token.create",
            subject: Some(&row.id),
            before: None,
            after: Some(serde_json::json!({
                "name": row.name, "prefix": row.prefix,
                "scopes": tokens::scopes_to_string(&row.scopes),
                "account": row.account_slug,
            })),
            client_ip,
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok((row, secret))
}

/// Revokes a runtime token; it is refused from the next request on.
pub async fn revoke_token(
    db: &Db,
    actor: &Actor,
    client_ip: Option<&str>,
    id: &str,
) -> Result<tokens::TokenRow, AppError> {
    let mut tx = db.begin_write().await?;
    let before = tokens::find(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !tokens::revoke(&mut tx, id, &actor_label(actor)).await? {
        return Err(AppError::Invalid(FieldErrors::single(
            "token",
            "already_revoked",
        )));
    }
    audit::record(
        &mut *tx,
        Entry {
            actor,
            account_id: before.account_id.as_deref(),
            action: "token.revoke",
            subject: Some(&before.id),
            before: Some(
                serde_json::json!({"name": before.name, "prefix": before.prefix, "revoked": false}),
            ),
            after: Some(
                serde_json::json!({"name": before.name, "prefix": before.prefix, "revoked": true}),
            ),
            client_ip,
        },
    )
    .await?;
    let after = tokens::find(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(after)
}

fn actor_label(actor: &Actor) -> String {
    match actor {
        Actor::User { email, .. } => email.clone(),
        Actor::Token { name, .. } => format!("token {name}"),
        Actor::System(label) => (*label).to_owned(),
    }
}
