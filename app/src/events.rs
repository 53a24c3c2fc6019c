//! The failover events page: what runtimes reported, counted by cause and by
//! action over time (SVG charts drawn on the server, their values also in a
//! table), with filters by account, agent, period and time zone. Staff see
//! every account; customers their own.

use crate::domain::failover::ActionType;
use crate::domain::{Cause, EventActionType, Outcome};
use crate::error::AppError;
use crate::i18n::*;
use crate::time_fmt::LocalTime;
use crate::ui::type_label;
use crate::ui::{Loading, Scroll, error_view};
use crate::views::{EventView, EventsData, Series};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// The cookie that remembers the viewer's time zone (set by the browser).
pub const ZONE_COOKIE: &str = "relais_tz";

/// Events matching the filters (empty means any); dates are `YYYY-MM-DD`
/// in the time zone `tz` (empty: the one the browser remembered, else
/// UTC), `to` included; the default period is the last 7 days.
#[server(prefix = "/api", endpoint = "events/list")]
pub async fn list_events(
    #[server(default)] account: String,
    #[server(default)] agent: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] tz: String,
) -> Result<EventsData, AppError> {
    crate::error::respond(ssr::list(account, agent, from, to, tz).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::events::{self, EventsQuery};

    /// The zone the browser remembered, if it is one.
    pub(crate) async fn remembered_zone() -> Option<String> {
        let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.ok()?;
        let cookies = headers.get(axum::http::header::COOKIE)?.to_str().ok()?;
        cookies
            .split(';')
            .filter_map(|c| c.trim().strip_prefix(ZONE_COOKIE)?.strip_prefix('='))
            .find(|z| events::known_zone(z))
            .map(str::to_owned)
    }

    pub async fn list(
        account: String,
        agent: String,
        from: String,
        to: String,
        tz: String,
    ) -> Result<EventsData, AppError> {
        let state = crate::state::app_state()?;
        let tz = match tz.trim() {
            "" => remembered_zone().await.unwrap_or_default(),
            _ => tz,
        };
        let q = EventsQuery {
            account,
            agent,
            from,
            to,
            tz,
        };
        events::list(&context().await?, &q, state.event_retention_days).await
    }
}

/// A colour per series: distinct hues, each at least 4.5:1 against the
/// white of the chart (checked by a test).
pub const PALETTE: &[&str] = &[
    "#1d4ed8", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#0e7490", "#be185d", "#4d7c0f",
    "#475569",
];

/// A cause, an action type or an outcome, in the page's language (an
/// unknown code as it came).
pub fn event_label(locale: Locale, code: &str) -> String {
    if let Ok(c) = code.parse::<Cause>() {
        return cause_label(locale, c).to_owned();
    }
    if let Ok(a) = code.parse::<EventActionType>() {
        return match a {
            EventActionType::Workflow => type_label(locale, ActionType::Workflow),
            EventActionType::SayMessage => type_label(locale, ActionType::SayMessage),
            EventActionType::Transfer => type_label(locale, ActionType::Transfer),
            EventActionType::DefaultErrorMessage => td_string!(locale, default_message),
        }
        .to_owned();
    }
    match code.parse::<Outcome>() {
        Ok(Outcome::Succeeded) => td_string!(locale, outcome_succeeded).to_owned(),
        Ok(Outcome::ActionFailed) => td_string!(locale, outcome_action_failed).to_owned(),
        Err(_) => code.to_owned(),
    }
}

/// Why failover ran, in words.
pub fn cause_label(locale: Locale, c: Cause) -> &'static str {
    match c {
        Cause::PrecallTimeout => td_string!(locale, cause_precall_timeout),
        Cause::PrecallError => td_string!(locale, cause_precall_error),
        Cause::PrecallInvalidData => td_string!(locale, cause_precall_invalid_data),
        Cause::PrecallExplicit => td_string!(locale, cause_precall_explicit),
        Cause::ConfigMissingVoice => td_string!(locale, cause_config_missing_voice),
        Cause::ConfigKbUnavailable => td_string!(locale, cause_config_kb_unavailable),
        Cause::ConfigLanguageConflict => td_string!(locale, cause_config_language_conflict),
        Cause::ConfigOther => td_string!(locale, cause_config_other),
        Cause::PromptRenderFailed => td_string!(locale, cause_prompt_render_failed),
    }
}

