//! OpenFeature Remote Evaluation (OFREP) over real HTTP on both databases:
//! single and bulk evaluation, ETag and 304, the protocol's error shapes,
//! account-bound tokens, the per-token rate; and the official OpenFeature
//! SDKs (JavaScript and Python) with their OFREP providers, unmodified.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{Backend, TestApp, say};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn post(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::RequestBuilder {
    let req = reqwest::Client::new()
        .post(app.url(path))
        .timeout(std::time::Duration::from_secs(30));
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

async fn evaluate(app: &TestApp, token: &str, body: &str) -> (StatusCode, Value) {
    let res = post(app, Some(token), "/ofrep/v1/evaluate/flags/failover")
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn context(agent: &str) -> String {
    json!({"context": {"targetingKey": agent, "plan": "gold"}}).to_string()
}

async fn single_and_bulk_evaluation(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let claims = app.agent_id("globex", "Claims hotline").await;
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(
        say(&app, &editor, &accueil, 0, "Un instant.")
            .await
            .status(),
        200
    );
    let doc = app.doc(&token, &accueil).await;

    // A configured agent: its document, as the GET gives it.
    let (status, v) = evaluate(&app, &token, &context(&accueil)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v,
        json!({"key": "failover", "reason": "TARGETING_MATCH", "variant": "say_message",
            "metadata": {"revision": doc["revision"]}, "value": doc})
    );
    // Failover off for Globex: DISABLED, no value (the caller's default applies).
    let (status, v) = evaluate(&app, &token, &context(&claims)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["reason"], "DISABLED");
    assert_eq!(v["variant"], "disabled");
    assert!(v.get("value").is_none(), "{v}");

    // The protocol's errors, each with the flag's key and details.
    for (body, status, code) in [
        ("not json", 400, "PARSE_ERROR"),
        ("{}", 400, "TARGETING_KEY_MISSING"),
        (r#"{"context":{}}"#, 400, "TARGETING_KEY_MISSING"),
        (r#"{"context":{"targetingKey":7}}"#, 400, "INVALID_CONTEXT"),
        (r#"{"context":[1]}"#, 400, "INVALID_CONTEXT"),
        (
            r#"{"context":{"targetingKey":"no-such-agent"}}"#,
            404,
            "FLAG_NOT_FOUND",
        ),
    ] {
        let (got, v) = evaluate(&app, &token, body).await;
        assert_eq!(got.as_u16(), status, "{body}: {v}");
        assert_eq!(v["key"], "failover", "{body}: {v}");
        assert_eq!(v["errorCode"], code, "{body}: {v}");
        assert!(v["errorDetails"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let res = post(&app, Some(&token), "/ofrep/v1/evaluate/flags/dark-mode")
        .body(context(&accueil))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["key"].clone(), v["errorCode"].clone()),
        (json!("dark-mode"), json!("FLAG_NOT_FOUND"))
    );
    // Tokens as on the runtime API: none, unknown, without runtime:read.
    let res = post(&app, None, "/ofrep/v1/evaluate/flags/failover")
        .body(context(&accueil))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = post(
        &app,
        Some("relais_rt_nope"),
        "/ofrep/v1/evaluate/flags/failover",
    )
    .body(context(&accueil))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 401);
    let events_only = app.token("runtime:events", None).await;
    let (status, _) = evaluate(&app, &events_only, &context(&accueil)).await;
    assert_eq!(status, 403);

    // Bulk: every flag (the one), with an ETag; the same ETag → 304.
    let bulk = |token: &str, body: String| {
        post(&app, Some(token), "/ofrep/v1/evaluate/flags")
            .header("content-type", "application/json")
            .body(body)
    };
    let res = bulk(&token, context(&accueil)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["flags"][0]["value"], doc);
    assert_eq!(v["flags"].as_array().unwrap().len(), 1);
    let res = bulk(&token, context(&accueil))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    // A change makes a new ETag.
    assert_eq!(
        say(&app, &editor, &accueil, 1, "Autre.").await.status(),
        200
    );
    let res = bulk(&token, context(&accueil))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers()["etag"].to_str().unwrap(), etag);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["flags"][0]["value"]["action"]["text"], "Autre.");
    // Bulk errors: the context's as 400 without a key, an unknown agent as
    // the flag's error.
    let res = bulk(&token, "{}".into()).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["errorCode"], "TARGETING_KEY_MISSING");
    let res = bulk(&token, context("no-such-agent")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["flags"][0]["errorCode"], "FLAG_NOT_FOUND");

    // A token bound to Acme evaluates Acme's agents only, single and bulk.
    let acme_only = app.token("runtime:read", Some("acme")).await;
    let (status, _) = evaluate(&app, &acme_only, &context(&accueil)).await;
    assert_eq!(status, 200);
    let (status, _) = evaluate(&app, &acme_only, &context(&claims)).await;
    assert_eq!(status, 403);
    let res = bulk(&acme_only, context(&claims)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = bulk(&acme_only, context(&accueil)).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

on_both_backends!(single_and_bulk_evaluation);

/// Past the per-token rate (`RELAIS_OFREP_PER_SECOND`): 429 with
/// `Retry-After`, in the protocol's shape; other tokens are not held back.
async fn evaluations_past_the_rate_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.ofrep_per_second = 2).await;
    app::service::accounts::create(&app.system("test"), "Acme", "acme")
        .await
        .unwrap();
    let token = app.token("runtime:read", None).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = post(&app, Some(&token), "/ofrep/v1/evaluate/flags/failover")
            .body(context("no-such-agent"))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            let secs: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=2).contains(&secs));
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["errorCode"], "GENERAL");
            assert_eq!(v["key"], "failover");
        }
    }
    assert_eq!(statuses[..2], [404, 404]);
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    let other = app.token("runtime:read", None).await;
    let res = post(&app, Some(&other), "/ofrep/v1/evaluate/flags/failover")
        .body(context("no-such-agent"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

on_both_backends!(evaluations_past_the_rate_are_refused);

/// The repository's root (the SDK programs live under `end2end/sdk`).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A configured agent (Acme's, a transfer), its document, and an agent of
/// Globex (failover off), with a read token.
async fn sdk_setup(app: &TestApp) -> Vec<(&'static str, String)> {
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let claims = app.agent_id("globex", "Claims hotline").await;
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(
        say(app, &editor, &accueil, 0, "Un instant.").await.status(),
        200
    );
    let doc = app.doc(&token, &accueil).await;
    vec![
        ("RELAIS_URL", app.url("")),
        ("RELAIS_TOKEN", token),
        ("AGENT_ON", accueil),
        ("AGENT_OFF", claims),
        ("EXPECTED", doc.to_string()),
    ]
}

fn run(mut cmd: Command, env: &[(&'static str, String)], what: &str) {
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} could not run ({e}): `make test` installs it"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs one of the Node programs under end2end/sdk against a demo server.
async fn node_program(backend: Backend, script: &str, what: &'static str) {
    let app = TestApp::with_demo(backend).await;
    let env = sdk_setup(&app).await;
    let mut cmd = Command::new("node");
    cmd.arg(root().join("end2end/sdk").join(script))
        .current_dir(root().join("end2end"));
    tokio::task::spawn_blocking(move || run(cmd, &env, what))
        .await
        .unwrap();
}

/// `@openfeature/server-sdk` + `@openfeature/ofrep-provider` (npm, pinned in
/// end2end/package.json), unmodified.
async fn the_javascript_sdk_evaluates_through_ofrep(backend: Backend) {
    node_program(backend, "ofrep.mjs", "the OpenFeature JavaScript SDK").await;
}

on_both_backends!(the_javascript_sdk_evaluates_through_ofrep);

/// `@openfeature/web-sdk` + `@openfeature/ofrep-web-provider` (npm, pinned
/// in end2end/package.json), unmodified, in Debian's Chromium: the provider
/// built on the current OFREP core, where failover off is the caller's
/// default with reason `DISABLED` (the server provider above predates that).
async fn the_web_sdk_evaluates_through_ofrep_in_a_browser(backend: Backend) {
    node_program(
        backend,
        "ofrep_web.mjs",
        "the OpenFeature web SDK in Chromium",
    )
    .await;
}

on_both_backends!(the_web_sdk_evaluates_through_ofrep_in_a_browser);

/// `openfeature-sdk` + `openfeature-provider-ofrep` (PyPI, pinned in
/// end2end/sdk/requirements.txt, in the virtualenv `make test` makes).
async fn the_python_sdk_evaluates_through_ofrep(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let env = sdk_setup(&app).await;
    let python = root().join("end2end/sdk/.venv/bin/python");
    let mut cmd = Command::new(python);
    cmd.arg(root().join("end2end/sdk/ofrep_check.py"));
    tokio::task::spawn_blocking(move || run(cmd, &env, "the OpenFeature Python SDK"))
        .await
        .unwrap();
}

on_both_backends!(the_python_sdk_evaluates_through_ofrep);
