//! Acknowledged writes survive `kill -9`: the `relais` binary is killed with
//! SIGKILL while clients save failover configs on several agents and report
//! events, then restarted on the same database, three rounds; every save
//! and event that was answered 2xx must be there, and SQLite's
//! `PRAGMA integrity_check` must say `ok`.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Backend, DEMO_PASSWORD, fresh_db};

const SAVERS: usize = 5;
const REPORTERS: usize = 2;
const ROUNDS: usize = 3;

fn relais(url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("RELAIS_LOG", "warn")
        .output()
        .expect("relais runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Starts `relais serve` on a free port; returns the process and its address.
fn serve(url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["--database-url", url, "serve", "--addr", "127.0.0.1:0"])
        .env("RELAIS_LOG", "warn")
        .env("RELAIS_SNAPSHOT_FILE", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("relais serves");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("the address line").expect("stdout");
        if let Some(rest) = line.strip_prefix("Relais is listening on ") {
            break rest.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

#[derive(Default)]
struct Acked {
    saves: Vec<(String, i64, String)>,
    events: Vec<String>,
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("relais never became ready");
}

async fn current_revision(http: &reqwest::Client, base: &str, agent: &str) -> i64 {
    let res = http
        .post(format!("{base}/api/failover/editor"))
        .header("accept", "application/json")
        .header("origin", base)
        .form(&[("agent_id", agent)])
        .send()
        .await
        .expect("editor");
    let v: serde_json::Value = res.json().await.expect("json");
    v["revision"].as_i64().expect("revision")
}

/// One client saving on `agent` until the server goes away.
async fn saver(
    http: reqwest::Client,
    base: String,
    agent: String,
    tag: String,
    acked: Arc<Mutex<Acked>>,
) {
    let mut rev = current_revision(&http, &base, &agent).await;
    for n in 0.. {
        let text = format!("{tag}-{n}");
        let sent = http
            .post(format!("{base}/api/failover/save"))
            .header("accept", "application/json")
            .header("origin", &base)
            .form(&[
                ("agent_id", agent.as_str()),
                ("base_revision", &rev.to_string()),
                ("draft[action_type]", "say_message"),
                ("draft[text]", &text),
                ("draft[language]", "fr-FR"),
            ])
            .send()
            .await;
        let Ok(res) = sent else { return };
        if res.status() != 200 {
            panic!("save answered {}", res.status());
        }
        let Ok(saved) = res.json::<i64>().await else {
            return;
        };
        acked
            .lock()
            .unwrap()
            .saves
            .push((agent.clone(), saved, text));
        rev = saved;
    }
}

/// One runtime reporting events until the server goes away.
async fn reporter(
    base: String,
    token: String,
    agent: String,
    tag: String,
    acked: Arc<Mutex<Acked>>,
) {
    let http = reqwest::Client::new();
    for n in 0.. {
        let call = format!("{tag}-{n}");
        let body = serde_json::json!({
            "agent_id": agent, "call_id": call, "cause": "precall_timeout",
            "action_type": "say_message", "outcome": "succeeded",
            "occurred_at": time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339).unwrap(),
        });
        let sent = http
            .post(format!("{base}/api/runtime/v1/failover-events"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        let Ok(res) = sent else { return };
        if res.status() == 202 {
            acked.lock().unwrap().events.push(call);
        } else if res.status() != 429 {
            panic!("event answered {}", res.status());
        }
    }
}

async fn acknowledged_writes_survive_kill_9(backend: Backend) {
    let t = fresh_db(backend).await;
    relais(&t.url, &["demo"]);
    let token = relais(
        &t.url,
        &[
            "token",
            "create",
            "--name",
            "kill-9",
            "--scope",
            "runtime:events",
        ],
    );
    let agents: Vec<String> = (0..SAVERS)
        .map(|i| {
            let name = format!("Ligne {i}");
            relais(
                &t.url,
                &[
                    "agent",
                    "create",
                    "--account",
                    "acme",
                    "--name",
                    &name,
                    "--direction",
                    "inbound",
                    "--language",
                    "fr-FR",
                ],
            )
        })
        .collect();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    for round in 0..ROUNDS {
        let (mut child, base) = serve(&t.url);
        wait_ready(&http, &base).await;
        if round == 0 {
            let res = http
                .post(format!("{base}/api/sign_in"))
                .header("accept", "application/json")
                .header("origin", &base)
                .form(&[("email", "owner@acme.example"), ("password", DEMO_PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        }
        let mut tasks = Vec::new();
        for (i, agent) in agents.iter().enumerate() {
            tasks.push(tokio::spawn(saver(
                http.clone(),
                base.clone(),
                agent.clone(),
                format!("r{round}-s{i}"),
                acked.clone(),
            )));
        }
        for (i, agent) in agents.iter().enumerate().take(REPORTERS) {
            tasks.push(tokio::spawn(reporter(
                base.clone(),
                token.clone(),
                agent.clone(),
                format!("r{round}-e{i}"),
                acked.clone(),
            )));
        }
        tokio::time::sleep(Duration::from_millis(1500 + 250 * round as u64)).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        for task in tasks {
            task.await.expect("client");
        }
    }
    // Restarted once more: everything acknowledged is there, as answered.
    let (mut child, base) = serve(&t.url);
    wait_ready(&http, &base).await;
    let db = app::store::Db::connect(&t.url).await.unwrap();
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let mut found = 0;
    for (agent, revision, text) in &acked.saves {
        let row: Option<String> = sqlx::query_scalar::<sqlx::Any, String>(
            "SELECT action_json FROM failover_revisions WHERE agent_id = $1 AND revision = $2",
        )
        .bind(agent)
        .bind(revision)
        .fetch_optional(db.pool())
        .await
        .unwrap();
        let row = row.unwrap_or_else(|| panic!("acknowledged save {agent} #{revision} lost"));
        assert!(row.contains(&format!("\"{text}\"")), "{row} is not {text}");
        found += 1;
    }
    let stored: HashSet<String> =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT call_id FROM failover_events")
            .fetch_all(db.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
    let events_found = acked.events.iter().filter(|c| stored.contains(*c)).count();
    assert_eq!(events_found, acked.events.len(), "acknowledged events lost");
    if backend == Backend::Sqlite {
        let check: String = sqlx::query_scalar::<sqlx::Any, String>("PRAGMA integrity_check")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    assert!(
        acked.saves.len() > 50 && !acked.events.is_empty(),
        "too little load to prove anything"
    );
    eprintln!(
        "{backend:?}: {ROUNDS} kill -9 rounds under {SAVERS} savers + {REPORTERS} reporters: {} saves and {} events acknowledged, {found} and {events_found} found",
        acked.saves.len(),
        acked.events.len()
    );
    db.close().await;
    child.kill().unwrap();
    child.wait().unwrap();
}

on_both_backends!(acknowledged_writes_survive_kill_9);
