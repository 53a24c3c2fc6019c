//! Database trouble as an operator meets it: a SQLite file that turns
//! read-only (and back), a database folder that can't be opened at start,
//! and a restart while PostgreSQL is down, served from the snapshot file.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Backend, PgCluster, TestApp, TestDb, eventually, say};
use serde_json::Value;

/// Makes `paths` unwritable (and back with `writable`): `chattr +i` as root
/// (whom permissions don't stop), `chmod` otherwise.
fn set_writable(paths: &[PathBuf], writable: bool) {
    let root = rustix::process::geteuid().is_root();
    for p in paths.iter().filter(|p| p.exists()) {
        let ok = if root {
            std::process::Command::new("chattr")
                .arg(if writable { "-i" } else { "+i" })
                .arg(p)
                .status()
                .expect("chattr")
                .success()
        } else {
            use std::os::unix::fs::PermissionsExt;
            let mode = match (p.is_dir(), writable) {
                (true, true) => 0o755,
                (true, false) => 0o555,
                (false, true) => 0o644,
                (false, false) => 0o444,
            };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).is_ok()
        };
        assert!(ok, "could not change {}", p.display());
    }
}

fn sqlite_path(url: &str) -> PathBuf {
    PathBuf::from(url.trim_start_matches("sqlite:").split('?').next().unwrap())
}

