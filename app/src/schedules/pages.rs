//! The "Business hours" page of an account: each schedule open or closed now
//! (and until when), its week and closures, its form; a form for a new one.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{DeleteSchedule, SaveSchedule, get_business_hours};
use crate::domain::schedule::{INTERVALS_PER_DAY, IntervalDraft, ScheduleDraft, Weekday};
use crate::error::AppError;
use crate::feedback::{NoticeAt, kept, refused_at};
use crate::i18n::*;
use crate::ui::{Loading, error_view, form_error};
use crate::views::{HoursPage, ScheduleView};

/// Closure rows the form offers beyond the saved ones.
const BLANK_CLOSURES: usize = 2;

#[component]
pub fn BusinessHoursPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let data = Resource::new(slug, get_business_hours);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <Hours p /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

#[component]
fn Hours(p: HoursPage) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveSchedule>::new();
    let delete = ServerAction::<DeleteSchedule>::new();
    let HoursPage {
        slug,
        account_name,
        schedules,
        zones,
        emergency,
    } = p;
    let banner = emergency.map(|e| {
        view! { <crate::emergency::EmergencyBanner account=account_name.clone() e /> }
    });
    let empty = schedules.is_empty();
    let cards = schedules
        .into_iter()
        .map(|s| view! { <ScheduleCard s slug=slug.clone() zones=zones.clone() save delete /> })
        .collect_view();
    // After a refusal the new schedule's form shows what was typed.
    let typed = kept("schedule-new", "draft")
        .and_then(|j| serde_json::from_str::<ScheduleDraft>(&j).ok())
        .unwrap_or_else(|| ScheduleDraft {
            timezone: "Europe/Paris".into(),
            ..ScheduleDraft::default()
        });
    let back = format!("/accounts/{slug}");
    view! {
        <section class="page">
            {banner}
            <header class="page-head" id="schedules">
                <h1>{t!(i18n, hours_title)} " · " <span translate="no">{account_name}</span></h1>
                <a href=back>{t!(i18n, back_to_account)}</a>
            </header>
            <p class="hint">{t!(i18n, hours_intro)}</p>
            <NoticeAt place="schedules" />
            {empty.then(|| view! { <p class="empty">{t!(i18n, hours_none)}</p> })}
            {cards}
            <section class="card" id="schedule-new" aria-labelledby="schedule-new-title">
                <h2 id="schedule-new-title">{t!(i18n, hours_new)}</h2>
                <NoticeAt place="schedule-new" />
                <ScheduleForm slug id=String::new() draft=typed zones save />
            </section>
        </section>
    }
}

