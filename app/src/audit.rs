//! The audit log: who changed what, when and from where; staff see every
//! entry, owners their accounts'.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use strum::IntoEnumIterator;

use crate::domain::AuditAction;
use crate::error::AppError;
use crate::i18n::*;
use crate::time_fmt::utc;
use crate::ui::{Loading, Pager, error_view, urlencode};
use crate::views::{AUDIT_PAGE_SIZE, AuditPage};

/// Entries matching the filters (empty means any); dates are `YYYY-MM-DD`, UTC,
/// `to` included.
#[server(prefix = "/api", endpoint = "audit/list")]
pub async fn list_audit(
    #[server(default)] account: String,
    #[server(default)] actor: String,
    #[server(default)] action: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] page: i64,
) -> Result<AuditPage, AppError> {
    crate::error::respond(ssr::list(account, actor, action, from, to, page).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::audit::{self, AuditQuery};

    pub async fn list(
        account: String,
        actor: String,
        action: String,
        from: String,
        to: String,
        page: i64,
    ) -> Result<AuditPage, AppError> {
        let q = AuditQuery {
            account,
            actor,
            action,
            from,
            to,
            page,
        };
        audit::list(&context().await?, &q).await
    }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let get = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let (account, actor, action, from, to) = (
        get("account"),
        get("actor"),
        get("action"),
        get("from"),
        get("to"),
    );
    let page = crate::ui::query_page("page");
    let data = Resource::new(
        move || (account(), actor(), action(), from(), to(), page()),
        |(a, b, c, d, e, p)| list_audit(a, b, c, d, e, p),
    );
    // The filters only for those who may read the log.
    let filters = move || {
        view! {
            <Form method="GET" action="" attr:class="form inline-form filters">
                <div class="field">
                    <label for="f-account">{t!(i18n, filter_account)}</label>
                    <input id="f-account" name="account" value=account placeholder="acme" />
                </div>
                <div class="field">
                    <label for="f-actor">{t!(i18n, filter_actor)}</label>
                    <input id="f-actor" name="actor" value=actor />
                </div>
                <div class="field">
                    <label for="f-action">{t!(i18n, filter_action)}</label>
                    <select id="f-action" name="action">
                        <option value="">{t!(i18n, any)}</option>
                        {AuditAction::iter().map(|a| a.as_str()).map(|a| view! { <option value=a selected=move || action() == a>{a}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="f-from">{t!(i18n, filter_from)}</label>
                    <input id="f-from" name="from" type="date" value=from />
                </div>
                <div class="field">
                    <label for="f-to">{t!(i18n, filter_to)}</label>
                    <input id="f-to" name="to" type="date" value=to />
                </div>
                <button type="submit" class="button">{t!(i18n, search)}</button>
            </Form>
        }
    };
    view! {
        <section class="page">
            <h1>{t!(i18n, audit_log)}</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e @ (AppError::Forbidden | AppError::Unauthenticated)) => error_view(e),
                        Err(e) => view! { {filters()} {error_view(e)} }.into_any(),
                        Ok(p) if p.total == 0 => view! { {filters()} <p class="empty">{t!(i18n, no_entries)}</p> }.into_any(),
                        Ok(p) => {
                            let base = format!(
                                "/audit?account={}&actor={}&action={}&from={}&to={}",
                                urlencode(&account()), urlencode(&actor()), urlencode(&action()), urlencode(&from()), urlencode(&to())
                            );
                            view! { {filters()} <AuditTable p base /> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// One page of entries, and links to the pages around it (`base`: the filters' URL).
#[component]
fn AuditTable(p: AuditPage, base: String) -> impl IntoView {
    let i18n = use_i18n();
    let pages = crate::views::page_count(p.total, AUDIT_PAGE_SIZE);
    let current = p.page;
    let pager_base = format!("{base}&");
    if p.entries.is_empty() {
        return view! { <Pager page=current pages base=pager_base /> }.into_any();
    }
    let rows = p
        .entries
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td class="nowrap">{utc(e.at)}</td>
                    <td>{e.actor} <span class="muted">" (" {e.actor_kind} ")"</span></td>
                    <td class="mono">{e.account.unwrap_or_default()}</td>
                    <td class="mono">{e.action}</td>
                    <td class="mono small">{e.subject.unwrap_or_default()}</td>
                    <td><pre class="json" tabindex="0" translate="no">{e.before.unwrap_or_default()}</pre></td>
                    <td><pre class="json" tabindex="0" translate="no">{e.after.unwrap_or_default()}</pre></td>
                    <td class="mono small">{e.client_ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
            <crate::ui::Scroll label=t_string!(i18n, audit_log)>
    <table class="table audit">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, saved_at)}</th>
                        <th scope="col">{t!(i18n, filter_actor)}</th>
                        <th scope="col">{t!(i18n, filter_account)}</th>
                        <th scope="col">{t!(i18n, filter_action)}</th>
                        <th scope="col">{t!(i18n, subject)}</th>
                        <th scope="col">{t!(i18n, field_before)}</th>
                        <th scope="col">{t!(i18n, field_after)}</th>
                        <th scope="col">"IP"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
    </crate::ui::Scroll>
            <Pager page=current pages base=pager_base />
        }
    .into_any()
}
