//! Configuration as code (SPEC §9): `relais config export` and `relais
//! config apply`, through the binary, on both databases.

mod common;

use std::process::Output;

use common::{Backend, fresh_db};
use sqlx::Row;

fn relais(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    common::run_relais(url, args, stdin, &[("RELAIS_LOG", "warn")])
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    out(&o)
}

fn export(url: &str) -> String {
    ok(relais(url, &["config", "export"], None))
}

/// Applies `yaml` (from standard input) as `email`.
fn apply(url: &str, yaml: &str, email: &str, dry_run: bool) -> Output {
    let mut args = vec!["config", "apply", "-", "--as", email];
    if dry_run {
        args.push("--dry-run");
    }
    relais(url, &args, Some(yaml))
}

/// Everything a change leaves behind: audit entries, revisions, schedules,
/// SIP connections, and the change sequence.
async fn footprint(url: &str) -> Vec<i64> {
    let db = app::store::Db::connect(url).await.unwrap();
    let mut n = Vec::new();
    for table in [
        "audit_log",
        "failover_revisions",
        "schedules",
        "sip_connections",
    ] {
        n.push(
            sqlx::query::<sqlx::Any>(&format!("SELECT COUNT(*) AS n FROM {table}"))
                .fetch_one(db.pool())
                .await
                .unwrap()
                .get("n"),
        );
    }
    let text: Option<String> =
        sqlx::query::<sqlx::Any>("SELECT default_message_text FROM accounts WHERE slug = 'acme'")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get("default_message_text");
    n.push(text.map_or(0, |t| t.len() as i64));
    db.close().await;
    n
}

/// The demo (with Acme's plan on business hours) on a fresh database.
async fn demo(backend: Backend) -> common::TestDb {
    let t = fresh_db(backend).await;
    ok(relais(&t.url, &["demo", "--history"], None));
    t
}

/// Export → apply on an empty database with the same accounts and agents
/// → export gives the same file.
async fn a_file_round_trips(backend: Backend) {
    let a = demo(backend).await;
    let yaml = export(&a.url);
    // What the demo holds, named as people name it.
    for needle in [
        "schema: 1",
        "acme:",
        "Accueil standard:",
        "Accueil Lyon:",
        "Standard Lyon:",
        "sip_connection: Standard Lyon",
        "schedule: Accueil Lyon",
        "- 08:30-12:30",
        "label: Noël",
        "base: ",
    ] {
        assert!(yaml.contains(needle), "{needle:?} in\n{yaml}");
    }
    // No database id: a file applies to another database.
    assert!(!yaml.contains("_id: 0") && !yaml.contains("connection_id"));

    let b = fresh_db(backend).await;
    let url = b.url.as_str();
    for (name, slug) in [("Acme Santé", "acme"), ("Globex Assurances", "globex")] {
        ok(relais(
            url,
            &["account", "create", "--name", name, "--slug", slug],
            None,
        ));
    }
    for (account, name, direction, language) in [
        ("acme", "Accueil standard", "inbound", "fr-FR"),
        ("acme", "Prise de rendez-vous", "inbound", "fr-FR"),
        ("acme", "Relance impayés", "outbound", "fr-FR"),
        ("globex", "Claims hotline", "inbound", "en-GB"),
    ] {
        ok(relais(
            url,
            &[
                "agent",
                "create",
                "--account",
                account,
                "--name",
                name,
                "--direction",
                direction,
                "--language",
                language,
            ],
            None,
        ));
    }
    ok(relais(
        url,
        &[
            "user",
            "create",
            "--email",
            "ops@relais.example",
            "--name",
            "Ops",
            "--staff",
            "csm",
        ],
        None,
    ));
    let empty = footprint(url).await;
    let dry = ok(apply(url, &yaml, "ops@relais.example", true));
    assert!(dry.contains("dry run: 4 changes, nothing applied"), "{dry}");
    assert_eq!(footprint(url).await, empty, "a dry run changes nothing");
    let applied = ok(apply(url, &yaml, "ops@relais.example", false));
    assert!(
        applied.contains("+ acme: SIP connection \"Standard Lyon\""),
        "{applied}"
    );
    assert!(
        applied.contains("+ acme: schedule \"Accueil Lyon\""),
        "{applied}"
    );
    assert!(
        applied.contains("~ acme: agent \"Accueil standard\" failover plan (revision 0 -> 1)"),
        "{applied}"
    );
    assert!(applied.contains("applied 4 changes as ops@relais.example"));
    assert_eq!(export(url), yaml, "the same file back");
    // Applied again: nothing to do, nothing written.
    let before = footprint(url).await;
    let again = ok(apply(url, &yaml, "ops@relais.example", false));
    assert!(again.contains("no changes"), "{again}");
    assert_eq!(footprint(url).await, before);

    // The audit log names the user the file was applied as.
    let db = app::store::Db::connect(url).await.unwrap();
    let actors: Vec<String> = sqlx::query::<sqlx::Any>(
        "SELECT actor_label FROM audit_log WHERE action IN \
         ('sip_connection.create', 'schedule.create', 'failover.save')",
    )
    .fetch_all(db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("actor_label"))
    .collect();
    db.close().await;
    assert_eq!(actors.len(), 4, "{actors:?}");
    assert!(
        actors.iter().all(|a| a == "ops@relais.example"),
        "{actors:?}"
    );
}

