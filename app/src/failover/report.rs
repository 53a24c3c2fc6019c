//! What "Test" found for a step: the runtime's reading of the action, or
//! the webhook's answer.

use leptos::prelude::*;

use crate::domain::failover::{FailoverAction, TransferTarget};
use crate::error::AppError;
use crate::i18n::*;
use crate::messages::error_message;
use crate::views::{SipConnectionView, TestReport};
use crate::webhook::Verdict;

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

pub(super) fn render(
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
