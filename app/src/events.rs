//! The failover events page: what runtimes reported, counted by cause and by
//! action over time (SVG charts drawn on the server), with filters by account,
//! agent and period. Staff see every account; customers their own.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::*;
use crate::shell::{Loading, error_view};
use crate::time_fmt::utc;

pub const CAUSES: &[&str] = &[
    "precall_timeout",
    "precall_error",
    "precall_invalid_data",
    "precall_explicit",
    "config_missing_voice",
    "config_kb_unavailable",
    "config_language_conflict",
    "config_other",
    "prompt_render_failed",
];

pub const ACTION_TYPES: &[&str] = &[
    "workflow",
    "say_message",
    "transfer",
    "default_error_message",
];

/// Counts of one value (a cause or an action type) per time bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub key: String,
    pub counts: Vec<i64>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub occurred_at: i64,
    pub account: String,
    pub agent: String,
    pub call_id: String,
    pub cause: String,
    pub action_type: String,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsData {
    /// Start of each bucket (epoch ms).
    pub buckets: Vec<i64>,
    pub bucket_ms: i64,
    pub by_cause: Vec<Series>,
    pub by_action: Vec<Series>,
    pub total: i64,
    pub latest: Vec<EventView>,
    /// Accounts the user may filter on: slug, name.
    pub accounts: Vec<(String, String)>,
    /// Agents of the chosen account: id, name.
    pub agents: Vec<(String, String)>,
    pub from: String,
    pub to: String,
    /// Events are kept this many days (0: for ever).
    pub retention_days: u32,
}

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
    use crate::auth::ssr::principal;
    use crate::domain::{FieldErrors, Permission};
    use crate::state::app_state;
    use crate::store::events::{self, CountBy, Filter};
    use crate::store::{accounts, agents, now_ms};
    use crate::time_fmt::{date_string, parse_date};

    const HOUR: i64 = 3_600_000;

    fn series(keys: &[&str], rows: &[(i64, String, i64)], buckets: &[i64]) -> Vec<Series> {
        let mut out: Vec<Series> = keys
            .iter()
            .map(|k| Series {
                key: (*k).to_owned(),
                counts: vec![0; buckets.len()],
                total: 0,
            })
            .collect();
        for (bucket, key, n) in rows {
            let Some(i) = buckets.iter().position(|b| b == bucket) else {
                continue;
            };
            let s = match out.iter_mut().position(|s| &s.key == key) {
                Some(p) => &mut out[p],
                None => {
                    out.push(Series {
                        key: key.clone(),
                        counts: vec![0; buckets.len()],
                        total: 0,
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            s.counts[i] += n;
            s.total += n;
        }
        out
    }

    pub async fn list(
        account: String,
        agent: String,
        from: String,
        to: String,
    ) -> Result<EventsData, AppError> {
        let p = principal().await?;
        let state = app_state()?;
        let mut e = FieldErrors::new();
        let today = now_ms().div_euclid(DAY) * DAY;
        let from_ms = if from.trim().is_empty() {
            Some(today - 6 * DAY)
        } else {
            parse_date(&from).or_else(|| {
                e.push("from", "invalid_date");
                None
            })
        };
        let to_ms = if to.trim().is_empty() {
            Some(today)
        } else {
            parse_date(&to).or_else(|| {
                e.push("to", "invalid_date");
                None
            })
        };
        if let (Some(f), Some(t)) = (from_ms, to_ms)
            && (t < f || t - f > 366 * DAY)
        {
            e.push("to", "out_of_range");
        }
        e.into_result()?;
        let (from_ms, to_ms) = (from_ms.expect("checked"), to_ms.expect("checked") + DAY);

        let staff = p.can(Permission::ListAllAccounts, None);
        let within = (!staff).then(|| {
            p.memberships
                .iter()
                .map(|m| m.account_id.clone())
                .collect::<Vec<_>>()
        });
        let (all, _) = accounts::search(state.db.pool(), "", within.as_deref(), 1000, 0).await?;
        let account_row = if account.trim().is_empty() {
            None
        } else {
            let a = accounts::find_by_slug(state.db.pool(), account.trim())
                .await?
                .filter(|a| p.can(Permission::ViewAccount, Some(&a.id)))
                .ok_or(AppError::NotFound)?;
            Some(a)
        };
        let agent_list = match &account_row {
            Some(a) => agents::list_by_account(state.db.pool(), &a.id).await?,
            None => Vec::new(),
        };
        let agent_id = if agent.trim().is_empty() {
            None
        } else {
            let found = agents::find(state.db.pool(), agent.trim())
                .await?
                .filter(|g| p.can(Permission::ViewAccount, Some(&g.account_id)))
                .ok_or(AppError::NotFound)?;
            Some(found.id)
        };
        let filter = Filter {
            within,
            account_id: account_row.as_ref().map(|a| a.id.clone()),
            agent_id,
            from_ms,
            to_ms,
        };
        let bucket_ms = if to_ms - from_ms <= 2 * DAY {
            HOUR
        } else {
            DAY
        };
        let buckets: Vec<i64> = (0..)
            .map(|i| from_ms + i * bucket_ms)
            .take_while(|b| *b < to_ms)
            .collect();
        let causes = events::counts(state.db.pool(), &filter, CountBy::Cause, bucket_ms).await?;
        let actions =
            events::counts(state.db.pool(), &filter, CountBy::ActionType, bucket_ms).await?;
        let latest = events::latest(state.db.pool(), &filter, 50).await?;
        let by_cause = series(CAUSES, &causes, &buckets);
        let total = by_cause.iter().map(|s| s.total).sum();
        Ok(EventsData {
            by_action: series(ACTION_TYPES, &actions, &buckets),
            by_cause,
            total,
            buckets,
            bucket_ms,
            latest: latest
                .into_iter()
                .map(|r| EventView {
                    occurred_at: r.occurred_at,
                    account: r.account_slug,
                    agent: r.agent_name,
                    call_id: r.call_id,
                    cause: r.cause,
                    action_type: r.action_type,
                    outcome: r.outcome,
                })
                .collect(),
            accounts: all.into_iter().map(|a| (a.slug, a.name)).collect(),
            agents: agent_list.into_iter().map(|g| (g.id, g.name)).collect(),
            from: date_string(from_ms),
            to: date_string(to_ms - DAY),
            retention_days: state.event_retention_days,
        })
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
    let legend = series
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
            <ul class="legend">{legend}</ul>
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
    let account_options = d
        .accounts
        .iter()
        .map(|(slug, name)| {
            view! { <option value=slug.clone() selected=*slug == account>{name.clone()}</option> }
        })
        .collect_view();
    let agent_field = (!d.agents.is_empty()).then(|| {
        let options = d
            .agents
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
    let rows = d
        .latest
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
    let total = d.total;
    let retention = d.retention_days;
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
                <input id="f-from" name="from" type="date" value=d.from.clone() />
            </div>
            <div class="field">
                <label for="f-to">{t!(i18n, filter_to)}</label>
                <input id="f-to" name="to" type="date" value=d.to.clone() />
            </div>
            <button type="submit" class="button">{t!(i18n, search)}</button>
        </Form>
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
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, events_when)}</th>
                    <th scope="col">{t!(i18n, filter_account)}</th>
                    <th scope="col">{t!(i18n, events_agent)}</th>
                    <th scope="col">"Call"</th>
                    <th scope="col">{t!(i18n, events_cause)}</th>
                    <th scope="col">{t!(i18n, events_action)}</th>
                    <th scope="col">{t!(i18n, events_outcome)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
