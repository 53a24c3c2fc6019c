//! The accounts list (search, pages) and the account page.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    CreateAccount, RenameAccount, SetDefaultMessage, SetFailoverEnabled, get_account, list_accounts,
};
use crate::agents::{CreateAgent, UpdateAgent};
use crate::domain::failover::DefaultMessage;
use crate::domain::{Direction, LANGUAGES};
use crate::feedback::{NoticeAt, kept, refused_at};
use crate::i18n::*;
use crate::sip::{CreateSipConnection, DeleteSipConnection, UpdateSipConnection};
use crate::ui::{Loading, Pager, error_view, form_error, urlencode};
use crate::views::{AccountList, AccountView, AgentView, SipConnectionView};

#[component]
pub fn AccountsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let page = crate::ui::query_page("page");
    let list = Resource::new(move || (q(), page()), |(q, page)| list_accounts(q, page));
    view! {
        <section class="page">
            <h1>{t!(i18n, accounts_title)}</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    list.await.ok().filter(|l| l.can_create).map(|_| view! { <NewAccountForm /> })
                })}
            </Transition>
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
    let pages = list.pages();
    let page = list.page;
    let total = list.total;
    let base = format!("/accounts?q={}&", urlencode(&q));
    if list.items.is_empty() {
        if total > 0 {
            return view! { <Pager page pages base /> }.into_any();
        }
        return view! { <p class="empty">{t!(i18n, no_accounts)}</p> }.into_any();
    }
    let multi = list.can_emergency;
    let banners = list
        .emergencies
        .iter()
        .map(|(_, name, e)| view! { <crate::emergency::EmergencyBanner account=name.clone() e=e.clone() /> })
        .collect_view();
    let rows = list
        .items
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let href = format!("/accounts/{}", a.slug);
            let on = a.failover_enabled;
            let select = multi.then(|| {
                let label = t_string!(i18n, emergency_select).replace("%name%", &a.name);
                view! {
                    <td>
                        <input type="checkbox" form="emergency-multi" name=format!("accounts[{i}]")
                            value=a.slug.clone() aria-label=label disabled=!on />
                    </td>
                }
            });
            let in_emergency = a.emergency.is_some();
            view! {
                <tr>
                    {select}
                    <td>
                        <A href=href>{a.name}</A>
                        {in_emergency.then(|| view! { " " <span class="badge danger">{t!(i18n, emergency_mode)}</span> })}
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
    let zone = list.zone.clone();
    let multi_form = multi.then(move || {
        let start = ServerAction::<crate::emergency::StartEmergency>::new();
        view! {
            <section class="card" id="emergency" aria-labelledby="emergency-title">
                <h2 id="emergency-title">{t!(i18n, emergency_for_selected)}</h2>
                <NoticeAt place="emergency" />
                <p class="hint">{t!(i18n, emergency_explain)}</p>
                <ActionForm action=start attr:class="form emergency-form" attr:id="emergency-multi">
                    <crate::emergency::ActivateFields zone start />
                </ActionForm>
            </section>
        }
    });
    view! {
            {banners}
            <p class="muted">{t!(i18n, accounts_count, count = move || total)}</p>
    <crate::ui::Scroll label=t_string!(i18n, accounts_title)>
            <table class="table">
                <thead>
                    <tr>
                        {multi.then(|| view! { <th scope="col"><span class="visually-hidden">{t!(i18n, emergency_mode)}</span></th> })}
                        <th scope="col">{t!(i18n, col_name)}</th>
                        <th scope="col">{t!(i18n, col_slug)}</th>
                        <th scope="col">{t!(i18n, col_failover)}</th>
                        <th scope="col" class="num">{t!(i18n, col_agents)}</th>
                        <th scope="col" class="num">{t!(i18n, col_users)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </crate::ui::Scroll>
            <Pager page pages base />
            {multi_form}
        }
    .into_any()
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let agents_page = crate::ui::query_page("agents_page");
    let query = use_query_map();
    let editing = move || query.read().get("edit").unwrap_or_default();
    let account = Resource::new(
        move || (slug(), agents_page()),
        |(slug, page)| get_account(slug, page),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(a) => view! { <AccountDetail a editing=editing() /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountDetail(
    a: AccountView,
    /// The agent whose edit form is open (`?edit=`).
    editing: String,
) -> impl IntoView {
    let i18n = use_i18n();
    // Each card type-erased: the page's view type stays within the
    // compiler's depth limit in the release build.
    let flag =
        view! { <FlagCard slug=a.slug.clone() on=a.failover_enabled can_switch=a.can_switch /> }
            .into_any();
    let overview = view! {
        <Overview
            slug=a.slug.clone()
            on=a.failover_enabled
            counts=(a.inbound_total, a.configured_total)
            audit=a.can_read_audit
        />
    }
    .into_any();
    let agents = view! {
        <AgentsCard
            slug=a.slug.clone()
            agents=a.agents
            page=(a.agents_page, a.agents_total)
            manage=a.can_manage
            on=a.failover_enabled
            editing
        />
    }
    .into_any();
    let sip =
        view! { <SipCard slug=a.slug.clone() connections=a.sip_connections manage=a.can_manage /> }
            .into_any();
    let message = view! {
        <DefaultMessageCard slug=a.slug.clone() message=a.default_message manage=a.can_manage />
    }
    .into_any();
    let members = a
        .members
        .map(|m| view! { <crate::people::pages::MembersCard slug=a.slug.clone() m /> }.into_any());
    let rename = a
        .can_rename
        .then(|| view! { <RenameForm slug=a.slug.clone() name=a.name.clone() /> }.into_any());
    let banner = a.emergency.clone().map(|e| {
        view! { <crate::emergency::EmergencyBanner account=a.name.clone() e /> }.into_any()
    });
    let emergency = (a.can_emergency || (a.emergency.is_some() && a.can_manage)).then(|| {
        view! {
            <crate::emergency::EmergencyCard slug=a.slug.clone() on=a.emergency.clone() zone=a.zone.clone() />
        }
        .into_any()
    });
    view! {
        <section class="page">
            <header class="page-head" id="account">
                <h1>{a.name}</h1>
                <span class="mono muted">{a.slug.clone()}</span>
                {a.can_manage.then(|| view! {
                    <a href=format!("/accounts/{}/hours", a.slug) data-testid="hours-link">{t!(i18n, hours_link)}</a>
                })}
            </header>
            {banner}
            <NoticeAt place="account" />
            {rename}
            {flag}
            {emergency}
            {overview}
            {agents}
            {sip}
            {message}
            {members}
        </section>
    }
}

/// Renames the account (staff): the slug stays.
#[component]
fn RenameForm(slug: String, name: String) -> impl IntoView {
    let i18n = use_i18n();
    let rename = ServerAction::<RenameAccount>::new();
    view! {
        <details class="edit" open=refused_at("account")>
            <summary>{t!(i18n, rename)}</summary>
            <ActionForm action=rename attr:class="form inline-form">
                <input type="hidden" name="slug" value=slug />
                <div class="field">
                    <label for="account-name">{t!(i18n, account_name)}</label>
                    <input id="account-name" name="name" value=kept("account", "name").unwrap_or(name) required maxlength="100" />
                    {form_error(rename.value(), Some("name"))}
                </div>
                <button type="submit" class="button">{t!(i18n, rename)}</button>
                {form_error(rename.value(), None)}
            </ActionForm>
        </details>
    }
}

/// "New account" (staff): a name and a slug, then its page.
#[component]
fn NewAccountForm() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateAccount>::new();
    view! {
        <details class="card new-account" id="new-account" open=move || create.value().get().is_some_and(|r| r.is_err())>
            <summary class="button primary">{t!(i18n, new_account)}</summary>
            <ActionForm action=create attr:class="form">
                <div class="field">
                    <label for="new-account-name">{t!(i18n, account_name)}</label>
                    <input id="new-account-name" name="name" required maxlength="100" value=kept("new-account", "name") />
                    {form_error(create.value(), Some("name"))}
                </div>
                <div class="field">
                    <label for="new-account-slug">{t!(i18n, slug)}</label>
                    <input
                        id="new-account-slug"
                        name="slug"
                        value=kept("new-account", "slug")
                        required
                        minlength="2"
                        maxlength="63"
                        pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?"
                        aria-describedby="slug-help"
                        autocomplete="off"
                        spellcheck="false"
                    />
                    <p class="hint" id="slug-help">{t!(i18n, slug_help)}</p>
                    {form_error(create.value(), Some("slug"))}
                </div>
                <button type="submit" class="button primary">{t!(i18n, create_account)}</button>
                {form_error(create.value(), None)}
            </ActionForm>
        </details>
    }
}

/// The two directions, inbound chosen unless `inbound` is false.
fn direction_options(inbound: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <option value="inbound" selected=inbound>{t!(i18n, direction_inbound)}</option>
        <option value="outbound" selected=!inbound>{t!(i18n, direction_outbound)}</option>
    }
}

/// The languages a select offers, `selected` chosen.
fn language_options(selected: String) -> impl IntoView {
    LANGUAGES
        .iter()
        .map(|l| view! { <option value=*l selected=*l == selected>{*l}</option> })
        .collect_view()
}

/// The failover flag, and for staff the switch (a reason and a confirmation).
#[component]
fn FlagCard(slug: String, on: bool, can_switch: bool) -> impl IntoView {
    let i18n = use_i18n();
    let switch = ServerAction::<SetFailoverEnabled>::new();
    let switch_form = can_switch.then(|| {
        view! {
            <ActionForm action=switch attr:class="form switch-form">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="enabled" value=(!on).to_string() />
                <div class="field">
                    <label for="reason">{t!(i18n, reason)}</label>
                    <input id="reason" name="reason" required maxlength="500" value=kept("failover", "reason") />
                    {form_error(switch.value(), Some("reason"))}
                </div>
                <label class="choice">
                    <input type="checkbox" name="confirm" required />
                    <span>{t!(i18n, confirm_change)}</span>
                </label>
                {form_error(switch.value(), Some("confirm"))}
                <button type="submit" class=if on { "button" } else { "button primary" }>
                    {move || if on { t_string!(i18n, turn_off) } else { t_string!(i18n, turn_on) }}
                </button>
                {form_error(switch.value(), None)}
            </ActionForm>
        }
    });

    view! {
        <section class="card" id="failover">
            <NoticeAt place="failover" />
            <p class="flag">
                <span>{t!(i18n, failover_enabled)}</span>
                <span class=if on { "badge on" } else { "badge off" } data-testid="failover-state">
                    {move || if on { t_string!(i18n, on) } else { t_string!(i18n, off) }}
                </span>
            </p>
            {(!on && !can_switch).then(|| view! { <p class="locked">{t!(i18n, failover_locked)}</p> })}
            {switch_form}
        </section>
    }
}

/// The account's agents, each with a link to its failover editor; owners and
/// staff edit them and add more.
#[component]
fn AgentsCard(
    slug: String,
    agents: Vec<AgentView>,
    /// The page shown and the number of agents.
    page: (i64, i64),
    manage: bool,
    /// The account's failover switch.
    on: bool,
    /// The agent whose edit form is open.
    editing: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let edit_agent = ServerAction::<UpdateAgent>::new();
    let (page, total) = page;
    let pager = view! {
        <Pager
            page
            pages=crate::views::page_count(total, crate::views::AGENTS_PAGE_SIZE)
            base=format!("/accounts/{slug}?agents_")
        />
    }
    .into_any();
    let table = if agents.is_empty() {
        // Past the last page, the pager says so.
        (total == 0)
            .then(|| view! { <p class="empty">{t!(i18n, no_agents)}</p> })
            .into_any()
    } else {
        let rows = agents
            .iter()
            .cloned()
            .map(|g| view! { <AgentRow g slug=slug.clone() manage on /> })
            .collect_view();
        view! {
            <crate::ui::Scroll label=t_string!(i18n, account_agents)>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, col_name)}</th>
                        <th scope="col">{t!(i18n, col_direction)}</th>
                        <th scope="col">{t!(i18n, col_language)}</th>
                        <th scope="col">{t!(i18n, col_failover)}</th>
                        <th scope="col"><span class="visually-hidden">{t!(i18n, col_actions)}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </crate::ui::Scroll>
        }
        .into_any()
    };
    // The edit form of the agent chosen (or refused), below the table.
    let edit_form = agents
        .iter()
        .find(|g| manage && (g.id == editing || refused_at(&format!("agent-{}", g.id))))
        .cloned()
        .map(|g| view! { <AgentEditForm g slug=slug.clone() edit_agent /> });
    let agent_form = manage.then(|| view! { <NewAgentForm slug /> });

    view! {
        <section class="card">
            <h2>{t!(i18n, account_agents)}</h2>
            {table}
            {pager}
            {edit_form}
            {agent_form}
        </section>
    }
}