/// One schedule: its state now, its week, its closures, who uses it; Edit
/// and Delete.
#[component]
fn ScheduleCard(
    s: ScheduleView,
    slug: String,
    zones: Vec<String>,
    save: ServerAction<SaveSchedule>,
    delete: ServerAction<DeleteSchedule>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let place = format!("schedule-{}", s.id);
    let refused = refused_at(&place);
    let draft = kept(&place, "draft")
        .and_then(|j| serde_json::from_str::<ScheduleDraft>(&j).ok())
        .unwrap_or_else(|| s.draft.clone());
    let state = state_line(locale, &s);
    let week = Weekday::ALL
        .iter()
        .zip(s.weekly.iter())
        .map(|(d, hours)| {
            let hours = if hours.is_empty() {
                td_string!(locale, hours_closed_day).to_owned()
            } else {
                hours.join(", ")
            };
            view! {
                <div class="week-day">
                    <dt>{day_name(locale, *d)}</dt>
                    <dd>{hours}</dd>
                </div>
            }
        })
        .collect_view();
    let closures = (!s.closures.is_empty()).then(|| {
        let items = s
            .closures
            .iter()
            .map(|(from, to, label)| {
                let day = |d: &str| crate::time_fmt::day_in(locale, d);
                let when = if from == to {
                    day(from)
                } else {
                    format!("{} → {}", day(from), day(to))
                };
                view! { <li><span class="mono">{when}</span> " " {label.clone()}</li> }
            })
            .collect_view();
        view! {
            <h3>{t!(i18n, closures)}</h3>
            <ul class="plain closures">{items}</ul>
        }
    });
    let used = (!s.used_by.is_empty()).then(|| {
        let names = s.used_by.join(", ");
        view! { <p class="small muted">{t!(i18n, hours_used_by)} " " <span translate="no">{names}</span></p> }
    });
    let id = s.id.clone();
    let name = s.name.clone();
    view! {
        <article class="card schedule" id=place.clone() aria-labelledby=format!("{place}-title")>
            <header class="schedule-head">
                <h2 id=format!("{place}-title") translate="no">{s.name.clone()}</h2>
                <span class=if s.open_now { "badge on" } else { "badge off" } data-testid="schedule-state">{state}</span>
                <span class="muted small mono">{s.timezone.clone()}</span>
            </header>
            <NoticeAt place=place.clone() />
            {refused.then(|| form_error(delete.value(), None))}
            <dl class="week">{week}</dl>
            {closures}
            {used}
            <div class="row-actions">
                <details class="edit" open=refused>
                    <summary class="button">{t!(i18n, edit)}</summary>
                    <ScheduleForm slug id=id.clone() draft zones save />
                </details>
                <details class="confirm">
                    <summary class="button link danger">{t!(i18n, delete)}</summary>
                    <ActionForm action=delete attr:class="confirm-box">
                        <input type="hidden" name="id" value=id />
                        <p class="small">{t!(i18n, hours_delete_explain, name = move || name.clone())}</p>
                        <button type="submit" class="button danger">{t!(i18n, hours_delete_confirm)}</button>
                    </ActionForm>
                </details>
            </div>
        </article>
    }
}

/// "Open now — closes Fri 18:00", "Closed now — opens Mon 09:00".
fn state_line(locale: Locale, s: &ScheduleView) -> String {
    let now = if s.open_now {
        td_string!(locale, hours_open_now)
    } else {
        td_string!(locale, hours_closed_now)
    };
    let Some((at, weekday)) = s.next_change else {
        return now.to_owned();
    };
    let day = Weekday::ALL
        .get(usize::from(weekday))
        .copied()
        .unwrap_or(Weekday::Mon);
    let when = if s.next_within_week {
        format!("{} {}", short_day(locale, day), at.hour_minute())
    } else {
        format!(
            "{} {} {}",
            short_day(locale, day),
            at.day_month(locale),
            at.hour_minute()
        )
    };
    let next = if s.open_now {
        td_string!(locale, hours_closes_at)
    } else {
        td_string!(locale, hours_opens_at)
    };
    format!("{now} — {}", next.replace("%when%", &when))
}

pub fn day_name(locale: Locale, d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => td_string!(locale, day_mon),
        Weekday::Tue => td_string!(locale, day_tue),
        Weekday::Wed => td_string!(locale, day_wed),
        Weekday::Thu => td_string!(locale, day_thu),
        Weekday::Fri => td_string!(locale, day_fri),
        Weekday::Sat => td_string!(locale, day_sat),
        Weekday::Sun => td_string!(locale, day_sun),
    }
}

fn short_day(locale: Locale, d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => td_string!(locale, short_mon),
        Weekday::Tue => td_string!(locale, short_tue),
        Weekday::Wed => td_string!(locale, short_wed),
        Weekday::Thu => td_string!(locale, short_thu),
        Weekday::Fri => td_string!(locale, short_fri),
        Weekday::Sat => td_string!(locale, short_sat),
        Weekday::Sun => td_string!(locale, short_sun),
    }
}

/// A field's error after this form was refused.
fn error_at(save: ServerAction<SaveSchedule>, refused: bool, field: String) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        if !refused {
            return None;
        }
        let Some(Err(AppError::Invalid(f))) = save.value().get() else {
            return None;
        };
        let code = f.get(&field)?;
        let text = crate::messages::field_error_message(i18n.get_locale(), &field, code);
        Some(view! { <p class="field-error" role="alert">{text}</p> })
    }
}

