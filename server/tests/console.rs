//! The console at a glance: the audit log as a CSV file, events in the
//! viewer's time zone, the account's overview, the demo's history.

mod common;

use common::{Backend, TestApp, days_ago};
use serde_json::{Value, json};

/// A signed-in client whose browser also holds `cookie` (`name=value`).
async fn signed_in_with(app: &TestApp, email: &str, cookie: &str) -> reqwest::Client {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(&format!("{cookie}; Path=/"), &app.base.parse().unwrap());
    let c = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let res = app
        .sign_in(&c, email, relais_server::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    c
}

/// `GET path` as `c`: status, content type, body.
async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String, String) {
    let res = c.get(app.url(path)).send().await.expect("request");
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, res.text().await.unwrap().replace("<!>", ""))
}

async fn the_audit_log_downloads_as_csv_with_the_filters(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    // A name a spreadsheet would run as a formula.
    let res = app
        .call(
            &owner,
            "agents/update",
            &[
                ("id", accueil.as_str()),
                ("name", "=HYPERLINK(\"http://evil.example\")"),
                ("direction", "inbound"),
                ("language", "fr-FR"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);

    let (status, kind, csv) = get(&app, &owner, "/audit.csv").await;
    assert_eq!(status, 200);
    assert_eq!(kind, "text/csv; charset=utf-8");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "When",
            "Who",
            "Email or label",
            "Action",
            "What",
            "Account",
            "What changed",
            "IP address"
        ]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert!(!records.is_empty());
    // Acme's entries only: never another tenant's.
    assert!(records.iter().all(|r| &r[5] == "Acme Santé"), "{csv}");
    let renamed = records
        .iter()
        .find(|r| &r[3] == "Agent edited")
        .expect("the rename");
    assert_eq!(&renamed[1], "Olivia Owner");
    assert_eq!(&renamed[2], "owner@acme.example");
    assert!(renamed[4].starts_with("'="), "no formula: {}", &renamed[4]);
    assert!(
        renamed[6].contains("Name: Accueil standard → '=HYPERLINK")
            || renamed[6].contains("Name: Accueil standard → =HYPERLINK"),
        "{}",
        &renamed[6]
    );
    assert!(
        renamed[0].ends_with('Z') && renamed[0].contains('T'),
        "ISO 8601: {}",
        &renamed[0]
    );

    // The page's filters apply.
    let (_, _, filtered) = get(&app, &owner, "/audit.csv?action=agent.update").await;
    let n = csv::Reader::from_reader(filtered.as_bytes())
        .records()
        .count();
    assert_eq!(n, 1, "{filtered}");
    // The page links to the same filters.
    let page = app.page(&owner, "/audit?action=agent.update").await;
    assert!(
        page.contains(
            r#"href="/audit.csv?account=&amp;actor=&amp;action=agent.update&amp;from=&amp;to=""#
        ),
        "the export link"
    );
    // In the page's language.
    let french = signed_in_with(&app, "owner@acme.example", "i18n_pref_locale=fr").await;
    let (_, _, text) = get(&app, &french, "/audit.csv?action=agent.update").await;
    assert!(text.starts_with("Quand,Qui,"), "{text:.60}");

    // Who may not read the log gets no file.
    let viewer = app.signed_in("viewer@acme.example").await;
    let (status, _, _) = get(&app, &viewer, "/audit.csv").await;
    assert_eq!(status, 403);
    let (status, _, _) = get(&app, &app.client(), "/audit.csv").await;
    assert_eq!(status, 401);
    let (status, _, _) = get(&app, &owner, "/audit.csv?from=2026-13-01").await;
    assert_eq!(status, 422);
    // Staff see every account's entries.
    let csm = app.signed_in("csm@relais.example").await;
    let (_, _, all) = get(&app, &csm, "/audit.csv").await;
    assert!(all.contains("Globex Assurances"));
}

on_both_backends!(the_audit_log_downloads_as_csv_with_the_filters);

async fn events_are_shown_in_the_viewers_time_zone(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:events", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let (yesterday, today) = (days_ago(1), days_ago(0));
    // 20:00 UTC yesterday is 01:30 today in Kolkata (5:30 ahead, no DST).
    let e = json!({"agent_id": accueil, "call_id": "tz-1", "cause": "precall_timeout",
        "action_type": "default_error_message", "outcome": "action_failed",
        "occurred_at": format!("{yesterday}T20:00:00Z")});
    assert_eq!(app.post_event(&token, &e).await.status(), 202);
    let owner = app.signed_in("owner@acme.example").await;

    let page = app
        .page(
            &owner,
            &format!("/events?from={today}&to={today}&tz=Asia/Kolkata"),
        )
        .await;
    assert!(page.contains("Events in this period: 1"), "{page:.2000}");
    assert!(page.contains("Dates and times in Asia/Kolkata."));
    assert!(page.contains(" 01:30</time>"), "the time in Kolkata");
    // In words, not codes.
    assert!(page.contains("Pre-call webhook timed out"));
    assert!(page.contains("Action failed"));
    assert!(page.contains("Default error message"));
    assert!(!page.contains(">precall_timeout<"));
    // The values as a table too.
    assert!(page.contains(r#"data-testid="chart-cause-values""#));
    // The same day in UTC has none: a message instead of empty charts.
    let page = app
        .page(&owner, &format!("/events?from={today}&to={today}&tz=UTC"))
        .await;
    assert!(page.contains("Events in this period: 0"));
    assert!(page.contains(r#"data-testid="events-empty""#));
    assert!(!page.contains(r#"id="chart-cause""#));
    // The zone the browser remembered, when the link names none.
    let remembered = signed_in_with(&app, "owner@acme.example", "relais_tz=Asia/Kolkata").await;
    let page = app
        .page(&remembered, &format!("/events?from={today}&to={today}"))
        .await;
    assert!(page.contains("Events in this period: 1"));
    // A cookie that names no zone is ignored.
    let odd = signed_in_with(&app, "owner@acme.example", "relais_tz=Nowhere").await;
    let page = app
        .page(&odd, &format!("/events?from={today}&to={today}"))
        .await;
    assert!(page.contains("Dates and times in UTC."));
    // In French, day first.
    let french = signed_in_with(&app, "owner@acme.example", "i18n_pref_locale=fr").await;
    let page = app
        .page(
            &french,
            &format!("/events?from={today}&to={today}&tz=Asia/Kolkata"),
        )
        .await;
    let (y, m, d) = (&today[0..4], &today[5..7], &today[8..10]);
    assert!(page.contains(&format!("{d}/{m}/{y} 01:30")), "jj/mm/aaaa");
    assert!(page.contains("Délai du webhook pré-appel dépassé"));
    // An unknown zone is a field error; the filters stay.
    let (status, _, page) = get(&app, &owner, "/events?tz=Mars/Olympus").await;
    assert_eq!(status, 422);
    assert!(page.contains("Unknown time zone: choose one from the list."));
    assert!(page.contains(r#"id="f-from""#));
    let res = app
        .call(&owner, "events/list", &[("tz", "Mars/Olympus")])
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"Invalid": [{"code": "unknown_time_zone", "field": "tz"}]})
    );
}

on_both_backends!(events_are_shown_in_the_viewers_time_zone);

async fn the_account_page_gives_an_overview(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let page = app.page(&owner, "/accounts/acme").await;
    assert!(page.contains("Inbound agents with a failover action: 0 of 2."));
    assert!(page.contains(r#"href="/events?account=acme""#));
    assert!(page.contains(r#"href="/audit?account=acme""#));
    assert!(page.contains("No action yet"));
    common::say(&app, &owner, &accueil, 0, "Un instant.").await;
    let page = app.page(&owner, "/accounts/acme").await;
    assert!(page.contains("Inbound agents with a failover action: 1 of 2."));
    let row = page
        .split(&format!(r#"data-agent="{accueil}""#))
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains("Say a message"), "{row}");
    // The edit form is below the table, not in its cell.
    assert!(!row.contains("<form"), "{row}");
    let page = app
        .page(&owner, &format!("/accounts/acme?edit={accueil}"))
        .await;
    let after_table = page.split("</table>").nth(1).unwrap();
    assert!(after_table.contains(&format!(r#"id="agent-{accueil}""#)));
    assert!(after_table.contains(r#"id="edit-agent-name""#));
    // A viewer sees the overview, not the audit link or the edit form.
    let viewer = app.signed_in("viewer@acme.example").await;
    let page = app
        .page(&viewer, &format!("/accounts/acme?edit={accueil}"))
        .await;
    assert!(page.contains(r#"data-testid="account-overview""#));
    assert!(!page.contains(r#"href="/audit?account=acme""#));
    assert!(!page.contains(r#"id="edit-agent-name""#));
    // Failover off: the overview says what that means.
    let page = app
        .page(
            &app.signed_in("owner@globex.example").await,
            "/accounts/globex",
        )
        .await;
    assert!(page.contains("Failover is off for this account"));
}

on_both_backends!(the_account_page_gives_an_overview);

async fn the_demo_history_fills_two_weeks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    relais_server::demo::seed_with_history(&app.system("demo"))
        .await
        .expect("demo seeds");
    let csm = app.signed_in("csm@relais.example").await;
    let from = days_ago(13);
    let to = days_ago(0);
    let d: Value = app
        .call(
            &csm,
            "events/list",
            &[("from", from.as_str()), ("to", to.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    let total = d["total"].as_i64().unwrap();
    assert!(total >= 100, "{total} events");
    let per_day: Vec<i64> = (0..14)
        .map(|i| {
            d["by_cause"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["counts"][i].as_i64().unwrap())
                .sum()
        })
        .collect();
    assert!(
        per_day[..13].iter().all(|n| *n > 0),
        "every past day: {per_day:?}"
    );
    let causes_seen = d["by_cause"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["total"].as_i64().unwrap() > 0)
        .count();
    assert!(causes_seen >= 6, "{causes_seen} causes");
    let failed = d["latest"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "action_failed")
        .count();
    assert!(failed < 20, "mostly succeeded");
    // The actions the events name are the ones saved.
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let doc = app.doc(&token, &accueil).await;
    assert_eq!(doc["action"]["type"], "transfer", "{doc}");
    // Only Acme (failover on) had failovers.
    assert!(
        d["latest"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["account"] == "Acme Santé")
    );
    // The audit names the SIP connection the transfer uses, not its id, and
    // labels every field like the forms do.
    let (status, _, csv) = get(&app, &csm, "/audit.csv?action=failover.save").await;
    assert_eq!(status, 200, "{csv}");
    assert!(csv.contains("SIP connection: Standard Lyon;"), "{csv}");
    let (_, _, all) = get(&app, &csm, "/audit.csv").await;
    assert!(all.contains("Expires: "), "{all}");
    for raw in [
        "expires_at",
        "prefix",
        "sip_connection_id",
        "sessions_ended",
    ] {
        assert!(!all.contains(raw), "{raw} in {all}");
    }
    // Business hours for the front desk.
    let hours: Value = app
        .call(&csm, "schedules/list", &[("slug", "acme")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hours["schedules"][0]["name"], "Accueil Lyon", "{hours}");
    assert_eq!(
        hours["schedules"][0]["weekly"][4],
        json!(["08:30–12:30", "13:30–18:00"])
    );
}

on_both_backends!(the_demo_history_fills_two_weeks);
