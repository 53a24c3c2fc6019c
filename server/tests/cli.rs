//! The `relais` command line: each command, and clear refusals that write nothing.

mod common;

use std::process::{Command, Output, Stdio};

use common::{Backend, fresh_db};
use sqlx::Row;

fn relais(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    relais_env(url, args, stdin, &[("RELAIS_LOG", "warn")])
}

fn relais_env(url: &str, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    common::run_relais(url, args, stdin, env)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Refused with exit status 1 and exactly one line mentioning `needle`.
fn refused(o: &Output, needle: &str) {
    assert!(!o.status.success(), "should fail: {}", stdout(o));
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(needle), "{needle:?} in {err}");
}

async fn count(url: &str, table: &str) -> i64 {
    let db = app::store::Db::connect(url).await.unwrap();
    let n = sqlx::query::<sqlx::Any>(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get("n");
    db.close().await;
    n
}

async fn accounts_users_and_agents_from_the_command_line(backend: Backend) {
    let t = fresh_db(backend).await;
    let url = t.url.as_str();
    let o = relais(url, &["migrate"], None);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = relais(
        url,
        &["account", "create", "--name", "Acme", "--slug", "acme"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("created account acme"));
    refused(
        &relais(
            url,
            &["account", "create", "--name", "Acme 2", "--slug", "acme"],
            None,
        ),
        "slug is already taken",
    );
    refused(
        &relais(
            url,
            &["account", "create", "--name", "X", "--slug", "Not A Slug"],
            None,
        ),
        "slug:",
    );

    // A generated password is printed once and works.
    let o = relais(
        url,
        &[
            "user",
            "create",
            "--email",
            "csm@example.com",
            "--name",
            "Camille",
            "--staff",
            "csm",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("password printed");
    assert_eq!(password.len(), 20);

    let o = relais(
        url,
        &[
            "user",
            "create",
            "--email",
            "owner@example.com",
            "--name",
            "Olivia",
            "--account",
            "acme",
            "--role",
            "owner",
            "--password-stdin",
        ],
        Some("violet-harbour-93-lantern\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains("violet"),
        "a given password is not echoed"
    );

    refused(
        &relais(
            url,
            &[
                "user",
                "create",
                "--email",
                "CSM@example.com",
                "--name",
                "Dup",
                "--staff",
                "admin",
            ],
            None,
        ),
        "already exists",
    );
    refused(
        &relais(
            url,
            &[
                "user",
                "create",
                "--email",
                "not-an-email",
                "--name",
                "X",
                "--staff",
                "admin",
            ],
            None,
        ),
        "email:",
    );
    refused(
        &relais(
            url,
            &[
                "user",
                "create",
                "--email",
                "weak@example.com",
                "--name",
                "W",
                "--staff",
                "admin",
                "--password-stdin",
            ],
            Some("password1234\n"),
        ),
        "too easy to guess",
    );
    refused(
        &relais(
            url,
            &[
                "user",
                "create",
                "--email",
                "short@example.com",
                "--name",
                "S",
                "--staff",
                "admin",
                "--password-stdin",
            ],
            Some("abc\n"),
        ),
        "at least 12 characters",
    );
    refused(
        &relais(
            url,
            &[
                "user",
                "create",
                "--email",
                "lost@example.com",
                "--name",
                "L",
                "--account",
                "nope",
                "--role",
                "viewer",
            ],
            None,
        ),
        "No account has this slug",
    );
    // Nothing half-written: only the two users created above exist.
    assert_eq!(count(url, "users").await, 2);
    assert_eq!(count(url, "memberships").await, 1);

    let o = relais(
        url,
        &[
            "agent",
            "create",
            "--account",
            "acme",
            "--name",
            "Accueil",
            "--direction",
            "inbound",
            "--language",
            "fr-FR",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).trim().to_owned();
    assert_eq!(id.len(), 36, "prints the agent id: {id}");
    refused(
        &relais(
            url,
            &[
                "agent",
                "create",
                "--account",
                "acme",
                "--name",
                "X",
                "--direction",
                "sideways",
                "--language",
                "fr-FR",
            ],
            None,
        ),
        "direction:",
    );
    refused(
        &relais(
            url,
            &[
                "agent",
                "create",
                "--account",
                "acme",
                "--name",
                "X",
                "--direction",
                "inbound",
                "--language",
                "xx-XX",
            ],
            None,
        ),
        "language:",
    );
    refused(
        &relais(
            url,
            &[
                "agent",
                "create",
                "--account",
                "ghost",
                "--name",
                "X",
                "--direction",
                "inbound",
                "--language",
                "fr-FR",
            ],
            None,
        ),
        "No account has this slug",
    );
    assert_eq!(count(url, "agents").await, 1);
    // Every change is in the audit log, by the command line: 1 account, 2 users, 1 agent.
    assert_eq!(count(url, "audit_log").await, 4);
    assert_eq!(
        actors(url).await,
        [("system".to_owned(), "cli".to_owned(), 4)]
    );
}

/// Who wrote the audit log: (kind, label, entries).
async fn actors(url: &str) -> Vec<(String, String, i64)> {
    let db = app::store::Db::connect(url).await.unwrap();
    let rows = sqlx::query_as::<sqlx::Any, (String, String, i64)>(
        "SELECT actor_kind, actor_label, COUNT(*) FROM audit_log \
         GROUP BY actor_kind, actor_label ORDER BY actor_label",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    db.close().await;
    rows
}

async fn demo_seeds_once(backend: Backend) {
    let t = fresh_db(backend).await;
    let o = relais(&t.url, &["demo"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("csm@relais.example") && out.contains("password:"),
        "{out}"
    );
    assert!(
        out.contains("Runtime API token") && out.contains("relais_rt_"),
        "{out}"
    );
    assert_eq!(count(&t.url, "sip_connections").await, 1);
    assert_eq!(count(&t.url, "runtime_tokens").await, 1);
    assert_eq!(count(&t.url, "accounts").await, 2);
    // Built through the services: an entry by `demo` for every change (2
    // accounts, 7 users, 1 membership, 5 agents, the failover switch, the SIP
    // connection, the token, the pending invitation).
    assert_eq!(
        actors(&t.url).await,
        [("system".to_owned(), "demo".to_owned(), 19)]
    );
    assert!(
        out.contains("Pending invitation (new.hire@globex.example")
            && out.contains("/invite?token="),
        "{out}"
    );
    let again = relais(&t.url, &["demo"], None);
    refused(&again, "already taken");
    assert_eq!(count(&t.url, "accounts").await, 2);
}

async fn runtime_tokens_from_the_command_line(backend: Backend) {
    let t = fresh_db(backend).await;
    let url = &t.url;
    assert!(
        relais(
            url,
            &["account", "create", "--name", "Acme", "--slug", "acme"],
            None
        )
        .status
        .success()
    );
    let o = relais(
        url,
        &[
            "token",
            "create",
            "--name",
            "Runtime EU",
            "--scope",
            "runtime:read,runtime:events",
            "--account",
            "acme",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The token alone on stdout (for scripts), what it is on stderr.
    let token = stdout(&o).trim().to_owned();
    assert!(
        token.starts_with("relais_rt_") && token.len() == 50,
        "{token}"
    );
    assert!(
        stderr(&o).contains("shown once") && stderr(&o).contains("account acme"),
        "{}",
        stderr(&o)
    );
    // Only its hash is kept; an audit entry is written.
    let db = app::store::Db::connect(url).await.unwrap();
    let rows = app::store::tokens::list(db.pool()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].secret_hash, app::store::tokens::hash_secret(&token));
    assert!(token.starts_with(&rows[0].prefix));
    assert_eq!(rows[0].account_slug.as_deref(), Some("acme"));
    let n: i64 = sqlx::query_scalar::<sqlx::Any, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'token.create'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
    db.close().await;
    refused(
        &relais(
            url,
            &["token", "create", "--name", "X", "--scope", "runtime:write"],
            None,
        ),
        "Choose one of the options",
    );
    refused(
        &relais(
            url,
            &[
                "token",
                "create",
                "--name",
                "X",
                "--scope",
                "runtime:read",
                "--account",
                "nope",
            ],
            None,
        ),
        "No account has this slug",
    );
    let o = relais(url, &["token", "revoke", "--id", &rows[0].id], None);
    assert!(o.status.success(), "{}", stderr(&o));
    refused(
        &relais(url, &["token", "revoke", "--id", &rows[0].id], None),
        "already revoked",
    );
}

/// `relais serve` with every log on (`RELAIS_LOG=trace`, JSON lines): signing
/// in, a wrong password, runtime reads with good and bad tokens, an event, a
/// token created in the UI and one on the command line — and no log line holds
/// a password, a token or a session id.
async fn logs_never_hold_a_secret(backend: Backend) {
    use std::io::{BufRead, BufReader, Read};
    let t = fresh_db(backend).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args([
            "--database-url",
            &t.url,
            "serve",
            "--demo",
            "--addr",
            "127.0.0.1:0",
        ])
        .env("RELAIS_LOG", "trace")
        .env("RELAIS_LOG_FORMAT", "json")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("relais serves");
    // Drained on threads: a full pipe would stall the server.
    let mut err_pipe = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut s = String::new();
        err_pipe.read_to_string(&mut s).unwrap();
        s
    });
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let out_pipe = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out_pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (mut base, mut token, mut invitation) = (None, None, None);
    while base.is_none() || token.is_none() || invitation.is_none() {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the server prints its address and the demo token");
        if let Some(rest) = line.strip_prefix("Open ") {
            base = rest.split('/').take(3).collect::<Vec<_>>().join("/").into();
        }
        if line.starts_with("Runtime API token")
            && let Some((_, t)) = line.split_once("shown once): ")
        {
            token = Some(t.trim().to_owned());
        }
        if let Some((_, t)) = line.split_once("?token=") {
            invitation = Some(t.trim().to_owned());
        }
    }
    let (base, token, invitation) = (base.unwrap(), token.unwrap(), invitation.unwrap());
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let call = |endpoint: &str, form: &[(&str, &str)]| {
        http.post(format!("{base}/api/{endpoint}"))
            .header("accept", "application/json")
            .header("origin", &base)
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
    };
    let wrong = "wrong-Horse-battery-9931";
    let res = call(
        "sign_in",
        &[("email", "admin@relais.example"), ("password", wrong)],
    )
    .await
    .unwrap();
    assert_ne!(res.status(), 200);
    let res = call(
        "sign_in",
        &[
            ("email", "admin@relais.example"),
            ("password", relais_server::demo::DEMO_PASSWORD),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()?
                .split_once('=')
                .map(|(_, v)| v.to_owned())
        })
        .expect("a session cookie");
    let res = call(
        "tokens/create",
        &[("name", "From the UI"), ("read", "on"), ("account", "")],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let ui_token = res.json::<serde_json::Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    // An invitation made in the browser, and both links' pages opened.
    let res = call(
        "members/invite",
        &[
            ("slug", "acme"),
            ("email", "logs@new.example"),
            ("role", "viewer"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let ui_link = res.json::<serde_json::Value>().await.unwrap()["Invited"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let ui_invitation = ui_link.split_once("?token=").unwrap().1.to_owned();
    for t in [&invitation, &ui_invitation] {
        let page = http
            .get(format!("{base}/invite?token={t}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
    }
    let bogus = format!("relais_rt_{}", "Zq".repeat(20));
    for t in [&token, &ui_token, &bogus] {
        // Retried while the snapshot still loads or catches up.
        common::eventually(
            std::time::Duration::from_secs(5),
            "the runtime API answering the token",
            async || {
                let res = http
                    .get(format!("{base}/api/runtime/v1/failover-configs"))
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap();
                (res.status() != 503 && (t == &bogus || res.status() == 200)).then_some(())
            },
        )
        .await;
    }
    let res = http
        .post(format!("{base}/api/runtime/v1/failover-events"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"agent_id": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let (cli_out, cli_logs) = relais_logged(
        &t.url,
        &[
            "token",
            "create",
            "--name",
            "CLI",
            "--scope",
            "runtime:read",
        ],
    );
    let cli_token = cli_out
        .split_whitespace()
        .find(|w| w.starts_with("relais_rt_"))
        .expect("the CLI prints the token")
        .to_owned();

    let _ = Command::new("kill").arg(child.id().to_string()).status();
    child.wait().unwrap();
    let logs = logs.join().unwrap();
    let mut lines = 0;
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        lines += 1;
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok(), "not a JSON line: {line}");
    }
    assert!(lines > 20, "trace logs were written: {lines} lines");
    // The command line writes its messages to stderr too, among its logs.
    let logs = logs + &cli_logs;
    for (what, secret) in [
        ("the demo password", relais_server::demo::DEMO_PASSWORD),
        ("a wrong password", wrong),
        ("the demo token", token.as_str()),
        ("the token's secret part", &token["relais_rt_".len()..]),
        ("a UI-made token", ui_token.as_str()),
        ("a CLI-made token", cli_token.as_str()),
        ("an unknown token", bogus.as_str()),
        ("the session id", session.as_str()),
        ("the demo's invitation", invitation.as_str()),
        ("an invitation made in the browser", ui_invitation.as_str()),
    ] {
        assert!(!logs.contains(secret), "{what} is in the logs");
    }
}

async fn people_from_the_command_line(backend: Backend) {
    let t = fresh_db(backend).await;
    let url = t.url.as_str();
    assert!(relais(url, &["demo"], None).status.success());
    // A new email: a pending user and a printed link to the public URL.
    let o = relais_env(
        url,
        &[
            "user",
            "invite",
            "--email",
            "Eve@New.example",
            "--account",
            "acme",
            "--role",
            "editor",
        ],
        None,
        &[
            ("RELAIS_LOG", "warn"),
            ("RELAIS_PUBLIC_URL", "https://relais.example.com"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("invitation for eve@new.example"), "{out}");
    assert!(
        out.contains("https://relais.example.com/invite?token="),
        "{out}"
    );
    // An existing user is added at once.
    let o = relais(
        url,
        &[
            "user",
            "invite",
            "--email",
            "owner@globex.example",
            "--account",
            "acme",
            "--role",
            "viewer",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("member of acme now"), "{}", stdout(&o));
    refused(
        &relais(
            url,
            &[
                "user",
                "invite",
                "--email",
                "x@new.example",
                "--account",
                "nope",
                "--role",
                "viewer",
            ],
            None,
        ),
        "No account has this slug",
    );
    // Disable, enable, reset: through the same services and audit entries.
    let o = relais(
        url,
        &["user", "disable", "--email", "viewer@acme.example"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = relais(
        url,
        &["user", "enable", "--email", "viewer@acme.example"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = relais(
        url,
        &["user", "reset-password", "--email", "viewer@acme.example"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("http://127.0.0.1:3000/reset?token="),
        "{}",
        stdout(&o)
    );
    refused(
        &relais(
            url,
            &["user", "disable", "--email", "nobody@new.example"],
            None,
        ),
        "email:",
    );
    let db = app::store::Db::connect(url).await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar::<sqlx::Any, String>(
        "SELECT action FROM audit_log WHERE actor_label = 'cli' ORDER BY at",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    db.close().await;
    assert_eq!(
        actions,
        [
            "invitation.create",
            "membership.create",
            "user.disable",
            "user.enable",
            "user.reset_link"
        ]
    );
}

/// Runs a command with trace JSON logs; returns what it printed and logged.
fn relais_logged(url: &str, args: &[&str]) -> (String, String) {
    let o = relais_env(
        url,
        args,
        None,
        &[("RELAIS_LOG", "trace"), ("RELAIS_LOG_FORMAT", "json")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    (stdout(&o), stderr(&o))
}

on_both_backends!(
    accounts_users_and_agents_from_the_command_line,
    demo_seeds_once,
    people_from_the_command_line,
    runtime_tokens_from_the_command_line,
    logs_never_hold_a_secret
);

/// `relais` alone is `relais serve`: it reads serve's settings from the
/// environment, and refuses a bad one the same way.
#[test]
fn bare_relais_serves_with_the_environment() {
    let t = std::env::temp_dir().join(format!("relais-bare-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&t).unwrap();
    let url = format!("sqlite:{}", t.join("relais.db").display());
    let run = |retention: &str| {
        Command::new(env!("CARGO_BIN_EXE_relais"))
            .args(["--database-url", &url])
            .env("RELAIS_ADDR", "127.0.0.1:0")
            .env("RELAIS_EVENT_RETENTION_DAYS", retention)
            .env("RELAIS_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let bad = run("soon").wait_with_output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("--event-retention-days"),
        "{}",
        stderr(&bad)
    );

    let mut good = run("7");
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(good.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    good.kill().unwrap();
    good.wait().unwrap();
    // RELAIS_ADDR was read: a free port, not 3000.
    assert!(
        first.starts_with("Relais is listening on http://127.0.0.1:"),
        "{first}"
    );
    assert!(!first.contains(":3000"), "{first}");
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn bad_database_urls_are_one_clear_line() {
    let o = relais("mysql://nope", &["migrate"], None);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unsupported database URL"),
        "{}",
        stderr(&o)
    );
}
