//! The failover editor form: an island, so the rules run in the browser as
//! the person types, a step's type can be switched without losing what was
//! typed, steps are added, moved and removed at once, and leaving with
//! unsaved changes asks first. Without JavaScript it is a plain form posting
//! to the same server function (a step's buttons post their change, which
//! comes back made).

use leptos::prelude::*;

use super::steps::{PlanFields, RouteSection, Shared, Ui, form_level};
use super::{save_plan, webhook_allowed};
use crate::domain::failover::{FailoverDraft, WebhookAllowList, webhook_allow_entry};
use crate::domain::plan::{PlanDraft, Route};
use crate::domain::{Code, FieldErrors};
use crate::error::AppError;
use crate::i18n::*;
use crate::messages::error_message;
use crate::views::{EditorKept, FailoverEditor, ScheduleOption};

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Saving,
    Saved(i64),
    Stale { revision: i64, by: String, at: i64 },
    Failed(AppError),
}

fn locale_of(lang: &str) -> Locale {
    if lang == "fr" { Locale::fr } else { Locale::en }
}

/// A draft as the form makes it: no empty header rows, no target choice
/// (the connection says it), so a saved plan and the untouched form match.
fn normal(mut d: PlanDraft) -> PlanDraft {
    for r in Route::ALL {
        for s in d.route_mut(r) {
            s.action.transfer_target = String::new();
            s.action
                .sip_headers
                .retain(|h| !h.name.trim().is_empty() || !h.value.trim().is_empty());
        }
    }
    d
}

#[island]
pub fn FailoverEditorForm(editor: FailoverEditor, lang: String, kept: EditorKept) -> impl IntoView {
    let locale = locale_of(&lang);
    let read_only = !editor.can_edit;
    let saved_plan = normal(editor.plan.clone());
    let initial = kept.plan.clone().unwrap_or_else(|| saved_plan.clone());
    let plan = PlanFields::new(&initial);
    adopt_typed_before_hydration(plan, read_only);
    let draft = Memo::new(move |_| plan.draft());
    let saved = RwSignal::new(saved_plan);
    let base = RwSignal::new(editor.revision);
    let live = RwSignal::new((editor.revision > 0).then(|| Live {
        revision: editor.revision,
        by: editor.updated_by.clone().unwrap_or_default(),
        at: editor.updated_at,
    }));
    let errors = RwSignal::new(kept.errors.clone());
    plan.unfold_errors(&kept.errors);
    let ui = Ui {
        locale,
        read_only,
        errors,
    };
    let shared = StoredValue::new(Shared {
        agent_id: editor.agent_id.clone(),
        connections: editor.sip_connections.clone(),
        schedules: editor.schedules.clone(),
        allowed: RwSignal::new(WebhookAllowList::default()),
        hours_href: format!("/accounts/{}/hours", editor.account_slug),
    });
    let status = RwSignal::new(Status::Idle);
    let dirty = Memo::new(move |_| draft.get() != saved.get());
    let checked = RwSignal::new(!kept.errors.is_empty());
    // Check again as the person types, once they have tried to save.
    Effect::new(move |_| {
        let d = draft.get();
        let (allow, schedules) = shared.with_value(|s| (s.allowed.get(), s.schedules.clone()));
        if checked.get_untracked() {
            errors.set(parse(&d, &allow, &schedules).err().unwrap_or_default());
        }
    });
    warn_before_leaving(dirty);
    let submit = save_callback(
        ui,
        shared,
        (draft, checked),
        (base, live, saved),
        (status, plan),
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(());
    };
    let review = Review {
        agent_id: editor.agent_id.clone(),
        theirs: RwSignal::new(None),
        submit,
    };
    view! {
        <form class="form editor" id="editor" method="post" action="/api/failover/save_plan" on:submit=on_submit novalidate>
            <input type="hidden" name="agent_id" value=editor.agent_id.clone() />
            <input type="hidden" name="base_revision" value=move || base.get().to_string() prop:value=move || base.get().to_string() />
            <LiveRevision locale live />
            {Route::ALL.into_iter().map(|route| view! { <RouteSection ui route plan shared /> }).collect_view()}
            <p class="form-error" role="alert" hidden=move || errors.with(|e| form_level(locale, e).is_empty())>
                {move || errors.with(|e| form_level(locale, e).join(" "))}
            </p>
            <EditorActions ui status dirty />
            <StaleReview ui plan status draft review shared keep=(base, live, saved) />
            <super::simulate::SimulatePanel ui plan draft shared zone=editor.zone.clone() kept />
        </form>
    }
}

/// The rules of a plan, in the browser: conditions on the account's schedules.
pub(super) fn parse(
    d: &PlanDraft,
    allow: &WebhookAllowList,
    schedules: &[ScheduleOption],
) -> Result<crate::domain::plan::FailoverPlan, FieldErrors> {
    d.parse(allow, |id| schedules.iter().any(|s| s.id == id))
}

