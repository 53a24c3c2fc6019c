//! The plan editor over HTTP (SPEC §8): without JavaScript a step's buttons
//! post their change and the form comes back with it made (nothing saved);
//! Save keeps the whole plan, refused with the error on its step; Simulate
//! walks the draft; the history says what changed step by step. Both
//! databases.

mod common;

use common::{Backend, TestApp, form_post, front_desk};
use serde_json::Value;

/// The form fields of a plan's step as the editor posts them.
fn step(route: &str, i: usize, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (format!("plan[{route}][{i}][{k}]"), (*v).to_owned()))
        .collect()
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn a_form_without_javascript_adds_moves_and_saves_steps(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let editor = format!("/agents/{agent}/failover");
    let mut form = vec![
        ("agent_id".to_owned(), agent.clone()),
        ("base_revision".to_owned(), "0".to_owned()),
    ];
    form.extend(step(
        "default",
        0,
        &[
            ("action_type", "transfer"),
            ("phone_number", "+33123456789"),
            ("max_ring_seconds", "20"),
        ],
    ));

    // "Add a step": back at the form, a second step, what was typed kept.
    let mut add = form.clone();
    add.push(("op".into(), "add:default".into()));
    let back = form_post(&app, &c, "failover/save_plan", &editor, &pairs(&add)).await;
    assert_eq!(back, format!("{editor}#editor"));
    let page = app.page(&c, &editor).await;
    assert!(
        page.contains(r#"name="plan[default][1][action_type]""#),
        "a second step"
    );
    assert!(
        page.contains(r#"value="+33123456789""#),
        "the first step kept"
    );
    assert!(
        !page.contains(r#"name="plan[default][2][action_type]""#),
        "only one more"
    );

    // Fill it, move it up: the order is the posted one, swapped.
    form.extend(step(
        "default",
        1,
        &[
            ("action_type", "say_message"),
            ("text", "Rappelez-nous."),
            ("language", "fr-FR"),
        ],
    ));
    let mut up = form.clone();
    up.push(("op".into(), "up:default:1".into()));
    form_post(&app, &c, "failover/save_plan", &editor, &pairs(&up)).await;
    let page = app.page(&c, &editor).await;
    let first = page
        .split(r#"name="plan[default][1][action_type]""#)
        .next()
        .unwrap();
    assert!(
        first.contains("Rappelez-nous."),
        "the message is now step 1"
    );

    // A message that always runs, then a transfer: step 2 can never run.
    let mut unreachable = vec![
        ("agent_id".to_owned(), agent.clone()),
        ("base_revision".to_owned(), "0".to_owned()),
    ];
    unreachable.extend(step(
        "default",
        0,
        &[
            ("action_type", "say_message"),
            ("text", "Fermé."),
            ("language", "fr-FR"),
        ],
    ));
    unreachable.extend(step(
        "default",
        1,
        &[
            ("action_type", "transfer"),
            ("phone_number", "+33123456789"),
            ("max_ring_seconds", "20"),
        ],
    ));
    let res = app
        .call(&c, "failover/save_plan", &pairs(&unreachable))
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body.to_string().contains("default.1"), "{body}");
    form_post(
        &app,
        &c,
        "failover/save_plan",
        &editor,
        &pairs(&unreachable),
    )
    .await;
    let refused = app.page(&c, &editor).await;
    assert!(
        refused.contains("can never run"),
        "the error is on the step: {}",
        refused.len()
    );
    assert!(refused.contains("Fermé."), "what was typed stays");

    // Save (no op): the runtime serves both steps, in the order saved.
    let saved = form_post(&app, &c, "failover/save_plan", &editor, &pairs(&form)).await;
    assert_eq!(saved, editor, "back to the editor, saved");
    let token = app.token("runtime:read", None).await;
    let d = app.doc(&token, &agent).await;
    assert_eq!(d["routes"]["default"][0]["type"], "transfer");
    assert_eq!(d["routes"]["default"][1]["text"], "Rappelez-nous.");
    assert_eq!(
        d["action"]["phone_number"], "+33123456789",
        "v1's action: step 1"
    );
}

async fn simulate_walks_the_draft_and_names_the_skipped_step(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let hours = front_desk(&app.system("test")).await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let open = format!("open:{}", hours.id);
    let mut form = vec![("agent_id".to_owned(), agent.clone())];
    form.extend(step(
        "default",
        0,
        &[
            ("action_type", "transfer"),
            ("phone_number", "+33123456789"),
            ("max_ring_seconds", "20"),
            ("only_when", &open),
        ],
    ));
    form.extend(step(
        "default",
        1,
        &[
            ("action_type", "say_message"),
            ("text", "Rappelez-nous."),
            ("language", "fr-FR"),
        ],
    ));
    form.extend(step(
        "prompt",
        0,
        &[
            ("action_type", "say_message"),
            ("text", "Prompt."),
            ("language", "fr-FR"),
        ],
    ));
    let simulate = |cause: &str, at: &str| {
        let mut f = form.clone();
        f.push(("cause".into(), cause.into()));
        f.push(("at".into(), at.into()));
        f.push(("zone".into(), "Europe/Paris".into()));
        f
    };
    // Sunday 10:00 in Paris: closed, the transfer is skipped.
    let res = app
        .call(
            &c,
            "failover/simulate",
            &pairs(&simulate("precall_timeout", "2026-12-06T10:00")),
        )
        .await;
    assert_eq!(res.status(), 200);
    let sim: Value = res.json().await.unwrap();
    assert_eq!(sim["route"], "default");
    assert_eq!(sim["steps"][0]["verdict"]["verdict"], "skipped");
    assert_eq!(sim["steps"][0]["schedule"], "Front desk");
    assert_eq!(sim["steps"][1]["verdict"]["verdict"], "runs");
    assert_eq!(sim["at_local"], "2026-12-06 10:00 (Europe/Paris)");
    assert!(sim["then"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    // Monday 10:00: open, the transfer is tried first.
    let sim: Value = app
        .call(
            &c,
            "failover/simulate",
            &pairs(&simulate("precall_timeout", "2026-12-07T10:00")),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sim["steps"][0]["verdict"]["verdict"], "runs");
    // The prompt's own route.
    let sim: Value = app
        .call(
            &c,
            "failover/simulate",
            &pairs(&simulate("prompt_render_failed", "")),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sim["route"], "prompt");
    // An unknown cause, a moment that isn't one: errors on those fields.
    let res = app
        .call(
            &c,
            "failover/simulate",
            &pairs(&simulate("meteor", "yesterday")),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("cause") && body.contains("\"at\""), "{body}");
    // Nothing was saved.
    let token = app.token("runtime:read", None).await;
    let d = app.doc(&token, &agent).await;
    assert!(d["action"].is_null() && d["routes"].is_null(), "{d}");
    // Another tenant's agent: not found.
    let other = app.agent_id("globex", "Claims hotline").await;
    let mut f = simulate("precall_timeout", "");
    f[0].1 = other;
    assert_eq!(
        app.call(&c, "failover/simulate", &pairs(&f)).await.status(),
        404
    );
}

async fn the_history_says_what_changed_step_by_step(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let save = |base: &str, second: &str| {
        let mut f = vec![
            ("agent_id".to_owned(), agent.clone()),
            ("base_revision".to_owned(), base.to_owned()),
        ];
        f.extend(step(
            "default",
            0,
            &[
                ("action_type", "transfer"),
                ("phone_number", "+33123456789"),
                ("max_ring_seconds", "20"),
            ],
        ));
        f.extend(step(
            "default",
            1,
            &[
                ("action_type", "transfer"),
                ("phone_number", second),
                ("max_ring_seconds", "20"),
            ],
        ));
        f
    };
    assert_eq!(
        app.call(&c, "failover/save_plan", &pairs(&save("0", "+33612345678")))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(&c, "failover/save_plan", &pairs(&save("1", "+33698765432")))
            .await
            .status(),
        200
    );
    let history: Value = app
        .call(&c, "failover/history", &[("agent_id", &agent)])
        .await
        .json()
        .await
        .unwrap();
    let changes = &history["revisions"][0]["changes"];
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes[0]["field"], "default.1.phone_number");
    assert_eq!(changes[0]["before"], "+33612345678");
    // On the page, labelled like the form.
    let page = app.page(&c, &format!("/agents/{agent}/history")).await;
    assert!(page.contains("Any failure · Step 2 · Phone number"));
    // The audit log keeps the plan step by step, with the same labels.
    let csm = app.signed_in("csm@relais.example").await;
    let audit = app.page(&csm, "/audit").await;
    assert!(
        audit.contains("Any failure · Step 2 · Phone number"),
        "audit labels"
    );
}

on_both_backends!(a_form_without_javascript_adds_moves_and_saves_steps);
on_both_backends!(simulate_walks_the_draft_and_names_the_skipped_step);
on_both_backends!(the_history_says_what_changed_step_by_step);
