//! Operating the runtime API on both databases: the probes, the metrics, and
//! real answers checked against the OpenAPI document.

use crate::common::{Backend, TestApp, say};
use crate::on_both_backends;
use serde_json::{Value, json};

async fn probes_and_metrics(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    assert_eq!(
        reqwest::get(app.url("/healthz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    // The anonymous learn only whether runtime reads are answered.
    let res = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r, json!({"status": "ready"}));
    let r = app.readyz().await;
    assert_eq!(r["status"], "ready");
    assert_eq!(r["database"], "ok");
    assert_eq!(r["snapshot"]["agents"], 5);
    assert_eq!(r["snapshot"]["stale"], false);
    let accueil = app.agent_id("acme", "Accueil standard").await;
    for _ in 0..3 {
        app.runtime_get(Some(&token), &format!("/agents/{accueil}/failover"))
            .await;
    }
    let anonymous = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let text = app.metrics().await;
    assert!(
        text.contains("relais_http_requests_total{route=\"/api/runtime/v1/agents/{agent_id}/failover\",method=\"GET\",status=\"200\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("relais_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("relais_snapshot_agents 5"), "{text}");
    assert!(text.contains("relais_database_up 1"), "{text}");
    assert!(
        text.contains("relais_failover_events_ingested_total 0"),
        "{text}"
    );
    assert!(!text.contains(&accueil), "ids stay out of metrics");
    assert!(!text.contains(&token));
}

/// Checks that real answers match the schemas of the OpenAPI document.
async fn real_answers_match_the_openapi_document(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let res = reqwest::get(app.url("/api/runtime/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let spec: Value = res.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/runtime/v1/agents/{agent_id}/failover",
        "/api/runtime/v1/failover-configs",
        "/api/runtime/v1/failover-events",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} documented");
    }
    // The schema of a response: `paths[path][method].responses[status]`.
    let schema_of = |path: &str, method: &str, status: &str| -> Value {
        let content = &spec["paths"][path][method]["responses"][status]["content"]["application/json"]
            ["schema"];
        assert!(
            content.is_object(),
            "{method} {path} {status} has a JSON schema"
        );
        let mut root = spec.clone();
        root.as_object_mut().unwrap().remove("paths");
        let mut schema = content.clone();
        // Resolve `#/components/...` against the whole document.
        if let Some(obj) = schema.as_object_mut() {
            for (k, v) in root.as_object().unwrap() {
                obj.entry(k.clone()).or_insert(v.clone());
            }
        }
        schema
    };
    let check = |schema: &Value, instance: &Value, what: &str| {
        let validator = jsonschema::validator_for(schema).expect("valid schema");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:?}\n{instance}");
    };
    let doc_path = "/api/runtime/v1/agents/{agent_id}/failover";
    let token = app.token("runtime:read,runtime:events", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let outbound = app.agent_id("acme", "Relance impayés").await;
    let doc200 = schema_of(doc_path, "get", "200");
    // Every shape the document takes.
    check(&doc200, &app.doc(&token, &accueil).await, "not configured");
    check(&doc200, &app.doc(&token, &outbound).await, "outbound");
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(
        say(&app, &editor, &accueil, 0, "Bonjour").await.status(),
        200
    );
    check(&doc200, &app.doc(&token, &accueil).await, "say_message");
    // Resolve, enabled and not.
    let resolve200 = schema_of(
        "/api/runtime/v1/agents/{agent_id}/failover/resolve",
        "get",
        "200",
    );
    for agent in [&accueil, &outbound] {
        let res = app
            .runtime_get(
                Some(&token),
                &format!("/agents/{agent}/failover/resolve?cause=precall_timeout"),
            )
            .await;
        assert_eq!(res.status(), 200);
        check(&resolve200, &res.json().await.unwrap(), "resolve");
    }
    let res = app
        .runtime_get(Some(&token), &format!("/agents/{accueil}/failover/resolve"))
        .await;
    assert_eq!(res.status(), 422);
    check(
        &schema_of(
            "/api/runtime/v1/agents/{agent_id}/failover/resolve",
            "get",
            "422",
        ),
        &res.json().await.unwrap(),
        "resolve without a cause",
    );
    let conn_id: String =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT id FROM sip_connections LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    for (base, form) in [
        (
            "1",
            vec![
                ("draft[action_type]", "workflow"),
                ("draft[webhook_url]", "https://hooks.acme.example/failover"),
                ("draft[timeout_seconds]", "10"),
            ],
        ),
        (
            "2",
            vec![
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "20"),
                ("draft[transfer_target]", "phone"),
                ("draft[phone_number]", "+33123456789"),
            ],
        ),
        (
            "3",
            vec![
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "20"),
                ("draft[transfer_target]", "sip"),
                ("draft[sip_connection_id]", conn_id.as_str()),
                ("draft[sip_destination_id]", "q1"),
            ],
        ),
    ] {
        let mut f = vec![("agent_id", accueil.as_str()), ("base_revision", base)];
        f.extend(form);
        let res = app.call(&editor, "failover/save", &f).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let d = app.doc(&token, &accueil).await;
        check(&doc200, &d, d["action"]["type"].as_str().unwrap());
    }
    // A document that matches no action shape is refused by the schema (the check can fail).
    let mut wrong = app.doc(&token, &accueil).await;
    wrong["action"]["type"] = json!("teleport");
    let validator = jsonschema::validator_for(&doc200).unwrap();
    assert!(!validator.is_valid(&wrong));

    let err = |status: &str, path: &str, method: &str| schema_of(path, method, status);
    let res = app
        .runtime_get(None, &format!("/agents/{accueil}/failover"))
        .await;
    check(
        &err("401", doc_path, "get"),
        &res.json().await.unwrap(),
        "401",
    );
    let res = app.runtime_get(Some(&token), "/agents/nope/failover").await;
    check(
        &err("404", doc_path, "get"),
        &res.json().await.unwrap(),
        "404",
    );
    let feed_path = "/api/runtime/v1/failover-configs";
    let res = app
        .runtime_get(Some(&token), "/failover-configs?limit=2")
        .await;
    check(
        &schema_of(feed_path, "get", "200"),
        &res.json().await.unwrap(),
        "feed",
    );
    let res = app
        .runtime_get(Some(&token), "/failover-configs?limit=0")
        .await;
    check(
        &err("422", feed_path, "get"),
        &res.json().await.unwrap(),
        "feed 422",
    );
    let ev_path = "/api/runtime/v1/failover-events";
    let e = json!({"agent_id": accueil, "call_id": "c", "cause": "precall_error", "action_type": "transfer", "outcome": "succeeded", "occurred_at": format!("{}T10:00:00Z", crate::common::days_ago(1))});
    let req_schema = {
        let mut s =
            spec["paths"][ev_path]["post"]["requestBody"]["content"]["application/json"]["schema"]
                .clone();
        let mut root = spec.clone();
        root.as_object_mut().unwrap().remove("paths");
        for (k, v) in root.as_object().unwrap() {
            s.as_object_mut()
                .unwrap()
                .entry(k.clone())
                .or_insert(v.clone());
        }
        s
    };
    check(&req_schema, &e, "event request");
    let res = app.post_event(&token, &e).await;
    assert_eq!(res.status(), 202);
    check(
        &schema_of(ev_path, "post", "202"),
        &res.json().await.unwrap(),
        "202",
    );
    let res = app.post_event(&token, &json!({"cause": 1})).await;
    check(
        &err("422", ev_path, "post"),
        &res.json().await.unwrap(),
        "event 422",
    );
    let read_only = app.token("runtime:read", None).await;
    let res = app.post_event(&read_only, &e).await;
    check(
        &err("403", ev_path, "post"),
        &res.json().await.unwrap(),
        "event 403",
    );
}

on_both_backends!(probes_and_metrics, real_answers_match_the_openapi_document,);