/// Which revision is live, who saved it and when, above the form.
#[component]
fn LiveRevision(locale: Locale, live: RwSignal<Option<Live>>) -> impl IntoView {
    view! {
        <p class="live" data-testid="live-revision">
            {move || match live.get() {
                Some(l) => {
                    let when = l.at.map(|at| crate::time_fmt::utc_in(locale, at)).unwrap_or_else(|| td_string!(locale, just_now).to_owned());
                    format!("{} {} · {} · {when}", td_string!(locale, live_revision), l.revision, l.by)
                }
                None => td_string!(locale, not_configured).to_owned(),
            }}
        </p>
    }
}

/// Until the page is live the server's form is the truth: what was chosen or
/// typed in it before is what the live form starts from. (Read now, before
/// hydration touches the form; taken once it is done, so the live page
/// starts from the same HTML the server sent.)
fn adopt_typed_before_hydration(plan: PlanFields, read_only: bool) {
    #[cfg(target_arch = "wasm32")]
    {
        let mut typed = (!read_only).then(before_hydration::changed);
        Effect::new(move || {
            for (name, value) in typed.take().unwrap_or_default() {
                plan.adopt(&name, value);
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (plan, read_only);
}

/// Save: check in the browser (and ask the server about local webhooks),
/// then send the plan on top of the revision it was built on.
fn save_callback(
    ui: Ui,
    shared: StoredValue<Shared>,
    (draft, checked): (Memo<PlanDraft>, RwSignal<bool>),
    (base, live, saved): (RwSignal<i64>, RwSignal<Option<Live>>, RwSignal<PlanDraft>),
    (status, plan): (RwSignal<Status>, PlanFields),
) -> Callback<()> {
    let Ui {
        locale,
        read_only,
        errors,
    } = ui;
    Callback::new(move |()| {
        if read_only {
            return;
        }
        checked.set(true);
        let d = draft.get_untracked();
        let (agent_id, allowed, schedules) =
            shared.with_value(|s| (s.agent_id.clone(), s.allowed, s.schedules.clone()));
        leptos::task::spawn_local(async move {
            if let Err(e) = check_plan(&d, allowed, &schedules).await {
                plan.unfold_errors(&e);
                errors.set(e);
                status.set(Status::Idle);
                return;
            }
            errors.set(FieldErrors::new());
            status.set(Status::Saving);
            let result = save_plan(
                agent_id,
                base.get_untracked(),
                d.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            )
            .await;
            if let Err(AppError::Invalid(f)) = &result {
                plan.unfold_errors(f);
            }
            saved_outcome(result, d, (base, live, locale), saved, errors, status);
        });
    })
}

/// The server-rendered form before the page went live.
#[cfg(target_arch = "wasm32")]
mod before_hydration {
    use leptos::wasm_bindgen::JsCast;
    use web_sys::{HtmlInputElement, HtmlOptionElement, HtmlSelectElement, HtmlTextAreaElement};

    /// The fields changed since the server drew the form: name, value.
    pub fn changed() -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Ok(Some(form)) = leptos::prelude::document().query_selector("form.editor") else {
            return out;
        };
        let Ok(list) = form.query_selector_all("input, textarea, select") else {
            return out;
        };
        for node in (0..list.length()).filter_map(|i| list.item(i)) {
            if let Some(input) = node.dyn_ref::<HtmlInputElement>() {
                let choice = matches!(input.type_().as_str(), "radio" | "checkbox");
                let moved = if choice {
                    input.checked() && !input.default_checked()
                } else {
                    input.value() != input.default_value()
                };
                if moved {
                    out.push((input.name(), input.value()));
                }
            } else if let Some(area) = node.dyn_ref::<HtmlTextAreaElement>() {
                if area.default_value().is_ok_and(|d| d != area.value()) {
                    out.push((area.name(), area.value()));
                }
            } else if let Some(select) = node.dyn_ref::<HtmlSelectElement>() {
                let options = select.options();
                let all: Vec<HtmlOptionElement> = (0..options.length())
                    .filter_map(|i| options.item(i)?.dyn_into().ok())
                    .collect();
                let default = all
                    .iter()
                    .find(|o| o.default_selected())
                    .or(all.first())
                    .map(HtmlOptionElement::value);
                if default.is_some_and(|d| d != select.value()) {
                    out.push((select.name(), select.value()));
                }
            }
        }
        out
    }
}

/// The step's action checked by the rules in the browser. A webhook URL
/// refused only for being local (http, a local host) may be on the server's
/// allow-list: the server is asked about that URL, and remembered if it
/// says yes.
pub(super) async fn check_action(
    d: &FailoverDraft,
    allowed: RwSignal<WebhookAllowList>,
) -> Result<(), FieldErrors> {
    let first = d.parse(&allowed.get_untracked()).map(|_| ());
    let local = first.as_ref().err().is_some_and(|e| {
        matches!(
            e.get("webhook_url"),
            Some(Code::HttpsRequired | Code::ForbiddenHost)
        )
    });
    if local && ask_allowed(&d.webhook_url, allowed).await {
        d.parse(&allowed.get_untracked()).map(|_| ())
    } else {
        first
    }
}

/// Whether the server lets this local webhook through (remembered if so).
async fn ask_allowed(url: &str, allowed: RwSignal<WebhookAllowList>) -> bool {
    let Some(entry) = webhook_allow_entry(url) else {
        return false;
    };
    if webhook_allowed(url.to_owned()).await == Ok(true) {
        allowed.update(|l| l.0.push(entry));
        true
    } else {
        false
    }
}

/// The plan checked in the browser, each local webhook asked about once.
pub(super) async fn check_plan(
    d: &PlanDraft,
    allowed: RwSignal<WebhookAllowList>,
    schedules: &[ScheduleOption],
) -> Result<(), FieldErrors> {
    let Err(first) = parse(d, &allowed.get_untracked(), schedules).map(|_| ()) else {
        return Ok(());
    };
    let mut asked = false;
    for r in Route::ALL {
        for (i, s) in d.route(r).iter().enumerate() {
            let key = format!("{}.{i}.webhook_url", r.as_str());
            if matches!(
                first.get(&key),
                Some(Code::HttpsRequired | Code::ForbiddenHost)
            ) {
                asked |= ask_allowed(&s.action.webhook_url, allowed).await;
            }
        }
    }
    if asked {
        parse(d, &allowed.get_untracked(), schedules).map(|_| ())
    } else {
        Err(first)
    }
}

/// Leaving the page with unsaved changes asks first.
fn warn_before_leaving(dirty: Memo<bool>) {
    let _leave = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if dirty.get_untracked() {
            ev.prevent_default();
            ev.set_return_value("unsaved");
        }
    });
}

/// The revision runtimes are served: its number, who saved it and when
/// (`None`: just now, from this page).
#[derive(Clone, Debug, PartialEq)]
struct Live {
    revision: i64,
    by: String,
    at: Option<i64>,
}

/// What a save's answer does to the form: a new base revision, the field
/// errors next to their fields, or who saved since.
fn saved_outcome(
    result: Result<i64, AppError>,
    draft: PlanDraft,
    (base, live, locale): (RwSignal<i64>, RwSignal<Option<Live>>, Locale),
    saved: RwSignal<PlanDraft>,
    errors: RwSignal<FieldErrors>,
    status: RwSignal<Status>,
) {
    match result {
        Ok(revision) => {
            base.set(revision);
            live.set(Some(Live {
                revision,
                by: td_string!(locale, you).to_owned(),
                at: None,
            }));
            saved.set(draft);
            status.set(Status::Saved(revision));
        }
        Err(AppError::Invalid(f)) => {
            errors.set(f);
            status.set(Status::Idle);
        }
        Err(AppError::StaleRevision {
            revision,
            saved_by,
            saved_at,
        }) => status.set(Status::Stale {
            revision,
            by: saved_by,
            at: saved_at,
        }),
        Err(e) => status.set(Status::Failed(e)),
    }
}

/// What a stale save needs to decide: the other person's version.
#[derive(Clone)]
struct Review {
    agent_id: String,
    theirs: RwSignal<Option<Theirs>>,
    /// Saves what the form holds.
    submit: Callback<()>,
}

/// The version someone saved since this page opened.
#[derive(Clone, Debug, PartialEq)]
struct Theirs {
    live: Live,
    draft: PlanDraft,
}

/// After a stale save: "Review their change" shows their version beside
/// this one, step by step and field by field, then saves this one over it
/// or takes theirs; nothing typed is lost until the person chooses.
#[component]
fn StaleReview(
    ui: Ui,
    plan: PlanFields,
    status: RwSignal<Status>,
    draft: Memo<PlanDraft>,
    review: Review,
    shared: StoredValue<Shared>,
    keep: (RwSignal<i64>, RwSignal<Option<Live>>, RwSignal<PlanDraft>),
) -> impl IntoView {
    let locale = ui.locale;
    let (base, live, saved) = keep;
    let Review {
        agent_id,
        theirs,
        submit,
    } = review;
    let stale = move || matches!(status.get(), Status::Stale { .. });
    // New steps belong to the form, not to this panel (gone once a choice is made).
    let form_owner = StoredValue::new(Owner::current());
    let open = move |_| {
        let agent_id = agent_id.clone();
        leptos::task::spawn_local(async move {
            match super::get_failover_editor(agent_id).await {
                Ok(e) => theirs.set(Some(Theirs {
                    live: Live {
                        revision: e.revision,
                        by: e.updated_by.unwrap_or_default(),
                        at: e.updated_at,
                    },
                    draft: normal(e.plan),
                })),
                Err(e) => status.set(Status::Failed(e)),
            }
        });
    };
    // Either way their revision becomes the one this form builds on.
    let settle = move |t: &Theirs| {
        base.set(t.live.revision);
        live.set(Some(t.live.clone()));
        theirs.set(None);
        status.set(Status::Idle);
    };
    let keep_mine = Callback::new(move |()| {
        if let Some(t) = theirs.get_untracked() {
            settle(&t);
            submit.run(());
        }
    });
    let take_theirs = Callback::new(move |()| {
        if let Some(t) = theirs.get_untracked() {
            form_owner.with_value(|owner| match owner {
                Some(o) => o.with(|| plan.load(&t.draft)),
                None => plan.load(&t.draft),
            });
            saved.set(draft.get_untracked());
            settle(&t);
        }
    });
    let value = move |field: &str, v: &str| -> String {
        let shown = shared.with_value(|s| {
            super::pages::change_value(locale, field, v, &s.connections, &s.schedules)
        });
        if shown.trim().is_empty() {
            "—".to_owned()
        } else {
            shown
        }
    };
    view! {
        <Show when=move || stale() && theirs.with(Option::is_none)>
            <button type="button" class="button" on:click=open.clone()>{td_string!(locale, review_their_change)}</button>
        </Show>
        {move || theirs.get().map(|t| {
            let rows = draft
                .get()
                .differences(&t.draft)
                .into_iter()
                .map(|(field, mine, other)| view! {
                    <tr>
                        <th scope="row">{super::pages::change_label(locale, &field)}</th>
                        <td class="pre">{value(&field, &other)}</td>
                        <td class="pre">{value(&field, &mine)}</td>
                    </tr>
                })
                .collect_view()
                .into_any();
            view! { <ReviewPanel locale live=t.live rows keep_mine take_theirs /> }
        })}
    }
}

/// Their saved version beside the one on screen, and the two ways on.
#[component]
fn ReviewPanel(
    locale: Locale,
    live: Live,
    rows: AnyView,
    keep_mine: Callback<()>,
    take_theirs: Callback<()>,
) -> impl IntoView {
    let when = live
        .at
        .map(|at| crate::time_fmt::utc_in(locale, at))
        .unwrap_or_default();
    view! {
        <section class="review" aria-labelledby="review-title" data-testid="stale-review">
            <h3 id="review-title">{td_string!(locale, review_title)}</h3>
            <p class="hint">{format!("{} {} · {} · {when}", td_string!(locale, revision_n), live.revision, live.by)}</p>
            <div class="scroll" role="region" aria-labelledby="review-title" tabindex="0">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, review_field)}</th>
                            <th scope="col">{td_string!(locale, review_theirs)}</th>
                            <th scope="col">{td_string!(locale, review_yours)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="actions">
                <button type="button" class="button primary" on:click=move |_| keep_mine.run(())>{td_string!(locale, review_keep_mine)}</button>
                <button type="button" class="button" on:click=move |_| take_theirs.run(())>{td_string!(locale, review_take_theirs)}</button>
            </div>
        </section>
    }
}

