//! The steps of a plan in the editor: one set of signals per step (switching
//! a step's type keeps what was typed for the others), the routes' sections
//! with their ordered steps, and a step's fields, buttons and test report.
//! Every button is also a submit button naming its change (`op`), so a form
//! without JavaScript makes the same change on the server.

use leptos::prelude::*;

use crate::domain::failover::{FailoverDraft, MAX_SIP_HEADERS, SipHeaderDraft, WebhookAllowList};
use crate::domain::plan::{PlanDraft, PlanEdit, Route, STEPS_MAX, StepDraft};
use crate::domain::{FieldErrors, LANGUAGES};
use crate::error::AppError;
use crate::i18n::*;
use crate::messages::field_message;
use crate::views::{ScheduleOption, SipConnectionView, TestReport};

type HeaderRow = (RwSignal<String>, RwSignal<String>);

/// What every part of the form shares: the language, whether it may be
/// changed, and the field errors.
#[derive(Clone, Copy)]
pub(super) struct Ui {
    pub locale: Locale,
    pub read_only: bool,
    pub errors: RwSignal<FieldErrors>,
}

/// What the steps need from the editor: the account's SIP connections and
/// schedules, the agent (for Test), the local webhooks the server allows.
#[derive(Clone)]
pub(super) struct Shared {
    pub agent_id: String,
    pub connections: Vec<SipConnectionView>,
    pub schedules: Vec<ScheduleOption>,
    pub allowed: RwSignal<WebhookAllowList>,
    pub hours_href: String,
}

/// One step's fields, one signal each.
#[derive(Clone, Copy)]
pub(super) struct Fields {
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

/// Saved header rows and two empty ones, so a form without JavaScript can add headers too.
fn header_rows(headers: &[SipHeaderDraft]) -> Vec<HeaderRow> {
    let mut rows: Vec<HeaderRow> = headers
        .iter()
        .map(|h| {
            (
                RwSignal::new(h.name.clone()),
                RwSignal::new(h.value.clone()),
            )
        })
        .collect();
    while rows.len() < (headers.len() + 2).min(MAX_SIP_HEADERS) {
        rows.push((RwSignal::new(String::new()), RwSignal::new(String::new())));
    }
    rows
}

impl Fields {
    fn new(d: &FailoverDraft) -> Fields {
        Fields {
            kind: RwSignal::new(d.action_type.clone()),
            webhook_url: RwSignal::new(d.webhook_url.clone()),
            timeout: RwSignal::new(d.timeout_seconds.clone()),
            text: RwSignal::new(d.text.clone()),
            language: RwSignal::new(d.language.clone()),
            ring: RwSignal::new(d.max_ring_seconds.clone()),
            phone: RwSignal::new(d.phone_number.clone()),
            connection: RwSignal::new(d.sip_connection_id.clone()),
            destination: RwSignal::new(d.sip_destination_id.clone()),
            uui: RwSignal::new(d.sip_user_to_user.clone()),
            headers: RwSignal::new(header_rows(&d.sip_headers)),
        }
    }

    /// Takes a field's value by the end of its form name (`text]`,
    /// `sip_headers][2][name]`).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn adopt(&self, field: &str, value: String) {
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

