//! The runtime API over real HTTP on both databases: documents and their
//! reasons, ETags, tokens (missing, unknown, revoked, scopes, bound to an
//! account), the changes feed, events, the probes and metrics; and on
//! PostgreSQL two instances on one database, and the database stopped mid-test.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, PgCluster, TestApp, TestDb, eventually, say};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn doc(app: &TestApp, token: &str, agent: &str) -> Value {
    let res = app
        .runtime_get(Some(token), &format!("/agents/{agent}/failover"))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn documents_follow_every_change_at_once(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let acme_id: String =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT id FROM accounts WHERE slug = 'acme'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();

    let res = app
        .runtime_get(Some(&token), &format!("/agents/{accueil}/failover"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["agent_id"], accueil.as_str());
    assert_eq!(d["account_id"], acme_id.as_str());
    assert_eq!(d["enabled"], false);
    assert_eq!(d["reason"], "not_configured");
    assert_eq!(d["action"], Value::Null);
    assert_eq!(
        d["default_error_message"],
        json!({"text": "Nos services sont temporairement indisponibles. Merci de rappeler ultérieurement.", "language": "fr-FR"})
    );
    assert!(d["updated_at"].as_str().unwrap().ends_with('Z'));
    let rev0 = d["revision"].as_i64().unwrap();

    // 304 on the same ETag (also in a list), 200 on another.
    let client = reqwest::Client::new();
    let url = app.url(&format!("/api/runtime/v1/agents/{accueil}/failover"));
    let res = client
        .get(&url)
        .bearer_auth(&token)
        .header("if-none-match", format!("\"x\", {etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    let res = client
        .get(&url)
        .bearer_auth(&token)
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A save is visible to the very next request.
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(
        say(&app, &editor, &accueil, 0, "Un instant s'il vous plaît")
            .await
            .status(),
        200
    );
    let d = doc(&app, &token, &accueil).await;
    assert_eq!(d["enabled"], true);
    assert_eq!(d["reason"], Value::Null);
    assert_eq!(
        d["action"],
        json!({"type": "say_message", "text": "Un instant s'il vous plaît", "language": "fr-FR"})
    );
    let rev1 = d["revision"].as_i64().unwrap();
    assert!(rev1 > rev0);
    let res = client
        .get(&url)
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the old ETag no longer matches");

    // The flag off: feature_disabled at once; on again: the saved action is back.
    let csm = app.signed_in("csm@relais.example").await;
    app.switched(&csm, "acme", false).await;
    let d = doc(&app, &token, &accueil).await;
    assert_eq!(
        (
            d["enabled"].clone(),
            d["reason"].clone(),
            d["action"].clone()
        ),
        (json!(false), json!("feature_disabled"), Value::Null)
    );
    let rev2 = d["revision"].as_i64().unwrap();
    assert!(rev2 > rev1);
    app.switched(&csm, "acme", true).await;
    let d = doc(&app, &token, &accueil).await;
    assert_eq!(d["enabled"], true);
    assert!(d["revision"].as_i64().unwrap() > rev2);

    // The owner's default message.
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "accounts/default_message",
            &[
                ("slug", "acme"),
                ("text", "Rappelez-nous plus tard."),
                ("language", "fr-FR"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let d = doc(&app, &token, &accueil).await;
    assert_eq!(
        d["default_error_message"],
        json!({"text": "Rappelez-nous plus tard.", "language": "fr-FR"})
    );

    // A SIP transfer names its connection; renaming the connection changes the document.
    let conn_id: String = sqlx::query_scalar::<sqlx::Any, String>(
        "SELECT id FROM sip_connections WHERE name = 'Standard Lyon'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let rev = d["revision"].as_i64().unwrap();
    let _ = rev;
    let res = app
        .call(
            &owner,
            "failover/save",
            &[
                ("agent_id", accueil.as_str()),
                ("base_revision", "1"),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "25"),
                ("draft[transfer_target]", "sip"),
                ("draft[sip_connection_id]", conn_id.as_str()),
                ("draft[sip_destination_id]", "queue-7"),
                ("draft[sip_headers][0][name]", "X-Reason"),
                ("draft[sip_headers][0][value]", "failover"),
                ("draft[sip_user_to_user]", "0a1b"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let d = doc(&app, &token, &accueil).await;
    assert_eq!(
        d["action"],
        json!({"type": "transfer", "max_ring_seconds": 25, "sip": {
            "connection_id": conn_id, "connection_name": "Standard Lyon",
            "sip_uri": "sips:standard@pbx.acme-sante.example", "destination_id": "queue-7",
            "headers": [{"name": "X-Reason", "value": "failover"}], "user_to_user": "0a1b"}})
    );
    let res = app
        .call(
            &owner,
            "sip/update",
            &[
                ("id", conn_id.as_str()),
                ("name", "Standard Lyon 2"),
                ("sip_uri", "sip:standard@pbx2.acme-sante.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let d = doc(&app, &token, &accueil).await;
    assert_eq!(d["action"]["sip"]["connection_name"], "Standard Lyon 2");
    assert_eq!(
        d["action"]["sip"]["sip_uri"],
        "sip:standard@pbx2.acme-sante.example"
    );

    // A phone transfer.
    let res = app
        .call(
            &owner,
            "failover/save",
            &[
                ("agent_id", accueil.as_str()),
                ("base_revision", "2"),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "20"),
                ("draft[transfer_target]", "phone"),
                ("draft[phone_number]", "+33123456789"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let d = doc(&app, &token, &accueil).await;
    assert_eq!(
        d["action"],
        json!({"type": "transfer", "max_ring_seconds": 20, "phone_number": "+33123456789"})
    );

    // Outbound agents, and an account with the flag off.
    let outbound = app.agent_id("acme", "Relance impayés").await;
    let d = doc(&app, &token, &outbound).await;
    assert_eq!(
        (d["enabled"].clone(), d["reason"].clone()),
        (json!(false), json!("outbound_agent"))
    );
    let claims = app.agent_id("globex", "Claims hotline").await;
    let d = doc(&app, &token, &claims).await;
    assert_eq!(d["reason"], "feature_disabled");
}

async fn tokens_are_checked_on_every_request(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let claims = app.agent_id("globex", "Claims hotline").await;
    let path = format!("/agents/{accueil}/failover");

    let res = app.runtime_get(None, &path).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "missing_token");
    assert!(body["error"]["message"].as_str().unwrap().len() > 5);

    let res = app
        .runtime_get(Some("relais_rt_notarealtoken"), &path)
        .await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"));
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_token"
    );
    let res = app.runtime_get(Some("something-else"), &path).await;
    assert_eq!(res.status(), 401);

    // Scopes.
    let events_only = app.token("runtime:events", None).await;
    let res = app.runtime_get(Some(&events_only), &path).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "insufficient_scope"
    );

    // A token bound to globex reads globex, not acme.
    let globex = app.token("runtime:read", Some("globex")).await;
    assert_eq!(
        app.runtime_get(Some(&globex), &format!("/agents/{claims}/failover"))
            .await
            .status(),
        200
    );
    let res = app.runtime_get(Some(&globex), &path).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "account_forbidden"
    );

    // Unknown agent.
    let read = app.token("runtime:read", None).await;
    let res = app.runtime_get(Some(&read), "/agents/nope/failover").await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "unknown_agent"
    );

    // Admins create and revoke tokens from the UI; a CSM may not.
    let csm = app.signed_in("csm@relais.example").await;
    let res = app
        .call(
            &csm,
            "tokens/create",
            &[("name", "Runtime EU"), ("read", "on")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let admin = app.signed_in("admin@relais.example").await;
    let res = app
        .call(
            &admin,
            "tokens/create",
            &[("name", "Runtime EU"), ("read", "on"), ("account", "")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("relais_rt_"));
    // Usable by the very next request.
    assert_eq!(app.runtime_get(Some(&secret), &path).await.status(), 200);
    // Only a hash is stored.
    let stored: i64 = sqlx::query_scalar::<sqlx::Any, i64>(
        "SELECT COUNT(*) FROM runtime_tokens WHERE secret_hash = $1 OR prefix = $1 OR name = $1",
    )
    .bind(&secret)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(stored, 0);
    // Refused without any scope, or with an unknown account.
    let res = app
        .call(&admin, "tokens/create", &[("name", "No scope")])
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .call(
            &admin,
            "tokens/create",
            &[("name", "Bad"), ("read", "on"), ("account", "nope")],
        )
        .await;
    assert_eq!(res.status(), 422);

    // Revoked: refused from the next request on.
    assert_eq!(
        app.call(&csm, "tokens/revoke", &[("id", &id)])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call(&admin, "tokens/revoke", &[("id", &id)])
            .await
            .status(),
        200
    );
    let res = app.runtime_get(Some(&secret), &path).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "revoked_token"
    );
    let list: Value = app
        .call(&admin, "tokens/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(row["revoked_at"].is_number());
    assert!(secret.starts_with(row["prefix"].as_str().unwrap()));
    // Audited, with the admin as actor.
    let n: i64 = sqlx::query_scalar::<sqlx::Any, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke') AND actor_label = 'admin@relais.example'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(n, 2);
}

async fn the_changes_feed_pages_through_every_change(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let res = app
            .runtime_get(
                Some(&token),
                &format!("/failover-configs?after={cursor}&limit=2"),
            )
            .await;
        assert_eq!(res.status(), 200);
        let page: Value = res.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|i| i["agent_id"].as_str().unwrap().to_owned()),
        );
        cursor = page["cursor"].as_str().unwrap().to_owned();
        pages += 1;
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let agents: i64 = sqlx::query_scalar::<sqlx::Any, i64>("SELECT COUNT(*) FROM agents")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seen.len() as i64, agents);
    assert!(pages >= 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len());

    // Nothing new: an empty page that keeps the cursor.
    let page: Value = app
        .runtime_get(Some(&token), &format!("/failover-configs?after={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["cursor"], cursor.as_str());
    assert_eq!(page["has_more"], false);

    // A flag switch yields every agent of that account.
    let csm = app.signed_in("csm@relais.example").await;
    app.switched(&csm, "globex", true).await;
    let page: Value = app
        .runtime_get(Some(&token), &format!("/failover-configs?after={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let globex_id: String =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT id FROM accounts WHERE slug = 'globex'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert!(items.iter().all(|i| i["account_id"] == globex_id.as_str()));
    assert!(items.iter().any(|i| i["reason"] == "not_configured"));

    // A token bound to an account sees only its agents.
    let acme = app.token("runtime:read", Some("acme")).await;
    let page: Value = app
        .runtime_get(Some(&acme), "/failover-configs?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);

    // Bad queries.
    for q in ["after=garbage", "limit=0", "limit=1001", "limit=x"] {
        let res = app
            .runtime_get(Some(&token), &format!("/failover-configs?{q}"))
            .await;
        assert_eq!(res.status(), 422, "{q}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_query");
        assert!(body["error"]["fields"].is_object());
    }
    assert_eq!(
        app.runtime_get(None, "/failover-configs").await.status(),
        401
    );
}

async fn post_event(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/runtime/v1/failover-events"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn events_are_checked_stored_and_charted(backend: Backend) {
    let y = common::days_ago(1);
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:events", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let event = json!({
        "agent_id": accueil, "call_id": "call-1", "cause": "precall_timeout",
        "action_type": "say_message", "outcome": "succeeded", "occurred_at": format!("{y}T10:00:00Z")
    });
    let res = post_event(&app, &token, &event).await;
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"recorded": true})
    );
    // A retried report is accepted, not counted twice.
    let res = post_event(&app, &token, &event).await;
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"recorded": false})
    );
    let n: i64 = sqlx::query_scalar::<sqlx::Any, i64>("SELECT COUNT(*) FROM failover_events")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);

    // Field errors.
    let res = post_event(
        &app,
        &token,
        &json!({"agent_id": accueil, "cause": "bogus", "action_type": "transfer",
                "outcome": "succeeded", "occurred_at": "yesterday"}),
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_body");
    assert_eq!(body["error"]["fields"]["cause"], "invalid_choice");
    assert_eq!(body["error"]["fields"]["call_id"], "required");
    assert_eq!(body["error"]["fields"]["occurred_at"], "invalid_timestamp");
    let res = post_event(&app, &token, &json!(["not", "an", "object"])).await;
    assert_eq!(res.status(), 422);
    let mut future = event.clone();
    future["call_id"] = json!("call-future");
    future["occurred_at"] = json!("2999-01-01T00:00:00Z");
    assert_eq!(post_event(&app, &token, &future).await.status(), 422);
    // Too large.
    let mut big = event.clone();
    big["padding"] = json!("x".repeat(20_000));
    let res = post_event(&app, &token, &big).await;
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );
    // Scope, account, agent.
    let read = app.token("runtime:read", None).await;
    assert_eq!(post_event(&app, &read, &event).await.status(), 403);
    let globex = app.token("runtime:events", Some("globex")).await;
    let mut other = event.clone();
    other["call_id"] = json!("call-2");
    assert_eq!(post_event(&app, &globex, &other).await.status(), 403);
    other["agent_id"] = json!("nope");
    assert_eq!(post_event(&app, &token, &other).await.status(), 404);
    other["agent_id"] = json!(app.agent_id("acme", "Relance impayés").await);
    let res = post_event(&app, &token, &other).await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["fields"]["agent_id"],
        "outbound_agent"
    );

    // More events, then the page's counts: customers see their accounts only.
    for (i, (cause, action)) in [
        ("precall_error", "transfer"),
        ("precall_error", "default_error_message"),
        ("prompt_render_failed", "workflow"),
    ]
    .iter()
    .enumerate()
    {
        let e = json!({"agent_id": accueil, "call_id": format!("c{i}"), "cause": cause,
            "action_type": action, "outcome": "action_failed", "occurred_at": format!("{y}T11:30:00+01:00")});
        assert_eq!(post_event(&app, &token, &e).await.status(), 202);
    }
    let claims = app.agent_id("globex", "Claims hotline").await;
    let e = json!({"agent_id": claims, "call_id": "g1", "cause": "config_other",
        "action_type": "default_error_message", "outcome": "succeeded", "occurred_at": format!("{y}T09:00:00Z")});
    assert_eq!(post_event(&app, &token, &e).await.status(), 202);

    let form = [("from", y.as_str()), ("to", y.as_str())];
    let owner = app.signed_in("owner@acme.example").await;
    let res = app.call(&owner, "events/list", &form).await;
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["total"], 4);
    assert_eq!(d["bucket_ms"], 3_600_000);
    let cause = |d: &Value, k: &str| {
        d["by_cause"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == k)
            .unwrap()["total"]
            .clone()
    };
    assert_eq!(cause(&d, "precall_error"), 2);
    assert_eq!(cause(&d, "config_other"), 0, "another account's event");
    let action = |d: &Value, k: &str| {
        d["by_action"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == k)
            .unwrap()["total"]
            .clone()
    };
    assert_eq!(action(&d, "transfer"), 1);
    // 10:00Z and 10:30Z fall in the 10:00 bucket.
    let buckets = d["buckets"].as_array().unwrap();
    let ten = buckets
        .iter()
        .position(|b| b.as_i64().unwrap() % 86_400_000 == 10 * 3_600_000)
        .unwrap();
    let at_ten: i64 = d["by_cause"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["counts"][ten].as_i64().unwrap())
        .sum();
    assert_eq!(at_ten, 4);
    let globex_owner = app.signed_in("owner@globex.example").await;
    let d: Value = app
        .call(&globex_owner, "events/list", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["total"], 1);
    let res = app
        .call(
            &globex_owner,
            "events/list",
            &[("account", "acme"), ("from", &y), ("to", &y)],
        )
        .await;
    assert_eq!(res.status(), 404);
    let csm = app.signed_in("csm@relais.example").await;
    let d: Value = app
        .call(&csm, "events/list", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["total"], 5);
    let d: Value = app
        .call(
            &csm,
            "events/list",
            &[
                ("account", "acme"),
                ("agent", &accueil),
                ("from", &common::days_ago(6)),
                ("to", &common::days_ago(0)),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["total"], 4);
    assert_eq!(d["bucket_ms"], 86_400_000);
    let res = app
        .call(
            &csm,
            "events/list",
            &[("from", "2026-11-26"), ("to", "2026-11-20")],
        )
        .await;
    assert_eq!(res.status(), 422);
}

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
    let res = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["status"], "ready");
    assert_eq!(r["database"], "ok");
    assert_eq!(r["snapshot"]["agents"], 5);
    assert_eq!(r["snapshot"]["stale"], false);
    let accueil = app.agent_id("acme", "Accueil standard").await;
    for _ in 0..3 {
        app.runtime_get(Some(&token), &format!("/agents/{accueil}/failover"))
            .await;
    }
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    check(
        &doc200,
        &doc(&app, &token, &accueil).await,
        "not configured",
    );
    check(&doc200, &doc(&app, &token, &outbound).await, "outbound");
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(
        say(&app, &editor, &accueil, 0, "Bonjour").await.status(),
        200
    );
    check(&doc200, &doc(&app, &token, &accueil).await, "say_message");
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
        let d = doc(&app, &token, &accueil).await;
        check(&doc200, &d, d["action"]["type"].as_str().unwrap());
    }
    // A document that matches no action shape is refused by the schema (the check can fail).
    let mut wrong = doc(&app, &token, &accueil).await;
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
    let e = json!({"agent_id": accueil, "call_id": "c", "cause": "precall_error", "action_type": "transfer", "outcome": "succeeded", "occurred_at": format!("{}T10:00:00Z", common::days_ago(1))});
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
    let res = post_event(&app, &token, &e).await;
    assert_eq!(res.status(), 202);
    check(
        &schema_of(ev_path, "post", "202"),
        &res.json().await.unwrap(),
        "202",
    );
    let res = post_event(&app, &token, &json!({"cause": 1})).await;
    check(
        &err("422", ev_path, "post"),
        &res.json().await.unwrap(),
        "event 422",
    );
    let read_only = app.token("runtime:read", None).await;
    let res = post_event(&app, &read_only, &e).await;
    check(
        &err("403", ev_path, "post"),
        &res.json().await.unwrap(),
        "event 403",
    );
}