/// "Add agent": a name, a direction and a language.
#[component]
fn NewAgentForm(slug: String) -> impl IntoView {
    let i18n = use_i18n();
    let add_agent = ServerAction::<CreateAgent>::new();
    view! {
        <ActionForm action=add_agent attr:class="form inline-form" attr:id="agent-new">
            <NoticeAt place="agent-new" />
            <input type="hidden" name="slug" value=slug />
            <div class="field">
                <label for="agent-name">{t!(i18n, name)}</label>
                <input id="agent-name" name="name" required value=kept("agent-new", "name") />
                {form_error(add_agent.value(), Some("name"))}
            </div>
            <div class="field">
                <label for="agent-direction">{t!(i18n, direction)}</label>
                <select id="agent-direction" name="direction">
                    {direction_options(kept("agent-new", "direction").as_deref() != Some("outbound"))}
                </select>
            </div>
            <div class="field">
                <label for="agent-language">{t!(i18n, language)}</label>
                <select id="agent-language" name="language">{language_options(kept("agent-new", "language").unwrap_or_else(|| "fr-FR".to_owned()))}</select>
            </div>
            <button type="submit" class="button">{t!(i18n, add_agent)}</button>
            {form_error(add_agent.value(), None)}
        </ActionForm>
    }
}

/// The account's SIP connections; owners and staff add, edit and delete them.
#[component]
fn SipCard(slug: String, connections: Vec<SipConnectionView>, manage: bool) -> impl IntoView {
    let i18n = use_i18n();
    let delete_sip = ServerAction::<DeleteSipConnection>::new();
    let edit_sip = ServerAction::<UpdateSipConnection>::new();
    let empty = connections.is_empty();
    let sip_rows = connections
        .into_iter()
        .map(|c| {
            let id = c.id.clone();
            let place = format!("sip-{}", c.id);
            let edit = manage.then(|| {
                let (id, name, uri) = (c.id.clone(), c.name.clone(), c.sip_uri.clone());
                let name = kept(&place, "name").unwrap_or(name);
                let uri = kept(&place, "sip_uri").unwrap_or(uri);
                view! {
                    <details class="edit" id=place.clone() open=refused_at(&place)>
                        <summary>{t!(i18n, edit)}</summary>
                        <ActionForm action=edit_sip attr:class="form">
                            <input type="hidden" name="id" value=id />
                            <div class="field"><label>{t!(i18n, name)} <input name="name" value=name required /></label></div>
                            <div class="field"><label>{t!(i18n, sip_uri)} <input name="sip_uri" value=uri required /></label></div>
                            <button type="submit" class="button">{t!(i18n, update)}</button>
                        </ActionForm>
                    </details>
                    <NoticeAt place=place.clone() />
                }
            });
            let sip_name = c.name.clone();
            view! {
                <tr>
                    <td>{c.name}</td>
                    <td class="mono">{c.sip_uri}</td>
                    <td>{edit}</td>
                    <td>
                        {manage.then(|| view! {
                            <details class="confirm">
                                <summary class="button link danger">{t!(i18n, delete)}</summary>
                                <ActionForm action=delete_sip attr:class="confirm-box">
                                    <input type="hidden" name="id" value=id />
                                    <p class="small">{t!(i18n, sip_delete_explain, name = move || sip_name.clone())}</p>
                                    <button type="submit" class="button danger">{t!(i18n, sip_delete_confirm)}</button>
                                </ActionForm>
                            </details>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let sip_form = manage.then(|| view! { <NewSipForm slug /> });
    view! {
        <section class="card" id="sip">
            <h2>{t!(i18n, sip_connections)}</h2>
            <NoticeAt place="sip" />
            {form_error(delete_sip.value(), None)}
            {form_error(edit_sip.value(), None)}
            {form_error(edit_sip.value(), Some("sip_uri"))}
            {form_error(edit_sip.value(), Some("name"))}
            {(!empty).then(|| view! {
                <crate::ui::Scroll label=t_string!(i18n, sip_connections)>
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, col_name)}</th>
                            <th scope="col">{t!(i18n, sip_uri)}</th>
                            <th scope="col" colspan="2"><span class="visually-hidden">{t!(i18n, col_actions)}</span></th>
                        </tr>
                    </thead>
                    <tbody>{sip_rows}</tbody>
                </table>
                </crate::ui::Scroll>
            })}
            {sip_form}
        </section>
    }
}

/// "Add" a SIP connection: a name and a SIP URI.
#[component]
fn NewSipForm(slug: String) -> impl IntoView {
    let i18n = use_i18n();
    let add_sip = ServerAction::<CreateSipConnection>::new();
    view! {
        <ActionForm action=add_sip attr:class="form inline-form" attr:id="sip-new">
            <NoticeAt place="sip-new" />
            <input type="hidden" name="slug" value=slug />
            <div class="field">
                <label for="sip-name">{t!(i18n, name)}</label>
                <input id="sip-name" name="name" required value=kept("sip-new", "name") />
                {form_error(add_sip.value(), Some("name"))}
            </div>
            <div class="field">
                <label for="sip-uri">{t!(i18n, sip_uri)}</label>
                <input id="sip-uri" name="sip_uri" required placeholder="sip:trunk@pbx.example.com" value=kept("sip-new", "sip_uri") />
                {form_error(add_sip.value(), Some("sip_uri"))}
            </div>
            <button type="submit" class="button">{t!(i18n, add)}</button>
        </ActionForm>
    }
}

/// The message played when the failover action itself fails; owners and staff set it.
#[component]
fn DefaultMessageCard(slug: String, message: DefaultMessage, manage: bool) -> impl IntoView {
    let i18n = use_i18n();
    let set_message = ServerAction::<SetDefaultMessage>::new();
    let message_form = if manage {
        let text = kept("default-message", "text").unwrap_or_else(|| {
            if message.is_platform_default {
                String::new()
            } else {
                message.text.clone()
            }
        });
        let language =
            kept("default-message", "language").unwrap_or_else(|| message.language.clone());
        view! {
            <ActionForm action=set_message attr:class="form">
                <input type="hidden" name="slug" value=slug />
                <div class="field">
                    <label for="dm-text">{t!(i18n, text)}</label>
                    <textarea id="dm-text" name="text" rows="2" maxlength="1000" placeholder=message.text.clone()>{text}</textarea>
                    {form_error(set_message.value(), Some("text"))}
                </div>
                <div class="field short">
                    <label for="dm-language">{t!(i18n, language)}</label>
                    <select id="dm-language" name="language">{language_options(language)}</select>
                </div>
                <button type="submit" class="button">{t!(i18n, save)}</button>
                {form_error(set_message.value(), None)}
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <p>{message.text.clone()} " " <span class="mono muted">{message.language.clone()}</span></p> }.into_any()
    };

    view! {
        <section class="card" id="default-message">
            <h2>{t!(i18n, default_message)}</h2>
            <NoticeAt place="default-message" />
            <p class="muted">{t!(i18n, default_message_help)}</p>
            {message_form}
        </section>
    }
}

/// One agent: its name, direction and language, its failover state (the
/// type of its action, none yet, or off for the account) with the link to
/// its editor (inbound only), and for owners and staff a link to edit it.
#[component]
fn AgentRow(g: AgentView, slug: String, manage: bool, on: bool) -> impl IntoView {
    let i18n = use_i18n();
    let dir = g.direction;
    let href = format!("/agents/{}/failover", g.id);
    let place = format!("agent-{}", g.id);
    let edit = manage.then(|| {
        let href = format!("/accounts/{slug}?edit={}#{place}", urlencode(&g.id));
        view! { <a href=href>{t!(i18n, edit)}<span class="visually-hidden">" " {g.name.clone()}</span></a> }
    });
    let state = (dir == Direction::Inbound).then(|| {
        let (class, text) = match (on, g.action_type) {
            (false, _) => ("badge off", t_string!(i18n, agent_failover_off).to_owned()),
            (true, None) => (
                "badge warn",
                t_string!(i18n, agent_failover_none).to_owned(),
            ),
            (true, Some(t)) => (
                "badge on",
                crate::ui::type_label(i18n.get_locale_untracked(), t).to_owned(),
            ),
        };
        view! {
            <span class=class data-testid="agent-failover">{text}</span>
            " "
            <a href=href>{t!(i18n, configure_failover)}</a>
        }
    });
    view! {
        <tr data-agent=g.id.clone()>
            <td translate="no">{g.name}</td>
            <td>
                {move || match dir {
                    Direction::Inbound => t_string!(i18n, direction_inbound),
                    Direction::Outbound => t_string!(i18n, direction_outbound),
                }}
            </td>
            <td class="mono">{g.language}</td>
            <td class="nowrap">{state}</td>
            <td>{edit}</td>
        </tr>
    }
}

/// The edit form of one agent, in its own box below the table.
#[component]
fn AgentEditForm(
    g: AgentView,
    slug: String,
    edit_agent: ServerAction<UpdateAgent>,
) -> impl IntoView {
    let i18n = use_i18n();
    let place = format!("agent-{}", g.id);
    let name = kept(&place, "name").unwrap_or(g.name.clone());
    let language = kept(&place, "language").unwrap_or(g.language);
    let dir = match kept(&place, "direction").as_deref() {
        Some("outbound") => Direction::Outbound,
        Some("inbound") => Direction::Inbound,
        _ => g.direction,
    };
    let title = format!("{} {}", t_string!(i18n, edit_agent_title), g.name);
    view! {
        <section class="subcard" id=place.clone() aria-label=title.clone()>
            <h3>{title.clone()}</h3>
            <NoticeAt place=place.clone() />
            <ActionForm action=edit_agent attr:class="form">
                <input type="hidden" name="id" value=g.id />
                <div class="field">
                    <label for="edit-agent-name">{t!(i18n, name)}</label>
                    <input id="edit-agent-name" name="name" value=name required />
                    {form_error(edit_agent.value(), Some("name"))}
                </div>
                <div class="field">
                    <label for="edit-agent-direction">{t!(i18n, direction)}</label>
                    <select id="edit-agent-direction" name="direction">
                        <option value="inbound" selected=dir == Direction::Inbound>{t!(i18n, direction_inbound)}</option>
                        <option value="outbound" selected=dir == Direction::Outbound>{t!(i18n, direction_outbound)}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="edit-agent-language">{t!(i18n, language)}</label>
                    <select id="edit-agent-language" name="language">{language_options(language)}</select>
                </div>
                <div class="actions">
                    <button type="submit" class="button">{t!(i18n, update)}</button>
                    <a href=format!("/accounts/{slug}")>{t!(i18n, close)}</a>
                </div>
                {form_error(edit_agent.value(), None)}
            </ActionForm>
        </section>
    }
}

/// At a glance: how many inbound agents have a failover action, what the
/// switch means for them, and where the account's events and audit are.
#[component]
fn Overview(slug: String, on: bool, counts: (i64, i64), audit: bool) -> impl IntoView {
    let i18n = use_i18n();
    let (inbound, configured) = counts;
    let summary = t_string!(i18n, overview_configured)
        .replace("%n%", &configured.to_string())
        .replace("%total%", &inbound.to_string());
    let meaning = if !on {
        Some(t_string!(i18n, overview_off))
    } else if configured < inbound {
        Some(t_string!(i18n, overview_missing))
    } else {
        None
    };
    let q = urlencode(&slug);
    view! {
        <section class="card overview" data-testid="account-overview">
            <h2>{t!(i18n, overview_title)}</h2>
            <p>{summary}</p>
            {meaning.map(|m| view! { <p class="hint">{m}</p> })}
            <ul class="links">
                <li><a href=format!("/events?account={q}")>{t!(i18n, overview_events)}</a></li>
                {audit.then(|| view! { <li><a href=format!("/audit?account={q}")>{t!(i18n, overview_audit)}</a></li> })}
            </ul>
        </section>
    }
}