    /// The draft the fields make now (tracked).
    pub fn draft(&self) -> FailoverDraft {
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

/// A step of the form: its fields, "Only when", whether it is unfolded,
/// and its last test.
#[derive(Clone, Copy)]
pub(super) struct StepFields {
    uid: u64,
    pub f: Fields,
    only_when: RwSignal<String>,
    open: RwSignal<bool>,
    report: RwSignal<Option<Result<TestReport, AppError>>>,
    testing: RwSignal<bool>,
}

impl StepFields {
    fn new(uid: u64, d: &StepDraft, open: bool) -> StepFields {
        StepFields {
            uid,
            f: Fields::new(&d.action),
            only_when: RwSignal::new(d.only_when.clone()),
            open: RwSignal::new(open),
            report: RwSignal::new(None),
            testing: RwSignal::new(false),
        }
    }

    fn draft(&self) -> StepDraft {
        StepDraft {
            action: self.f.draft(),
            only_when: self.only_when.get(),
        }
    }
}

/// Every route's steps, in order.
#[derive(Clone, Copy)]
pub(super) struct PlanFields {
    routes: [RwSignal<Vec<StepFields>>; 4],
    next_uid: RwSignal<u64>,
}

fn route_index(r: Route) -> usize {
    Route::ALL.iter().position(|x| *x == r).unwrap_or(0)
}

/// Steps are unfolded while the plan is short; a longer one shows each
/// step's summary line, and unfolds a step with an error.
fn unfolded(d: &PlanDraft) -> bool {
    Route::ALL.iter().map(|r| d.route(*r).len()).sum::<usize>() <= 3
}

impl PlanFields {
    pub fn new(d: &PlanDraft) -> PlanFields {
        let p = PlanFields {
            routes: std::array::from_fn(|_| RwSignal::new(Vec::new())),
            next_uid: RwSignal::new(0),
        };
        p.load(d);
        p
    }

    pub fn route(&self, r: Route) -> RwSignal<Vec<StepFields>> {
        self.routes[route_index(r)]
    }

    fn uid(&self) -> u64 {
        let n = self.next_uid.get_untracked();
        self.next_uid.set(n + 1);
        n
    }

    /// Shows `d` (another person's version, or the one kept by the server).
    pub fn load(&self, d: &PlanDraft) {
        let open = unfolded(d);
        for r in Route::ALL {
            let steps = d
                .route(r)
                .iter()
                .map(|s| StepFields::new(self.uid(), s, open))
                .collect();
            self.route(r).set(steps);
        }
    }

    /// The draft the form makes now (tracked: a memo over it follows every keystroke).
    pub fn draft(&self) -> PlanDraft {
        let mut d = PlanDraft::default();
        for r in Route::ALL {
            *d.route_mut(r) = self.route(r).get().iter().map(StepFields::draft).collect();
        }
        d
    }

    /// Makes a change of the form's shape, as the server would on a post.
    pub fn apply(&self, edit: PlanEdit) {
        let (PlanEdit::Add(r) | PlanEdit::Remove(r, _) | PlanEdit::Up(r, _) | PlanEdit::Down(r, _)) =
            edit;
        let steps = self.route(r);
        if !edit.allowed(steps.with_untracked(Vec::len)) {
            return;
        }
        let fresh = matches!(edit, PlanEdit::Add(_)).then(|| self.uid());
        steps.update(|v| match edit {
            PlanEdit::Add(_) => v.push(StepFields::new(
                fresh.unwrap_or_default(),
                &StepDraft::fresh(),
                true,
            )),
            PlanEdit::Remove(_, i) => {
                v.remove(i);
            }
            PlanEdit::Up(_, i) => v.swap(i - 1, i),
            PlanEdit::Down(_, i) => v.swap(i, i + 1),
        });
    }

    /// Takes the value of the form field `name` (`plan[default][0][text]`).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn adopt(&self, name: &str, value: String) {
        let Some(rest) = name.strip_prefix("plan[") else {
            return;
        };
        let mut parts = rest.splitn(3, "][");
        let (Some(route), Some(Ok(i)), Some(field)) = (
            parts.next().and_then(Route::parse),
            parts.next().map(str::parse::<usize>),
            parts.next(),
        ) else {
            return;
        };
        let Some(step) = self.route(route).with_untracked(|v| v.get(i).copied()) else {
            return;
        };
        if field == "only_when]" {
            step.only_when.set(value);
        } else {
            step.f.adopt(field, value);
        }
    }

    /// Unfolds every step with an error.
    pub fn unfold_errors(&self, e: &FieldErrors) {
        for r in Route::ALL {
            for (i, s) in self.route(r).get_untracked().iter().enumerate() {
                let prefix = format!("{}.{i}", r.as_str());
                if e.0
                    .iter()
                    .any(|x| x.field == prefix || x.field.starts_with(&format!("{prefix}.")))
                {
                    s.open.set(true);
                }
            }
        }
    }
}

/// Where a step's fields are: its route, its place now (it moves).
#[derive(Clone, Copy)]
struct At {
    ui: Ui,
    route: Route,
    index: Memo<usize>,
}

impl At {
    fn key(self, field: &str) -> String {
        format!("{}.{}.{field}", self.route.as_str(), self.index.get())
    }