/// With a retention of 30 days: older events are deleted at start (then every
/// minute), reports older than that refused, and the events page says so.
async fn events_past_their_retention_go(backend: Backend) {
    const DAY: i64 = 86_400_000;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let app = TestApp::spawn_prepared(
        backend,
        common::fresh_db(backend).await,
        |c| c.event_retention_days = 30,
        async |db| {
            relais_server::demo::seed(&common::system(db, "demo"))
                .await
                .unwrap();
            let (agent, account): (String, String) = sqlx::query_as::<sqlx::Any, (String, String)>(
                "SELECT id, account_id FROM agents WHERE name = 'Accueil standard'",
            )
            .fetch_one(db.pool())
            .await
            .unwrap();
            for (call, age) in [("old-1", 40), ("old-2", 31), ("recent", 10)] {
                let event = app::store::events::NewEvent {
                    account_id: &account,
                    agent_id: &agent,
                    call_id: call,
                    cause: app::domain::Cause::PrecallTimeout,
                    action_type: app::domain::EventActionType::SayMessage,
                    outcome: app::domain::Outcome::Succeeded,
                    occurred_at: now - age * DAY,
                    token_id: None,
                };
                assert!(app::store::events::insert(db.pool(), event).await.unwrap());
            }
        },
    )
    .await;
    let calls = async || {
        sqlx::query_scalar::<sqlx::Any, String>(
            "SELECT call_id FROM failover_events ORDER BY call_id",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap()
    };
    let (left, _) = eventually(Duration::from_secs(10), "old events deleted", async || {
        let left = calls().await;
        (left.len() <= 1).then_some(left)
    })
    .await;
    assert_eq!(left, ["recent"]);

    let token = app.token("runtime:events", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let at = |days: i64| {
        (time::OffsetDateTime::now_utc() - time::Duration::days(days))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let event = |call: &str, days: i64| {
        json!({"agent_id": accueil, "call_id": call, "cause": "precall_error",
            "action_type": "transfer", "outcome": "succeeded", "occurred_at": at(days)})
    };
    let res = post_event(&app, &token, &event("too-old", 31)).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"], json!({"occurred_at": "too_old"}));
    let res = post_event(&app, &token, &event("in-time", 29)).await;
    assert_eq!(res.status(), 202);

    let owner = app.signed_in("owner@acme.example").await;
    let page = app.page(&owner, "/events").await;
    assert!(page.contains("Events are kept for 30 days."), "{page}");
    app.stop().await;
}

/// When a token was last presented is kept in memory (no write per request)
/// and written every 30 s and at shutdown; the tokens page shows it.
async fn token_use_is_recorded(backend: Backend) {
    let db = common::fresh_db(backend).await;
    let a = TestApp::spawn_on(backend, db.share(), |_| {}).await;
    relais_server::demo::seed(&a.system("demo")).await.unwrap();
    let token = a.token("runtime:read", None).await;
    let last_used = async |app: &TestApp| {
        sqlx::query_scalar::<sqlx::Any, Option<i64>>(
            "SELECT last_used_at FROM runtime_tokens WHERE name = 'test token'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap()
    };
    assert_eq!(last_used(&a).await, None);
    let before = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    assert_eq!(
        a.runtime_get(Some(&token), "/failover-configs")
            .await
            .status(),
        200
    );
    assert_eq!(
        last_used(&a).await,
        None,
        "nothing written on the request path"
    );
    let b = TestApp::spawn_on(backend, db.share(), |_| {}).await;
    a.stop().await;
    let at = last_used(&b).await.expect("written at shutdown");
    assert!(
        at >= before - 1000 && at <= before + 60_000,
        "{at} vs {before}"
    );

    let admin = b.signed_in("admin@relais.example").await;
    let page = b.page(&admin, "/tokens").await;
    // The "last used" cell of a token's row.
    let cell = |name: &str| {
        let start = page.find(&format!("data-token=\"{name}\"")).expect(name);
        let row = page[start..].split("</tr>").next().unwrap();
        let start = row.find("data-testid=\"last-used\"").expect("cell");
        row[start..].split("</td>").next().unwrap().to_owned()
    };
    assert!(
        cell("test token").contains(" UTC"),
        "{}",
        cell("test token")
    );
    assert!(
        cell("Demo runtime").contains("Never"),
        "{}",
        cell("Demo runtime")
    );
    b.stop().await;
    drop(db);
}

/// Pages of the feed, the OpenAPI document and the UI's pages are gzipped
/// when asked; a single document is not (too small to gain).
async fn large_answers_are_compressed(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let get = async |path: &str, gzip: bool| {
        let mut req = reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(&token);
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let encoding = res
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned());
        (encoding, res.bytes().await.unwrap())
    };
    for path in [
        "/api/runtime/v1/failover-configs?limit=1000",
        "/api/runtime/v1/openapi.json",
        "/signin",
    ] {
        let (plain_encoding, plain) = get(path, false).await;
        assert_eq!(plain_encoding, None, "{path}");
        let (encoding, zipped) = get(path, true).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&zipped[..]),
            &mut unzipped,
        )
        .unwrap();
        assert!(zipped.len() < unzipped.len(), "{path}");
        if path != "/signin" {
            // (A page differs from one rendering to the next: its CSP nonce.)
            assert_eq!(unzipped, plain, "{path}");
        }
    }
    let (encoding, _) = get(&format!("/api/runtime/v1/agents/{accueil}/failover"), true).await;
    assert_eq!(encoding, None, "a single document goes as it is");
}

on_both_backends!(
    documents_follow_every_change_at_once,
    tokens_are_checked_on_every_request,
    the_changes_feed_pages_through_every_change,
    events_are_checked_stored_and_charted,
    probes_and_metrics,
    real_answers_match_the_openapi_document,
    events_past_their_retention_go,
    token_use_is_recorded,
    large_answers_are_compressed,
);

/// Two instances on one PostgreSQL database: a save on A is served by B within 1 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: RELAIS_TEST_POSTGRES_URL (make test starts one)"]
async fn a_save_on_one_instance_reaches_another_within_a_second() {
    common::require_postgres();
    let db = common::fresh_db(Backend::Postgres).await;
    let shared = db.share();
    let a = TestApp::spawn_on(Backend::Postgres, db, |_| {}).await;
    relais_server::demo::seed(&a.system("demo")).await.unwrap();
    let b = TestApp::spawn_on(Backend::Postgres, shared, |_| {}).await;
    let token = a.token("runtime:read", None).await;
    b.wait_synced().await;
    let accueil = a.agent_id("acme", "Accueil standard").await;
    let before = doc(&b, &token, &accueil).await;
    assert_eq!(before["reason"], "not_configured");

    let mut worst = Duration::ZERO;
    let editor = a.signed_in("editor@acme.example").await;
    for (i, text) in ["Premier", "Deuxième", "Troisième"].iter().enumerate() {
        let res = say(&a, &editor, &accueil, i as i64, text).await;
        assert_eq!(res.status(), 200);
        let (_, took) = eventually(
            Duration::from_secs(1),
            "B serving the save on A",
            async || (doc(&b, &token, &accueil).await["action"]["text"] == *text).then_some(()),
        )
        .await;
        worst = worst.max(took);
    }
    // A flag switch on B reaches A too.
    let csm = b.signed_in("csm@relais.example").await;
    b.switched(&csm, "acme", false).await;
    let (_, took) = eventually(
        Duration::from_secs(1),
        "A serving the switch on B",
        async || (doc(&a, &token, &accueil).await["reason"] == "feature_disabled").then_some(()),
    )
    .await;
    worst = worst.max(took);
    eprintln!("cross-instance propagation: worst {worst:?}");
    b.stop().await;
    a.stop().await;
}

async fn readyz(app: &TestApp) -> Value {
    reqwest::get(app.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The database stopped mid-test: reads keep being answered from memory,
/// marked stale; writes are refused cleanly; all is well again after restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL's binaries and RELAIS_TEST_POSTGRES_URL (make test)"]
async fn reads_survive_a_database_outage() {
    common::require_postgres();
    let cluster = PgCluster::shared().await;
    let app = TestApp::spawn_on(Backend::Postgres, TestDb::external(cluster.url()), |_| {}).await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(
        say(&app, &editor, &accueil, 0, "Avant la panne")
            .await
            .status(),
        200
    );
    let res = app
        .runtime_get(Some(&token), &format!("/agents/{accueil}/failover"))
        .await;
    assert!(!res.headers().contains_key("relais-stale"));
    let before: Value = res.json().await.unwrap();

    cluster.set_running(false).await;
    let (_, took) = eventually(Duration::from_secs(15), "the outage noticed", async || {
        (readyz(&app).await["database"] == "unreachable").then_some(())
    })
    .await;
    eprintln!("outage noticed after {took:?}");
    let r = readyz(&app).await;
    assert_eq!(r["status"], "ready");
    assert_eq!(r["snapshot"]["stale"], true);
    // Reads: 200, the last config, marked stale.
    let res = app
        .runtime_get(Some(&token), &format!("/agents/{accueil}/failover"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["relais-stale"], "true");
    assert_eq!(res.json::<Value>().await.unwrap(), before);
    let res = app.runtime_get(Some(&token), "/failover-configs").await;
    assert_eq!(res.status(), 200);
    // Writes: refused with a clear message, nothing half-written.
    let started = Instant::now();
    let res = say(&app, &editor, &accueil, 1, "Pendant la panne").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = res.text().await.unwrap();
    assert!(body.contains("Unavailable"), "{body}");
    eprintln!("write refused after {:?}", started.elapsed());

    cluster.set_running(true).await;
    let (_, took) = eventually(
        Duration::from_secs(20),
        "the recovery noticed",
        async || (readyz(&app).await["database"] == "ok").then_some(()),
    )
    .await;
    eprintln!("recovery noticed after {took:?}");
    let res = say(&app, &editor, &accueil, 1, "Après la panne").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .runtime_get(Some(&token), &format!("/agents/{accueil}/failover"))
        .await;
    assert!(!res.headers().contains_key("relais-stale"));
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["action"]["text"], "Après la panne");
    let revisions: i64 =
        sqlx::query_scalar::<sqlx::Any, i64>("SELECT COUNT(*) FROM failover_revisions")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(revisions, 2, "the refused save left nothing behind");
    app.stop().await;
    drop(cluster);
}

/// Started while its database is down: `/readyz` says 503 "loading" and the
/// runtime API 503 with `Retry-After` (not 401: the token can't be checked
/// yet), until the database is back and the snapshot loads — no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL's binaries and RELAIS_TEST_POSTGRES_URL (make test)"]
async fn a_server_started_without_its_database_waits_for_it() {
    common::require_postgres();
    let cluster = PgCluster::shared().await;
    let demo_token = std::sync::OnceLock::new();
    let app = TestApp::spawn_prepared(
        Backend::Postgres,
        TestDb::external(cluster.url()),
        |_| {},
        async |db| {
            demo_token
                .set(
                    relais_server::demo::seed(&common::system(db, "demo"))
                        .await
                        .unwrap(),
                )
                .unwrap();
            cluster.set_running(false).await;
        },
    )
    .await;
    let res = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["status"], "loading");
    assert_eq!(
        reqwest::get(app.url("/healthz")).await.unwrap().status(),
        200
    );
    let client = reqwest::Client::new();
    let read = |path: &str| {
        client
            .get(app.url(&format!("/api/runtime/v1{path}")))
            .bearer_auth(demo_token.get().unwrap())
            .send()
    };
    for path in ["/agents/unknown/failover", "/failover-configs"] {
        let res = read(path).await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(res.headers()["retry-after"], "1");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unavailable");
    }
    let res = client
        .post(app.url("/api/runtime/v1/failover-events"))
        .bearer_auth(demo_token.get().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    cluster.set_running(true).await;
    let (_, took) = eventually(Duration::from_secs(20), "the snapshot loaded", async || {
        let res = reqwest::get(app.url("/readyz")).await.unwrap();
        (res.status() == 200).then_some(())
    })
    .await;
    eprintln!("loaded {took:?} after the database came back");
    let r = readyz(&app).await;
    assert_eq!(r["database"], "ok");
    assert_eq!(r["snapshot"]["agents"], 5);
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let res = app
        .runtime_get(
            Some(demo_token.get().unwrap()),
            &format!("/agents/{accueil}/failover"),
        )
        .await;
    assert_eq!(res.status(), 200);
    app.stop().await;
    drop(cluster);
}
