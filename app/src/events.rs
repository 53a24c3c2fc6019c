//! The failover events page: what runtimes reported, counted by cause and by
//! action over time (SVG charts drawn on the server), with filters by account,
//! agent and period. Staff see every account; customers their own.

use crate::error::AppError;
use crate::i18n::*;
use crate::time_fmt::utc;
use crate::ui::{Loading, error_view};
use crate::views::{EventView, EventsData, Series};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Events matching the filters (empty means any); dates are `YYYY-MM-DD`,
/// UTC, `to` included; the default period is the last 7 days.
#[server(prefix = "/api", endpoint = "events/list")]
pub async fn list_events(
    #[server(default)] account: String,
    #[server(default)] agent: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<EventsData, AppError> {
    crate::error::respond(ssr::list(account, agent, from, to).await)
}

const DAY: i64 = crate::time_fmt::DAY_MS;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::events::{self, EventsQuery};

    pub async fn list(
        account: String,
        agent: String,
        from: String,
        to: String,
    ) -> Result<EventsData, AppError> {
        let state = crate::state::app_state()?;
        let q = EventsQuery {
            account,
            agent,
            from,
            to,
        };
        events::list(&context().await?, &q, state.event_retention_days).await
    }
}

/// A colour per series, distinguishable and stable.
const PALETTE: &[&str] = &[
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
    "#475569",
];

/// A stacked bar chart: one bar per bucket, one colour per series.
#[component]
fn StackedChart(
    title: String,
    id: &'static str,
    buckets: Vec<i64>,
    bucket_ms: i64,
    series: Vec<Series>,
) -> impl IntoView {
    const W: f64 = 720.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 24.0;
    let n = buckets.len().max(1);
    let max = (0..buckets.len())
        .map(|i| series.iter().map(|s| s.counts[i]).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - BOTTOM - 8.0;
    let slot = plot_w / n as f64;
    let bar = (slot * 0.8).max(1.0);
    let mut rects = Vec::new();
    for (i, start) in buckets.iter().enumerate() {
        let mut y = 8.0 + plot_h;
        for (si, s) in series.iter().enumerate() {
            let c = s.counts[i];
            if c == 0 {
                continue;
            }
            let h = plot_h * c as f64 / max as f64;
            y -= h;
            let label = format!("{} · {}: {}", utc(*start), s.key, c);
            rects.push(view! {
                <rect
                    x=format!("{:.1}", LEFT + slot * i as f64 + (slot - bar) / 2.0)
                    y=format!("{y:.1}")
                    width=format!("{bar:.1}")
                    height=format!("{h:.1}")
                    fill=PALETTE[si % PALETTE.len()]
                    data-series=s.key.clone()
                >
                    <title>{label}</title>
                </rect>
            });
        }
    }
    let every = (n / 8).max(1);
    let ticks = buckets
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, b)| {
            let text = if bucket_ms < DAY {
                utc(*b)[11..16].to_owned()
            } else {
                utc(*b)[5..10].to_owned()
            };
            view! {
                <text x=format!("{:.1}", LEFT + slot * i as f64 + slot / 2.0) y=format!("{:.1}", H - 6.0) text-anchor="middle" class="tick">{text}</text>
            }
        })
        .collect_view();
    let title_id = format!("{id}-title");
    view! {
        <figure class="chart" id=id>
            <figcaption id=title_id.clone()>{title}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby=title_id class="chart-svg">
                <line x1=LEFT y1="8" x2=LEFT y2=format!("{:.1}", 8.0 + plot_h) class="axis" />
                <line x1=LEFT y1=format!("{:.1}", 8.0 + plot_h) x2=format!("{:.1}", W - 8.0) y2=format!("{:.1}", 8.0 + plot_h) class="axis" />
                <text x=format!("{:.1}", LEFT - 4.0) y="16" text-anchor="end" class="tick">{max}</text>
                <text x=format!("{:.1}", LEFT - 4.0) y=format!("{:.1}", 8.0 + plot_h) text-anchor="end" class="tick">"0"</text>
                {rects}
                {ticks}
            </svg>
            <ChartLegend series />
        </figure>
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let get = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let (account, agent, from, to) = (get("account"), get("agent"), get("from"), get("to"));
    let data = Resource::new(
        move || (account(), agent(), from(), to()),
        |(a, g, f, t)| list_events(a, g, f, t),
    );
    view! {
        <section class="page">
            <h1>{t!(i18n, events_title)}</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        // A wrong period: the filters stay, with the error at the dates.
                        Err(AppError::Invalid(errors)) => {
                            match list_events(account(), agent(), String::new(), String::new()).await {
                                Ok(d) => view! {
                                    <EventFilters
                                        accounts=d.accounts
                                        agents=d.agents
                                        from=from()
                                        to=to()
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
    view! {
        <EventFilters accounts=d.accounts agents=d.agents from=d.from to=d.to account agent errors=None />
        <p class="events-total" data-testid="events-total">{t!(i18n, events_total, count = move || total)}</p>
        {(retention > 0).then(|| view! {
            <p class="hint">{t!(i18n, events_retention, days = move || retention)}</p>
        })}
        <StackedChart
            title=t_string!(i18n, events_by_cause).to_owned()
            id="chart-cause"
            buckets=d.buckets.clone()
            bucket_ms=d.bucket_ms
            series=d.by_cause
        />
        <StackedChart
            title=t_string!(i18n, events_by_action).to_owned()
            id="chart-action"
            buckets=d.buckets
            bucket_ms=d.bucket_ms
            series=d.by_action
        />
        <h2>{t!(i18n, events_latest)}</h2>
        <LatestEvents events=d.latest />
    }
}

/// The filters: account, agent (once an account is chosen), period.
#[component]
fn EventFilters(
    accounts: Vec<(String, String)>,
    agents: Vec<(String, String)>,
    from: String,
    to: String,
    account: String,
    agent: String,
    /// The dates refused, if they were.
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
                <input id="f-from" name="from" type="date" value=from aria-invalid=from_invalid />
                {from_error}
            </div>
            <div class="field">
                <label for="f-to">{t!(i18n, filter_to)}</label>
                <input id="f-to" name="to" type="date" value=to aria-invalid=to_invalid />
                {to_error}
            </div>
            <button type="submit" class="button">{t!(i18n, search)}</button>
        </Form>
    }
}

/// The latest events reported, newest first.
#[component]
fn LatestEvents(events: Vec<EventView>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = events
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td class="nowrap">{utc(e.occurred_at)}</td>
                    <td class="mono">{e.account}</td>
                    <td>{e.agent}</td>
                    <td class="mono small">{e.call_id}</td>
                    <td class="mono">{e.cause}</td>
                    <td class="mono">{e.action_type}</td>
                    <td class="mono">{e.outcome}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
            <crate::ui::Scroll label=t_string!(i18n, events_title)>
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
    </crate::ui::Scroll>
        }
}

/// The colour and total of each series that has events.
#[component]
fn ChartLegend(series: Vec<Series>) -> impl IntoView {
    let items = series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.total > 0)
        .map(|(i, s)| {
            view! {
                <li>
                    // An SVG swatch: the page's CSP allows no inline style.
                    <svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
                        <rect width="12" height="12" rx="2" fill=PALETTE[i % PALETTE.len()] />
                    </svg>
                    <span class="mono">{s.key.clone()}</span>
                    " "
                    <strong>{s.total}</strong>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="legend">{items}</ul> }
}