    fn name(self, field: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
        move || {
            format!(
                "plan[{}][{}][{field}]",
                self.route.as_str(),
                self.index.get()
            )
        }
    }

    fn id(self, field: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
        move || format!("{}-{}-{field}", self.route.as_str(), self.index.get())
    }

    fn described(self, field: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
        move || format!("err-{}-{}-{field}", self.route.as_str(), self.index.get())
    }

    fn invalid(self, field: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
        move || {
            let key = self.key(field);
            self.ui.errors.with(|e| e.get(&key).is_some()).to_string()
        }
    }

    /// The error of `field`, next to it.
    fn err(self, field: &'static str) -> impl IntoView {
        move || {
            let key = self.key(field);
            self.ui.errors.with(|e| {
                e.get(&key).map(|code| {
                    view! {
                        <p class="field-error" id=self.described(field) role="alert">
                            {crate::messages::field_error_message(self.ui.locale, field, code)}
                        </p>
                    }
                })
            })
        }
    }

    /// The class of the fields of action type `k`: shown when chosen.
    fn section(kind: RwSignal<String>, k: &'static str) -> impl Fn() -> &'static str {
        move || {
            if kind.get() == k {
                "type-section"
            } else {
                "type-section inactive"
            }
        }
    }
}

/// "<schedule> is open" / "<schedule> is closed" / "Always".
pub fn condition_label(locale: Locale, value: &str, schedules: &[ScheduleOption]) -> String {
    let Ok(Some(c)) = crate::domain::plan::Condition::parse(value) else {
        return td_string!(locale, always).to_owned();
    };
    let name = schedules
        .iter()
        .find(|s| s.id == c.schedule_id)
        .map_or(c.schedule_id.clone(), |s| s.name.clone());
    let key = match c.state {
        crate::domain::schedule::OpenState::Open => td_string!(locale, schedule_is_open),
        crate::domain::schedule::OpenState::Closed => td_string!(locale, schedule_is_closed),
    };
    key.replace("%name%", &name)
}

/// A route: its heading, its steps in order, "Add a step".
#[component]
pub(super) fn RouteSection(
    ui: Ui,
    route: Route,
    plan: PlanFields,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let locale = ui.locale;
    let steps = plan.route(route);
    let heading_id = format!("route-{}", route.as_str());
    let hint = if route == Route::Default {
        td_string!(locale, route_default_hint)
    } else {
        td_string!(locale, route_override_hint)
    };
    let route_error = move || {
        ui.errors.with(|e| {
            e.get(route.as_str()).map(
                |c| view! { <p class="field-error" role="alert">{field_message(locale, c)}</p> },
            )
        })
    };
    let add = PlanEdit::Add(route);
    view! {
        <section class="route" data-route=route.as_str()>
            <h2 id=heading_id>{crate::ui::route_heading(locale, route)}</h2>
            <p class="hint">{hint}</p>
            <ol class="steps">
                <For each=move || steps.get() key=|s| s.uid let:s>
                    <StepCard ui route s plan shared />
                </For>
            </ol>
            {route_error}
            {(!ui.read_only).then(|| view! {
                <button type="submit" name="op" value=add.form_value() class="button link add-step"
                    disabled=move || steps.with(|v| v.len() >= STEPS_MAX)
                    on:click=move |ev| { ev.prevent_default(); plan.apply(add); }>
                    {td_string!(locale, add_step)}
                </button>
            })}
        </section>
    }
}

/// One step: its number and summary (the line that stays when folded),
/// its buttons, the action's fields, "Only when", and its test.
#[component]
fn StepCard(
    ui: Ui,
    route: Route,
    s: StepFields,
    plan: PlanFields,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let locale = ui.locale;
    let steps = plan.route(route);
    let uid = s.uid;
    let index =
        Memo::new(move |_| steps.with(|v| v.iter().position(|x| x.uid == uid).unwrap_or(0)));
    let at = At { ui, route, index };
    let summary = move || {
        let d = s.f.draft();
        let what = shared.with_value(|sh| {
            crate::domain::failover::ActionType::parse(&d.action_type).map(|t| {
                match d.parse(&sh.allowed.get()) {
                    Ok(a) => crate::emergency::action_summary(locale, &a),
                    Err(_) => crate::ui::type_label(locale, t).to_owned(),
                }
            })
        });
        let when = s.only_when.get();
        let when = (!when.trim().is_empty())
            .then(|| shared.with_value(|sh| condition_label(locale, &when, &sh.schedules)));
        match (what, when) {
            (Some(w), Some(c)) => format!("{w} · {c}"),
            (Some(w), None) => w,
            (None, Some(c)) => c,
            (None, None) => td_string!(locale, step_empty).to_owned(),
        }
    };
    let step_error = move || {
        let key = format!("{}.{}", route.as_str(), index.get());
        ui.errors.with(|e| {
            e.get(&key).map(
                |c| view! { <p class="field-error" role="alert">{field_message(locale, c)}</p> },
            )
        })
    };
    let connections = shared.with_value(|sh| sh.connections.clone());
    // A test result describes the step it was made with: an edit clears it.
    Effect::new(move |prev: Option<()>| {
        s.f.draft();
        if prev.is_some() {
            s.report.set(None);
        }
    });
    view! {
        <li class="step" data-testid="step">
            <details open=move || s.open.get()>
                <summary>
                    <span class="step-n">{move || td_string!(locale, step_n).replace("%n%", &(index.get() + 1).to_string())}</span>
                    <span class="step-summary">{summary}</span>
                </summary>
                <StepTools at plan s shared />
                <TypeChoice at f=s.f />
                <WorkflowFields at f=s.f />
                <SayMessageFields at f=s.f />
                <TransferFields at f=s.f connections />
                <OnlyWhen at value=s.only_when shared />
                <div class="test-report" data-testid="test-report" aria-live="polite">
                    {move || s.report.get().map(|r| shared.with_value(|sh| super::report::render(locale, r, &sh.connections)))}
                </div>
            </details>
            {step_error}
        </li>
    }
}

/// "Move up", "Move down", "Remove step" and "Test".
#[component]
fn StepTools(
    at: At,
    plan: PlanFields,
    s: StepFields,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let At { ui, route, index } = at;
    let locale = ui.locale;
    let steps = plan.route(route);
    if ui.read_only {
        return ().into_any();
    }
    let button = move |make: fn(Route, usize) -> PlanEdit, label: &'static str| {
        let edit = move || make(route, index.get());
        view! {
            <button type="submit" name="op" value=move || edit().form_value() class="button link small"
                disabled=move || !edit().allowed(steps.with(Vec::len))
                on:click=move |ev| { ev.prevent_default(); plan.apply(make(route, index.get_untracked())); }>
                {label}
            </button>
        }
    };
    let on_test = move |_| {
        let d = untrack(|| s.f.draft());
        let prefix = format!("{}.{}.", route.as_str(), index.get_untracked());
        let (agent_id, allowed) = shared.with_value(|sh| (sh.agent_id.clone(), sh.allowed));
        leptos::task::spawn_local(async move {
            if let Err(e) = super::editor::check_action(&d, allowed).await {
                let mut all = FieldErrors::new();
                all.absorb(&prefix, e);
                ui.errors.set(all);
                return;
            }
            s.testing.set(true);
            s.report.set(None);
            let r = super::test_failover(agent_id, d).await;
            s.report.set(Some(r));
            s.testing.set(false);
        });
    };
    view! {
        <div class="step-tools">
            {button(PlanEdit::Up, td_string!(locale, move_up))}
            {button(PlanEdit::Down, td_string!(locale, move_down))}
            {button(PlanEdit::Remove, td_string!(locale, remove_step))}
            <button type="button" class="button small" on:click=on_test disabled=move || s.testing.get()>
                {move || if s.testing.get() { td_string!(locale, testing) } else { td_string!(locale, test) }}
            </button>
        </div>
    }
    .into_any()
}

/// "Action type": the three radio buttons.
#[component]
fn TypeChoice(at: At, f: Fields) -> impl IntoView {
    let ui = at.ui;
    let choice = move |value: &'static str, label: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name=at.name("action_type")
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
            {at.err("action_type")}
        </fieldset>
    }
}

/// A text input bound to `value`, with its label and its error.
#[component]
fn TextField(
    at: At,
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] range: Option<(u32, u32)>,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let ui = at.ui;
    view! {
        <div class=format!("field {class}")>
            <label for=at.id(field)>{label}</label>
            <input id=at.id(field) type=kind name=at.name(field) placeholder=placeholder
                min=range.map(|r| r.0.to_string()) max=range.map(|r| r.1.to_string())
                class:mono=field == "sip_user_to_user"
                value=move || value.get() prop:value=move || value.get()
                aria-invalid=at.invalid(field) aria-describedby=at.described(field) disabled=ui.read_only
                on:input:target=move |ev| value.set(ev.target().value()) />
            {(field == "sip_user_to_user").then(|| view! { <p class="hint">{td_string!(ui.locale, uui_hint)}</p> })}
            {at.err(field)}
        </div>
    }
}

