//! The "Test" button: the webhook is called with a sample context behind the
//! SSRF guard, with the timeout, no redirects and a 64 KiB answer cap.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use common::{Backend, TestApp};
use serde_json::Value;

/// A local webhook that records what it receives.
async fn fake_webhook() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = Router::new()
        .route(
            "/say",
            post(move |axum::Json(body): axum::Json<Value>| {
                let record = record.clone();
                async move {
                    record.lock().unwrap().push(body);
                    axum::Json(serde_json::json!({"action": {"type": "say_message", "text": "Rappelez demain.", "language": "fr-FR"}}))
                }
            }),
        )
        .route("/hangup", post(|| async { axum::Json(serde_json::json!({})) }))
        .route("/invalid", post(|| async { axum::Json(serde_json::json!({"action": {"type": "transfer", "max_ring_seconds": 99, "phone_number": "12"}})) }))
        .route("/redirect", post(|| async { (axum::http::StatusCode::FOUND, [("location", "https://example.com/")], "") }))
        .route("/big", post(|| async { "x".repeat(100 * 1024) }))
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "{}"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr.to_string(), seen)
}

async fn test_call(
    app: &TestApp,
    c: &reqwest::Client,
    agent: &str,
    url: &str,
    timeout: &str,
) -> reqwest::Response {
    app.call(
        c,
        "failover/test",
        &[
            ("agent_id", agent),
            ("draft[action_type]", "workflow"),
            ("draft[webhook_url]", url),
            ("draft[timeout_seconds]", timeout),
        ],
    )
    .await
}

async fn the_test_button_calls_the_webhook_safely(backend: Backend) {
    let (hook, seen) = fake_webhook().await;
    let allow = hook.clone();
    let app = TestApp::spawn_with(backend, move |c| c.webhook_allow_list.0 = vec![allow]).await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let editor = app.signed_in("editor@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;

    let res = test_call(&app, &editor, &agent, &format!("http://{hook}/say"), "5").await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    let call = &report["Webhook"];
    assert_eq!(call["status"], 200);
    assert_eq!(call["verdict"]["Action"]["type"], "say_message");
    let got = seen.lock().unwrap().pop().expect("the webhook was called");
    assert_eq!(got["test"], true);
    assert_eq!(got["agent_id"], agent.as_str());
    for key in [
        "call_id",
        "account_id",
        "caller",
        "called",
        "precall_context",
    ] {
        assert!(got.get(key).is_some(), "{key} in the sample context");
    }

    let r: Value = test_call(&app, &editor, &agent, &format!("http://{hook}/hangup"), "5")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["Webhook"]["verdict"], "HangUp");
    let r: Value = test_call(
        &app,
        &editor,
        &agent,
        &format!("http://{hook}/invalid"),
        "5",
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(r["Webhook"]["verdict"]["Invalid"].is_string());
    let r: Value = test_call(
        &app,
        &editor,
        &agent,
        &format!("http://{hook}/redirect"),
        "5",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r["Webhook"]["failure"], "redirect_refused");
    let r: Value = test_call(&app, &editor, &agent, &format!("http://{hook}/big"), "5")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["Webhook"]["failure"], "answer_too_large");
    let r: Value = test_call(&app, &editor, &agent, &format!("http://{hook}/slow"), "1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["Webhook"]["failure"], "timeout");
    assert!(r["Webhook"]["duration_ms"].as_u64().unwrap() < 4000);

    // Not on the allow-list: refused before any call.
    let port = hook.rsplit(':').next().unwrap();
    let res = test_call(
        &app,
        &editor,
        &agent,
        &format!("http://localhost:{port}/say"),
        "5",
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = test_call(
        &app,
        &editor,
        &agent,
        &format!("https://127.0.0.2:{port}/say"),
        "5",
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("forbidden_host"));

    // A name that resolves to a local address is refused when called.
    let host = std::process::Command::new("hostname")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let local = tokio::net::lookup_host((host.as_str(), 443))
        .await
        .map(|mut a| a.any(|a| !app::domain::net::is_public_ip(a.ip())))
        .unwrap_or(false);
    if !host.is_empty() && local {
        let r: Value = test_call(
            &app,
            &editor,
            &agent,
            &format!("https://{host}:{port}/say"),
            "5",
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(r["Webhook"]["failure"], "forbidden_address", "{r}");
    } else {
        eprintln!(
            "skipped the resolved-address check: the host name {host:?} does not resolve to a local address here"
        );
    }

    // Viewers may not make Relais call out.
    let viewer = app.signed_in("viewer@acme.example").await;
    assert_eq!(
        test_call(&app, &viewer, &agent, &format!("http://{hook}/say"), "5")
            .await
            .status(),
        403
    );
}

async fn the_test_of_other_actions_says_what_the_runtime_would_do(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let editor = app.signed_in("editor@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let r: Value = app
        .call(
            &editor,
            "failover/test",
            &[
                ("agent_id", &agent),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "30"),
                ("draft[phone_number]", "+33123456789"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        r["Runtime"]["action"],
        serde_json::json!({"type": "transfer", "max_ring_seconds": 30, "phone_number": "+33123456789"})
    );
    assert_eq!(r["Runtime"]["default_message"]["is_platform_default"], true);
}

on_both_backends!(
    the_test_button_calls_the_webhook_safely,
    the_test_of_other_actions_says_what_the_runtime_would_do
);
