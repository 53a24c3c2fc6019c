//! The runtime API on PostgreSQL only: two instances on one database, the
//! database stopped mid-test, and a server started while it is down.

use std::time::{Duration, Instant};

use crate::common::{Backend, PgCluster, TestApp, TestDb, eventually, say};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Two instances on one PostgreSQL database: a save on A is served by B within 1 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: RELAIS_TEST_POSTGRES_URL (make test starts one)"]
async fn a_save_on_one_instance_reaches_another_within_a_second() {
    let (a, b) = TestApp::two_instances_with_demo().await;
    let token = a.token("runtime:read", None).await;
    b.wait_synced().await;
    let accueil = a.agent_id("acme", "Accueil standard").await;
    let before = b.doc(&token, &accueil).await;
    assert_eq!(before["reason"], "not_configured");

    let mut worst = Duration::ZERO;
    let editor = a.signed_in("editor@acme.example").await;
    for (i, text) in ["Premier", "Deuxième", "Troisième"].iter().enumerate() {
        let res = say(&a, &editor, &accueil, i as i64, text).await;
        assert_eq!(res.status(), 200);
        let (_, took) = eventually(
            Duration::from_secs(1),
            "B serving the save on A",
            async || (b.doc(&token, &accueil).await["action"]["text"] == *text).then_some(()),
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
        async || (a.doc(&token, &accueil).await["reason"] == "feature_disabled").then_some(()),
    )
    .await;
    worst = worst.max(took);
    eprintln!("cross-instance propagation: worst {worst:?}");
    b.stop().await;
    a.stop().await;
}

/// The database stopped mid-test: reads keep being answered from memory,
/// marked stale; writes are refused cleanly; all is well again after restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL's binaries and RELAIS_TEST_POSTGRES_URL (make test)"]
async fn reads_survive_a_database_outage() {
    crate::common::require_postgres();
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
        (app.readyz().await["database"] == "unreachable").then_some(())
    })
    .await;
    eprintln!("outage noticed after {took:?}");
    let r = app.readyz().await;
    assert_eq!(r["status"], "stale");
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
        async || (app.readyz().await["database"] == "ok").then_some(()),
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
    crate::common::require_postgres();
    let cluster = PgCluster::shared().await;
    let demo_token = std::sync::OnceLock::new();
    let app = TestApp::spawn_prepared(
        Backend::Postgres,
        TestDb::external(cluster.url()),
        |_| {},
        async |db| {
            demo_token
                .set(
                    relais_server::demo::seed(&crate::common::system(db, "demo"))
                        .await
                        .unwrap()
                        .token,
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
    // The write probe runs beside the load; one that the just-started
    // cluster refused says `read_only` until the next (every second while
    // the database doesn't take writes).
    let (r, _) = eventually(
        Duration::from_secs(10),
        "the database taking writes",
        async || {
            let r = app.readyz().await;
            (r["database"] == "ok").then_some(r)
        },
    )
    .await;
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
