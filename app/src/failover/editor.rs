//! The failover editor form: an island, so the rules run in the browser as
//! the person types, switching the type keeps what was typed in the others,
//! and leaving with unsaved changes asks first. Without JavaScript it is a
//! plain form posting to the same server function.

use leptos::prelude::*;

use super::{save_failover, test_failover, webhook_allowed};
use crate::domain::failover::{FailoverAction, TransferTarget, webhook_allow_entry};
use crate::domain::failover::{FailoverDraft, MAX_SIP_HEADERS, SipHeaderDraft, WebhookAllowList};
use crate::domain::{Code, FieldErrors, LANGUAGES};
use crate::error::AppError;
use crate::i18n::*;
use crate::messages::{error_message, field_message};
use crate::views::{FailoverEditor, SipConnectionView, TestReport};
use crate::webhook::Verdict;

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Saving,
    Saved(i64),
    Stale { revision: i64, by: String, at: i64 },
    Failed(AppError),
}

type HeaderRow = (RwSignal<String>, RwSignal<String>);

fn locale_of(lang: &str) -> Locale {
    if lang == "fr" { Locale::fr } else { Locale::en }
}

#[island]
pub fn FailoverEditorForm(editor: FailoverEditor, lang: String) -> impl IntoView {
    let locale = locale_of(&lang);
    let initial = FailoverDraft::from_action(editor.action.as_ref());
    let read_only = !editor.can_edit;
    // The local endpoints the server said are allowed (it keeps its list).
    let allowed = RwSignal::new(WebhookAllowList::default());
    let agent_id = editor.agent_id.clone();
    let f = Fields::new(&initial);
    adopt_typed_before_hydration(f, read_only);
    let draft = Memo::new(move |_| f.draft());
    let saved = RwSignal::new(FailoverDraft {
        sip_headers: initial.sip_headers.clone(),
        transfer_target: String::new(),
        ..initial.clone()
    });
    let base = RwSignal::new(editor.revision);
    let live = RwSignal::new((editor.revision > 0).then(|| Live {
        revision: editor.revision,
        by: editor.updated_by.clone().unwrap_or_default(),
        at: editor.updated_at,
    }));
    let errors = RwSignal::new(FieldErrors::new());
    let ui = Ui {
        locale,
        read_only,
        errors,
    };
    let status = RwSignal::new(Status::Idle);
    let dirty = Memo::new(move |_| draft.get() != saved.get());
    let checked = RwSignal::new(false);

    // Check again as the person types, once they have tried to save.
    Effect::new(move |_| {
        let d = draft.get();
        let allow = allowed.get();
        if checked.get_untracked() {
            errors.set(d.parse(&allow).err().unwrap_or_default());
        }
    });

    warn_before_leaving(dirty);
    let report = RwSignal::new(None::<Result<TestReport, AppError>>);
    let testing = RwSignal::new(false);
    // A test result describes the draft it was made with: an edit clears it.
    Effect::new(move |_| {
        draft.track();
        report.set(None);
    });
    let on_test = test_handler(
        editor.agent_id.clone(),
        allowed,
        draft,
        checked,
        errors,
        (report, testing),
    );
    let report_connections = editor.sip_connections.clone();

    let submit = save_callback(
        agent_id,
        ui,
        (draft, allowed, checked),
        (base, live, saved),
        status,
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(());
    };
    let review = Review {
        agent_id: editor.agent_id.clone(),
        theirs: RwSignal::new(None),
        connections: editor.sip_connections.clone(),
        submit,
    };

    let connections = editor.sip_connections.clone();
    view! {
        <form class="form editor" method="post" action="/api/failover/save" on:submit=on_submit novalidate>
            <input type="hidden" name="agent_id" value=editor.agent_id.clone() />
            <input type="hidden" name="base_revision" value=move || base.get().to_string() prop:value=move || base.get().to_string() />
            <LiveRevision locale live />
            <TypeChoice f ui />
            <WorkflowFields f ui />
            <SayMessageFields f ui initial_text=initial.text.clone() />
            <TransferFields f ui connections />
            <EditorActions ui status dirty testing on_test />
            <StaleReview ui f status draft review keep=(base, live, saved) />
            <div class="test-report" data-testid="test-report" aria-live="polite">
                {move || report.get().map(|r| render_report(locale, r, &report_connections))}
            </div>
        </form>
    }
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
fn adopt_typed_before_hydration(f: Fields, read_only: bool) {
    #[cfg(target_arch = "wasm32")]
    {
        let mut typed = (!read_only).then(before_hydration::changed);
        Effect::new(move || {
            for (name, value) in typed.take().unwrap_or_default() {
                f.adopt(&name, value);
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (f, read_only);
}

/// Save: check in the browser (and ask the server about a local webhook),
/// then send the draft on top of the revision it was built on.
fn save_callback(
    agent_id: String,
    ui: Ui,
    (draft, allowed, checked): (
        Memo<FailoverDraft>,
        RwSignal<WebhookAllowList>,
        RwSignal<bool>,
    ),
    (base, live, saved): (
        RwSignal<i64>,
        RwSignal<Option<Live>>,
        RwSignal<FailoverDraft>,
    ),
    status: RwSignal<Status>,
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
        let agent_id = agent_id.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = check(&d, allowed).await {
                errors.set(e);
                status.set(Status::Idle);
                return;
            }
            errors.set(FieldErrors::new());
            status.set(Status::Saving);
            let result = save_failover(agent_id, base.get_untracked(), d.clone()).await;
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

/// The draft checked by the rules in the browser. A webhook URL refused only
/// for being local (http, a local host) may be on the server's allow-list:
/// the server is asked about that URL, and remembered if it says yes.
async fn check(d: &FailoverDraft, allowed: RwSignal<WebhookAllowList>) -> Result<(), FieldErrors> {
    let first = d.parse(&allowed.get_untracked()).map(|_| ());
    let local = first.as_ref().err().is_some_and(|e| {
        matches!(
            e.get("webhook_url"),
            Some(Code::HttpsRequired | Code::ForbiddenHost)
        )
    });
    let entry = webhook_allow_entry(&d.webhook_url);
    match entry {
        Some(entry) if local => {
            if webhook_allowed(d.webhook_url.clone()).await == Ok(true) {
                allowed.update(|l| l.0.push(entry));
                d.parse(&allowed.get_untracked()).map(|_| ())
            } else {
                first
            }
        }
        _ => first,
    }
}

/// "Test": the draft checked in the browser, then sent to be tried (nothing saved).
fn test_handler(
    agent_id: String,
    allowed: RwSignal<WebhookAllowList>,
    draft: Memo<FailoverDraft>,
    checked: RwSignal<bool>,
    errors: RwSignal<FieldErrors>,
    (report, testing): (
        RwSignal<Option<Result<TestReport, AppError>>>,
        RwSignal<bool>,
    ),
) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    move |_| {
        checked.set(true);
        let d = draft.get_untracked();
        let agent_id = agent_id.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = check(&d, allowed).await {
                errors.set(e);
                return;
            }
            testing.set(true);
            report.set(None);
            let r = test_failover(agent_id, d).await;
            report.set(Some(r));
            testing.set(false);
        });
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
    draft: FailoverDraft,
    (base, live, locale): (RwSignal<i64>, RwSignal<Option<Live>>, Locale),
    saved: RwSignal<FailoverDraft>,
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

/// What the form holds, one signal per field: switching the type keeps what
/// was typed for the others.
#[derive(Clone, Copy)]
struct Fields {
    kind: RwSignal<String>,
    webhook_url: RwSignal<String>,
    timeout: RwSignal<String>,
    text: RwSignal<String>,
    language: RwSignal<String>,
    ring: RwSignal<String>,
    phone: RwSignal<String>,
    connection: RwSignal<String>,
    destination: RwSignal<String>,
    uui: RwSignal<String>,
    headers: RwSignal<Vec<HeaderRow>>,
}

impl Fields {
    fn new(initial: &FailoverDraft) -> Fields {
        // Two empty rows beyond the saved ones, so a form without JavaScript can add headers too.
        let mut rows: Vec<HeaderRow> = initial
            .sip_headers
            .iter()
            .map(|h| {
                (
                    RwSignal::new(h.name.clone()),
                    RwSignal::new(h.value.clone()),
                )
            })
            .collect();
        while rows.len() < (initial.sip_headers.len() + 2).min(MAX_SIP_HEADERS) {
            rows.push((RwSignal::new(String::new()), RwSignal::new(String::new())));
        }
        Fields {
            kind: RwSignal::new(initial.action_type.clone()),
            webhook_url: RwSignal::new(initial.webhook_url.clone()),
            timeout: RwSignal::new(initial.timeout_seconds.clone()),
            text: RwSignal::new(initial.text.clone()),
            language: RwSignal::new(initial.language.clone()),
            ring: RwSignal::new(initial.max_ring_seconds.clone()),
            phone: RwSignal::new(initial.phone_number.clone()),
            connection: RwSignal::new(initial.sip_connection_id.clone()),
            destination: RwSignal::new(initial.sip_destination_id.clone()),
            uui: RwSignal::new(initial.sip_user_to_user.clone()),
            headers: RwSignal::new(rows),
        }
    }

    /// Shows `d` (another person's version), rows for its headers and two more.
    fn load(&self, d: &FailoverDraft) {
        let mut rows: Vec<HeaderRow> = d
            .sip_headers
            .iter()
            .map(|h| {
                (
                    RwSignal::new(h.name.clone()),
                    RwSignal::new(h.value.clone()),
                )
            })
            .collect();
        while rows.len() < (d.sip_headers.len() + 2).min(MAX_SIP_HEADERS) {
            rows.push((RwSignal::new(String::new()), RwSignal::new(String::new())));
        }
        self.kind.set(d.action_type.clone());
        self.webhook_url.set(d.webhook_url.clone());
        self.timeout.set(d.timeout_seconds.clone());
        self.text.set(d.text.clone());
        self.language.set(d.language.clone());
        self.ring.set(d.max_ring_seconds.clone());
        self.phone.set(d.phone_number.clone());
        self.connection.set(d.sip_connection_id.clone());
        self.destination.set(d.sip_destination_id.clone());
        self.uui.set(d.sip_user_to_user.clone());
        self.headers.set(rows);
    }

    /// Takes the value of the form field `name` (as the server's form names it).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn adopt(&self, name: &str, value: String) {
        let Some(field) = name.strip_prefix("draft[") else {
            return;
        };
        let signal = match field {
            "action_type]" => self.kind,
            "webhook_url]" => self.webhook_url,
            "timeout_seconds]" => self.timeout,
            "text]" => self.text,
            "language]" => self.language,
            "max_ring_seconds]" => self.ring,
            "phone_number]" => self.phone,
            "sip_connection_id]" => self.connection,
            "sip_destination_id]" => self.destination,
            "sip_user_to_user]" => self.uui,
            other => {
                // `sip_headers][2][name]`
                let mut parts = other
                    .strip_prefix("sip_headers][")
                    .unwrap_or_default()
                    .split("][");
                let (Some(Ok(i)), Some(part)) =
                    (parts.next().map(str::parse::<usize>), parts.next())
                else {
                    return;
                };
                let rows = self.headers.get_untracked();
                match (rows.get(i), part) {
                    (Some((n, _)), "name]") => n.set(value),
                    (Some((_, v)), "value]") => v.set(value),
                    _ => {}
                }
                return;
            }
        };
        signal.set(value);
    }

    /// The draft the fields make now (tracked: a memo over it follows every keystroke).
    fn draft(&self) -> FailoverDraft {
        FailoverDraft {
            action_type: self.kind.get(),
            webhook_url: self.webhook_url.get(),
            timeout_seconds: self.timeout.get(),
            text: self.text.get(),
            language: self.language.get(),
            max_ring_seconds: self.ring.get(),
            transfer_target: String::new(),
            phone_number: self.phone.get(),
            sip_connection_id: self.connection.get(),
            sip_destination_id: self.destination.get(),
            sip_headers: self
                .headers
                .get()
                .iter()
                .map(|(n, v)| SipHeaderDraft {
                    name: n.get(),
                    value: v.get(),
                })
                .filter(|h| !h.name.trim().is_empty() || !h.value.trim().is_empty())
                .collect(),
            sip_user_to_user: self.uui.get(),
        }
    }
}

/// What every part of the form shares: the language, whether it may be
/// changed, and the field errors.
#[derive(Clone, Copy)]
struct Ui {
    locale: Locale,
    read_only: bool,
    errors: RwSignal<FieldErrors>,
}

impl Ui {
    /// The error of `field`, next to it.
    fn err(self, field: &'static str) -> impl IntoView {
        let Ui { locale, errors, .. } = self;
        move || {
            errors.with(|e| {
                e.get(field).map(|code| {
                    view! {
                        <p class="field-error" id=format!("err-{field}") role="alert">
                            {crate::messages::field_error_message(locale, field, code)}
                        </p>
                    }
                })
            })
        }
    }

    /// `aria-invalid` of `field`.
    fn invalid(self, field: &'static str) -> impl Fn() -> String + Copy {
        let errors = self.errors;
        move || errors.with(|e| e.get(field).is_some()).to_string()
    }

    /// The class of the section of action type `k`: shown when chosen.
    fn section(self, kind: RwSignal<String>, k: &'static str) -> impl Fn() -> &'static str {
        move || {
            if kind.get() == k {
                "type-section"
            } else {
                "type-section inactive"
            }
        }
    }
}

/// "Action type": the three radio buttons.
#[component]
fn TypeChoice(f: Fields, ui: Ui) -> impl IntoView {
    let choice = move |value: &'static str, label: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="draft[action_type]"
                    value=value
                    checked=move || f.kind.get() == value
                    disabled=ui.read_only
                    on:change=move |_| f.kind.set(value.to_owned())
                />
                <span>{label}</span>
            </label>
        }
    };
    view! {
        <fieldset class="types">
            <legend>{td_string!(ui.locale, action_type)}</legend>
            {choice("workflow", td_string!(ui.locale, type_workflow))}
            {choice("say_message", td_string!(ui.locale, type_say_message))}
            {choice("transfer", td_string!(ui.locale, type_transfer))}
            {ui.err("action_type")}
        </fieldset>
    }
}

/// "Webhook URL" and "Timeout (seconds)".
#[component]
fn WorkflowFields(f: Fields, ui: Ui) -> impl IntoView {
    view! {
            <section class=ui.section(f.kind, "workflow") data-type="workflow">
                <div class="field">
                    <label for="webhook_url">{td_string!(ui.locale, webhook_url)}</label>
                    <input id="webhook_url" type="url" name="draft[webhook_url]" placeholder="https://"
                        value=move || f.webhook_url.get() prop:value=move || f.webhook_url.get()
                        aria-invalid=ui.invalid("webhook_url") aria-describedby="err-webhook_url" disabled=ui.read_only
                        on:input:target=move |ev| f.webhook_url.set(ev.target().value()) />
                    {ui.err("webhook_url")}
                </div>
                <div class="field short">
                    <label for="timeout_seconds">{td_string!(ui.locale, timeout_seconds)}</label>
                    <input id="timeout_seconds" type="number" min="1" max="30" name="draft[timeout_seconds]"
                        value=move || f.timeout.get() prop:value=move || f.timeout.get()
                        aria-invalid=ui.invalid("timeout_seconds") aria-describedby="err-timeout_seconds" disabled=ui.read_only
                        on:input:target=move |ev| f.timeout.set(ev.target().value()) />
                    {ui.err("timeout_seconds")}
                </div>
            </section>
    }
}

/// "Sentence to say" and "Language".
#[component]
fn SayMessageFields(f: Fields, ui: Ui, initial_text: String) -> impl IntoView {
    view! {
            <section class=ui.section(f.kind, "say_message") data-type="say_message">
                <div class="field">
                    <label for="text">{td_string!(ui.locale, sentence)}</label>
                    <textarea id="text" name="draft[text]" rows="3" maxlength="1000"
                        prop:value=move || f.text.get()
                        aria-invalid=ui.invalid("text") aria-describedby="err-text" disabled=ui.read_only
                        on:input:target=move |ev| f.text.set(ev.target().value())>{initial_text}</textarea>
                    {ui.err("text")}
                </div>
                <div class="field short">
                    <label for="language">{td_string!(ui.locale, language)}</label>
                    <select id="language" name="draft[language]" disabled=ui.read_only
                        on:change:target=move |ev| f.language.set(ev.target().value())>
                        {LANGUAGES
                            .iter()
                            .map(|l| view! { <option value=*l selected=move || f.language.get() == *l>{*l}</option> })
                            .collect_view()}
                    </select>
                    {ui.err("language")}
                </div>
            </section>
    }
}

/// The ring duration, and a phone number or a SIP connection with its destination,
/// headers and User-To-User.
#[component]
fn TransferFields(f: Fields, ui: Ui, connections: Vec<SipConnectionView>) -> impl IntoView {
    view! {
            <section class=ui.section(f.kind, "transfer") data-type="transfer">
                <div class="field short">
                    <label for="max_ring_seconds">{td_string!(ui.locale, max_ring)}</label>
                    <input id="max_ring_seconds" type="number" min="5" max="45" name="draft[max_ring_seconds]"
                        value=move || f.ring.get() prop:value=move || f.ring.get()
                        aria-invalid=ui.invalid("max_ring_seconds") aria-describedby="err-max_ring_seconds" disabled=ui.read_only
                        on:input:target=move |ev| f.ring.set(ev.target().value()) />
                    {ui.err("max_ring_seconds")}
                </div>
                <div class="field">
                    <label for="sip_connection_id">{td_string!(ui.locale, sip_connection)}</label>
                    <select id="sip_connection_id" name="draft[sip_connection_id]" disabled=ui.read_only
                        on:change:target=move |ev| f.connection.set(ev.target().value())>
                        <option value="" selected=move || f.connection.get().is_empty()>{td_string!(ui.locale, sip_none)}</option>
                        {connections
                            .iter()
                            .map(|c| {
                                let id = c.id.clone();
                                let id2 = c.id.clone();
                                view! { <option value=id selected=move || f.connection.get() == id2>{format!("{} ({})", c.name, c.sip_uri)}</option> }
                            })
                            .collect_view()}
                    </select>
                    {ui.err("sip_connection_id")}
                </div>
                <div class="field" class:inactive=move || !f.connection.get().is_empty() data-target="phone">
                    <label for="phone_number">{td_string!(ui.locale, phone_number)}</label>
                    <input id="phone_number" type="tel" name="draft[phone_number]" placeholder="+33123456789"
                        value=move || f.phone.get() prop:value=move || f.phone.get()
                        aria-invalid=ui.invalid("phone_number") aria-describedby="err-phone_number" disabled=ui.read_only
                        on:input:target=move |ev| f.phone.set(ev.target().value()) />
                    {ui.err("phone_number")}
                </div>
                <div class="sip-fields" class:inactive=move || f.connection.get().is_empty() data-target="sip">
                    <div class="field">
                        <label for="sip_destination_id">{td_string!(ui.locale, destination_id)}</label>
                        <input id="sip_destination_id" type="text" name="draft[sip_destination_id]"
                            value=move || f.destination.get() prop:value=move || f.destination.get()
                            aria-invalid=ui.invalid("sip_destination_id") aria-describedby="err-sip_destination_id" disabled=ui.read_only
                            on:input:target=move |ev| f.destination.set(ev.target().value()) />
                        {ui.err("sip_destination_id")}
                    </div>
                    <fieldset class="headers">
                        <legend>{td_string!(ui.locale, custom_headers)}</legend>
                        <HeaderRows f ui />
                        {ui.err("sip_headers")}
                        <button type="button" class="button link" disabled=move || ui.read_only || f.headers.with(|h| h.len() >= MAX_SIP_HEADERS)
                            on:click=move |_| f.headers.update(|h| {
                                if h.len() < MAX_SIP_HEADERS {
                                    h.push((RwSignal::new(String::new()), RwSignal::new(String::new())));
                                }
                            })>
                            {td_string!(ui.locale, add_header)}
                        </button>
                    </fieldset>
                    <div class="field">
                        <label for="sip_user_to_user">{td_string!(ui.locale, uui)}</label>
                        <input id="sip_user_to_user" type="text" name="draft[sip_user_to_user]" class="mono"
                            value=move || f.uui.get() prop:value=move || f.uui.get()
                            aria-invalid=ui.invalid("sip_user_to_user") aria-describedby="err-sip_user_to_user" disabled=ui.read_only
                            on:input:target=move |ev| f.uui.set(ev.target().value()) />
                        <p class="hint">{td_string!(ui.locale, uui_hint)}</p>
                        {ui.err("sip_user_to_user")}
                    </div>
                </div>
            </section>
    }
}

/// The custom SIP headers, one row each.
#[component]
fn HeaderRows(f: Fields, ui: Ui) -> impl IntoView {
    move || {
        f.headers
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, (name, value))| {
                let name_field = format!("sip_headers.{i}.name");
                let value_field = format!("sip_headers.{i}.value");
                let name_err = name_field.clone();
                let value_err = value_field.clone();
                view! {
                    <div class="header-row">
                        <input
                            type="text"
                            name=format!("draft[sip_headers][{i}][name]")
                            aria-label=td_string!(ui.locale, header_name)
                            placeholder="X-…"
                            value=move || name.get()
                            prop:value=move || name.get()
                            disabled=ui.read_only
                            on:input:target=move |ev| name.set(ev.target().value())
                        />
                        <input
                            type="text"
                            name=format!("draft[sip_headers][{i}][value]")
                            aria-label=td_string!(ui.locale, header_value)
                            value=move || value.get()
                            prop:value=move || value.get()
                            disabled=ui.read_only
                            on:input:target=move |ev| value.set(ev.target().value())
                        />
                        {move || {
                            ui.errors.with(|e| {
                                e.get(&name_err)
                                    .or_else(|| e.get(&value_err))
                                    .map(|c| view! { <p class="field-error" role="alert">{field_message(ui.locale, c)}</p> })
                            })
                        }}
                    </div>
                }
            })
            .collect_view()
    }
}

/// What a stale save needs to decide: the other person's version.
#[derive(Clone)]
struct Review {
    agent_id: String,
    theirs: RwSignal<Option<Theirs>>,
    connections: Vec<SipConnectionView>,
    /// Saves what the form holds.
    submit: Callback<()>,
}

/// The version someone saved since this page opened.
#[derive(Clone, Debug, PartialEq)]
struct Theirs {
    live: Live,
    draft: FailoverDraft,
}

/// After a stale save: "Review their change" shows their version beside
/// this one, field by field, then saves this one over it or takes theirs;
/// nothing typed is lost until the person chooses.
#[component]
fn StaleReview(
    ui: Ui,
    f: Fields,
    status: RwSignal<Status>,
    draft: Memo<FailoverDraft>,
    review: Review,
    keep: (
        RwSignal<i64>,
        RwSignal<Option<Live>>,
        RwSignal<FailoverDraft>,
    ),
) -> impl IntoView {
    let locale = ui.locale;
    let (base, live, saved) = keep;
    let Review {
        agent_id,
        theirs,
        connections,
        submit,
    } = review;
    let stale = move || matches!(status.get(), Status::Stale { .. });
    // New header rows belong to the form, not to this panel (gone once a choice is made).
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
                    draft: FailoverDraft::from_action(e.action.as_ref()),
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
                Some(o) => o.with(|| f.load(&t.draft)),
                None => f.load(&t.draft),
            });
            saved.set(draft.get_untracked());
            settle(&t);
        }
    });
    let value = move |field: &str, v: &str| -> String {
        let shown = crate::failover::pages::change_value(locale, field, v, &connections);
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
                        <th scope="row">{crate::failover::pages::change_label(locale, field)}</th>
                        <td class="pre">{value(field, &other)}</td>
                        <td class="pre">{value(field, &mine)}</td>
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

/// Save, Test, and what became of the last save.
#[component]
fn EditorActions(
    ui: Ui,
    status: RwSignal<Status>,
    dirty: Memo<bool>,
    testing: RwSignal<bool>,
    on_test: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let (locale, read_only) = (ui.locale, ui.read_only);
    view! {
            <div class="actions">
                {(!read_only).then(|| view! {
                    <button type="submit" class="button primary" disabled=move || status.get() == Status::Saving>
                        {move || if status.get() == Status::Saving { td_string!(locale, saving) } else { td_string!(locale, save) }}
                    </button>
                })}
                {(!read_only).then(|| view! {
                    <button type="button" class="button" on:click=on_test disabled=move || testing.get()>
                        {move || if testing.get() { td_string!(locale, testing) } else { td_string!(locale, test) }}
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

/// What the runtime would do with `action`, in words.
fn describe(locale: Locale, action: &FailoverAction, connections: &[SipConnectionView]) -> String {
    match action {
        FailoverAction::SayMessage { text, language } => format!(
            "{} « {text} » ({language})",
            td_string!(locale, runtime_say)
        ),
        FailoverAction::Transfer {
            max_ring_seconds,
            target,
        } => {
            let to = match target {
                TransferTarget::PhoneNumber(p) => p.clone(),
                TransferTarget::Sip(s) => {
                    let name = connections
                        .iter()
                        .find(|c| c.id == s.connection_id)
                        .map_or(s.connection_id.clone(), |c| {
                            format!("{} ({})", c.name, c.sip_uri)
                        });
                    let mut d = format!("SIP {} · {name}", s.destination_id);
                    for h in &s.headers {
                        d.push_str(&format!(" · {}: {}", h.name, h.value));
                    }
                    if let Some(u) = &s.user_to_user {
                        d.push_str(&format!(" · User-to-User: {u};encoding=hex"));
                    }
                    d
                }
            };
            format!(
                "{} {to} · {} {max_ring_seconds} s",
                td_string!(locale, runtime_transfer),
                td_string!(locale, runtime_ring)
            )
        }
        FailoverAction::Workflow {
            webhook_url,
            timeout_seconds,
        } => format!("POST {webhook_url} ({timeout_seconds} s)"),
    }
}

fn failure_text(locale: Locale, code: &str) -> &'static str {
    match code {
        "timeout" => td_string!(locale, failure_timeout),
        "forbidden_address" => td_string!(locale, failure_forbidden_address),
        "redirect_refused" => td_string!(locale, failure_redirect_refused),
        "answer_too_large" => td_string!(locale, failure_answer_too_large),
        _ => td_string!(locale, failure_connect_failed),
    }
}

fn render_report(
    locale: Locale,
    r: Result<TestReport, AppError>,
    connections: &[SipConnectionView],
) -> AnyView {
    match r {
        Err(e) => view! { <p class="form-error" role="alert">{error_message(locale, &e)}</p> }.into_any(),
        Ok(TestReport::Runtime { action, default_message }) => view! {
            <p>{describe(locale, &action, connections)}</p>
            <p class="muted">{format!("{} « {} » ({})", td_string!(locale, runtime_default), default_message.text, default_message.language)}</p>
        }
        .into_any(),
        Ok(TestReport::Webhook(call)) => {
            let status = call.status.map_or("—".to_owned(), |s| s.to_string());
            let verdict = match &call.verdict {
                Verdict::HangUp => view! { <p class="verdict ok">{td_string!(locale, verdict_hang_up)}</p> }.into_any(),
                Verdict::Action(a) => view! {
                    <p class="verdict ok">{td_string!(locale, verdict_action)} " " {describe(locale, a, connections)}</p>
                }
                .into_any(),
                Verdict::Invalid(code) => view! {
                    <p class="verdict bad">{td_string!(locale, verdict_invalid)} " (" {code.clone()} ")"</p>
                }
                .into_any(),
            };
            view! {
                <p>
                    {td_string!(locale, test_http_status)} {td_string!(locale, colon)} <strong data-testid="test-status">{status}</strong>
                    " · " {call.duration_ms} " ms"
                </p>
                {call.failure.as_deref().map(|f| view! { <p class="form-error">{failure_text(locale, f)}</p> })}
                {(!call.body.is_empty()).then(|| view! { <pre class="json">{call.body.clone()}</pre> })}
                {verdict}
            }
            .into_any()
        }
    }
}
