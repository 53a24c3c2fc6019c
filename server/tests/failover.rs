//! Failover over real HTTP on both databases: the flag switch, saving with
//! revisions, the locked state, SIP connections in use, audit, and who may do what.

mod common;

use common::{Backend, TestApp, say, switch};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query::<sqlx::Any>("SELECT COUNT(*) AS n FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .get("n")
}

async fn staff_switch_failover_with_a_reason_and_confirmation(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    let res = switch(&app, &csm, "globex", true, "", false).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields = body["Invalid"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == "reason" && f["code"] == "required")
    );
    assert!(fields.iter().any(|f| f["field"] == "confirm"));
    assert_eq!(
        switch(
            &app,
            &csm,
            "globex",
            true,
            "Customer signed the failover addendum",
            true
        )
        .await
        .status(),
        200
    );
    let g: Value = app
        .call(&csm, "accounts/get", &[("slug", "globex")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["failover_enabled"], true);
    let row = sqlx::query::<sqlx::Any>("SELECT actor_label, before_json, after_json, client_ip FROM audit_log WHERE action = 'account.failover' AND subject = 'globex'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("actor_label"), "csm@relais.example");
    assert_eq!(
        row.get::<String, _>("before_json"),
        r#"{"failover_enabled":false}"#
    );
    assert!(row.get::<String, _>("after_json").contains("addendum"));
    assert_eq!(
        row.get::<Option<String>, _>("client_ip").as_deref(),
        Some("127.0.0.1")
    );

    // Customers can never switch it, whatever they forge.
    let owner = app.signed_in("owner@acme.example").await;
    assert_eq!(
        switch(&app, &owner, "acme", false, "forged", true)
            .await
            .status(),
        403
    );
    assert_eq!(
        switch(&app, &owner, "globex", false, "forged", true)
            .await
            .status(),
        404
    );
    // The demo's (Acme starts with failover on) and the CSM's.
    assert_eq!(audit_count(&app, "account.failover").await, 2);
}

async fn two_saves_from_the_same_revision_exactly_one_wins(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let editor = app.signed_in("editor@acme.example").await;
    let owner = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let res = say(&app, &editor, &agent, 0, "Nos services sont indisponibles.").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<i64>().await.unwrap(), 1);

    let (a, b) = tokio::join!(
        say(&app, &editor, &agent, 1, "Version A"),
        say(&app, &owner, &agent, 1, "Version B")
    );
    let statuses = [a.status(), b.status()];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let loser = if a.status() == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    let body: Value = loser.json().await.unwrap();
    assert_eq!(body["StaleRevision"]["revision"], 2);
    assert!(
        body["StaleRevision"]["saved_by"]
            .as_str()
            .unwrap()
            .ends_with("@acme.example")
    );
    assert!(body["StaleRevision"]["saved_at"].as_i64().unwrap() > 0);

    // A save from a stale revision never overwrites.
    let stale = say(&app, &owner, &agent, 1, "Late").await;
    assert_eq!(stale.status(), 409);
    let e: Value = app
        .call(&editor, "failover/editor", &[("agent_id", &agent)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["revision"], 2);
    assert_ne!(e["action"]["text"], "Late");
    let history: Value = app
        .call(&editor, "failover/history", &[("agent_id", &agent)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(history["total"], 2);
    assert_eq!(audit_count(&app, "failover.save").await, 2);
}

async fn invalid_drafts_are_refused_with_field_errors(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let editor = app.signed_in("editor@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let res = app
        .call(
            &editor,
            "failover/save",
            &[
                ("agent_id", &agent),
                ("base_revision", "0"),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "46"),
                ("draft[transfer_target]", "phone"),
                ("draft[phone_number]", "0123"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let codes: Vec<(String, String)> = body["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        codes.contains(&("max_ring_seconds".into(), "out_of_range".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("phone_number".into(), "phone_not_e164".into())),
        "{codes:?}"
    );
    let res = app
        .call(
            &editor,
            "failover/save",
            &[
                ("agent_id", &agent),
                ("base_revision", "0"),
                ("draft[action_type]", "workflow"),
                ("draft[webhook_url]", "https://169.254.169.254/latest"),
                ("draft[timeout_seconds]", "10"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("forbidden_host"));
    let e: Value = app
        .call(&editor, "failover/editor", &[("agent_id", &agent)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["revision"], 0, "nothing saved");
    // Outbound agents have no failover.
    let outbound = app.agent_id("acme", "Relance impayés").await;
    assert_eq!(say(&app, &editor, &outbound, 0, "x").await.status(), 422);
}

async fn flag_off_locks_customers_out_and_keeps_their_config(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let editor = app.signed_in("editor@acme.example").await;
    let csm = app.signed_in("csm@relais.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    assert_eq!(
        say(&app, &editor, &agent, 0, "Merci de rappeler.")
            .await
            .status(),
        200
    );
    assert_eq!(
        switch(&app, &csm, "acme", false, "Paused during migration", true)
            .await
            .status(),
        200
    );
    let res = say(&app, &editor, &agent, 1, "Changed while off").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("feature_disabled"));
    let e: Value = app
        .call(&editor, "failover/editor", &[("agent_id", &agent)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (e["feature_enabled"].as_bool(), e["can_edit"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(e["action"]["text"], "Merci de rappeler.", "kept while off");
    assert_eq!(
        switch(&app, &csm, "acme", true, "Migration done", true)
            .await
            .status(),
        200
    );
    assert_eq!(say(&app, &editor, &agent, 1, "Back on").await.status(), 200);
}

async fn a_sip_connection_in_use_cannot_be_deleted(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "sip/create",
            &[
                ("slug", "acme"),
                ("name", "Standard PBX"),
                ("sip_uri", "sip:pbx.acme.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let conn: Value = res.json().await.unwrap();
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    let bad = app
        .call(
            &owner,
            "sip/create",
            &[("slug", "acme"), ("name", "Bad"), ("sip_uri", "http://pbx")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let agent = app.agent_id("acme", "Accueil standard").await;
    let res = app
        .call(
            &owner,
            "failover/save",
            &[
                ("agent_id", &agent),
                ("base_revision", "0"),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "25"),
                ("draft[transfer_target]", "sip"),
                ("draft[sip_connection_id]", &conn_id),
                ("draft[sip_destination_id]", "queue-7"),
                ("draft[sip_headers][0][name]", "X-Reason"),
                ("draft[sip_headers][0][value]", "failover"),
                ("draft[sip_user_to_user]", "0a1b"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app.call(&owner, "sip/delete", &[("id", &conn_id)]).await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["InUse"], serde_json::json!(["Accueil standard"]));
    assert_eq!(
        say(&app, &owner, &agent, 1, "Plus de transfert")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(&owner, "sip/delete", &[("id", &conn_id)])
            .await
            .status(),
        200
    );

    // Another account's connection can't be used.
    let globex_owner = app.signed_in("owner@globex.example").await;
    let theirs: Value = app
        .call(
            &globex_owner,
            "sip/create",
            &[
                ("slug", "globex"),
                ("name", "G"),
                ("sip_uri", "sips:g.example"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .call(
            &owner,
            "failover/save",
            &[
                ("agent_id", &agent),
                ("base_revision", "2"),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "25"),
                ("draft[transfer_target]", "sip"),
                ("draft[sip_connection_id]", theirs["id"].as_str().unwrap()),
                ("draft[sip_destination_id]", "q"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("unknown_connection"));
    assert_eq!(
        app.call(
            &owner,
            "sip/delete",
            &[("id", theirs["id"].as_str().unwrap())]
        )
        .await
        .status(),
        404
    );
    for action in ["sip_connection.create", "sip_connection.delete"] {
        assert!(audit_count(&app, action).await >= 1, "{action} audited");
    }
}

async fn restoring_a_revision_saves_it_again(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let editor = app.signed_in("editor@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    say(&app, &editor, &agent, 0, "First").await;
    say(&app, &editor, &agent, 1, "Second").await;
    let res = app
        .call(
            &editor,
            "failover/restore",
            &[
                ("agent_id", &agent),
                ("revision", "1"),
                ("base_revision", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<i64>().await.unwrap(), 3);
    let history: Value = app
        .call(&editor, "failover/history", &[("agent_id", &agent)])
        .await
        .json()
        .await
        .unwrap();
    let newest = &history["revisions"][0];
    assert_eq!(newest["revision"], 3);
    assert_eq!(newest["restored_from"], 1);
    assert_eq!(newest["action"]["text"], "First");
    assert_eq!(
        newest["changes"],
        serde_json::json!([{"field": "text", "before": "Second", "after": "First"}])
    );
    assert_eq!(audit_count(&app, "failover.restore").await, 1);
}

async fn default_message_and_agents_are_owners_business(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let editor = app.signed_in("editor@acme.example").await;
    let form = [
        ("slug", "acme"),
        ("text", "Merci de rappeler plus tard."),
        ("language", "fr-FR"),
    ];
    assert_eq!(
        app.call(&owner, "accounts/default_message", &form)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(&editor, "accounts/default_message", &form)
            .await
            .status(),
        403
    );
    let bad = [
        ("slug", "acme"),
        ("text", "x\u{202E}y"),
        ("language", "fr-FR"),
    ];
    assert_eq!(
        app.call(&owner, "accounts/default_message", &bad)
            .await
            .status(),
        422
    );
    let res = app
        .call(
            &owner,
            "agents/create",
            &[
                ("slug", "acme"),
                ("name", "Nuit"),
                ("direction", "inbound"),
                ("language", "fr-FR"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.call(
            &owner,
            "agents/update",
            &[
                ("id", &id),
                ("name", "Nuit et week-end"),
                ("direction", "inbound"),
                ("language", "fr-FR")
            ]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(
            &editor,
            "agents/update",
            &[
                ("id", &id),
                ("name", "X"),
                ("direction", "inbound"),
                ("language", "fr-FR")
            ]
        )
        .await
        .status(),
        403
    );
    assert_eq!(audit_count(&app, "account.default_message").await, 1);
    assert_eq!(audit_count(&app, "agent.update").await, 1);
}

async fn the_audit_log_is_filtered_and_scoped(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    switch(&app, &csm, "globex", true, "Globex goes live", true).await;
    let editor = app.signed_in("editor@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    say(&app, &editor, &agent, 0, "Audit me").await;

    let all: Value = app
        .call(&csm, "audit/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let accounts: Vec<&str> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["account"].as_str())
        .collect();
    assert!(accounts.contains(&"acme") && accounts.contains(&"globex"));
    let saves: Value = app
        .call(
            &csm,
            "audit/list",
            &[("action", "failover.save"), ("actor", "EDITOR@")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saves["total"], 1);
    let entry = &saves["entries"][0];
    // Only what changed, by field; names beside ids.
    assert!(
        entry["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "action.text" && c["after"] == "Audit me"),
        "{entry}"
    );
    assert_eq!(entry["actor"], "editor@acme.example");
    assert_eq!(entry["subject_name"], "Accueil standard");
    assert_eq!(entry["account_name"], "Acme Santé");
    // Filters are searches: part of an actor's name, of an account's name.
    let by_name: Value = app
        .call(
            &csm,
            "audit/list",
            &[("actor", "eddie"), ("account", "santé")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(by_name["total"].as_i64().unwrap() >= 1, "{by_name}");

    let owner = app.signed_in("owner@acme.example").await;
    let mine: Value = app
        .call(&owner, "audit/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        mine["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["account"] == "acme"),
        "{mine}"
    );
    // Another tenant's account is just not among theirs.
    let theirs: Value = app
        .call(&owner, "audit/list", &[("account", "globex")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);
    assert_eq!(app.call(&editor, "audit/list", &[]).await.status(), 403);
    let future: Value = app
        .call(&csm, "audit/list", &[("from", "2999-01-01")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(future["total"], 0);
    assert_eq!(
        app.call(&csm, "audit/list", &[("from", "yesterday")])
            .await
            .status(),
        422
    );
}

/// Every role against every action, on the server.
async fn roles_by_action(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    // Turn Globex on so that its owner's refusal below is about tenancy only.
    switch(&app, &csm, "globex", true, "test", true).await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    // (who, switch flag, create SIP, default message, create agent, save config, read history)
    let table: [(&str, [u16; 6]); 6] = [
        ("admin@relais.example", [200, 200, 200, 200, 200, 200]),
        ("csm@relais.example", [200, 200, 200, 200, 200, 200]),
        ("owner@acme.example", [403, 200, 200, 200, 200, 200]),
        ("editor@acme.example", [403, 403, 403, 403, 200, 200]),
        ("viewer@acme.example", [403, 403, 403, 403, 403, 200]),
        ("owner@globex.example", [404, 404, 404, 404, 404, 404]),
    ];
    for (i, (email, expected)) in table.iter().enumerate() {
        let c = app.signed_in(email).await;
        let name = format!("Conn {i}");
        let base = app
            .call(&c, "failover/editor", &[("agent_id", &agent)])
            .await
            .json::<Value>()
            .await
            .ok()
            .and_then(|e| e["revision"].as_i64())
            .unwrap_or(0);
        let got = [
            switch(&app, &c, "acme", true, "matrix", true)
                .await
                .status()
                .as_u16(),
            app.call(
                &c,
                "sip/create",
                &[
                    ("slug", "acme"),
                    ("name", &name),
                    ("sip_uri", "sip:x.example"),
                ],
            )
            .await
            .status()
            .as_u16(),
            app.call(
                &c,
                "accounts/default_message",
                &[
                    ("slug", "acme"),
                    ("text", "Rappelez-nous."),
                    ("language", "fr-FR"),
                ],
            )
            .await
            .status()
            .as_u16(),
            app.call(
                &c,
                "agents/create",
                &[
                    ("slug", "acme"),
                    ("name", &name),
                    ("direction", "inbound"),
                    ("language", "fr-FR"),
                ],
            )
            .await
            .status()
            .as_u16(),
            say(&app, &c, &agent, base, &format!("Message {i}"))
                .await
                .status()
                .as_u16(),
            app.call(&c, "failover/history", &[("agent_id", &agent)])
                .await
                .status()
                .as_u16(),
        ];
        assert_eq!(&got, expected, "{email}");
    }
}

on_both_backends!(
    staff_switch_failover_with_a_reason_and_confirmation,
    two_saves_from_the_same_revision_exactly_one_wins,
    invalid_drafts_are_refused_with_field_errors,
    flag_off_locks_customers_out_and_keeps_their_config,
    a_sip_connection_in_use_cannot_be_deleted,
    restoring_a_revision_saves_it_again,
    default_message_and_agents_are_owners_business,
    roles_by_action,
    the_audit_log_is_filtered_and_scoped,
);
