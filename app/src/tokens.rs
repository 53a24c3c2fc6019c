//! Runtime API tokens (admins only): the list, creating one (its secret shown
//! once), and revoking. Works without JavaScript: after a create the page
//! shows the new token once, taken from the session and removed from it.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
use crate::i18n::*;
use crate::time_fmt::utc_in;
use crate::ui::{Loading, Pager, error_view};
use crate::views::{CreatedToken, TOKENS_PAGE_SIZE, TokenView, TokensPageData};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// One page of the tokens, newest first.
#[server(prefix = "/api", endpoint = "tokens/list")]
pub async fn list_tokens(#[server(default)] page: i64) -> Result<TokensPageData, AppError> {
    crate::error::respond(ssr::list(page).await)
}

/// Creates a token with the ticked scopes, optionally bound to one account.
#[server(prefix = "/api", endpoint = "tokens/create")]
pub async fn create_token(
    #[server(default)] name: String,
    #[server(default)] read: Option<String>,
    #[server(default)] events: Option<String>,
    #[server(default)] account: String,
) -> Result<CreatedToken, AppError> {
    let reply = Reply::new(CreateToken::PATH, "new-token", Notice::Added)
        .keep("name", &name)
        .keep("read", read.as_deref().unwrap_or_default())
        .keep("events", events.as_deref().unwrap_or_default())
        .keep("account", &account)
        .to(None, "created-token");
    let result = ssr::create(name, read, events, account).await;
    reply.answer(result).await
}

#[server(prefix = "/api", endpoint = "tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    let result = ssr::revoke(id).await;
    Reply::new(RevokeToken::PATH, "tokens", Notice::Revoked)
        .answer(result)
        .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::{accounts, tokens};

    /// The session key of the handle of a token created and not yet shown
    /// (the secret itself waits in memory: `AppState::created_tokens`).
    const FLASH: &str = "created_token";

    async fn session() -> Result<tower_sessions::Session, AppError> {
        leptos_axum::extract::<tower_sessions::Session>()
            .await
            .map_err(|_| AppError::Internal)
    }

    pub async fn list(page: i64) -> Result<TokensPageData, AppError> {
        let ctx = context().await?;
        let (tokens, total, page) = tokens::list(&ctx, page).await?;
        let accounts = accounts::choices(&ctx).await?;
        // Shown once: the handle is taken out of the session as it is read.
        let handle: Option<String> = match session().await {
            Ok(s) => s.remove(FLASH).await.ok().flatten(),
            Err(_) => None,
        };
        let created = handle.and_then(|h| crate::state::app_state().ok()?.created_tokens.take(&h));
        Ok(TokensPageData {
            tokens,
            total,
            page,
            accounts,
            created,
        })
    }

    pub async fn create(
        name: String,
        read: Option<String>,
        events: Option<String>,
        account: String,
    ) -> Result<CreatedToken, AppError> {
        let ctx = context().await?;
        let ticked = |v: Option<String>| v.is_some_and(|v| !v.is_empty());
        let scopes: Vec<&str> = [(read, "runtime:read"), (events, "runtime:events")]
            .into_iter()
            .filter_map(|(v, scope)| ticked(v).then_some(scope))
            .collect();
        let (row, secret) =
            tokens::create(&ctx, &name, &scopes.join(","), Some(account.as_str())).await?;
        let created = CreatedToken {
            id: row.id,
            name: row.name,
            secret,
        };
        // For the page after a plain form post (no JavaScript); a call from
        // the hydrated page gets the secret in its answer only.
        if crate::error::plain_form_post()
            && let Ok(s) = session().await
        {
            let handle = crate::state::app_state()?
                .created_tokens
                .put(created.clone());
            let _ = s.insert(FLASH, &handle).await;
        }
        Ok(created)
    }

    pub async fn revoke(id: String) -> Result<(), AppError> {
        tokens::revoke(&context().await?, &id).await.map(|_| ())
    }
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let page = crate::ui::query_page("page");
    let data = Resource::new(page, list_tokens);
    view! {
        <section class="page">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        // Who may not use the page sees that only, without its title.
                        Err(e) => error_view(e),
                        Ok(d) => view! {
                            <h1>{t!(i18n, tokens_title)}</h1>
                            <p class="muted">{t!(i18n, tokens_intro)}</p>
                            <TokensBody d create revoke />
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TokensBody(
    d: TokensPageData,
    create: ServerAction<CreateToken>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let i18n = use_i18n();
    let created = d.created.map(|c| {
        view! {
            <div class="notice success" role="status" id="created-token" tabindex="-1" autofocus>
                <p>{t!(i18n, token_created_once, name = move || c.name.clone())}</p>
                <pre class="secret" data-testid="token-secret">{c.secret}</pre>
            </div>
        }
    });
    let accounts = d.accounts;
    let pages = crate::views::page_count(d.total, TOKENS_PAGE_SIZE);
    let page = d.page;
    let rows = d
        .tokens
        .into_iter()
        .map(|t| view! { <TokenRow t revoke /> })
        .collect_view();
    view! {
        {created}
        <h2>{t!(i18n, token_new)}</h2>
        <NewTokenForm create accounts />
        <h2 id="tokens">{t!(i18n, tokens_existing)}</h2>
        <crate::feedback::NoticeAt place="tokens" />
        <crate::ui::Scroll label=t_string!(i18n, tokens_existing)>
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, token_name)}</th>
                    <th scope="col">{t!(i18n, token_prefix)}</th>
                    <th scope="col">{t!(i18n, token_scopes)}</th>
                    <th scope="col">{t!(i18n, token_account)}</th>
                    <th scope="col">{t!(i18n, token_created_at)}</th>
                    <th scope="col">{t!(i18n, token_last_used)}</th>
                    <th scope="col">{t!(i18n, token_status)}</th>
                    <th scope="col"><span class="visually-hidden">{t!(i18n, col_actions)}</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </crate::ui::Scroll>
        <Pager page pages base="/tokens?".to_owned() />
    }
}

