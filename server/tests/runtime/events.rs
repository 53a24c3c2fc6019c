//! Failover events over real HTTP on both databases: checked, stored,
//! charted, and kept for the retention only.

use std::time::Duration;

use crate::common::{Backend, TestApp, eventually};
use crate::on_both_backends;
use serde_json::{Value, json};

async fn events_are_checked_stored_and_charted(backend: Backend) {
    let y = crate::common::days_ago(1);
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:events", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let event = json!({
        "agent_id": accueil, "call_id": "call-1", "cause": "precall_timeout",
        "action_type": "say_message", "outcome": "succeeded", "occurred_at": format!("{y}T10:00:00Z")
    });
    let res = app.post_event(&token, &event).await;
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"recorded": true})
    );
    // A retried report is accepted, not counted twice.
    let res = app.post_event(&token, &event).await;
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
    let res = app
        .post_event(
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
    let res = app
        .post_event(&token, &json!(["not", "an", "object"]))
        .await;
    assert_eq!(res.status(), 422);
    let mut future = event.clone();
    future["call_id"] = json!("call-future");
    future["occurred_at"] = json!("2999-01-01T00:00:00Z");
    let res = app.post_event(&token, &future).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({"recorded": false, "not_kept": "in_future"}));
    // Too large.
    let mut big = event.clone();
    big["padding"] = json!("x".repeat(20_000));
    let res = app.post_event(&token, &big).await;
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );
    // Scope, account, agent.
    let read = app.token("runtime:read", None).await;
    assert_eq!(app.post_event(&read, &event).await.status(), 403);
    let globex = app.token("runtime:events", Some("globex")).await;
    let mut other = event.clone();
    other["call_id"] = json!("call-2");
    assert_eq!(app.post_event(&globex, &other).await.status(), 403);
    other["agent_id"] = json!("nope");
    assert_eq!(app.post_event(&token, &other).await.status(), 404);
    other["agent_id"] = json!(app.agent_id("acme", "Relance impayés").await);
    // An outbound agent has no failover: accepted, not kept.
    let res = app.post_event(&token, &other).await;
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"recorded": false, "not_kept": "outbound_agent"})
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
        assert_eq!(app.post_event(&token, &e).await.status(), 202);
    }
    let claims = app.agent_id("globex", "Claims hotline").await;
    let e = json!({"agent_id": claims, "call_id": "g1", "cause": "config_other",
        "action_type": "default_error_message", "outcome": "succeeded", "occurred_at": format!("{y}T09:00:00Z")});
    assert_eq!(app.post_event(&token, &e).await.status(), 202);

    let form = [("from", y.as_str()), ("to", y.as_str())];
    let owner = app.signed_in("owner@acme.example").await;
    let res = app.call(&owner, "events/list", &form).await;
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["total"], 4);
    assert_eq!(d["hourly"], true);
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
                ("from", &crate::common::days_ago(6)),
                ("to", &crate::common::days_ago(0)),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["total"], 4);
    assert_eq!(d["hourly"], false);
    let res = app
        .call(
            &csm,
            "events/list",
            &[("from", "2026-11-26"), ("to", "2026-11-20")],
        )
        .await;
    assert_eq!(res.status(), 422);
}

/// With a retention of 30 days: older events are deleted at start (then every
/// minute), reports older than that refused, and the events page says so.
async fn events_past_their_retention_go(backend: Backend) {
    const DAY: i64 = 86_400_000;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let app = TestApp::spawn_prepared(
        backend,
        crate::common::fresh_db(backend).await,
        |c| c.event_retention_days = 30,
        async |db| {
            relais_server::demo::seed(&crate::common::system(db, "demo"))
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
                    route: None,
                    step: None,
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
    // Older than the retention: accepted (nothing for the runtime to retry), not kept.
    let res = app.post_event(&token, &event("too-old", 31)).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"recorded": false, "not_kept": "older_than_retention"})
    );
    let res = app.post_event(&token, &event("in-time", 29)).await;
    assert_eq!(res.status(), 202);

    let owner = app.signed_in("owner@acme.example").await;
    let page = app.page(&owner, "/events").await;
    assert!(page.contains("Events are kept for 30 days."), "{page}");
    app.stop().await;
}

/// A runtime that knows plans says which route and step ran; the events
/// page counts them; a bad route or step is refused on its field.
async fn events_say_which_route_and_step_ran(backend: Backend) {
    let y = crate::common::days_ago(1);
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:events", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let event = |call: &str, route: Value, step: Value| {
        json!({"agent_id": accueil, "call_id": call, "cause": "precall_timeout",
            "action_type": "transfer", "outcome": "succeeded",
            "occurred_at": format!("{y}T10:00:00Z"), "route": route, "step": step})
    };
    for (call, route, step) in [
        ("a", json!("precall"), json!(1)),
        ("b", json!("precall"), json!(1)),
        ("c", json!("default"), json!(0)),
        ("d", Value::Null, Value::Null),
        ("e", json!("prompt"), json!(2.0)),
    ] {
        let res = app.post_event(&token, &event(call, route, step)).await;
        assert_eq!(res.status(), 202, "{call}");
    }
    for (route, step, field, code) in [
        (json!("nowhere"), json!(0), "route", "invalid_choice"),
        (json!("default"), json!(5), "step", "out_of_range"),
        (json!("default"), json!(-1), "step", "not_a_whole_number"),
        (json!("default"), json!(1.5), "step", "not_a_whole_number"),
        (json!("default"), json!("1"), "step", "not_a_whole_number"),
    ] {
        let res = app
            .post_event(&token, &event("x", route, step.clone()))
            .await;
        assert_eq!(res.status(), 422, "{step}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["fields"][field], code, "{body}");
    }
    let owner = app.signed_in("owner@acme.example").await;
    let d: Value = app
        .call(
            &owner,
            "events/list",
            &[("from", y.as_str()), ("to", y.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["total"], 5);
    assert_eq!(
        d["steps"],
        json!([
            {"route": "precall", "step": 1, "count": 2},
            {"route": "default", "step": 0, "count": 1},
            {"route": "prompt", "step": 2, "count": 1},
        ])
    );
    let page = app.page(&owner, &format!("/events?from={y}&to={y}")).await;
    assert!(page.contains("Routes and steps that ran"), "the table");
    assert!(
        page.contains("Pre-call workflow failed"),
        "labelled like the editor"
    );
}

on_both_backends!(
    events_are_checked_stored_and_charted,
    events_past_their_retention_go,
    events_say_which_route_and_step_ran,
);
