//! The failover editor page and the revision history page of an agent.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::editor::FailoverEditorForm;
use super::{RestoreRevision, SavePlan, get_failover_editor, list_revisions};
use crate::i18n::*;
use crate::messages::error_message;
use crate::time_fmt::utc_in;
use crate::ui::{Loading, Pager, error_view, type_label};
use crate::views::FailoverEditor;

fn agent_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").unwrap_or_default()
}

#[component]
pub fn EditorPage() -> impl IntoView {
    let id = agent_param();
    let editor = Resource::new(id, get_failover_editor);
    // A save posted without JavaScript comes back here with its error.
    let save = ServerAction::<SavePlan>::new();
    let i18n = use_i18n();
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(e) => view! { <EditorBody e /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
        {move || save.value().get().and_then(Result::err).map(|e| view! {
            <p class="form-error" role="alert">{error_message(i18n.get_locale(), &e)}</p>
        })}
    }
}

/// What a post of the form without JavaScript brought back (rendered on
/// the server only: the island starts from it).
fn kept() -> crate::views::EditorKept {
    use crate::feedback::kept;
    let json = |name: &str| kept("editor", name);
    crate::views::EditorKept {
        plan: json("plan").and_then(|p| serde_json::from_str(&p).ok()),
        errors: json("errors")
            .and_then(|e| serde_json::from_str(&e).ok())
            .unwrap_or_default(),
        cause: json("cause").unwrap_or_default(),
        at: json("at").unwrap_or_default(),
        simulation: json("simulation").and_then(|s| serde_json::from_str(&s).ok()),
    }
}