/// A round step for about four gridlines up to `max`: 1, 2 or 5 × 10ⁿ.
fn y_step(max: i64) -> i64 {
    let raw = (max.max(1) as f64 / 4.0).max(1.0);
    let magnitude = 10f64.powi(raw.log10().floor() as i32);
    let m = match raw / magnitude {
        n if n <= 1.0 => 1.0,
        n if n <= 2.0 => 2.0,
        n if n <= 5.0 => 5.0,
        _ => 10.0,
    };
    ((m * magnitude) as i64).max(1)
}

/// A bucket in words: `Dec 2` (days) or `Dec 2 14:00` (hours).
fn bucket_label(locale: Locale, t: &LocalTime, hourly: bool) -> String {
    if hourly {
        format!("{} {}", t.day_month(locale), t.hour_minute())
    } else {
        t.date(locale)
    }
}

/// What a chart shows: the buckets and their series.
#[derive(Clone)]
struct Chart {
    title: String,
    id: &'static str,
    times: Vec<LocalTime>,
    hourly: bool,
    series: Vec<Series>,
}

/// A stacked bar chart: one bar per bucket, one colour per series, round
/// gridlines, a date under the labels of every scale.
#[component]
fn StackedChart(chart: Chart) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let Chart {
        title,
        id,
        times,
        hourly,
        series,
    } = chart.clone();
    let max = (0..times.len())
        .map(|i| series.iter().map(|s| s.counts[i]).sum::<i64>())
        .max()
        .unwrap_or(0);
    let frame = Frame::new(max, times.len());
    let grid = frame.grid();
    let rects = frame.bars(locale, &times, hourly, &series);
    let ticks = frame.x_ticks(locale, &times, hourly);
    let title_id = format!("{id}-title");
    view! {
        <figure class="chart" id=id>
            <figcaption id=title_id.clone()>{title}</figcaption>
            <svg viewBox=format!("0 0 {} {}", Frame::W, Frame::H) role="img" aria-labelledby=title_id class="chart-svg">
                {grid}
                <line x1=Frame::LEFT y1=Frame::TOP x2=Frame::LEFT y2=format!("{:.1}", Frame::TOP + frame.plot_h) class="axis" />
                {rects}
                {ticks}
            </svg>
            <ChartLegend series=series.clone() />
            <ChartValues chart />
        </figure>
    }
}

/// The geometry of a chart: its y scale (round steps up to `top`) and its
/// slots, one per bucket.
struct Frame {
    step: i64,
    top: i64,
    plot_h: f64,
    slot: f64,
    bar: f64,
}

impl Frame {
    const W: f64 = 720.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 44.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 40.0;

    fn new(max: i64, buckets: usize) -> Frame {
        let step = y_step(max);
        let plot_w = Self::W - Self::LEFT - 8.0;
        let slot = plot_w / buckets.max(1) as f64;
        Frame {
            step,
            top: (max.max(1) + step - 1) / step * step,
            plot_h: Self::H - Self::BOTTOM - Self::TOP,
            slot,
            bar: (slot * 0.8).max(1.0),
        }
    }

    fn y_of(&self, v: i64) -> f64 {
        Self::TOP + self.plot_h - self.plot_h * v as f64 / self.top as f64
    }

    /// A gridline and its label at each round step.
    fn grid(&self) -> impl IntoView + use<> {
        (0..=self.top / self.step)
            .map(|k| {
                let v = k * self.step;
                let y = format!("{:.1}", self.y_of(v));
                view! {
                    <line x1=Self::LEFT y1=y.clone() x2=Self::W - 8.0 y2=y.clone() class=if v == 0 { "axis" } else { "grid" } />
                    <text x=Self::LEFT - 6.0 y=format!("{:.1}", self.y_of(v) + 4.0) text-anchor="end" class="tick">{v}</text>
                }
            })
            .collect_view()
    }

