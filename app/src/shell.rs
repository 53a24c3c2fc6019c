//! The HTML document, the application's routes and the header.
//!
//! Pages are rendered on the server and are plain HTML whose forms post to
//! server functions, so everything works without JavaScript; only the parts
//! that must react while a person types are islands hydrated in the browser
//! (which keeps the WebAssembly small).

use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::accounts::pages::{AccountPage, AccountsPage};
use crate::audit::AuditLogPage;
use crate::auth::pages::SignInPage;
use crate::auth::{SignOut, current_user};
use crate::domain::Principal;
use crate::error::AppError;
use crate::failover::pages::{EditorPage, HistoryPage};
use crate::i18n::*;
use crate::i18n_cookie::SetLocale;
use crate::ui::{Loading, NotFound};

/// The whole HTML document, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Only this page's own scripts (by nonce) and same-origin files may run;
/// `'wasm-unsafe-eval'` lets the WebAssembly hydrate; nothing may frame us.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{HeaderValue, header};
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&policy) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// Who is signed in (loaded once per page).
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<Principal>, AppError>>,
}

/// A year, in milliseconds: how long the language choice is remembered.
const LOCALE_COOKIE_MAX_AGE_MS: i64 = 365 * 24 * 3600 * 1000;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let cookie_options = CookieOptions::<Locale>::default()
        .max_age(LOCALE_COOKIE_MAX_AGE_MS)
        .path("/");
    view! {
        <I18nContextProvider cookie_options>
            <Stylesheet id="leptos" href="/pkg/relais.css" />
            <Title text="Relais" />
            <Router>
                <Layout />
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn Layout() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    provide_context(Auth { user });
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <Header />
        <main class="main" id="main" tabindex="-1">
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/") view=Home ssr=SsrMode::Async />
                <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async />
                <Route path=path!("/accounts") view=AccountsPage ssr=SsrMode::Async />
                <Route path=path!("/accounts/:slug") view=AccountPage ssr=SsrMode::Async />
                <Route path=path!("/accounts/:slug/hours") view=crate::schedules::pages::BusinessHoursPage ssr=SsrMode::Async />
                <Route path=path!("/agents/:id/failover") view=EditorPage ssr=SsrMode::Async />
                <Route path=path!("/agents/:id/history") view=HistoryPage ssr=SsrMode::Async />
                <Route path=path!("/audit") view=AuditLogPage ssr=SsrMode::Async />
                <Route path=path!("/events") view=crate::events::EventsPage ssr=SsrMode::Async />
                <Route path=path!("/tokens") view=crate::tokens::TokensPage ssr=SsrMode::Async />
                <Route path=path!("/users") view=crate::people::pages::UsersPage ssr=SsrMode::Async />
                <Route path=path!("/me") view=crate::people::pages::MyAccountPage ssr=SsrMode::Async />
                <Route path=path!("/invite") view=crate::people::pages::InvitePage ssr=SsrMode::Async />
                <Route path=path!("/reset") view=crate::people::pages::ResetPage ssr=SsrMode::Async />
            </Routes>
        </main>
    }
}

/// `/`: the user's home, or the sign-in page.
#[component]
fn Home() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(p)) => view! { <Redirect path=p.home() /> }.into_any(),
                    _ => view! { <Redirect path="/signin" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Header() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let i18n = use_i18n();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"R"</span>
                <span>{t!(i18n, app_name)}</span>
            </a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    auth.user.await.ok().flatten().map(|p| view! { <UserNav p /> })
                })}
            </Transition>
            <LanguageSwitch />
        </header>
    }
}

#[component]
fn UserNav(p: Principal) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let i18n = use_i18n();
    let staff = p.staff;
    let audit = p.can(crate::domain::Permission::ReadAudit, None)
        || p.memberships
            .iter()
            .any(|m| p.can(crate::domain::Permission::ReadAudit, Some(&m.account_id)));
    let role = move || match staff {
        Some(crate::domain::StaffRole::Admin) => Some(t_string!(i18n, role_admin)),
        Some(crate::domain::StaffRole::Csm) => Some(t_string!(i18n, role_csm)),
        None => None,
    };
    let switcher = (p.staff.is_none() && p.memberships.len() > 1).then(|| {
        let links = p
            .memberships
            .clone()
            .into_iter()
            .map(|m| {
                let href = format!("/accounts/{}", m.account_slug);
                view! {
                    <li>
                        <A href=href>{m.account_name}</A>
                    </li>
                }
            })
            .collect_view();
        view! {
            <details class="switcher">
                <summary>{t!(i18n, nav_your_accounts)}</summary>
                <ul>{links}</ul>
            </details>
        }
    });
    let name = p.name.clone();
    view! {
        <nav class="nav" aria-label="main">
            {p.is_staff().then(|| view! { <A href="/accounts">{t!(i18n, nav_accounts)}</A> })}
            {p.is_staff().then(|| view! { <A href="/users">{t!(i18n, nav_users)}</A> })}
            {audit.then(|| view! { <A href="/audit">{t!(i18n, audit_log)}</A> })}
            <A href="/events">{t!(i18n, events_title)}</A>
            {p.can(crate::domain::Permission::Administer, None).then(|| view! { <A href="/tokens">{t!(i18n, tokens_title)}</A> })}
            {switcher}
        </nav>
        <div class="who">
            <A href="/me" attr:class="who-name">{t!(i18n, signed_in_as, name = move || view! { <span translate="no">{name.clone()}</span> })}</A>
            {move || role().map(|r| view! { <span class="badge">{r}</span> })}
            <ActionForm action=sign_out attr:class="inline">
                <button type="submit" class="button link">{t!(i18n, nav_sign_out)}</button>
            </ActionForm>
        </div>
    }
}

/// English / Français: a form, so the choice works (and is remembered in a
/// cookie) without JavaScript.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let set_locale = ServerAction::<SetLocale>::new();
    let current = i18n.get_locale_untracked();
    view! {
        <ActionForm action=set_locale attr:class="lang" attr:aria-label=t_string!(i18n, nav_language)>
            <button
                type="submit"
                name="locale"
                value="en"
                class="button link"
                aria-pressed=(current == Locale::en).to_string()
                lang="en"
            >
                "English"
            </button>
            <button
                type="submit"
                name="locale"
                value="fr"
                class="button link"
                aria-pressed=(current == Locale::fr).to_string()
                lang="fr"
            >
                "Français"
            </button>
        </ActionForm>
    }
}
