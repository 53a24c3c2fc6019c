//! Emergency mode (SPEC §8): owners for their account, staff for several at
//! once, only where failover is on; every inbound agent's document and
//! resolve answer carry it; it ends by hand, at its end time (without a
//! save) and when failover is switched off; each start and end is audited.

mod common;

use common::{Backend, TestApp, eventually};
use serde_json::{Value, json};
use std::time::Duration;

fn start_form<'a>(accounts: &[&'a str], ends_at: &'a str) -> Vec<(String, &'a str)> {
    let mut form: Vec<(String, &str)> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("accounts[{i}]"), *a))
        .collect();
    form.extend([
        ("draft[action_type]".to_owned(), "say_message"),
        (
            "draft[text]".to_owned(),
            "Un incident est en cours : merci de rappeler plus tard.",
        ),
        ("draft[language]".to_owned(), "fr-FR"),
        ("draft[reason]".to_owned(), "Panne de l’opérateur"),
        ("draft[ends_at]".to_owned(), ends_at),
        ("tz".to_owned(), "Europe/Paris"),
        ("confirm".to_owned(), "on"),
    ]);
    form
}

async fn start(
    app: &TestApp,
    c: &reqwest::Client,
    accounts: &[&str],
    ends_at: &str,
) -> reqwest::Response {
    let form = start_form(accounts, ends_at);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    app.call(c, "emergency/start", &pairs).await
}

async fn audit_of(app: &TestApp, c: &reqwest::Client) -> Vec<Value> {
    let res = app.call(c, "audit/list", &[("action", "emergency.")]).await;
    let v: Value = res.json().await.unwrap();
    v["entries"].as_array().unwrap().clone()
}

async fn emergency_mode_starts_and_ends(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let outbound = app.agent_id("acme", "Relance impayés").await;
    let claims = app.agent_id("globex", "Claims hotline").await;

    // An editor may not; an owner may, for their account.
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(start(&app, &editor, &["acme"], "").await.status(), 403);
    let owner = app.signed_in("owner@acme.example").await;
    let res = start(&app, &owner, &["acme"], "").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    app.wait_synced().await;
    let d = app.doc(&token, &accueil).await;
    assert_eq!(d["emergency"]["action"]["type"], "say_message", "{d}");
    assert_eq!(d["emergency"]["reason"], "Panne de l’opérateur");
    let ends =
        app::runtime::doc::parse_rfc3339(d["emergency"]["ends_at"].as_str().unwrap()).unwrap();
    let in_4h = app::store::now_ms() + 4 * 3_600_000;
    assert!((in_4h - ends).abs() < 60_000, "4 hours by default");
    assert_eq!(
        d["enabled"], false,
        "v1 fields keep their meaning: no plan saved"
    );
    assert_eq!(app.doc(&token, &outbound).await["emergency"], Value::Null);
    let r: Value = app
        .runtime_get(
            Some(&token),
            &format!("/agents/{accueil}/failover/resolve?cause=precall_timeout"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["emergency"], true);
    assert_eq!(r["steps"][0]["type"], "say_message");
    assert_eq!(r["valid_until"], d["emergency"]["ends_at"]);

    // Its end: more than 72 hours ahead is refused, with the field named.
    let res = start(&app, &owner, &["acme"], "2031-01-01T09:00").await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(r#"{"field":"ends_at","code":"out_of_range"}"#)
    );

    // Ended by hand.
    assert_eq!(
        app.call(&owner, "emergency/end", &[("slug", "acme")])
            .await
            .status(),
        200
    );
    app.wait_synced().await;
    assert_eq!(app.doc(&token, &accueil).await["emergency"], Value::Null);

    // Staff, for two accounts at once: all or none — Globex has failover off.
    let csm = app.signed_in("csm@relais.example").await;
    let res = start(&app, &csm, &["acme", "globex"], "").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("feature_disabled"));
    app.wait_synced().await;
    assert_eq!(app.doc(&token, &accueil).await["emergency"], Value::Null);
    app::service::accounts::set_failover(
        &app.system("test"),
        "globex",
        true,
        "Contrat signé",
        Some("on"),
    )
    .await
    .unwrap();
    // Ending in 2 seconds: both documents change then, without a save.
    let soon = app::runtime::doc::rfc3339(app::store::now_ms() + 2_000);
    let res = start(&app, &csm, &["acme", "globex"], &soon).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    app.wait_synced().await;
    assert!(app.doc(&token, &claims).await["emergency"].is_object());
    eventually(
        Duration::from_secs(10),
        "the emergencies ending by themselves",
        async || {
            let a = app.doc(&token, &accueil).await["emergency"].is_null();
            let b = app.doc(&token, &claims).await["emergency"].is_null();
            (a && b).then_some(())
        },
    )
    .await;

    // Switching failover off ends it too.
    assert_eq!(start(&app, &csm, &["acme"], "").await.status(), 200);
    let res = app
        .call(
            &csm,
            "accounts/failover",
            &[
                ("slug", "acme"),
                ("enabled", "false"),
                ("reason", "Fin du contrat"),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let acme = app::store::accounts::find_by_slug(app.db.pool(), "acme")
        .await
        .unwrap()
        .unwrap();
    assert!(
        app::store::emergencies::find(app.db.pool(), &acme.id)
            .await
            .unwrap()
            .is_none()
    );

    // Audited: each start and each end, and how it ended.
    let entries = audit_of(&app, &csm).await;
    let ends: Vec<&str> = entries
        .iter()
        .filter(|e| e["action"] == "emergency.end")
        .filter_map(|e| {
            e["changes"]
                .as_array()?
                .iter()
                .find(|c| c["field"] == "ended")?["after"]
                .as_str()
        })
        .collect();
    assert_eq!(
        ends,
        ["failover_off", "automatically", "automatically", "by_hand"],
        "{entries:?}"
    );
    let starts = entries
        .iter()
        .filter(|e| e["action"] == "emergency.start")
        .count();
    assert_eq!(starts, 4);
    assert_eq!(
        entries.last().unwrap()["actor_name"],
        json!("Olivia Owner"),
        "the first start, by the owner"
    );
}

on_both_backends!(emergency_mode_starts_and_ends);