    /// The stacked bars, each with its bucket, series and count as a title.
    fn bars(
        &self,
        locale: Locale,
        times: &[LocalTime],
        hourly: bool,
        series: &[Series],
    ) -> Vec<impl IntoView + use<>> {
        let mut rects = Vec::new();
        for (i, t) in times.iter().enumerate() {
            let mut y = Self::TOP + self.plot_h;
            for (si, s) in series.iter().enumerate() {
                let c = s.counts[i];
                if c == 0 {
                    continue;
                }
                let h = self.plot_h * c as f64 / self.top as f64;
                y -= h;
                let label = format!(
                    "{} · {}{}{c}",
                    bucket_label(locale, t, hourly),
                    event_label(locale, &s.key),
                    td_string!(locale, colon)
                );
                rects.push(view! {
                    <rect
                        x=format!("{:.1}", Self::LEFT + self.slot * i as f64 + (self.slot - self.bar) / 2.0)
                        y=format!("{y:.1}")
                        width=format!("{:.1}", self.bar)
                        height=format!("{h:.1}")
                        fill=PALETTE[si % PALETTE.len()]
                        class="bar"
                        data-series=s.key.clone()
                    >
                        <title>{label}</title>
                    </rect>
                });
            }
        }
        rects
    }

    /// About eight labels; on an hourly scale the date under the first hour
    /// of each day (and the first label).
    fn x_ticks(&self, locale: Locale, times: &[LocalTime], hourly: bool) -> impl IntoView + use<> {
        let every = times.len().max(1).div_ceil(8).max(1);
        let mut last_day = None;
        let base = Self::TOP + self.plot_h;
        times
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, t)| {
                let x = format!("{:.1}", Self::LEFT + self.slot * i as f64 + self.slot / 2.0);
                let day = (t.year, t.month, t.day);
                let (first, second) = if hourly {
                    let new_day = last_day != Some(day);
                    last_day = Some(day);
                    (t.hour_minute(), new_day.then(|| t.day_month(locale)))
                } else {
                    (t.day_month(locale), None)
                };
                view! {
                    <text x=x.clone() y=format!("{:.1}", base + 16.0) text-anchor="middle" class="tick">{first}</text>
                    {second.map(|d| view! {
                        <text x=x.clone() y=format!("{:.1}", base + 32.0) text-anchor="middle" class="tick day">{d}</text>
                    })}
                }
            })
            .collect_view()
    }
}

