//! Plans on the runtime API (SPEC §8): the document's routes and schedules,
//! and resolve — which steps run for a cause at a moment, across business
//! hours, a closure and a DST change, with `valid_until` — and a schedule in
//! use that can't be deleted. Both databases.

use crate::common::{Backend, TestApp, front_desk, step_say as say, step_transfer as transfer};
use crate::on_both_backends;
use app::domain::plan::PlanDraft;
use serde_json::{Value, json};

async fn resolve(app: &TestApp, token: &str, agent: &str, query: &str) -> (u16, Value) {
    let res = app
        .runtime_get(
            Some(token),
            &format!("/agents/{agent}/failover/resolve?{query}"),
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn resolve_walks_the_plan_at_a_moment(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.system("test");
    let hours = front_desk(&owner).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let plan = PlanDraft {
        default: vec![
            transfer("+33123456789", format!("open:{}", hours.id)),
            transfer("+33612345678", String::new()),
            say("Rappelez-nous demain."),
        ],
        precall: vec![say("Le service est indisponible.")],
        ..PlanDraft::default()
    };
    app::service::failover::save_plan(&owner, &accueil, 0, &plan)
        .await
        .expect("plan saved");
    let token = app.token("runtime:read", None).await;

    // The document: v1's action is the first step; the routes and the schedule.
    let d = app.doc(&token, &accueil).await;
    assert_eq!(d["action"]["phone_number"], "+33123456789");
    assert_eq!(d["routes"]["default"].as_array().unwrap().len(), 3);
    assert_eq!(
        d["routes"]["default"][0]["only_when"],
        json!({"schedule_id": hours.id, "state": "open"})
    );
    assert_eq!(d["routes"]["precall"][0]["type"], "say_message");
    assert_eq!(d["schedules"][&hours.id]["timezone"], "Europe/Paris");
    assert_eq!(
        d["schedules"][&hours.id]["weekly"]["mon"],
        json!([["09:00", "18:00"]])
    );
    assert_eq!(
        d["schedules"][&hours.id]["closures"],
        json!([{"from": "2026-12-25", "to": "2026-12-25", "label": "Noël"}])
    );

    // Monday 7 December 2026, 10:00 in Paris: open; it closes at 18:00 (17:00 UTC).
    let (status, r) = resolve(
        &app,
        &token,
        &accueil,
        "cause=config_other&at=2026-12-07T09:00:00Z",
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["route"], "default");
    let numbers: Vec<&str> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["phone_number"].as_str())
        .collect();
    assert_eq!(numbers, ["+33123456789", "+33612345678"]);
    assert_eq!(r["steps"][2]["type"], "say_message");
    assert_eq!(r["steps"][0].get("only_when"), None, "conditions evaluated");
    assert_eq!(r["valid_until"], "2026-12-07T17:00:00Z");
    assert_eq!(r["then"]["type"], "default_error_message");
    assert_eq!(r["enabled"], true);
    assert_eq!(r["emergency"], false);
    assert_eq!(r["revision"], d["revision"]);

    // Christmas Day, a Friday, 10:00: closed; it opens on Monday 28 at 09:00.
    let (_, r) = resolve(
        &app,
        &token,
        &accueil,
        "cause=config_other&at=2026-12-25T09:00:00Z",
    )
    .await;
    assert_eq!(r["steps"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r["steps"][0]["phone_number"], "+33612345678");
    assert_eq!(r["valid_until"], "2026-12-28T08:00:00Z");

    // Saturday 27 March 2027, noon UTC: closed; Monday's 09:00 is in summer time (07:00 UTC).
    let (_, r) = resolve(
        &app,
        &token,
        &accueil,
        "cause=config_other&at=2027-03-27T12:00:00Z",
    )
    .await;
    assert_eq!(r["valid_until"], "2027-03-29T07:00:00Z", "{r}");

    // A pre-call timeout takes the pre-call route, which has no condition.
    let (_, r) = resolve(
        &app,
        &token,
        &accueil,
        "cause=precall_timeout&at=2026-12-07T09:00:00Z",
    )
    .await;
    assert_eq!(r["route"], "precall");
    assert_eq!(
        r["steps"],
        json!([{"type": "say_message", "text": "Le service est indisponible.", "language": "fr-FR"}])
    );
    assert_eq!(r["valid_until"], Value::Null);

    // Bad queries, another account's token, an unknown agent.
    let (status, r) = resolve(&app, &token, &accueil, "at=2026-12-07T09:00:00Z").await;
    assert_eq!(
        (status, r["error"]["fields"]["cause"].clone()),
        (422, json!("required"))
    );
    let (status, r) = resolve(&app, &token, &accueil, "cause=flood&at=yesterday").await;
    assert_eq!(status, 422);
    assert_eq!(
        r["error"]["fields"],
        json!({"cause": "invalid_choice", "at": "invalid_timestamp"})
    );
    let bound = app.token("runtime:read", Some("globex")).await;
    let (status, _) = resolve(&app, &bound, &accueil, "cause=config_other").await;
    assert_eq!(status, 403);
    let (status, _) = resolve(&app, &token, "no-such-agent", "cause=config_other").await;
    assert_eq!(status, 404);
    // Not enabled: nothing to run.
    let outbound = app.agent_id("acme", "Relance impayés").await;
    let (_, r) = resolve(&app, &token, &outbound, "cause=config_other").await;
    assert_eq!(
        (
            r["enabled"].clone(),
            r["reason"].clone(),
            r["steps"].clone()
        ),
        (json!(false), json!("outbound_agent"), json!([]))
    );

    // The schedule is in use: it can't be deleted, and the error names the agent.
    let err = app::service::schedules::delete(&owner, &hours.id)
        .await
        .expect_err("in use");
    assert_eq!(
        err,
        app::error::AppError::InUse(vec!["Accueil standard".into()])
    );
}

on_both_backends!(resolve_walks_the_plan_at_a_moment);
