//! The pieces every page uses: loading, not found, the display of a failed
//! load, and query-string encoding.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::domain::{AccountRole, StaffRole};
use crate::error::AppError;
use crate::i18n::*;
use crate::messages::error_message;

#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="muted" aria-busy="true">{t!(i18n, loading)}</p> }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <section class="card narrow">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_body)}</p>
            <p>
                <a href="/">{t!(i18n, back_home)}</a>
            </p>
        </section>
    }
}

/// A page the signed-in role may not use: one clear sentence, 403, and none
/// of the page's forms.
#[component]
pub fn NoAccess() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    let i18n = use_i18n();
    view! {
        <section class="card narrow" data-testid="no-access">
            <h1>{t!(i18n, no_access_title)}</h1>
            <p>{t!(i18n, no_access_body)}</p>
            <p>
                <a href="/">{t!(i18n, back_home)}</a>
            </p>
        </section>
    }
}

/// The page number in the query parameter `name` (1 when absent or not a number).
pub fn query_page(name: &'static str) -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query
            .read()
            .get(name)
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
    }
}

/// Links to the pages around `page` of `pages`; `base` is the list's URL,
/// ending in `?` or `&`, that `page=N` is added to. Past the last page it
/// says so and links to the last one.
#[component]
pub fn Pager(page: i64, pages: i64, base: String) -> impl IntoView {
    let i18n = use_i18n();
    let link = move |p: i64| format!("{base}page={p}");
    if page > pages {
        return view! {
            <p class="empty" role="status">
                {t!(i18n, page_past_end, page = move || page, pages = move || pages)} " "
                <a href=link(pages)>{t!(i18n, last_page)}</a>
            </p>
        }
        .into_any();
    }
    if pages <= 1 {
        return ().into_any();
    }
    view! {
        <nav class="pager" aria-label="pagination">
            {(page > 1).then(|| view! { <a href=link(page - 1)>{t!(i18n, previous)}</a> })}
            <span>{t!(i18n, page_of, page = move || page, pages = move || pages)}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1)>{t!(i18n, next)}</a> })}
        </nav>
    }
    .into_any()
}

/// What a page shows for a failed load: sign-in for a lost session, "not
/// found" for what the user may not see, a message otherwise.
pub fn error_view(e: AppError) -> AnyView {
    match e {
        AppError::Unauthenticated => {
            let here = use_location();
            // `search` comes without its `?`.
            let search = here.search.get_untracked();
            let next = if search.is_empty() {
                here.pathname.get_untracked()
            } else {
                format!("{}?{search}", here.pathname.get_untracked())
            };
            let path = format!("/signin?next={}", urlencode(&next));
            view! { <Redirect path /> }.into_any()
        }
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        AppError::Forbidden => view! { <NoAccess /> }.into_any(),
        other => {
            let i18n = use_i18n();
            view! {
                <p class="form-error" role="alert">
                    {move || crate::messages::error_message(i18n.get_locale(), &other)}
                </p>
            }
            .into_any()
        }
    }
}

/// What a query value may hold unescaped: the unreserved characters and `/`.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_query_values() {
        assert_eq!(
            super::urlencode("/audit?a=b c&é"),
            "/audit%3Fa%3Db%20c%26%C3%A9"
        );
    }
}

pub fn role_label(i18n: leptos_i18n::I18nContext<Locale>, role: AccountRole) -> &'static str {
    match role {
        AccountRole::Owner => t_string!(i18n, role_owner),
        AccountRole::Editor => t_string!(i18n, role_editor),
        AccountRole::Viewer => t_string!(i18n, role_viewer),
    }
}

/// The error a no-JavaScript form post brought back, for one field (or, with
/// `None`, for the whole form when it is not about a field).
pub fn form_error<T, S>(
    value: S,
    field: Option<&'static str>,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let i18n = use_i18n();
    move || {
        let err = value.get().and_then(Result::err)?;
        let locale = i18n.get_locale();
        let text = match (&err, field) {
            (AppError::Invalid(f), Some(field)) => {
                crate::messages::field_error_message(locale, field, f.get(field)?)
            }
            (AppError::Invalid(_), None) => return None,
            (_, Some(_)) => return None,
            (AppError::InUse(names), None) => {
                format!("{} {}", error_message(locale, &err), names.join(", "))
            }
            (other, None) => error_message(locale, other).to_owned(),
        };
        let class = if field.is_some() {
            "field-error"
        } else {
            "form-error"
        };
        Some(view! { <p class=class role="alert">{text}</p> }.into_any())
    }
}

pub fn staff_role_label(i18n: leptos_i18n::I18nContext<Locale>, role: StaffRole) -> &'static str {
    match role {
        StaffRole::Admin => t_string!(i18n, role_admin),
        StaffRole::Csm => t_string!(i18n, role_csm),
    }
}

/// A one-time link, selectable in a read-only field (works without
/// JavaScript) and, once the page is live, a "Copy link" button (`labels`:
/// the field's, the button's, and the button's once copied, in the page's
/// language: islands get their words as props).
#[island]
pub fn CopyLink(url: String, labels: (String, String, String)) -> impl IntoView {
    let (label, copy_label, copied_label) = labels;
    let live = RwSignal::new(false);
    let copied = RwSignal::new(false);
    Effect::new(move || live.set(true));
    let text = url.clone();
    let copy = move |_| {
        #[cfg(target_arch = "wasm32")]
        if let Some(w) = leptos::web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = &text;
    };
    view! {
        <div class="copy-link">
            <input class="mono" readonly value=url aria-label=label data-testid="issued-link" />
            <Show when=move || live.get()>
                <button type="button" class="button" on:click=copy.clone()>
                    {let (a, b) = (copy_label.clone(), copied_label.clone());
                    move || if copied.get() { b.clone() } else { a.clone() }}
                </button>
            </Show>
        </div>
    }
}

/// A wide table on a narrow screen: it scrolls sideways inside its own
/// region (reachable and scrollable by keyboard), headers with it, the page
/// itself never wider than the screen.
#[component]
pub fn Scroll(#[prop(into)] label: String, children: Children) -> impl IntoView {
    view! {
        <div class="scroll" role="region" aria-label=label tabindex="0">
            {children()}
        </div>
    }
}

/// An action type as the form's "Action type" names it.
pub fn type_label(locale: Locale, t: crate::domain::failover::ActionType) -> &'static str {
    use crate::domain::failover::ActionType;
    match t {
        ActionType::Workflow => td_string!(locale, type_workflow),
        ActionType::SayMessage => td_string!(locale, type_say_message),
        ActionType::Transfer => td_string!(locale, type_transfer),
    }
}

/// The heading of a route, as SPEC §8 names it.
pub fn route_heading(locale: Locale, r: crate::domain::plan::Route) -> &'static str {
    match r {
        crate::domain::plan::Route::Default => td_string!(locale, route_default),
        crate::domain::plan::Route::Precall => td_string!(locale, route_precall),
        crate::domain::plan::Route::DynamicConfig => td_string!(locale, route_dynamic_config),
        crate::domain::plan::Route::Prompt => td_string!(locale, route_prompt),
    }
}