/// Name, time zone, the week's opening hours (3 intervals a day) and the
/// closures, as plain inputs (`weekly[0][1][start]` is Monday's second
/// interval's start).
#[component]
fn ScheduleForm(
    slug: String,
    id: String,
    draft: ScheduleDraft,
    zones: Vec<String>,
    save: ServerAction<SaveSchedule>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let place = if id.is_empty() {
        "schedule-new".to_owned()
    } else {
        format!("schedule-{id}")
    };
    let refused = refused_at(&place);
    let (name_id, zone_id) = (format!("{place}-name"), format!("{place}-timezone"));
    let zone_options = {
        let chosen = draft.timezone.clone();
        zones
            .into_iter()
            .map(|z| {
                let selected = z == chosen;
                let label = z.clone();
                view! { <option value=z selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let days = Weekday::ALL
        .iter()
        .enumerate()
        .map(|(d, day)| {
            let slots: Vec<IntervalDraft> = draft.weekly.get(d).cloned().unwrap_or_default();
            let inputs = (0..INTERVALS_PER_DAY)
                .map(|k| {
                    let slot = slots.get(k).cloned().unwrap_or_default();
                    let label = format!("{} {}", day_name(locale, *day), k + 1);
                    let field = format!("{}.{k}", day.as_str());
                    view! {
                        <span class="interval">
                            <input type="time" name=format!("weekly[{d}][{k}][start]") value=slot.start
                                aria-label=format!("{label} · {}", td_string!(locale, hours_from)) />
                            "–"
                            <input type="time" name=format!("weekly[{d}][{k}][end]") value=slot.end
                                aria-label=format!("{label} · {}", td_string!(locale, hours_to)) />
                            {error_at(save, refused, field)}
                        </span>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="day">
                    <legend>{day_name(locale, *day)}</legend>
                    {inputs}
                </fieldset>
            }
        })
        .collect_view();
    let rows = draft.closures.len() + BLANK_CLOSURES;
    let closures = (0..rows)
        .map(|i| {
            let c = draft.closures.get(i).cloned().unwrap_or_default();
            let n = i + 1;
            view! {
                <fieldset class="closure">
                    <legend class="visually-hidden">{format!("{} {n}", td_string!(locale, closures))}</legend>
                    <label>{t!(i18n, hours_from)} <input type="date" name=format!("closures[{i}][from]") value=c.from /></label>
                    {error_at(save, refused, format!("closures.{i}.from"))}
                    <label>{t!(i18n, hours_to)} <input type="date" name=format!("closures[{i}][to]") value=c.to /></label>
                    {error_at(save, refused, format!("closures.{i}.to"))}
                    <label>{t!(i18n, hours_label)} <input name=format!("closures[{i}][label]") value=c.label maxlength="100" /></label>
                    {error_at(save, refused, format!("closures.{i}.label"))}
                </fieldset>
            }
        })
        .collect_view();
    let submit = if id.is_empty() {
        td_string!(locale, add)
    } else {
        td_string!(locale, save)
    };
    view! {
        <ActionForm action=save attr:class="form schedule-form">
            <input type="hidden" name="slug" value=slug />
            <input type="hidden" name="id" value=id />
            <div class="field">
                <label for=name_id.clone()>{t!(i18n, name)}</label>
                <input id=name_id name="name" required maxlength="100" value=draft.name.clone() />
                {error_at(save, refused, "name".into())}
            </div>
            <div class="field">
                <label for=zone_id.clone()>{t!(i18n, time_zone)}</label>
                <select id=zone_id name="timezone">{zone_options}</select>
                {error_at(save, refused, "timezone".into())}
            </div>
            <fieldset class="week-form">
                <legend>{t!(i18n, opening_hours)}</legend>
                <p class="hint">{t!(i18n, hours_hint)}</p>
                {days}
            </fieldset>
            <fieldset class="closures-form">
                <legend>{t!(i18n, closures)}</legend>
                <p class="hint">{t!(i18n, hours_closures_hint)}</p>
                {closures}
            </fieldset>
            {refused.then(|| form_error(save.value(), None))}
            <button type="submit" class="button primary">{submit}</button>
        </ActionForm>
    }
}
