//! Accounts: the list staff search, the account page, and their server functions.

pub mod pages;

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::views::{AccountList, AccountView};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// Accounts whose name or slug contains `q`: every account for staff, a
/// customer's own accounts otherwise.
#[server(prefix = "/api", endpoint = "accounts/list")]
pub async fn list_accounts(
    #[server(default)] q: String,
    #[server(default)] page: i64,
) -> Result<AccountList, AppError> {
    crate::error::respond(ssr::list(q, page).await)
}

/// One account by slug (and a page of its agents); 404 for an account the
/// user doesn't belong to.
#[server(prefix = "/api", endpoint = "accounts/get")]
pub async fn get_account(
    slug: String,
    #[server(default)] agents_page: i64,
) -> Result<AccountView, AppError> {
    crate::error::respond(ssr::get(slug, agents_page).await)
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
    let notice = if enabled {
        Notice::FailoverOn
    } else {
        Notice::FailoverOff
    };
    let result = ssr::set_failover(slug, enabled, reason.clone(), confirm).await;
    Reply::new(SetFailoverEnabled::PATH, "failover", notice)
        .keep("reason", &reason)
        .answer(result)
        .await
}

/// Sets the account's default error message (owners and staff); an empty
/// text goes back to the platform's.
#[server(prefix = "/api", endpoint = "accounts/default_message")]
pub async fn set_default_message(
    slug: String,
    text: String,
    language: String,
) -> Result<(), AppError> {
    let result = ssr::set_default_message(slug, text.clone(), language.clone()).await;
    Reply::new(SetDefaultMessage::PATH, "default-message", Notice::Saved)
        .keep("text", &text)
        .keep("language", &language)
        .answer(result)
        .await
}

/// Creates an account (staff), then goes to its page.
#[server(prefix = "/api", endpoint = "accounts/create")]
pub async fn create_account(name: String, slug: String) -> Result<String, AppError> {
    let result = ssr::create(name.clone(), slug.clone()).await;
    let to = result.as_ref().ok().map(|s| format!("/accounts/{s}"));
    Reply::new(CreateAccount::PATH, "new-account", Notice::AccountCreated)
        .keep("name", &name)
        .keep("slug", &slug)
        .to(to, "account")
        .answer(result)
        .await
}

/// Renames an account (staff); the slug stays.
#[server(prefix = "/api", endpoint = "accounts/rename")]
pub async fn rename_account(slug: String, name: String) -> Result<(), AppError> {
    let result = ssr::rename(slug, name.clone()).await;
    Reply::new(RenameAccount::PATH, "account", Notice::Renamed)
        .keep("name", &name)
        .answer(result)
        .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::accounts;

    pub async fn list(q: String, page: i64) -> Result<AccountList, AppError> {
        let mut list = accounts::list(&context().await?, &q, page).await?;
        if let Some(zone) = crate::events::ssr::remembered_zone().await {
            list.zone = zone;
        }
        Ok(list)
    }

    pub async fn get(slug: String, agents_page: i64) -> Result<AccountView, AppError> {
        let mut view = accounts::view(&context().await?, &slug, agents_page).await?;
        if let Some(zone) = crate::events::ssr::remembered_zone().await {
            view.zone = zone;
        }
        if let Some(members) = &mut view.members {
            members.issued = crate::people::ssr::take_issued().await;
        }
        Ok(view)
    }

    pub async fn create(name: String, slug: String) -> Result<String, AppError> {
        let account = accounts::create(&context().await?, &name, &slug).await?;
        Ok(account.slug)
    }

    pub async fn rename(slug: String, name: String) -> Result<(), AppError> {
        accounts::rename(&context().await?, &slug, &name).await
    }

    pub async fn set_failover(
        slug: String,
        enabled: bool,
        reason: String,
        confirm: Option<String>,
    ) -> Result<(), AppError> {
        let ctx = context().await?;
        accounts::set_failover(&ctx, &slug, enabled, &reason, confirm.as_deref()).await
    }

    pub async fn set_default_message(
        slug: String,
        text: String,
        language: String,
    ) -> Result<(), AppError> {
        accounts::set_default_message(&context().await?, &slug, &text, &language).await
    }
}
