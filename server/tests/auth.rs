//! Sign-in, sessions, sign-out and disabled users, over real HTTP
//! (throttling and transport: `hardening.rs`).

mod common;

use common::{Backend, DEMO_PASSWORD, TestApp};

fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

async fn sign_in_sets_a_safe_session_cookie_and_cycles_its_id(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.client();
    // A session planted before sign-in (here: one the language choice or a
    // previous visit created) must not survive sign-in.
    let failed = app
        .sign_in(&c, "csm@relais.example", "wrong password!")
        .await;
    assert_eq!(failed.status(), 401);

    let res = app.sign_in(&c, "csm@relais.example", DEMO_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let cookie = set_cookie(&res, "relais_session").expect("session cookie set");
    let lower = cookie.to_lowercase();
    assert!(lower.contains("httponly"), "{cookie}");
    assert!(lower.contains("samesite=lax"), "{cookie}");
    assert!(!lower.contains("secure"), "plain http in tests: {cookie}");
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/accounts")
    );

    let me = app.whoami(&c).await;
    assert_eq!(me["email"], "csm@relais.example");
    assert_eq!(me["staff"], "Csm");

    // Signing in again gives a new session id.
    let again = app.sign_in(&c, "csm@relais.example", DEMO_PASSWORD).await;
    let second = set_cookie(&again, "relais_session").expect("new cookie");
    assert_ne!(cookie_value(&cookie), cookie_value(&second));
}

async fn customers_land_on_their_account(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.client();
    let res = app.sign_in(&c, "owner@globex.example", DEMO_PASSWORD).await;
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/accounts/globex")
    );
    // `next` is followed only when it is a local path.
    let c = app.client();
    let res = app
        .call(
            &c,
            "sign_in",
            &[
                ("email", "owner@globex.example"),
                ("password", DEMO_PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/accounts/globex")
    );
    let res = app
        .call(
            &c,
            "sign_in",
            &[
                ("email", "owner@globex.example"),
                ("password", DEMO_PASSWORD),
                ("next", "/accounts?q=x"),
            ],
        )
        .await;
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/accounts?q=x")
    );
}

async fn unknown_email_and_wrong_password_get_the_same_answer(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.client();
    let wrong = app
        .sign_in(&c, "csm@relais.example", "not the password")
        .await;
    let wrong_status = wrong.status();
    let wrong_body = wrong.text().await.unwrap();
    let unknown = app
        .sign_in(&c, "nobody@relais.example", "not the password")
        .await;
    assert_eq!(wrong_status, 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong_body, unknown.text().await.unwrap());
    assert_eq!(wrong_body, "\"BadCredentials\"");
    assert!(app.whoami(&c).await.is_null());
}

async fn sign_out_ends_the_session(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    assert_eq!(app.whoami(&c).await["email"], "owner@acme.example");
    let res = app.call(&c, "sign_out", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(app.whoami(&c).await.is_null());
    assert_eq!(app.call(&c, "accounts/list", &[]).await.status(), 401);
}

async fn a_disabled_user_is_refused_at_the_next_request(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("editor@acme.example").await;
    assert_eq!(
        app.call(&c, "accounts/get", &[("slug", "acme")])
            .await
            .status(),
        200
    );
    let user = app::store::users::find_by_email(
        app.db.pool(),
        &app::domain::Email::parse("editor@acme.example").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    app::store::users::set_disabled(app.db.pool(), &user.id, true)
        .await
        .unwrap();
    assert_eq!(
        app.call(&c, "accounts/get", &[("slug", "acme")])
            .await
            .status(),
        401
    );
    assert!(app.whoami(&c).await.is_null());
    // And they cannot sign in again.
    assert_eq!(
        app.sign_in(&app.client(), "editor@acme.example", DEMO_PASSWORD)
            .await
            .status(),
        401
    );
}

async fn sessions_end_after_their_absolute_lifetime(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.auth.absolute_lifetime = std::time::Duration::ZERO
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let c = app.client();
    assert_eq!(
        app.sign_in(&c, "csm@relais.example", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    // Any later request finds the session at or past its lifetime.
    assert!(app.whoami(&c).await.is_null());
    assert_eq!(app.call(&c, "accounts/list", &[]).await.status(), 401);
}

async fn sessions_live_in_the_database(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("csm@relais.example").await;
    let n: i64 = sqlx::Row::get(
        &sqlx::query::<sqlx::Any>("SELECT COUNT(*) AS n FROM sessions")
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(n, 1);
    drop(c);
}

on_both_backends!(
    sign_in_sets_a_safe_session_cookie_and_cycles_its_id,
    customers_land_on_their_account,
    unknown_email_and_wrong_password_get_the_same_answer,
    sign_out_ends_the_session,
    a_disabled_user_is_refused_at_the_next_request,
    sessions_end_after_their_absolute_lifetime,
    sessions_live_in_the_database,
);
