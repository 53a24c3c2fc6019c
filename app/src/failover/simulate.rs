//! "Simulate" (SPEC §8): for the draft on screen, a cause and a moment → the
//! steps that would run, in order, each skipped step with why, then the
//! default error message. The server walks the plan with the same function
//! that answers the runtime's resolve call.

use leptos::prelude::*;
use strum::IntoEnumIterator;

use super::steps::{PlanFields, Shared, Ui};
use crate::domain::Cause;
use crate::domain::plan::{PlanDraft, Verdict};
use crate::domain::schedule::OpenState;
use crate::error::AppError;
use crate::i18n::*;
use crate::messages::error_message;
use crate::ui::route_heading;
use crate::views::{EditorKept, Simulation};

#[component]
pub(super) fn SimulatePanel(
    ui: Ui,
    plan: PlanFields,
    draft: Memo<PlanDraft>,
    shared: StoredValue<Shared>,
    zone: String,
    kept: EditorKept,
) -> impl IntoView {
    let locale = ui.locale;
    let cause = RwSignal::new(if kept.cause.is_empty() {
        Cause::PrecallTimeout.as_str().to_owned()
    } else {
        kept.cause.clone()
    });
    let at = RwSignal::new(kept.at.clone());
    let result = RwSignal::new(kept.simulation.clone().map(Ok::<_, AppError>));
    let running = RwSignal::new(false);
    // A result describes the draft it was made with: an edit clears it.
    Effect::new(move |prev: Option<()>| {
        draft.track();
        if prev.is_some() {
            result.set(None);
        }
    });
    let zone_for_call = zone.clone();
    let on_simulate = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let d = draft.get_untracked();
        let (agent_id, allowed, schedules) =
            shared.with_value(|s| (s.agent_id.clone(), s.allowed, s.schedules.clone()));
        let (c, a, z) = (
            cause.get_untracked(),
            at.get_untracked(),
            zone_for_call.clone(),
        );
        leptos::task::spawn_local(async move {
            if let Err(e) = super::editor::check_plan(&d, allowed, &schedules).await {
                plan.unfold_errors(&e);
                ui.errors.set(e);
                return;
            }
            running.set(true);
            let r = super::simulate(agent_id, d, c, a, z).await;
            if let Err(AppError::Invalid(f)) = &r {
                ui.errors.set(f.clone());
            }
            result.set(Some(r));
            running.set(false);
        });
    };
    let hint = td_string!(locale, simulate_hint).replace("%zone%", &zone);
    view! {
        <section class="simulate" data-testid="simulate">
            <h2 id="simulate-title">{td_string!(locale, simulate)}</h2>
            <input type="hidden" name="zone" value=zone.clone() />
            <div class="simulate-fields">
                <div class="field">
                    <label for="sim-cause">{td_string!(locale, sim_cause)}</label>
                    <select id="sim-cause" name="cause" on:change:target=move |ev| cause.set(ev.target().value())>
                        {Cause::iter().map(|c| view! {
                            <option value=c.as_str() selected=move || cause.get() == c.as_str()>{crate::events::cause_label(locale, c)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="sim-at">{td_string!(locale, sim_at)}</label>
                    <input id="sim-at" type="datetime-local" name="at" aria-describedby="sim-at-hint"
                        value=move || at.get() prop:value=move || at.get()
                        on:input:target=move |ev| at.set(ev.target().value()) />
                    <p class="hint" id="sim-at-hint">{hint}</p>
                    {move || ui.errors.with(|e| e.get("at").map(|c| view! {
                        <p class="field-error" role="alert">{crate::messages::field_error_message(locale, "at", c)}</p>
                    }))}
                </div>
                <button type="submit" name="op" value="simulate" class="button" on:click=on_simulate disabled=move || running.get()>
                    {td_string!(locale, simulate)}
                </button>
            </div>
            <div aria-live="polite" data-testid="simulation">
                {move || result.get().map(|r| match r {
                    Ok(sim) => shared.with_value(|s| render(locale, &sim, s)).into_any(),
                    Err(AppError::Invalid(_)) => view! { <p class="form-error" role="alert">{td_string!(locale, simulate_fix_first)}</p> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_message(locale, &e)}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

/// Why a step does not run, in words ("Skipped: outside Front desk hours").
pub fn verdict_text(locale: Locale, v: &Verdict, schedule: Option<&str>) -> String {
    match v {
        Verdict::Runs => td_string!(locale, sim_runs).to_owned(),
        Verdict::NotReached => td_string!(locale, sim_not_reached).to_owned(),
        Verdict::Skipped { known: false, .. } => td_string!(locale, sim_skipped_unknown).to_owned(),
        Verdict::Skipped { needs, .. } => {
            let key = match needs {
                OpenState::Open => td_string!(locale, sim_skipped_outside),
                OpenState::Closed => td_string!(locale, sim_skipped_inside),
            };
            key.replace("%name%", schedule.unwrap_or_default())
        }
    }
}

fn render(locale: Locale, sim: &Simulation, _shared: &Shared) -> impl IntoView + use<> {
    let when = sim.at_local.clone();
    let route = route_heading(locale, sim.route);
    let steps = sim
        .steps
        .iter()
        .map(|s| {
            let runs = s.verdict == Verdict::Runs;
            let n = td_string!(locale, step_n).replace("%n%", &(s.index + 1).to_string());
            view! {
                <li class:skipped=!runs data-verdict=if runs { "runs" } else { "skipped" }>
                    <strong>{n}</strong> " · " {crate::emergency::action_summary(locale, &s.action)}
                    <span class="verdict">{verdict_text(locale, &s.verdict, s.schedule.as_deref())}</span>
                </li>
            }
        })
        .collect_view();
    let then = format!(
        "{} « {} » ({})",
        td_string!(locale, sim_then),
        sim.then.text,
        sim.then.language
    );
    view! {
        <div class="simulation">
            <p><strong>{td_string!(locale, sim_route)}</strong> " " {route} " · " {when}</p>
            <ol class="sim-steps">{steps}</ol>
            <p class="muted">{then}</p>
        </div>
    }
}
