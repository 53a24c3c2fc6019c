//! Emergency mode's server functions (SPEC §8): start it on one or several
//! accounts, end it. Plain form posts, like every form.

use leptos::prelude::*;

use crate::domain::emergency::EmergencyDraft;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::feedback::{Notice, Reply};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// Starts emergency mode on `accounts` (slugs): the action (say a message or
/// a transfer), the reason and the end (`ends_at`, read in the time zone
/// `tz`, or RFC 3339; empty: in 4 hours).
#[server(prefix = "/api", endpoint = "emergency/start")]
pub async fn start_emergency(
    #[server(default)] accounts: Vec<String>,
    draft: EmergencyDraft,
    #[server(default)] tz: String,
    #[server(default)] confirm: Option<String>,
) -> Result<(), AppError> {
    let kept = serde_json::to_string(&draft).unwrap_or_default();
    let confirmed = matches!(confirm.as_deref(), Some("on" | "true" | "yes"));
    let result = ssr::start(accounts, draft, tz, confirmed).await;
    Reply::new(StartEmergency::PATH, "emergency", Notice::EmergencyOn)
        .keep("draft", &kept)
        .answer(result)
        .await
}

/// Ends an account's emergency mode.
#[server(prefix = "/api", endpoint = "emergency/end")]
pub async fn end_emergency(slug: String) -> Result<(), AppError> {
    let result = ssr::end(slug).await;
    Reply::new(EndEmergency::PATH, "emergency", Notice::EmergencyOff)
        .answer(result)
        .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::ssr::context;
    use crate::service::emergencies;

    pub async fn start(
        accounts: Vec<String>,
        draft: EmergencyDraft,
        tz: String,
        confirmed: bool,
    ) -> Result<(), AppError> {
        let ctx = context().await?;
        let read = emergencies::moment_reader(&tz);
        emergencies::start(&ctx, &accounts, &draft, confirmed, read).await
    }

    pub async fn end(slug: String) -> Result<(), AppError> {
        emergencies::end(&context().await?, &slug).await
    }
}

/// What runs during an emergency, in a few words ("Say a message: “…”").
pub fn action_summary(
    locale: crate::i18n::Locale,
    a: &crate::domain::failover::FailoverAction,
) -> String {
    use crate::domain::failover::{FailoverAction, TransferTarget};
    let kind = crate::ui::type_label(locale, a.action_type());
    match a {
        FailoverAction::SayMessage { text, .. } => format!("{kind} « {text} »"),
        FailoverAction::Transfer {
            target: TransferTarget::PhoneNumber(n),
            ..
        } => format!("{kind} → {n}"),
        FailoverAction::Transfer {
            target: TransferTarget::Sip(s),
            ..
        } => format!("{kind} → SIP {}", s.destination_id),
        FailoverAction::Workflow { webhook_url, .. } => format!("{kind} → {webhook_url}"),
    }
}

/// The red banner of an account in emergency mode: what every call runs,
/// why, and until when.
#[component]
pub fn EmergencyBanner(account: String, e: crate::views::EmergencyView) -> impl IntoView {
    use crate::i18n::*;
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let until = crate::time_fmt::utc_in(locale, e.ends_at);
    let text = td_string!(locale, emergency_banner)
        .replace("%account%", &account)
        .replace("%when%", &until)
        .replace("%action%", &action_summary(locale, &e.action));
    view! {
        <div class="emergency-banner" role="region" aria-label=td_string!(locale, emergency_mode) data-testid="emergency-banner">
            <strong>{text}</strong>
            " " <span>{td_string!(locale, reason)}{td_string!(locale, colon)}{e.reason}</span>
        </div>
    }
}