/// A file exported before someone saved the agent is refused for that
/// agent, naming who and when; nothing else in the file is applied.
async fn a_stale_agent_refuses_the_file(backend: Backend) {
    let t = demo(backend).await;
    let url = t.url.as_str();
    let yaml = export(url);
    // Someone changes the reception's plan in the meantime.
    let mut theirs = yaml.replacen("max_ring_seconds: 25", "max_ring_seconds: 30", 1);
    assert_ne!(theirs, yaml);
    ok(apply(url, &theirs, "editor@acme.example", false));
    // Our edit of the old export: the plan and the default message.
    theirs = yaml.replacen(
        "sip_destination_id: accueil",
        "sip_destination_id: standard",
        1,
    );
    let ours = theirs.replacen(
        "  acme:\n",
        "  acme:\n    default_message:\n      language: fr-FR\n      text: Nous revenons vite.\n",
        1,
    );
    assert_ne!(ours, theirs);
    let before = footprint(url).await;
    let o = apply(url, &ours, "owner@acme.example", false);
    assert!(!o.status.success());
    let e = err(&o);
    assert!(
        e.contains("accounts.acme.agents.\"Accueil standard\": changed since the export: revision 2 saved by editor@acme.example on "),
        "{e}"
    );
    assert!(e.contains("nothing was changed"), "{e}");
    assert_eq!(footprint(url).await, before, "nothing changed");
    // A dry run says the same.
    assert!(
        !apply(url, &ours, "owner@acme.example", true)
            .status
            .success()
    );
    // Exported again, the same edit goes through.
    let fresh = export(url).replacen(
        "sip_destination_id: accueil",
        "sip_destination_id: standard",
        1,
    );
    let done = ok(apply(url, &fresh, "owner@acme.example", false));
    assert!(
        done.contains("(revision 2 -> 3)") && done.contains("\"accueil\" -> \"standard\""),
        "{done}"
    );
}

