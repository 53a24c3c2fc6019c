//! Sweeps a new endpoint can't escape: every registered server function is
//! called anonymously, by a customer of another account, cross-site and
//! with GET; every runtime route without a token. The list comes from the
//! registry, not from this file: a new server function is swept the day it
//! is added.

mod common;

use common::{Backend, TestApp};

/// Server functions anyone may call, and why.
const PUBLIC: &[(&str, &str)] = &[
    ("/api/sign_in", "signing in"),
    (
        "/api/sign_out",
        "signing out (nothing to do without a session)",
    ),
    ("/api/whoami", "says null to the anonymous"),
    ("/api/locale", "the language cookie"),
    (
        "/api/links/info",
        "a one-time link's page: the link is the credential",
    ),
    ("/api/links/accept", "accepting an invitation with its link"),
    ("/api/links/reset", "a new password with a reset link"),
];

/// Server functions a signed-in user of any account may call, as they act
/// on nothing of a tenant's, and why.
const ANY_USER: &[(&str, &str)] = &[
    (
        "/api/failover/webhook_allowed",
        "whether a URL passes the server's rules",
    ),
    (
        "/api/accounts/list",
        "lists the caller's own accounts (checked below)",
    ),
    (
        "/api/audit/list",
        "searches the entries of the caller's own accounts (checked below)",
    ),
    ("/api/me", "one's own account and sessions"),
    (
        "/api/me/password",
        "one's own password (the current one first)",
    ),
    ("/api/me/sign_out_others", "one's own other sessions"),
];

fn registered() -> Vec<String> {
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Every argument any server function takes, aimed at Acme's things: one
/// body that decodes for all of them (unknown fields are ignored).
fn superset(agent: &str, sip: &str, token: &str) -> Vec<(String, String)> {
    let pairs = [
        ("agent_id", agent),
        ("slug", "acme"),
        ("account", "acme"),
        ("agent", agent),
        ("id", sip),
        ("revision", "1"),
        ("base_revision", "0"),
        ("page", "1"),
        ("q", ""),
        ("name", "Sweep"),
        ("direction", "inbound"),
        ("language", "fr-FR"),
        ("sip_uri", "sip:desk@pbx.example.com"),
        ("enabled", "true"),
        ("reason", "sweep"),
        ("confirm", "on"),
        ("text", "Sweep"),
        ("url", "https://hooks.example.com/"),
        ("locale", "en"),
        ("email", "nobody@relais.example"),
        ("password", "not-the-password"),
        ("read", "on"),
        ("actor", ""),
        ("action", ""),
        ("from", ""),
        ("to", ""),
        ("draft[action_type]", "say_message"),
        ("draft[text]", "Sweep"),
        ("draft[language]", "fr-FR"),
        ("draft[reason]", "sweep"),
        ("accounts[0]", "acme"),
        ("plan[default][0][action_type]", "say_message"),
        ("plan[default][0][text]", "Sweep"),
        ("plan[default][0][language]", "fr-FR"),
        ("cause", "precall_timeout"),
        ("role", "viewer"),
        ("disabled", "true"),
        ("kind", "Invitation"),
        ("current_password", "not-the-password"),
        ("new_password", "a sweep of long passwords"),
    ];
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    // A token id for tokens/revoke when `id` is not a SIP connection's.
    v.push(("token".into(), token.into()));
    v
}

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    form: &[(String, String)],
    cross_site: bool,
) -> reqwest::Response {
    c.post(app.url(path))
        .header("accept", "application/json")
        .header(
            "origin",
            if cross_site {
                "https://evil.example"
            } else {
                &app.base
            },
        )
        .header(
            "sec-fetch-site",
            if cross_site {
                "cross-site"
            } else {
                "same-origin"
            },
        )
        .form(form)
        .send()
        .await
        .unwrap()
}

/// What a refused call must leave untouched: the audit trail and the change counter.
async fn footprint(app: &TestApp) -> (i64, i64) {
    let audit: i64 = sqlx::query_scalar::<sqlx::Any, i64>("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (
        audit,
        app::store::changes::current(app.db.pool()).await.unwrap(),
    )
}