/// "Webhook URL" and "Timeout (seconds)".
#[component]
fn WorkflowFields(at: At, f: Fields) -> impl IntoView {
    let l = at.ui.locale;
    view! {
        <section class=At::section(f.kind, "workflow") data-type="workflow">
            <TextField at field="webhook_url" label=td_string!(l, webhook_url) value=f.webhook_url kind="url" placeholder="https://" />
            <TextField at field="timeout_seconds" label=td_string!(l, timeout_seconds) value=f.timeout kind="number" range=(1, 30) class="short" />
        </section>
    }
}

/// "Sentence to say" and "Language".
#[component]
fn SayMessageFields(at: At, f: Fields) -> impl IntoView {
    let ui = at.ui;
    let initial = f.text.get_untracked();
    view! {
        <section class=At::section(f.kind, "say_message") data-type="say_message">
            <div class="field">
                <label for=at.id("text")>{td_string!(ui.locale, sentence)}</label>
                <textarea id=at.id("text") name=at.name("text") rows="3" maxlength="1000"
                    prop:value=move || f.text.get()
                    aria-invalid=at.invalid("text") aria-describedby=at.described("text") disabled=ui.read_only
                    on:input:target=move |ev| f.text.set(ev.target().value())>{initial}</textarea>
                {at.err("text")}
            </div>
            <div class="field short">
                <label for=at.id("language")>{td_string!(ui.locale, language)}</label>
                <select id=at.id("language") name=at.name("language") disabled=ui.read_only
                    on:change:target=move |ev| f.language.set(ev.target().value())>
                    {LANGUAGES
                        .iter()
                        .map(|l| view! { <option value=*l selected=move || f.language.get() == *l>{*l}</option> })
                        .collect_view()}
                </select>
                {at.err("language")}
            </div>
        </section>
    }
}