/// The error of one field after a refused create (no-JavaScript post).
fn field_error(action: ServerAction<CreateToken>, field: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let err = action.value().get().and_then(Result::err)?;
        let AppError::Invalid(f) = err else {
            return (field == "name").then(|| {
                view! { <p class="form-error" role="alert">{crate::messages::error_message(i18n.get_locale(), &err)}</p> }
            });
        };
        let code = f.get(field)?;
        Some(
            view! { <p class="field-error" role="alert">{crate::messages::field_message(i18n.get_locale(), code)}</p> },
        )
    }
}

/// One token of the list, with "Revoke" while it is active.
#[component]
fn TokenRow(t: TokenView, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let i18n = use_i18n();
    let revoked = t.revoked_at.is_some();
    let status = match t.revoked_at {
        Some(at) => view! {
            <span class="badge off">{t!(i18n, token_revoked)}</span>
            <span class="muted small">" " {utc_in(use_i18n().get_locale_untracked(), at)} " · " {t.revoked_by.unwrap_or_default()}</span>
        }
        .into_any(),
        None => view! { <span class="badge on">{t!(i18n, token_active)}</span> }.into_any(),
    };
    let id = t.id.clone();
    let row_name = t.name.clone();
    view! {
        <tr data-token=row_name>
            <td>{t.name}</td>
            <td class="mono">{t.prefix} "…"</td>
            <td class="mono small">{t.scopes}</td>
            <td class="mono">{t.account.unwrap_or_else(|| "*".to_owned())}</td>
            <td class="nowrap small">{utc_in(use_i18n().get_locale_untracked(), t.created_at)} <br /> {t.created_by}</td>
            <td class="nowrap small" data-testid="last-used">
                {match t.last_used_at {
                    Some(at) => utc_in(use_i18n().get_locale_untracked(), at).into_any(),
                    None => view! { <span class="muted">{t!(i18n, token_never_used)}</span> }.into_any(),
                }}
            </td>
            <td>{status}</td>
            <td>
                {(!revoked).then(|| view! {
                    <details class="confirm">
                        <summary class="button danger">{t!(i18n, token_revoke)}</summary>
                        <ActionForm action=revoke attr:class="confirm-box">
                            <input type="hidden" name="id" value=id />
                            <p class="small">{t!(i18n, token_revoke_explain)}</p>
                            <button type="submit" class="button danger">{t!(i18n, token_revoke_confirm)}</button>
                        </ActionForm>
                    </details>
                })}
            </td>
        </tr>
    }
}

/// "New token": a name, the scopes, and optionally the one account it may read.
#[component]
fn NewTokenForm(
    create: ServerAction<CreateToken>,
    accounts: Vec<(String, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kept = |field: &str| crate::feedback::kept("new-token", field);
    // Refused: the boxes as they were ticked; else read only.
    let refused = crate::feedback::refused_at("new-token");
    let read = !refused || kept("read").is_some_and(|v| !v.is_empty());
    let events = refused && kept("events").is_some_and(|v| !v.is_empty());
    let chosen = kept("account").unwrap_or_default();
    let accounts = accounts
        .into_iter()
        .map(|(slug, name)| {
            let label = format!("{name} ({slug})");
            let selected = slug == chosen;
            view! { <option value=slug selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <ActionForm action=create attr:class="form" attr:id="new-token">
            <div class="field">
                <label for="token-name">{t!(i18n, token_name)}</label>
                <input id="token-name" name="name" required maxlength="100" value=kept("name") />
                {field_error(create, "name")}
            </div>
            <fieldset class="field">
                <legend>{t!(i18n, token_scopes)}</legend>
                <label class="choice">
                    <input type="checkbox" name="read" value="on" checked=read />
                    <span class="mono">"runtime:read"</span>
                </label>
                <label class="choice">
                    <input type="checkbox" name="events" value="on" checked=events />
                    <span class="mono">"runtime:events"</span>
                </label>
                {field_error(create, "scopes")}
            </fieldset>
            <div class="field">
                <label for="token-account">{t!(i18n, token_account)}</label>
                <select id="token-account" name="account">
                    <option value="">{t!(i18n, token_all_accounts)}</option>
                    {accounts}
                </select>
                {field_error(create, "account")}
            </div>
            <button type="submit" class="button primary">{t!(i18n, token_create)}</button>
        </ActionForm>
    }
}