/// Save, and what became of the last save.
#[component]
fn EditorActions(ui: Ui, status: RwSignal<Status>, dirty: Memo<bool>) -> impl IntoView {
    let (locale, read_only) = (ui.locale, ui.read_only);
    view! {
        <div class="actions">
            {(!read_only).then(|| view! {
                <button type="submit" class="button primary" disabled=move || status.get() == Status::Saving>
                    {move || if status.get() == Status::Saving { td_string!(locale, saving) } else { td_string!(locale, save) }}
                </button>
            })}
            <span class="status" data-testid="editor-status" aria-live="polite">
                {move || match status.get() {
                    Status::Stale { revision, by, at } => view! {
                        <span class="form-error" role="alert">
                            {format!("{} {revision}: {by}, {}. {}", td_string!(locale, stale_by), crate::time_fmt::utc_in(locale, at), td_string!(locale, stale_review))}
                        </span>
                    }.into_any(),
                    Status::Failed(e) => view! { <span class="form-error" role="alert">{error_message(locale, &e)}</span> }.into_any(),
                    Status::Saving => ().into_any(),
                    _ if dirty.get() => view! { <span class="badge warn">{td_string!(locale, unsaved)}</span> }.into_any(),
                    Status::Saved(r) => view! {
                        <span class="badge on">{format!("{} {} {r}", td_string!(locale, saved), td_string!(locale, revision_n))}</span>
                    }.into_any(),
                    Status::Idle => ().into_any(),
                }}
            </span>
        </div>
    }
}