#[component]
fn EditorBody(e: FailoverEditor) -> impl IntoView {
    let i18n = use_i18n();
    let lang = i18n.get_locale_untracked().as_str().to_owned();
    let account_href = format!("/accounts/{}", e.account_slug);
    let history_href = format!("/agents/{}/history", e.agent_id);
    let staff = e.viewer_is_staff;
    let body = {
        let e = e.clone();
        if !e.inbound {
            view! { <p class="empty">{t!(i18n, outbound_no_failover)}</p> }.into_any()
        } else if !e.feature_enabled && !staff {
            view! { <p class="locked" data-testid="failover-locked">{t!(i18n, failover_locked)}</p> }.into_any()
        } else {
            let notes = (
                (!e.can_edit).then(|| view! { <p class="muted">{t!(i18n, read_only)}</p> }),
                (!e.feature_enabled)
                    .then(|| view! { <p class="locked">{t!(i18n, failover_locked)}</p> }),
            );
            view! {
                {notes}
                <FailoverEditorForm editor=e lang=lang.clone() kept=kept() />
            }
            .into_any()
        }
    };
    let banner = e.emergency.clone().map(|em| {
        view! { <crate::emergency::EmergencyBanner account=e.account_name.clone() e=em /> }
    });
    view! {
        <section class="page">
            {banner}
            <header class="page-head">
                <h1>{t!(i18n, editor_title)} " · " {e.agent_name.clone()}</h1>
                <a href=account_href.clone()>{e.account_name.clone()}</a>
                <a href=history_href>{t!(i18n, history)}</a>
            </header>
            <crate::feedback::NoticeAt place="editor" />
            <section class="card">{body}</section>
        </section>
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let id = agent_param();
    let page = crate::ui::query_page("page");
    let data = Resource::new(
        move || (id(), page()),
        |(id, page)| async move {
            let editor = get_failover_editor(id.clone()).await?;
            let revisions = list_revisions(id, page).await?;
            Ok::<_, crate::error::AppError>((editor, revisions))
        },
    );
    let restore = ServerAction::<RestoreRevision>::new();
    let i18n = use_i18n();
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => error_view(e),
                    Ok((editor, history)) => {
                        let editor_href = format!("/agents/{}/failover", editor.agent_id);
                        let pager = view! {
                            <Pager
                                page=history.page
                                pages=history.pages()
                                base=format!("/agents/{}/history?", editor.agent_id)
                            />
                        };
                        let revisions = history.revisions;
                        let rows = if revisions.is_empty() && history.total == 0 {
                            view! { <p class="empty">{t!(i18n, no_revisions)}</p> }.into_any()
                        } else {
                            revisions
                                .into_iter()
                                .map(|r| {
                                    let current = r.revision == editor.revision;
                                    view! {
                                        <RevisionCard
                                            r
                                            current
                                            can_restore=editor.can_edit && !current
                                            agent_id=editor.agent_id.clone()
                                            base=editor.revision
                                            connections=editor.sip_connections.clone()
                                            schedules=editor.schedules.clone()
                                            restore
                                        />
                                    }
                                })
                                .collect_view()
                                .into_any()
                        };
                        let banner = editor.emergency.clone().map(|em| {
                            view! { <crate::emergency::EmergencyBanner account=editor.account_name.clone() e=em /> }
                        });
                        view! {
                            <section class="page">
                                {banner}
                                <header class="page-head" id="history">
                                    <h1>{t!(i18n, history)} " · " {editor.agent_name.clone()}</h1>
                                    <a href=editor_href>{t!(i18n, editor_title)}</a>
                                </header>
                                <crate::feedback::NoticeAt place="history" />
                                {move || restore.value().get().and_then(Result::err).map(|e| view! {
                                    <p class="form-error" role="alert">{error_message(i18n.get_locale(), &e)}</p>
                                })}
                                {rows}
                                {pager}
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// One revision of the history: who saved it and when, what it changed
/// (labelled like the form), and Restore behind a confirmation.
#[component]
fn RevisionCard(
    r: crate::views::RevisionView,
    current: bool,
    can_restore: bool,
    agent_id: String,
    base: i64,
    connections: Vec<crate::views::SipConnectionView>,
    schedules: Vec<crate::views::ScheduleOption>,
    restore: ServerAction<RestoreRevision>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let changes = r
        .changes
        .iter()
        .map(|c| {
            let value = |v: &Option<String>| {
                v.as_deref()
                    .map(|v| change_value(locale, &c.field, v, &connections, &schedules))
                    .unwrap_or_default()
            };
            view! {
                <tr>
                    <td>{change_label(locale, &c.field)}</td>
                    <td>{value(&c.before)}</td>
                    <td>{value(&c.after)}</td>
                </tr>
            }
        })
        .collect_view();
    let revision = r.revision;
    view! {
        <article class="card revision" data-revision=revision>
            <header class="revision-head">
                <strong>{t!(i18n, revision_n)} " " {revision}</strong>
                {current.then(|| view! { <span class="badge on">{t!(i18n, current)}</span> })}
                <span class="muted">{r.saved_by.clone()} " · " {utc_in(locale, r.saved_at)}</span>
                {r.restored_from.map(|f| view! { <span class="muted">{t!(i18n, restored_from)} " " {f}</span> })}
                {can_restore.then(|| view! {
                    <details class="confirm">
                        <summary class="button">{t!(i18n, restore)}</summary>
                        <ActionForm action=restore attr:class="confirm-box">
                            <input type="hidden" name="agent_id" value=agent_id />
                            <input type="hidden" name="revision" value=revision />
                            <input type="hidden" name="base_revision" value=base />
                            <p class="small">{t!(i18n, restore_explain, revision = move || revision)}</p>
                            <button type="submit" class="button primary">{t!(i18n, restore_confirm)}</button>
                        </ActionForm>
                    </details>
                })}
            </header>
            <table class="table compact">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, field)}</th>
                        <th scope="col">{t!(i18n, field_before)}</th>
                        <th scope="col">{t!(i18n, field_after)}</th>
                    </tr>
                </thead>
                <tbody>{changes}</tbody>
            </table>
        </article>
    }
}

/// The form's label of a changed field (`sip.headers.0.name` → "Custom SIP
/// headers 1 · Name"; a plan's `precall.1.text` → "Pre-call workflow
/// failed · Step 2 · Sentence to say"), not its internal name.
pub fn change_label(locale: Locale, field: &str) -> String {
    let mut parts = field.splitn(3, '.');
    if let (Some(route), Some(Ok(i)), Some(rest)) = (
        parts.next().and_then(crate::domain::plan::Route::parse),
        parts.next().map(str::parse::<usize>),
        parts.next(),
    ) {
        let step = td_string!(locale, step_n).replace("%n%", &(i + 1).to_string());
        return format!(
            "{} · {step} · {}",
            crate::ui::route_heading(locale, route),
            action_label(locale, rest)
        );
    }
    action_label(locale, field)
}

/// The label of a field of one action (or a step's "Only when").
fn action_label(locale: Locale, field: &str) -> String {
    let label = |key: &str| -> String {
        match key {
            "type" => td_string!(locale, action_type),
            "webhook_url" => td_string!(locale, webhook_url),
            "timeout_seconds" => td_string!(locale, timeout_seconds),
            "text" => td_string!(locale, sentence),
            "language" => td_string!(locale, language),
            "max_ring_seconds" => td_string!(locale, max_ring),
            "phone_number" => td_string!(locale, phone_number),
            "sip.connection_id" => td_string!(locale, sip_connection),
            "sip.destination_id" => td_string!(locale, destination_id),
            "sip.user_to_user" => td_string!(locale, uui),
            "sip.headers" => td_string!(locale, custom_headers),
            "only_when" => td_string!(locale, only_when),
            other => return other.to_owned(),
        }
        .to_owned()
    };
    let parts: Vec<&str> = field.split('.').collect();
    match parts.as_slice() {
        ["sip", "headers", n, part] => {
            let n = n.parse::<usize>().map(|n| n + 1).unwrap_or(0);
            let part = if *part == "name" {
                td_string!(locale, header_name)
            } else {
                td_string!(locale, header_value)
            };
            format!("{} {n} · {part}", td_string!(locale, custom_headers))
        }
        _ => label(field),
    }
}

/// A changed value as the form shows it: the action type's name, the SIP
/// connection's name, "Front desk is open".
pub fn change_value(
    locale: Locale,
    field: &str,
    value: &str,
    connections: &[crate::views::SipConnectionView],
    schedules: &[crate::views::ScheduleOption],
) -> String {
    // A plan's field: what follows its route and step.
    let mut parts = field.splitn(3, '.');
    let field = match (
        parts.next().and_then(crate::domain::plan::Route::parse),
        parts.next().map(str::parse::<usize>),
        parts.next(),
    ) {
        (Some(_), Some(Ok(_)), Some(rest)) => rest,
        _ => field,
    };
    match (field, value) {
        ("type", t) if crate::domain::failover::ActionType::parse(t).is_some() => type_label(
            locale,
            crate::domain::failover::ActionType::parse(t).expect("checked"),
        )
        .to_owned(),
        ("sip.connection_id", id) => connections
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_owned()),
        ("only_when", v) => super::steps::condition_label(locale, v, schedules),
        (_, v) => v.to_owned(),
    }
}