/// Every error of a file, each at its path; nothing changed.
async fn an_invalid_file_lists_every_error(backend: Backend) {
    let t = demo(backend).await;
    let url = t.url.as_str();
    let before = footprint(url).await;
    let bad = r#"
schema: 1
accounts:
  acme:
    default_message:
      language: xx-XX
      text: Bonjour
    sip_connections:
      Standard Lyon:
        sip_uri: http://not-sip.example
    schedules:
      Accueil Lyon:
        timezone: Mars/Olympus
        weekly:
          mon: [09:00-08:00]
    agents:
      Accueil standard:
        plan:
          default:
          - type: transfer
            max_ring_seconds: 99
            phone_number: 0612
            text: stray
          - type: say_message
            text: Au revoir
            language: fr-FR
          - type: say_message
            text: unreachable
            language: fr-FR
          precall:
          - type: workflow
            webhook_url: http://127.0.0.1/hook
            timeout_seconds: 10
            only_when: {schedule: Nuit, state: open}
      Nobody:
        plan:
          default: []
  nowhere:
    sip_connections:
      Standard:
        sip_uri: sip:standard@pbx.example
  empty-is-skipped: {}
"#;
    let o = apply(url, bad, "csm@relais.example", false);
    assert!(!o.status.success());
    let e = err(&o);
    let plan = "accounts.acme.agents.\"Accueil standard\".plan";
    for path in [
        "accounts.acme.default_message.language: ".to_owned(),
        "accounts.acme.sip_connections.\"Standard Lyon\".sip_uri: ".to_owned(),
        "accounts.acme.schedules.\"Accueil Lyon\".timezone: ".to_owned(),
        "accounts.acme.schedules.\"Accueil Lyon\".weekly.mon[0]: ".to_owned(),
        format!("{plan}.default[0].max_ring_seconds: Between 5 and 45 seconds."),
        format!("{plan}.default[0].phone_number: "),
        format!("{plan}.default[0].text: This step's type doesn't use this field."),
        format!("{plan}.default[2]: "),
        format!("{plan}.precall[0].webhook_url: "),
        format!("{plan}.precall[0].only_when.schedule: "),
        "accounts.acme.agents.Nobody: this account has no agent of this name".to_owned(),
        "accounts.nowhere: no account has this slug".to_owned(),
    ] {
        assert!(e.contains(&path), "{path:?} in\n{e}");
    }
    assert!(e.contains("(12 problems): nothing was changed"), "{e}");
    assert_eq!(footprint(url).await, before);

    // One agent twice (by its id and by its name).
    let db = app::store::Db::connect(url).await.unwrap();
    let id: String =
        sqlx::query::<sqlx::Any>("SELECT id FROM agents WHERE name = 'Accueil standard'")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get("id");
    db.close().await;
    let step =
        "plan:\n          default:\n          - {type: say_message, text: Un, language: fr-FR}";
    let twice = format!(
        "schema: 1\naccounts:\n  acme:\n    agents:\n      Accueil standard:\n        {step}\n      {id}:\n        {step}\n"
    );
    let o = apply(url, &twice, "csm@relais.example", false);
    assert!(
        err(&o).contains("this agent is in the file twice"),
        "{}",
        err(&o)
    );

    // A file YAML can't read, or of a shape Relais doesn't know: its place.
    for (text, needle) in [
        ("schema: 1\naccounts: [\n", "line"),
        (
            "schema: 1\naccounts:\n  acme:\n    agentz: {}\n",
            "unknown field `agentz`",
        ),
        (
            "schema: 2\naccounts: {}\n",
            "schema: this Relais reads schema 1, not 2",
        ),
    ] {
        let o = apply(url, text, "csm@relais.example", false);
        assert!(!o.status.success(), "{text}");
        assert!(err(&o).contains(needle), "{needle:?} in {}", err(&o));
    }
    assert_eq!(footprint(url).await, before);
}

/// A dry run prints the diff and changes nothing; the user's role applies.
async fn dry_runs_and_roles(backend: Backend) {
    let t = demo(backend).await;
    let url = t.url.as_str();
    let edited = export(url)
        .replacen("- 13:30-18:00", "- 14:00-18:00", 1)
        .replacen(
            "sips:standard@pbx.acme-sante.example",
            "sips:accueil@pbx.acme-sante.example",
            1,
        );
    let before = footprint(url).await;
    let dry = ok(apply(url, &edited, "owner@acme.example", true));
    assert!(
        dry.contains("~ acme: schedule \"Accueil Lyon\"\n      weekly.mon[1]: \"13:30-18:00\" -> \"14:00-18:00\""),
        "{dry}"
    );
    assert!(
        dry.contains("~ acme: SIP connection \"Standard Lyon\""),
        "{dry}"
    );
    assert!(dry.contains("dry run: 2 changes, nothing applied"), "{dry}");
    assert_eq!(footprint(url).await, before);

    // An editor may change plans, not the account's settings.
    let o = apply(url, &edited, "editor@acme.example", false);
    assert!(!o.status.success());
    assert!(
        err(&o).contains(
            "accounts.acme.schedules.\"Accueil Lyon\": you may not change this account's settings"
        ),
        "{}",
        err(&o)
    );
    // A user of another account doesn't see Acme.
    let o = apply(url, &edited, "owner@globex.example", false);
    assert!(
        err(&o).contains("accounts.acme: no account has this slug"),
        "{}",
        err(&o)
    );
    assert_eq!(footprint(url).await, before);
    // An unknown user is one clear line.
    let o = apply(url, &edited, "nobody@relais.example", false);
    assert!(!o.status.success());

    let done = ok(apply(url, &edited, "owner@acme.example", false));
    assert!(
        done.contains("applied 2 changes as owner@acme.example"),
        "{done}"
    );
    assert_eq!(export(url), edited);
}

on_both_backends!(
    a_file_round_trips,
    a_stale_agent_refuses_the_file,
    an_invalid_file_lists_every_error,
    dry_runs_and_roles
);
