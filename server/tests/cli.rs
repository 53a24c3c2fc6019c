//! The `relais` command line: each command, and clear refusals that write nothing.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Backend, fresh_db};
use sqlx::Row;

fn relais(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("RELAIS_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("relais runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
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
    // Every change is in the audit log: 1 account, 2 users, 1 agent.
    assert_eq!(count(url, "audit_log").await, 4);
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

on_both_backends!(
    accounts_users_and_agents_from_the_command_line,
    demo_seeds_once,
    runtime_tokens_from_the_command_line
);

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