/// The ring duration, and a phone number or a SIP connection with its
/// destination, headers and User-To-User.
#[component]
fn TransferFields(at: At, f: Fields, connections: Vec<SipConnectionView>) -> impl IntoView {
    let ui = at.ui;
    let l = ui.locale;
    view! {
        <section class=At::section(f.kind, "transfer") data-type="transfer">
            <TextField at field="max_ring_seconds" label=td_string!(l, max_ring) value=f.ring kind="number" range=(5, 45) class="short" />
            <div class="field">
                <label for=at.id("sip_connection_id")>{td_string!(l, sip_connection)}</label>
                <select id=at.id("sip_connection_id") name=at.name("sip_connection_id") disabled=ui.read_only
                    on:change:target=move |ev| f.connection.set(ev.target().value())>
                    <option value="" selected=move || f.connection.get().is_empty()>{td_string!(l, sip_none)}</option>
                    {connections
                        .iter()
                        .map(|c| {
                            let id = c.id.clone();
                            let id2 = c.id.clone();
                            view! { <option value=id selected=move || f.connection.get() == id2>{format!("{} ({})", c.name, c.sip_uri)}</option> }
                        })
                        .collect_view()}
                </select>
                {at.err("sip_connection_id")}
            </div>
            <div class:inactive=move || !f.connection.get().is_empty() data-target="phone">
                <TextField at field="phone_number" label=td_string!(l, phone_number) value=f.phone kind="tel" placeholder="+33123456789" />
            </div>
            <div class="sip-fields" class:inactive=move || f.connection.get().is_empty() data-target="sip">
                <TextField at field="sip_destination_id" label=td_string!(l, destination_id) value=f.destination />
                <fieldset class="headers">
                    <legend>{td_string!(l, custom_headers)}</legend>
                    <HeaderRows at f />
                    {at.err("sip_headers")}
                    <button type="button" class="button link" disabled=move || ui.read_only || f.headers.with(|h| h.len() >= MAX_SIP_HEADERS)
                        on:click=move |_| f.headers.update(|h| {
                            if h.len() < MAX_SIP_HEADERS {
                                h.push((RwSignal::new(String::new()), RwSignal::new(String::new())));
                            }
                        })>
                        {td_string!(l, add_header)}
                    </button>
                </fieldset>
                <TextField at field="sip_user_to_user" label=td_string!(l, uui) value=f.uui />
            </div>
        </section>
    }
}