/// The chart's numbers, by keyboard and screen reader too: a table behind
/// a disclosure.
#[component]
fn ChartValues(chart: Chart) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let shown: Vec<Series> = chart.series.into_iter().filter(|s| s.total > 0).collect();
    let heads = shown
        .iter()
        .map(|s| view! { <th scope="col">{event_label(locale, &s.key)}</th> })
        .collect_view();
    let rows = chart
        .times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let cells = shown
                .iter()
                .map(|s| view! { <td class="num">{s.counts[i]}</td> })
                .collect_view();
            let total: i64 = shown.iter().map(|s| s.counts[i]).sum();
            view! {
                <tr>
                    <th scope="row" class="nowrap">{bucket_label(locale, t, chart.hourly)}</th>
                    {cells}
                    <td class="num"><strong>{total}</strong></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="chart-values" data-testid=format!("{}-values", chart.id)>
            <summary>{t!(i18n, events_show_values)}</summary>
            <Scroll label=chart.title.clone()>
                <table class="table">
                    <caption class="visually-hidden">{chart.title.clone()}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, events_period)}</th>
                            {heads}
                            <th scope="col">{t!(i18n, events_sum)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </Scroll>
        </details>
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let get = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let (account, agent, from, to, tz) = (
        get("account"),
        get("agent"),
        get("from"),
        get("to"),
        get("tz"),
    );
    let data = Resource::new(
        move || (account(), agent(), from(), to(), tz()),
        |(a, g, f, t, z)| list_events(a, g, f, t, z),
    );
    view! {
        <section class="page">
            <h1>{t!(i18n, events_title)}</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        // A wrong period or zone: the filters stay, with the error at the field.
                        Err(AppError::Invalid(errors)) => {
                            match list_events(account(), agent(), String::new(), String::new(), String::new()).await {
                                Ok(d) => view! {
                                    <EventFilters
                                        accounts=d.accounts
                                        agents=d.agents
                                        from=from()
                                        to=to()
                                        zone=d.zone
                                        account=account()
                                        agent=agent()
                                        errors=Some(errors)
                                    />
                                }
                                .into_any(),
                                Err(e) => error_view(e),
                            }
                        }
                        Err(e) => error_view(e),
                        Ok(d) => view! { <EventsBody d account=account() agent=agent() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn EventsBody(d: EventsData, account: String, agent: String) -> impl IntoView {
    let i18n = use_i18n();
    let total = d.total;
    let retention = d.retention_days;
    let zone = d.zone.clone();
    let charts = if total == 0 {
        view! {
            <p class="empty" data-testid="events-empty">{t!(i18n, events_empty)}</p>
        }
        .into_any()
    } else {
        let chart = |title: &str, id, series| Chart {
            title: title.to_owned(),
            id,
            times: d.bucket_times.clone(),
            hourly: d.hourly,
            series,
        };
        let by_cause = chart(t_string!(i18n, events_by_cause), "chart-cause", d.by_cause);
        let by_action = chart(
            t_string!(i18n, events_by_action),
            "chart-action",
            d.by_action,
        );
        view! {
            <StackedChart chart=by_cause />
            <StackedChart chart=by_action />
        }
        .into_any()
    };
    view! {
        <EventFilters accounts=d.accounts agents=d.agents from=d.from to=d.to zone=d.zone account agent errors=None />
        <p class="events-total" data-testid="events-total">{t!(i18n, events_total, count = move || total)}</p>
        <p class="hint" data-testid="events-zone">
            {t_string!(i18n, events_zone).replace("%zone%", &zone)}
            {(retention > 0).then(|| view! { " " {t!(i18n, events_retention, days = move || retention)} })}
        </p>
        {charts}
        {(!d.steps.is_empty()).then(|| view! { <StepCounts steps=d.steps /> })}
        <h2>{t!(i18n, events_latest)}</h2>
        <LatestEvents events=d.latest />
    }
}

/// How often each route and step of the plans ran (from events that say
/// which), most first.
#[component]
fn StepCounts(steps: Vec<crate::views::StepCount>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let rows = steps
        .into_iter()
        .map(|s| {
            let step = td_string!(locale, step_n).replace("%n%", &(s.step + 1).to_string());
            view! {
                <tr>
                    <td>{crate::ui::route_heading(locale, s.route)}</td>
                    <td>{step}</td>
                    <td class="num">{s.count}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2 id="steps-title">{t!(i18n, events_steps)}</h2>
        <div class="scroll" role="region" aria-labelledby="steps-title" tabindex="0">
            <table class="table compact" data-testid="step-counts">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, events_route)}</th>
                        <th scope="col">{t!(i18n, events_step)}</th>
                        <th scope="col">{t!(i18n, events_count)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The filters: account, agent (once an account is chosen), period, zone.
#[component]
fn EventFilters(
    accounts: Vec<(String, String)>,
    agents: Vec<(String, String)>,
    from: String,
    to: String,
    zone: String,
    account: String,
    agent: String,
    /// The fields refused, if they were.
    errors: Option<crate::domain::FieldErrors>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error_at = move |field: &'static str| {
        let code = errors.as_ref().and_then(|e| e.get(field));
        let text = code
            .map(|c| crate::messages::field_error_message(i18n.get_locale_untracked(), field, c));
        (
            code.is_some().then_some("true"),
            text.map(
                |t| view! { <p class="field-error" id=format!("err-{field}") role="alert">{t}</p> },
            ),
        )
    };
    let (from_invalid, from_error) = error_at("from");
    let (to_invalid, to_error) = error_at("to");
    let (_, zone_error) = error_at("tz");
    let account_options = accounts
        .iter()
        .map(|(slug, name)| {
            view! { <option value=slug.clone() selected=*slug == account>{name.clone()}</option> }
        })
        .collect_view();
    let agent_field = (!agents.is_empty()).then(|| {
        let options = agents
            .iter()
            .map(|(id, name)| view! { <option value=id.clone() selected=*id == agent>{name.clone()}</option> })
            .collect_view();
        view! {
            <div class="field">
                <label for="f-agent">{t!(i18n, events_agent)}</label>
                <select id="f-agent" name="agent">
                    <option value="">{t!(i18n, any)}</option>
                    {options}
                </select>
            </div>
        }
    });
    let labels = (
        t_string!(i18n, events_time_zone).to_owned(),
        t_string!(i18n, events_browser_zone).to_owned(),
    );
    view! {
        <Form method="GET" action="" attr:class="form inline-form filters">
            <div class="field">
                <label for="f-account">{t!(i18n, filter_account)}</label>
                <select id="f-account" name="account">
                    <option value="">{t!(i18n, any)}</option>
                    {account_options}
                </select>
            </div>
            {agent_field}
            <div class="field">
                <label for="f-from">{t!(i18n, filter_from)}</label>
                <input id="f-from" name="from" type="date" value=from aria-invalid=from_invalid aria-describedby="err-from" />
                {from_error}
            </div>
            <div class="field">
                <label for="f-to">{t!(i18n, filter_to)}</label>
                <input id="f-to" name="to" type="date" value=to aria-invalid=to_invalid aria-describedby="err-to" />
                {to_error}
            </div>
            <div class="field">
                <ZoneField zone labels />
                {zone_error}
            </div>
            <button type="submit" class="button">{t!(i18n, search)}</button>
        </Form>
    }
}

/// "Time zone": UTC or the zone shown; once the page is live, the
/// browser's own zone too. The first visit remembers the browser's zone
/// (a cookie) and shows the page again in it; a choice is remembered.
#[island]
fn ZoneField(zone: String, labels: (String, String)) -> impl IntoView {
    let (label, browser_label) = labels;
    let browser = RwSignal::new(None::<String>);
    #[cfg(target_arch = "wasm32")]
    {
        let shown = zone.clone();
        Effect::new(move || {
            let Some(b) = live::browser_zone() else {
                return;
            };
            if live::remembered().is_none() {
                live::remember(&b);
                if b != shown && !live::zone_in_url() {
                    live::reload();
                    return;
                }
            }
            browser.set(Some(b));
        });
    }
    let current = zone.clone();
    let other = zone.clone();
    view! {
        <label for="f-tz">{label}</label>
        <select
            id="f-tz"
            name="tz"
            on:change:target=move |ev| {
                #[cfg(target_arch = "wasm32")]
                live::remember(&ev.target().value());
                #[cfg(not(target_arch = "wasm32"))]
                let _ = ev;
            }
        >
            <option value="UTC" selected=zone == "UTC">"UTC"</option>
            {(current != "UTC").then(|| view! { <option value=current.clone() selected>{current.clone()}</option> })}
            {move || {
                browser
                    .get()
                    .filter(|b| *b != other && b != "UTC")
                    .map(|b| {
                        let text = browser_label.replace("%zone%", &b);
                        view! { <option value=b>{text}</option> }
                    })
            }}
        </select>
    }
}

/// The browser's side of the time zone: its zone, the cookie, the reload.
#[cfg(target_arch = "wasm32")]
mod live {
    use leptos::wasm_bindgen::JsCast;

    pub fn browser_zone() -> Option<String> {
        let format =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        let options = format.resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()?
            .as_string()
    }

    fn document() -> Option<web_sys::HtmlDocument> {
        leptos::prelude::document().dyn_into().ok()
    }

    pub fn remembered() -> Option<String> {
        let cookies = document()?.cookie().ok()?;
        cookies
            .split(';')
            .find_map(|c| c.trim().strip_prefix(super::ZONE_COOKIE)?.strip_prefix('='))
            .map(str::to_owned)
    }

    pub fn remember(zone: &str) {
        if let Some(d) = document() {
            let _ = d.set_cookie(&format!(
                "{}={zone}; Path=/; Max-Age=31536000; SameSite=Lax",
                super::ZONE_COOKIE
            ));
        }
    }

    pub fn zone_in_url() -> bool {
        leptos::prelude::window()
            .location()
            .search()
            .is_ok_and(|s| s.contains("tz="))
    }

    pub fn reload() {
        let _ = leptos::prelude::window().location().reload();
    }
}

/// The latest events reported, newest first.
#[component]
fn LatestEvents(events: Vec<EventView>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let rows = events
        .into_iter()
        .map(|e| {
            let failed = e.outcome == Outcome::ActionFailed.as_str();
            view! {
                <tr>
                    <td class="nowrap"><time datetime=crate::time_fmt::iso(e.occurred_at)>{e.local.date_time(locale)}</time></td>
                    <td translate="no">{e.account}</td>
                    <td translate="no">{e.agent}</td>
                    <td class="mono small">{e.call_id}</td>
                    <td>{event_label(locale, &e.cause)}</td>
                    <td>{event_label(locale, &e.action_type)}</td>
                    <td>
                        <span class=if failed { "badge warn" } else { "badge on" }>{event_label(locale, &e.outcome)}</span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Scroll label=t_string!(i18n, events_latest)>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, events_when)}</th>
                        <th scope="col">{t!(i18n, filter_account)}</th>
                        <th scope="col">{t!(i18n, events_agent)}</th>
                        <th scope="col">{t!(i18n, events_call)}</th>
                        <th scope="col">{t!(i18n, events_cause)}</th>
                        <th scope="col">{t!(i18n, events_action)}</th>
                        <th scope="col">{t!(i18n, events_outcome)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </Scroll>
    }
}

/// The colour and total of each series that has events.
#[component]
fn ChartLegend(series: Vec<Series>) -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let items = series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.total > 0)
        .map(|(i, s)| {
            view! {
                <li data-series=s.key.clone()>
                    // An SVG swatch: the page's CSP allows no inline style.
                    <svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
                        <rect width="12" height="12" rx="2" fill=PALETTE[i % PALETTE.len()] />
                    </svg>
                    <span>{event_label(locale, &s.key)}</span>
                    " "
                    <strong>{s.total}</strong>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="legend">{items}</ul> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    #[test]
    fn every_colour_stands_out_on_white_and_from_the_others() {
        for c in PALETTE {
            let contrast = 1.05 / (luminance(c) + 0.05);
            assert!(contrast >= 4.5, "{c}: {contrast:.2}:1");
        }
        let mut unique = PALETTE.to_vec();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), PALETTE.len());
        assert!(PALETTE.len() >= 9, "a colour per cause");
    }

    #[test]
    fn gridlines_fall_on_round_numbers() {
        assert_eq!(y_step(0), 1);
        assert_eq!(y_step(3), 1);
        assert_eq!(y_step(7), 2);
        assert_eq!(y_step(17), 5);
        assert_eq!(y_step(37), 10);
        assert_eq!(y_step(130), 50);
        assert_eq!(y_step(999), 500);
    }

    #[test]
    fn every_code_has_words() {
        use strum::IntoEnumIterator;
        for locale in [Locale::en, Locale::fr] {
            for c in Cause::iter() {
                assert_ne!(event_label(locale, c.as_str()), c.as_str());
            }
            for a in EventActionType::iter() {
                assert_ne!(event_label(locale, a.as_str()), a.as_str());
            }
            for o in Outcome::iter() {
                assert_ne!(event_label(locale, o.as_str()), o.as_str());
            }
        }
        assert_eq!(
            event_label(Locale::fr, "precall_timeout"),
            "Délai du webhook pré-appel dépassé"
        );
    }
}
