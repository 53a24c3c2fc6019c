//! The sign-in page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::SignIn;
use crate::i18n::*;
use crate::messages::error_message;

#[component]
pub fn SignInPage() -> impl IntoView {
    // Created inside the routes: it sees the error that the form post
    // brought back in the URL.
    let sign_in = ServerAction::<SignIn>::new();
    let i18n = use_i18n();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let result = sign_in.value();
    let error = move || result.get().and_then(Result::err);
    view! {
        <section class="card narrow signin">
            <h1>{t!(i18n, signin_title)}</h1>
            <p class="muted">{t!(i18n, tagline)}</p>
            <ActionForm action=sign_in attr:class="form" attr:id="signin">
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="email">{t!(i18n, email)}</label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        required
                        value=crate::feedback::kept("signin", "email")
                    />
                </div>
                <div class="field">
                    <label for="password">{t!(i18n, password)}</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                </div>
                {move || {
                    error()
                        .map(|e| {
                            view! {
                                <p class="form-error" role="alert" data-testid="signin-error">
                                    {move || error_message(i18n.get_locale(), &e)}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="button primary" disabled=move || sign_in.pending().get()>
                    {move || {
                        if sign_in.pending().get() {
                            t_string!(i18n, signing_in)
                        } else {
                            t_string!(i18n, sign_in)
                        }
                    }}
                </button>
            </ActionForm>
        </section>
    }
}