/// The database file and its write-ahead log (not the shared-memory index:
/// SQLite maps it, and an unwritable mapping would kill the process).
fn db_files(db: &Path) -> Vec<PathBuf> {
    vec![
        db.to_owned(),
        PathBuf::from(format!("{}-wal", db.display())),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_sqlite_file_answers_503_and_heals_without_a_restart() {
    let app = TestApp::with_demo(Backend::Sqlite).await;
    let path = sqlite_path(app.db.url().unwrap());
    let owner = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let token = app.token("runtime:read", None).await;
    assert_eq!(say(&app, &owner, &agent, 0, "Avant").await.status(), 200);

    set_writable(&db_files(&path), false);
    let res = say(&app, &owner, &agent, 1, "Pendant").await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("Unavailable"), "{body}");
    let (_, noticed) = eventually(
        Duration::from_secs(15),
        "readyz saying read_only",
        async || (app.readyz().await["database"] == "read_only").then_some(()),
    )
    .await;
    // Reads go on, from memory.
    let doc = app.doc(&token, &agent).await;
    assert_eq!(doc["action"]["text"], "Avant");

    set_writable(&db_files(&path), true);
    let fixed = Instant::now();
    let (_, _) = eventually(
        Duration::from_secs(10),
        "a save going through again",
        async || {
            let res = say(&app, &owner, &agent, 1, "Après").await;
            (res.status() == 200).then_some(())
        },
    )
    .await;
    let healed = fixed.elapsed();
    eventually(Duration::from_secs(10), "readyz saying ok", async || {
        (app.readyz().await["database"] == "ok").then_some(())
    })
    .await;
    eprintln!("read-only noticed by readyz in {noticed:?}; saves back {healed:?} after the fix");
    assert!(healed < Duration::from_secs(10));
}

/// Another program holding SQLite's write lock past the busy timeout (5 s):
/// the save answers 503, and goes through once the lock is released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_locked_by_another_program_answers_503() {
    use sqlx::Connection;
    let app = TestApp::with_demo(Backend::Sqlite).await;
    let path = sqlite_path(app.db.url().unwrap());
    let owner = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    let started = Instant::now();
    let res = say(&app, &owner, &agent, 0, "Verrouillé").await;
    let waited = started.elapsed();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("Unavailable"), "{body}");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
    assert_eq!(say(&app, &owner, &agent, 0, "Libre").await.status(), 200);
    eprintln!("locked out: 503 after {waited:?}; the next save went through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_folder_that_cannot_be_opened_at_start_is_waited_for() {
    let dir = std::env::temp_dir().join(format!("relais-closed-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let inner = dir.join("db");
    set_writable(std::slice::from_ref(&dir), false);
    let url = format!("sqlite:{}", inner.join("relais.db").display());
    let app = TestApp::spawn_on(Backend::Sqlite, TestDb::external(url), |_| {}).await;
    let res = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(
        res.status(),
        503,
        "loading while the database can't be opened"
    );
    let res = app
        .sign_in(&app.client(), "csm@relais.example", "whatever-password")
        .await;
    assert_eq!(res.status(), 503, "{}", res.text().await.unwrap());

    set_writable(std::slice::from_ref(&dir), true);
    eventually(
        Duration::from_secs(15),
        "the database opened and migrated",
        async || {
            let res = reqwest::get(app.url("/readyz")).await.ok()?;
            (res.status() == 200).then_some(())
        },
    )
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    assert_eq!(
        app.sign_in(&app.client(), "csm@relais.example", common::DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    app.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Started while PostgreSQL is down, Relais serves the last snapshot file
/// (stale, tokens included); once PostgreSQL is back, a save reaches the runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL's binaries and RELAIS_TEST_POSTGRES_URL (make test)"]
async fn a_restart_during_an_outage_serves_the_snapshot_file() {
    common::require_postgres();
    let cluster = PgCluster::shared().await;
    let dir =
        std::env::temp_dir().join(format!("relais-snapfile-{}", uuid::Uuid::new_v4().simple()));
    let file = dir.join("snapshot.bin");
    let with_file = |c: &mut relais_server::ServeConfig| c.snapshot_file = Some(file.clone());

    let first = TestApp::spawn_on(
        Backend::Postgres,
        TestDb::external(cluster.url()),
        with_file,
    )
    .await;
    relais_server::demo::seed(&first.system("demo"))
        .await
        .unwrap();
    let token = first.token("runtime:read", None).await;
    let revoked = first.token("runtime:read", None).await;
    let agent = first.agent_id("acme", "Accueil standard").await;
    let untouched = first.agent_id("acme", "Prise de rendez-vous").await;
    let owner = first.signed_in("owner@acme.example").await;
    assert_eq!(
        say(&first, &owner, &agent, 0, "Dernière config")
            .await
            .status(),
        200
    );
    let id = app::store::tokens::list(first.db.pool())
        .await
        .unwrap()
        .into_iter()
        .find(|t| first_secret_matches(t, &revoked))
        .map(|t| t.id)
        .expect("the second token");
    app::service::tokens::revoke(&first.system("test"), &id)
        .await
        .unwrap();
    first.wait_synced().await;
    let want = first.doc(&token, &agent).await;
    eventually(
        Duration::from_secs(15),
        "the snapshot file written",
        async || {
            let bytes = std::fs::read(&file).ok()?;
            let snap =
                app::runtime::file::decode(&bytes, &app::runtime::file::identity(&cluster.url()))
                    .ok()?;
            let doc: Value = serde_json::from_slice(snap.docs.get(agent.as_str())?.body()).ok()?;
            (doc == want && snap.tokens.values().any(|t| t.revoked)).then_some(())
        },
    )
    .await;
    first.stop().await;

    cluster.set_running(false).await;
    let started = Instant::now();
    let second = TestApp::spawn_on(
        Backend::Postgres,
        TestDb::external(cluster.url()),
        with_file,
    )
    .await;
    let (_, took) = eventually(
        Duration::from_secs(20),
        "reads served from the file",
        async || {
            let res = second
                .runtime_get(Some(&token), &format!("/agents/{agent}/failover"))
                .await;
            (res.status() == 200).then_some(res)
        },
    )
    .await;
    eprintln!(
        "serving from the snapshot file {took:?} after the start ({:?} in all)",
        started.elapsed()
    );
    let res = second
        .runtime_get(Some(&token), &format!("/agents/{agent}/failover"))
        .await;
    assert_eq!(res.headers()["relais-stale"], "true");
    assert_eq!(res.json::<Value>().await.unwrap(), want);
    let r: Value = reqwest::get(second.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "stale");
    // Revocations as of the file.
    let res = second
        .runtime_get(Some(&revoked), &format!("/agents/{agent}/failover"))
        .await;
    assert_eq!(res.status(), 401);
    let res = second
        .runtime_get(Some("relais_rt_unknown"), "/failover-configs")
        .await;
    assert_eq!(res.status(), 401);

    cluster.set_running(true).await;
    eventually(
        Duration::from_secs(30),
        "the database reached",
        async || (second.readyz().await["database"] == "ok").then_some(()),
    )
    .await;
    // Every document is the database's again: one nobody changed answers
    // resolve calls too (a document read from the file can't).
    eventually(Duration::from_secs(5), "resolve answered", async || {
        let res = second
            .runtime_get(
                Some(&token),
                &format!("/agents/{untouched}/failover/resolve?cause=precall_timeout"),
            )
            .await;
        (res.status() == 200).then_some(())
    })
    .await;
    let owner = second.signed_in("owner@acme.example").await;
    assert_eq!(
        say(&second, &owner, &agent, 1, "Après le retour")
            .await
            .status(),
        200
    );
    eventually(Duration::from_secs(5), "the save served", async || {
        let res = second
            .runtime_get(Some(&token), &format!("/agents/{agent}/failover"))
            .await;
        let fresh = !res.headers().contains_key("relais-stale");
        let v: Value = res.json().await.ok()?;
        (fresh && v["action"]["text"] == "Après le retour").then_some(())
    })
    .await;
    second.stop().await;
    drop(cluster);
    let _ = std::fs::remove_dir_all(dir);
}

fn first_secret_matches(t: &app::store::tokens::TokenRow, secret: &str) -> bool {
    t.secret_hash == app::store::tokens::hash_secret(secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_or_foreign_snapshot_file_is_ignored() {
    let dir =
        std::env::temp_dir().join(format!("relais-badfile-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("snapshot.bin");
    // Another database's file, then garbage: neither is served.
    let other = app::runtime::file::encode(
        &app::runtime::snapshot::Snapshot::default(),
        &app::runtime::file::identity("sqlite:/elsewhere.db"),
    );
    for bytes in [other, b"RELAIS-SNAPSHOT 1\n garbage".to_vec()] {
        std::fs::write(&file, &bytes).unwrap();
        let closed = dir.join("closed");
        std::fs::create_dir_all(&closed).unwrap();
        set_writable(std::slice::from_ref(&closed), false);
        let url = format!("sqlite:{}", closed.join("db").join("relais.db").display());
        let f = file.clone();
        let app = TestApp::spawn_on(Backend::Sqlite, TestDb::external(url), move |c| {
            c.snapshot_file = Some(f)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        let res = reqwest::get(app.url("/readyz")).await.unwrap();
        assert_eq!(res.status(), 503, "nothing served from an unusable file");
        app.stop().await;
        set_writable(std::slice::from_ref(&closed), true);
        let _ = std::fs::remove_dir_all(&closed);
    }
    let _ = std::fs::remove_dir_all(dir);
}