/// The custom SIP headers, one row each.
#[component]
fn HeaderRows(at: At, f: Fields) -> impl IntoView {
    let ui = at.ui;
    move || {
        f.headers
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, (name, value))| {
                let field = move |part: &str| {
                    format!("plan[{}][{}][sip_headers][{i}][{part}]", at.route.as_str(), at.index.get())
                };
                let error = move || {
                    let (n, v) = (at.key(&format!("sip_headers.{i}.name")), at.key(&format!("sip_headers.{i}.value")));
                    ui.errors.with(|e| {
                        e.get(&n)
                            .or_else(|| e.get(&v))
                            .map(|c| view! { <p class="field-error" role="alert">{field_message(ui.locale, c)}</p> })
                    })
                };
                view! {
                    <div class="header-row">
                        <input type="text" name=move || field("name") aria-label=td_string!(ui.locale, header_name) placeholder="X-…"
                            value=move || name.get() prop:value=move || name.get() disabled=ui.read_only
                            on:input:target=move |ev| name.set(ev.target().value()) />
                        <input type="text" name=move || field("value") aria-label=td_string!(ui.locale, header_value)
                            value=move || value.get() prop:value=move || value.get() disabled=ui.read_only
                            on:input:target=move |ev| value.set(ev.target().value()) />
                        {error}
                    </div>
                }
            })
            .collect_view()
    }
}

/// "Only when": always, or while one of the account's schedules is open
/// (or closed).
#[component]
fn OnlyWhen(at: At, value: RwSignal<String>, shared: StoredValue<Shared>) -> impl IntoView {
    let ui = at.ui;
    let l = ui.locale;
    let (schedules, hours) = shared.with_value(|sh| (sh.schedules.clone(), sh.hours_href.clone()));
    let none = schedules.is_empty();
    let options = schedules
        .iter()
        .flat_map(|s| [format!("open:{}", s.id), format!("closed:{}", s.id)])
        .map(|v| {
            let label = condition_label(l, &v, &schedules);
            let v2 = v.clone();
            view! { <option value=v selected=move || value.get() == v2>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="field only-when">
            <label for=at.id("only_when")>{td_string!(l, only_when)}</label>
            <select id=at.id("only_when") name=at.name("only_when") disabled=ui.read_only
                aria-invalid=at.invalid("only_when") aria-describedby=at.described("only_when")
                on:change:target=move |ev| value.set(ev.target().value())>
                <option value="" selected=move || value.get().trim().is_empty()>{td_string!(l, always)}</option>
                {options}
            </select>
            {none.then(|| view! { <p class="hint">{td_string!(l, only_when_no_hours)} " " <a href=hours>{td_string!(l, hours_title)}</a></p> })}
            {at.err("only_when")}
        </div>
    }
}

/// The errors that belong to no field on screen (a connection or schedule
/// gone since, the flag switched off): said above the buttons.
pub(super) fn form_level(locale: Locale, errors: &FieldErrors) -> Vec<String> {
    errors
        .0
        .iter()
        .filter(|e| {
            !Route::ALL
                .iter()
                .any(|r| e.field == r.as_str() || e.field.starts_with(&format!("{}.", r.as_str())))
        })
        .map(|e| crate::messages::field_error_message(locale, &e.field, e.code))
        .collect()
}