/// The fields of an activation: the action (a message or a transfer), the
/// reason, the end, and a confirmation; the accounts come with the form.
#[component]
pub fn ActivateFields(
    /// The viewer's time zone, in which "Ends at" is read.
    zone: String,
    start: ServerAction<StartEmergency>,
) -> impl IntoView {
    use crate::i18n::*;
    use crate::ui::form_error;
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let languages = crate::domain::LANGUAGES
        .iter()
        .map(|l| view! { <option value=*l selected=*l == "fr-FR">{*l}</option> })
        .collect_view();
    let hint = td_string!(locale, emergency_end_hint).replace("%zone%", &zone);
    view! {
        <input type="hidden" name="tz" value=zone />
        <fieldset class="choice">
            <legend>{t!(i18n, action_type)}</legend>
            <label><input type="radio" name="draft[action_type]" value="say_message" checked /> {t!(i18n, type_say_message)}</label>
            <label><input type="radio" name="draft[action_type]" value="transfer" /> {t!(i18n, type_transfer)}</label>
            {form_error(start.value(), Some("action_type"))}
        </fieldset>
        <div class="field">
            <label for="emergency-text">{t!(i18n, sentence)}</label>
            <textarea id="emergency-text" name="draft[text]" rows="2" maxlength="1000"></textarea>
            {form_error(start.value(), Some("text"))}
        </div>
        <div class="field short">
            <label for="emergency-language">{t!(i18n, language)}</label>
            <select id="emergency-language" name="draft[language]">{languages}</select>
        </div>
        <div class="field short">
            <label for="emergency-phone">{t!(i18n, phone_number)}</label>
            <input id="emergency-phone" type="tel" name="draft[phone_number]" placeholder="+33123456789" />
            <input type="hidden" name="draft[transfer_target]" value="phone" />
            <input type="hidden" name="draft[max_ring_seconds]" value="25" />
            {form_error(start.value(), Some("phone_number"))}
        </div>
        <div class="field">
            <label for="emergency-reason">{t!(i18n, reason)}</label>
            <input id="emergency-reason" name="draft[reason]" required maxlength="500" />
            {form_error(start.value(), Some("reason"))}
        </div>
        <div class="field short">
            <label for="emergency-ends">{t!(i18n, emergency_ends_at)}</label>
            <input id="emergency-ends" type="datetime-local" name="draft[ends_at]" aria-describedby="emergency-ends-hint" />
            <p class="hint" id="emergency-ends-hint">{hint}</p>
            {form_error(start.value(), Some("ends_at"))}
        </div>
        <label class="confirm-check">
            <input type="checkbox" name="confirm" value="on" required />
            " " {t!(i18n, emergency_confirm)}
        </label>
        {form_error(start.value(), Some("confirm"))}
        {form_error(start.value(), Some("accounts"))}
        {form_error(start.value(), None)}
        <button type="submit" class="button danger">{t!(i18n, emergency_activate)}</button>
    }
}

/// The account page's "Emergency mode" card: end it, or start it.
#[component]
pub fn EmergencyCard(
    slug: String,
    on: Option<crate::views::EmergencyView>,
    zone: String,
) -> impl IntoView {
    use crate::i18n::*;
    let i18n = use_i18n();
    let start = ServerAction::<StartEmergency>::new();
    let end = ServerAction::<EndEmergency>::new();
    let body = match on {
        Some(_) => view! {
            <details class="confirm">
                <summary class="button danger">{t!(i18n, emergency_end)}</summary>
                <ActionForm action=end attr:class="confirm-box">
                    <input type="hidden" name="slug" value=slug />
                    <p class="small">{t!(i18n, emergency_end_explain)}</p>
                    <button type="submit" class="button primary">{t!(i18n, emergency_end_confirm)}</button>
                </ActionForm>
            </details>
        }
        .into_any(),
        None => view! {
            <p class="hint">{t!(i18n, emergency_explain)}</p>
            <ActionForm action=start attr:class="form emergency-form">
                <input type="hidden" name="accounts[0]" value=slug />
                <ActivateFields zone start />
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <section class="card" id="emergency" aria-labelledby="emergency-title">
            <h2 id="emergency-title">{t!(i18n, emergency_mode)}</h2>
            <crate::feedback::NoticeAt place="emergency" />
            {body}
        </section>
    }
}
