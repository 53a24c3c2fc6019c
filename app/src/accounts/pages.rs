//! The accounts list (search, pages) and the account page.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{AccountList, AccountView, get_account, list_accounts};
use crate::domain::{AccountRole, Direction};
use crate::i18n::*;
use crate::shell::{Loading, error_view, urlencode};

#[component]
pub fn AccountsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
    };
    let list = Resource::new(move || (q(), page()), |(q, page)| list_accounts(q, page));
    view! {
        <section class="page">
            <h1>{t!(i18n, accounts_title)}</h1>
            <Form method="GET" action="" attr:class="search" attr:role="search">
                <label for="q" class="visually-hidden">{t!(i18n, search_label)}</label>
                <input
                    id="q"
                    type="search"
                    name="q"
                    value=q
                    placeholder=move || t_string!(i18n, search_label)
                />
                <button type="submit" class="button">{t!(i18n, search)}</button>
            </Form>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(l) => view! { <AccountTable list=l q=q() /> }.into_any(),
                        Err(e) => error_view(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AccountTable(list: AccountList, q: String) -> impl IntoView {
    let i18n = use_i18n();
    if list.items.is_empty() {
        return view! { <p class="empty">{t!(i18n, no_accounts)}</p> }.into_any();
    }
    let pages = list.pages();
    let page = list.page;
    let total = list.total;
    let link = move |p: i64| format!("/accounts?q={}&page={p}", urlencode(&q));
    let rows = list
        .items
        .into_iter()
        .map(|a| {
            let href = format!("/accounts/{}", a.slug);
            let on = a.failover_enabled;
            view! {
                <tr>
                    <td>
                        <A href=href>{a.name}</A>
                    </td>
                    <td class="mono">{a.slug}</td>
                    <td>
                        <span class=if on { "badge on" } else { "badge off" }>
                            {move || if on { t_string!(i18n, on) } else { t_string!(i18n, off) }}
                        </span>
                    </td>
                    <td class="num">{a.agent_count}</td>
                    <td class="num">{a.user_count}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{t!(i18n, accounts_count, count = move || total)}</p>
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_name)}</th>
                    <th scope="col">{t!(i18n, col_slug)}</th>
                    <th scope="col">{t!(i18n, col_failover)}</th>
                    <th scope="col" class="num">{t!(i18n, col_agents)}</th>
                    <th scope="col" class="num">{t!(i18n, col_users)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="pagination">
            {(page > 1).then(|| view! { <A href=link(page - 1)>{t!(i18n, previous)}</A> })}
            <span>{t!(i18n, page_of, page = move || page, pages = move || pages)}</span>
            {(page < pages).then(|| view! { <A href=link(page + 1)>{t!(i18n, next)}</A> })}
        </nav>
    }
    .into_any()
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let account = Resource::new(slug, get_account);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(a) => view! { <AccountDetail a /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

fn role_label(i18n: leptos_i18n::I18nContext<Locale>, role: AccountRole) -> &'static str {
    match role {
        AccountRole::Owner => t_string!(i18n, role_owner),
        AccountRole::Editor => t_string!(i18n, role_editor),
        AccountRole::Viewer => t_string!(i18n, role_viewer),
    }
}

#[component]
fn AccountDetail(a: AccountView) -> impl IntoView {
    let i18n = use_i18n();
    let on = a.failover_enabled;
    let agents = if a.agents.is_empty() {
        view! { <p class="empty">{t!(i18n, no_agents)}</p> }.into_any()
    } else {
        let rows = a
            .agents
            .into_iter()
            .map(|g| {
                let dir = g.direction;
                view! {
                    <tr>
                        <td>{g.name}</td>
                        <td>
                            {move || match dir {
                                Direction::Inbound => t_string!(i18n, direction_inbound),
                                Direction::Outbound => t_string!(i18n, direction_outbound),
                            }}
                        </td>
                        <td class="mono">{g.language}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, col_name)}</th>
                        <th scope="col">{t!(i18n, col_direction)}</th>
                        <th scope="col">{t!(i18n, col_language)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let members = a.members.map(|members| {
        let rows = members
            .into_iter()
            .map(|m| {
                let role = m.role;
                let disabled = m.disabled;
                view! {
                    <tr>
                        <td>{m.name}</td>
                        <td class="mono">{m.email}</td>
                        <td>{move || role_label(i18n, role)}</td>
                        <td>
                            {move || {
                                if disabled { t_string!(i18n, disabled) } else { t_string!(i18n, active) }
                            }}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section class="card">
                <h2>{t!(i18n, account_members)}</h2>
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, col_name)}</th>
                            <th scope="col">{t!(i18n, col_email)}</th>
                            <th scope="col">{t!(i18n, col_role)}</th>
                            <th scope="col">{t!(i18n, col_status)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
    });
    view! {
        <section class="page">
            <header class="page-head">
                <h1>{a.name}</h1>
                <span class="mono muted">{a.slug}</span>
            </header>
            <section class="card">
                <p class="flag">
                    <span>{t!(i18n, failover_enabled)}</span>
                    <span class=if on { "badge on" } else { "badge off" } data-testid="failover-state">
                        {move || if on { t_string!(i18n, on) } else { t_string!(i18n, off) }}
                    </span>
                </p>
            </section>
            <section class="card">
                <h2>{t!(i18n, account_agents)}</h2>
                {agents}
            </section>
            {members}
        </section>
    }
}