async fn every_server_function_checks_who_calls(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let paths = registered();
    assert!(
        paths.len() >= 20,
        "the registry lists the server functions: {paths:?}"
    );
    for (p, _) in PUBLIC.iter().chain(ANY_USER) {
        assert!(paths.iter().any(|r| r == p), "{p} is registered");
    }
    let agent = app.agent_id("acme", "Accueil standard").await;
    let acme = app::store::accounts::find_by_slug(app.db.pool(), "acme")
        .await
        .unwrap()
        .unwrap();
    let sip = app::store::sip::list_by_account(app.db.pool(), &acme.id)
        .await
        .unwrap()
        .first()
        .map(|s| s.id.clone())
        .expect("a SIP connection");
    let token = app::store::tokens::list(app.db.pool()).await.unwrap()[0]
        .id
        .clone();
    let mut form = superset(&agent, &sip, &token);
    // A user of Acme, for the functions that act on one.
    let editor = app::store::users::find_by_email(
        app.db.pool(),
        &app::domain::Email::parse("editor@acme.example").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    form.push(("user_id".into(), editor.id));
    let before = footprint(&app).await;
    let mut tried = 0;

    // (a) Anonymous: 401 for all but the public ones.
    let anonymous = app.client();
    for path in &paths {
        let res = post(&app, &anonymous, path, &form, false).await;
        tried += 1;
        let status = res.status().as_u16();
        if PUBLIC.iter().any(|(p, _)| p == path) {
            assert!(status < 500, "{path}: {status}");
        } else {
            assert_eq!(
                status,
                401,
                "{path} anonymously: {}",
                res.text().await.unwrap()
            );
        }
    }

    // (b) The owner of Globex, on Acme's things: 404 or 403, nothing changed.
    let globex = app.signed_in("owner@globex.example").await;
    for path in &paths {
        if PUBLIC.iter().chain(ANY_USER).any(|(p, _)| p == path) {
            continue;
        }
        let res = post(&app, &globex, path, &form, false).await;
        tried += 1;
        let status = res.status().as_u16();
        assert!(
            status == 403 || status == 404,
            "{path} by another tenant: {status} {}",
            res.text().await.unwrap()
        );
    }
    let list: serde_json::Value = post(&app, &globex, "/api/accounts/list", &form, false)
        .await
        .json()
        .await
        .unwrap();
    assert!(!list.to_string().contains("acme"), "{list}");
    let audit: serde_json::Value = post(&app, &globex, "/api/audit/list", &form, false)
        .await
        .json()
        .await
        .unwrap();
    assert!(!audit.to_string().contains("acme"), "{audit}");

    // (c) Cross-site, even signed in as an admin: 403.
    let admin = app.signed_in("admin@relais.example").await;
    for path in &paths {
        let res = post(&app, &admin, path, &form, true).await;
        tried += 1;
        assert_eq!(res.status(), 403, "{path} cross-site");
    }

    // (d) GET: refused (the functions take POST only).
    for path in &paths {
        let res = admin.get(app.url(path)).send().await.unwrap();
        tried += 1;
        assert_eq!(res.status(), 405, "GET {path}");
    }
    // The sign-ins above are audited nowhere; nothing else may have been written.
    assert_eq!(
        footprint(&app).await,
        before,
        "a refused call changed something"
    );
    eprintln!("server functions: {}, calls tried: {tried}", paths.len());
}

async fn every_runtime_route_needs_a_token(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    app.wait_synced().await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let c = reqwest::Client::new();
    let routes = [
        ("GET", format!("/api/runtime/v1/agents/{agent}/failover")),
        ("GET", "/api/runtime/v1/agents/unknown/failover".to_owned()),
        (
            "GET",
            format!("/api/runtime/v1/agents/{agent}/failover/resolve?cause=config_other"),
        ),
        ("GET", "/api/runtime/v1/failover-configs".to_owned()),
        ("POST", "/api/runtime/v1/failover-events".to_owned()),
    ];
    for (method, path) in &routes {
        for auth in [
            None,
            Some("Bearer relais_rt_not-a-token"),
            Some("Basic eDp5"),
            Some("Bearer "),
        ] {
            let mut req = c.request(method.parse().unwrap(), app.url(path));
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let res = req.json(&serde_json::json!({})).send().await.unwrap();
            assert_eq!(res.status(), 401, "{method} {path} with {auth:?}");
            assert!(res.headers().contains_key("www-authenticate"));
            let body: serde_json::Value = res.json().await.unwrap();
            assert!(body["error"]["code"].is_string());
        }
    }
}

on_both_backends!(
    every_server_function_checks_who_calls,
    every_runtime_route_needs_a_token
);
