//! What an attacker or a clumsy client tries: redirects off-site after
//! sign-in, fields that used to panic, bodies that don't decode, locking a
//! user out, forging the client address; and the transport settings.

mod common;

use common::{Backend, DEMO_PASSWORD, TestApp};

async fn sign_in_follows_only_local_paths(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    for (next, expected) in [
        ("/accounts/acme", "/accounts/acme"),
        ("/audit?account=acme", "/audit?account=acme"),
        ("/\t/evil.example", "/accounts"),
        ("/\n/evil.example", "/accounts"),
        ("/\r\n/evil.example", "/accounts"),
        ("//evil.example", "/accounts"),
        ("/\\evil.example", "/accounts"),
        ("/%2F%2Fevil.example", "/accounts"),
        ("/%5C%5Cevil.example", "/accounts"),
        ("https:evil.example", "/accounts"),
        ("https://evil.example/", "/accounts"),
        ("/\u{3000}/evil.example", "/accounts"),
        ("/\u{ff0f}evil.example", "/accounts"),
        ("/é", "/accounts"),
        ("javascript:alert(1)", "/accounts"),
    ] {
        // With JavaScript (a JSON call) and without (a form post): the same answer.
        for accept in ["application/json", "text/html"] {
            let res = app
                .client()
                .post(app.url("/api/sign_in"))
                .header("accept", accept)
                .header("origin", &app.base)
                .form(&[
                    ("email", "csm@relais.example"),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            assert!(
                res.status().is_success() || res.status() == 302,
                "{next:?}: {}",
                res.status()
            );
            let location = res.headers()["location"].to_str().unwrap();
            assert_eq!(location, expected, "next {next:?} ({accept})");
        }
    }
}

/// A transfer to a SIP connection with one extra header.
fn sip_draft<'a>(agent: &'a str, header: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("agent_id", agent),
        ("base_revision", "0"),
        ("draft[action_type]", "transfer"),
        ("draft[max_ring_seconds]", "20"),
        ("draft[transfer_target]", "sip"),
        ("draft[sip_connection_id]", "anything"),
        ("draft[sip_destination_id]", "desk"),
        ("draft[sip_headers][0][name]", header),
        ("draft[sip_headers][0][value]", "v"),
    ]
}

async fn a_header_name_with_an_accent_is_a_field_error(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    for endpoint in ["failover/save", "failover/test"] {
        let res = app.call(&c, endpoint, &sip_draft(&agent, "aé")).await;
        assert_eq!(res.status(), 422, "{endpoint}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body.to_string().contains("sip_headers.0.name"),
            "{endpoint}: {body}"
        );
    }
    // The server is still there.
    assert_eq!(app.whoami(&c).await["email"], "owner@acme.example");
}

/// Posts `body` with `content_type` to a server function, as a signed-in page would.
async fn post_raw(
    app: &TestApp,
    c: &reqwest::Client,
    endpoint: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    c.post(app.url(&format!("/api/{endpoint}")))
        .header("accept", "application/json")
        .header("origin", &app.base)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn malformed_calls_are_refused_with_400_not_500(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let form = "application/x-www-form-urlencoded";
    let with = |extra: &str| {
        format!("agent_id={agent}&draft[action_type]=say_message&draft[language]=fr-FR{extra}")
    };
    let cases: Vec<(&str, &str, &str, Vec<u8>)> = vec![
        (
            "no agent",
            "failover/save",
            form,
            b"base_revision=0".to_vec(),
        ),
        ("no revision", "failover/save", form, with("").into_bytes()),
        (
            "revision x",
            "failover/save",
            form,
            with("&base_revision=x").into_bytes(),
        ),
        (
            "revision past i64",
            "failover/save",
            form,
            with("&base_revision=9223372036854775808").into_bytes(),
        ),
        (
            "revision empty",
            "failover/save",
            form,
            with("&base_revision=").into_bytes(),
        ),
        (
            "draft as text",
            "failover/save",
            form,
            format!("agent_id={agent}&base_revision=0&draft=x").into_bytes(),
        ),
        (
            "negative index",
            "failover/save",
            form,
            with("&base_revision=0&draft[sip_headers][-1][name]=X-A").into_bytes(),
        ),
        (
            "huge index",
            "failover/save",
            form,
            with("&base_revision=0&draft[sip_headers][99999999999999][name]=X-A").into_bytes(),
        ),
        (
            "nested keys",
            "failover/save",
            form,
            with("&base_revision=0&draft[text][a][b]=1").into_bytes(),
        ),
        (
            "invalid UTF-8",
            "failover/save",
            form,
            [
                with("&base_revision=0&draft[text]=").as_bytes(),
                b"\xff\xfe",
            ]
            .concat(),
        ),
        (
            "JSON body",
            "failover/save",
            "application/json",
            br#"{"agent_id": 1}"#.to_vec(),
        ),
        (
            "multipart body",
            "failover/save",
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"agent_id\"\r\n\r\na\r\n--x--\r\n"
                .to_vec(),
        ),
        (
            "page past i64",
            "accounts/list",
            form,
            b"page=9223372036854775808".to_vec(),
        ),
        ("page as text", "audit/list", form, b"page=two".to_vec()),
        ("no slug", "accounts/get", form, Vec::new()),
        (
            "locale twice",
            "locale",
            form,
            b"locale=en&locale=fr".to_vec(),
        ),
    ];
    for (what, endpoint, content_type, body) in cases {
        let res = post_raw(&app, &c, endpoint, content_type, body).await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert!((400..500).contains(&status), "{what}: {status} {text}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "{what}: {text}"
        );
    }
    // Over the size limit: 413.
    let big = with(&format!(
        "&base_revision=0&draft[text]={}",
        "a".repeat(3 << 20)
    ));
    // The server answers before reading the whole body and drops the
    // connection: `Connection: close` keeps the client from reusing it for
    // the next request (which would then fail as an incomplete message).
    let res = c
        .post(app.url("/api/failover/save"))
        .header("accept", "application/json")
        .header("origin", &app.base)
        .header("content-type", form)
        .header("connection", "close")
        .body(big.into_bytes())
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(status, 413, "{}", res.text().await.unwrap());
    assert_eq!(app.whoami(&c).await["email"], "owner@acme.example");
}

/// Signs in as `email` from the client `ip` (behind one trusted proxy).
async fn sign_in_from(app: &TestApp, forwarded: &str, email: &str, password: &str) -> u16 {
    app.client()
        .post(app.url("/api/sign_in"))
        .header("accept", "application/json")
        .header("origin", &app.base)
        .header("x-forwarded-for", forwarded)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn an_attacker_cannot_lock_the_owner_out(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.auth.trusted_proxies = 1;
        c.auth.throttle.free_failures_per_email = 3;
        c.auth.throttle.free_failures_per_client = 1000;
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let admin = "admin@relais.example";
    let mut refused = 0;
    for i in 0..12 {
        // The attacker varies the part of the header they write; the proxy's
        // entry (the rightmost) is the one that counts.
        let forged = format!("198.51.100.{i}, 203.0.113.66");
        match sign_in_from(&app, &forged, admin, "guess-guess-guess").await {
            401 => {}
            429 => refused += 1,
            other => panic!("attempt {i}: {other}"),
        }
    }
    assert!(
        refused >= 8,
        "the attacker is slowed down: {refused} of 12 refused"
    );
    // Even the right password waits, from the attacker's client…
    assert_eq!(
        sign_in_from(&app, "203.0.113.66", admin, DEMO_PASSWORD).await,
        429
    );
    // …but the admin, from their own client, signs in at once.
    assert_eq!(
        sign_in_from(&app, "203.0.113.7", admin, DEMO_PASSWORD).await,
        200
    );
}

async fn a_success_clears_the_failures_of_its_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.auth.trusted_proxies = 1;
        c.auth.throttle.free_failures_per_email = 2;
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let me = "csm@relais.example";
    for (password, expected) in [
        ("typo-typo-typo", 401),
        (DEMO_PASSWORD, 200),
        ("typo-typo-typo", 401),
        (DEMO_PASSWORD, 200),
    ] {
        assert_eq!(
            sign_in_from(&app, "192.0.2.1", me, password).await,
            expected
        );
    }
}

async fn a_client_failing_on_many_emails_waits(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.auth.trusted_proxies = 1;
        c.auth.throttle.free_failures_per_client = 3;
    })
    .await;
    for i in 0..3 {
        let email = format!("user{i}@relais.example");
        assert_eq!(
            sign_in_from(&app, "192.0.2.9", &email, "whatever-password").await,
            401
        );
    }
    assert_eq!(
        sign_in_from(&app, "192.0.2.9", "x@relais.example", "whatever-password").await,
        429
    );
    assert_eq!(
        sign_in_from(&app, "192.0.2.10", "x@relais.example", "whatever-password").await,
        401
    );
}

async fn the_audit_trail_records_the_proxys_view_of_the_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.auth.trusted_proxies = 1).await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let c = app.client();
    let res = c
        .post(app.url("/api/sign_in"))
        .header("accept", "application/json")
        .header("origin", &app.base)
        .header("x-forwarded-for", "203.0.113.7")
        .form(&[("email", "csm@relais.example"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = c
        .post(app.url("/api/accounts/failover"))
        .header("accept", "application/json")
        .header("origin", &app.base)
        .header("x-forwarded-for", "1.2.3.4, 203.0.113.7")
        .form(&[
            ("slug", "globex"),
            ("enabled", "true"),
            ("reason", "trial"),
            ("confirm", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let ip: Option<String> = sqlx::Row::get(
        &sqlx::query::<sqlx::Any>(
            "SELECT client_ip FROM audit_log WHERE action = 'account.failover' ORDER BY at DESC LIMIT 1",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap(),
        "client_ip",
    );
    assert_eq!(ip.as_deref(), Some("203.0.113.7"));
}

const PUBLIC: &str = "https://relais.example.test";

async fn over_https_cookies_are_host_only_and_pages_send_hsts(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.auth.public_url = Some(PUBLIC.parse().unwrap());
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let sign_in = |origin: &'static str| {
        app.client()
            .post(app.url("/api/sign_in"))
            .header("accept", "application/json")
            .header("origin", origin)
            .form(&[("email", "csm@relais.example"), ("password", DEMO_PASSWORD)])
            .send()
    };
    let res = sign_in(PUBLIC).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-relais_session="))
        .expect("a __Host- session cookie")
        .to_lowercase();
    assert!(cookie.contains("; secure"), "{cookie}");
    assert!(cookie.contains("path=/"), "{cookie}");
    assert!(!cookie.contains("domain="), "{cookie}");
    // Another origin (even the address the server listens on) is cross-site.
    let leaked: &'static str = Box::leak(app.base.clone().into_boxed_str());
    assert_eq!(sign_in(leaked).await.unwrap().status(), 403);
    assert_eq!(
        sign_in("http://relais.example.test")
            .await
            .unwrap()
            .status(),
        403
    );
    let page = reqwest::get(app.url("/signin")).await.unwrap();
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

async fn over_plain_http_nothing_asks_for_https(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let res = app
        .sign_in(&app.client(), "csm@relais.example", DEMO_PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("strict-transport-security").is_none());
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("relais_session="))
        .expect("the session cookie")
        .to_lowercase();
    assert!(!cookie.contains("secure"), "{cookie}");
}

async fn a_new_tokens_secret_is_never_stored(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("admin@relais.example").await;
    // Without JavaScript: a form post, then the page that shows it once.
    let res = c
        .post(app.url("/api/tokens/create"))
        .header("accept", "text/html")
        .header("origin", &app.base)
        .header("referer", app.url("/tokens"))
        .form(&[("name", "no-js runtime"), ("read", "on"), ("account", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let sessions: Vec<String> =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT data FROM sessions")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(!sessions.is_empty());
    let page = app.page(&c, "/tokens").await;
    let secret = page
        .split(r#"data-testid="token-secret""#)
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split('<').next())
        .expect("the new token shown once")
        .to_owned();
    assert!(secret.len() > 20, "{secret}");
    for data in &sessions {
        assert!(
            !data.contains(&secret),
            "the secret is in the sessions table"
        );
    }
    let dump: Vec<String> = sqlx::query_scalar::<sqlx::Any, String>(
        "SELECT COALESCE(secret_hash, '') || ' ' || prefix FROM runtime_tokens",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert!(dump.iter().all(|row| !row.contains(&secret)));
    // Shown once.
    assert!(!app.page(&c, "/tokens").await.contains(&secret));
}

async fn history_pages_and_lists_say_when_a_page_is_past_the_end(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    for base in 0..45 {
        let res = common::say(&app, &c, &agent, base, &format!("Message {base}")).await;
        assert_eq!(res.status(), 200);
    }
    let page = |n: &str| {
        let agent = agent.clone();
        let c = c.clone();
        let app = &app;
        let n = n.to_owned();
        async move {
            let res = app
                .call(
                    &c,
                    "failover/history",
                    &[("agent_id", &agent), ("page", &n)],
                )
                .await;
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let first = page("1").await;
    assert_eq!(first["total"], 45);
    assert_eq!(first["revisions"].as_array().unwrap().len(), 20);
    assert_eq!(first["revisions"][0]["revision"], 45);
    let last = page("3").await;
    assert_eq!(last["revisions"].as_array().unwrap().len(), 5);
    assert_eq!(last["revisions"][4]["revision"], 1);
    // The oldest of a page is compared with the one before it, on the next page.
    assert_eq!(
        first["revisions"][19]["changes"][0]["before"], "Message 24",
        "{}",
        first["revisions"][19]
    );
    let past = page("9223372036854775807").await;
    assert_eq!(past["revisions"].as_array().unwrap().len(), 0);
    let html = app
        .page(
            &c,
            &format!("/agents/{agent}/history?page=9223372036854775807"),
        )
        .await;
    assert!(html.contains("There is no page"), "the history says so");
    let staff = app.signed_in("csm@relais.example").await;
    let html = app.page(&staff, "/accounts?page=9223372036854775807").await;
    assert!(
        html.contains("There is no page"),
        "the accounts list says so"
    );
    assert!(
        !html.contains("Acme"),
        "no rows of page 1 under another page's label"
    );
    let html = app.page(&staff, "/audit?page=999999").await;
    assert!(html.contains("There is no page"), "the audit trail says so");

    // An account's agents and the runtime tokens come in pages too.
    let cli = app.system("test");
    for i in 0..60 {
        app::service::agents::create(&cli, "acme", &format!("Agent {i:02}"), "inbound", "fr-FR")
            .await
            .unwrap();
        app::service::tokens::create(&cli, &format!("token {i:02}"), "runtime:read", None)
            .await
            .unwrap();
    }
    let account = |page: &'static str| {
        let staff = staff.clone();
        let app = &app;
        async move {
            let res = app
                .call(
                    &staff,
                    "accounts/get",
                    &[("slug", "acme"), ("agents_page", page)],
                )
                .await;
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let first = account("1").await;
    assert_eq!(first["agents_total"], 63);
    assert_eq!(first["agents"].as_array().unwrap().len(), 50);
    assert_eq!(account("2").await["agents"].as_array().unwrap().len(), 13);
    let html = app.page(&staff, "/accounts/acme?agents_page=2").await;
    assert!(
        html.contains("Page 2 of 2"),
        "the account page pages its agents"
    );
    let admin = app.signed_in("admin@relais.example").await;
    let tokens: serde_json::Value = app
        .call(&admin, "tokens/list", &[("page", "2")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tokens["total"], 61);
    assert_eq!(tokens["tokens"].as_array().unwrap().len(), 11);
    let html = app.page(&admin, "/tokens?page=3").await;
    assert!(html.contains("There is no page"), "the tokens page says so");
}

async fn the_allow_list_stays_on_the_server(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.webhook_allow_list.0 = vec!["127.0.0.1:9911".into()];
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let c = app.signed_in("editor@acme.example").await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let editor = app
        .call(&c, "failover/editor", &[("agent_id", &agent)])
        .await
        .text()
        .await
        .unwrap();
    assert!(!editor.contains("9911"), "{editor}");
    let page = app.page(&c, &format!("/agents/{agent}/failover")).await;
    assert!(!page.contains("9911"));
    for (url, allowed) in [
        ("http://127.0.0.1:9911/hook", true),
        ("http://127.0.0.1:9912/hook", false),
        ("https://hooks.example.com/", true),
    ] {
        let res = app
            .call(&c, "failover/webhook_allowed", &[("url", url)])
            .await;
        assert_eq!(res.json::<bool>().await.unwrap(), allowed, "{url}");
    }
    assert_eq!(
        app.call(
            &app.client(),
            "failover/webhook_allowed",
            &[("url", "http://127.0.0.1:9911/")]
        )
        .await
        .status(),
        401
    );
}

async fn the_test_button_is_refused_where_a_save_would_be_and_limited(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let test = |c: &reqwest::Client, agent: String| {
        let c = c.clone();
        let app = &app;
        async move {
            app.call(
                &c,
                "failover/test",
                &[
                    ("agent_id", agent.as_str()),
                    ("draft[action_type]", "workflow"),
                    ("draft[webhook_url]", "https://does-not-exist.invalid/hook"),
                    ("draft[timeout_seconds]", "1"),
                ],
            )
            .await
        }
    };
    // Globex has failover off: its owner may not test (nor save).
    let globex_owner = app.signed_in("owner@globex.example").await;
    let globex_agent = app::store::agents::list_by_account(
        app.db.pool(),
        &app::store::accounts::find_by_slug(app.db.pool(), "globex")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()
    .into_iter()
    .find(|a| a.direction == app::domain::Direction::Inbound)
    .expect("an inbound agent")
    .id;
    let res = test(&globex_owner, globex_agent).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("feature_disabled"));
    // An outbound agent has no failover to test.
    let acme_owner = app.signed_in("owner@acme.example").await;
    let acme = app::store::accounts::find_by_slug(app.db.pool(), "acme")
        .await
        .unwrap()
        .unwrap();
    let outbound = app::store::agents::list_by_account(app.db.pool(), &acme.id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.direction == app::domain::Direction::Outbound)
        .expect("an outbound agent")
        .id;
    let res = test(&acme_owner, outbound).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("outbound_agent"));
    // A few webhook calls a minute per user, then 429 with Retry-After.
    let agent = app.agent_id("acme", "Accueil standard").await;
    let mut statuses = Vec::new();
    for _ in 0..(app::security::rate::TESTS_PER_USER_PER_MINUTE + 2) {
        let res = test(&acme_owner, agent.clone()).await;
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
        }
        statuses.push(res.status().as_u16());
    }
    assert!(
        statuses
            .iter()
            .take(app::security::rate::TESTS_PER_USER_PER_MINUTE as usize)
            .all(|s| *s == 200),
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // Another user has their own budget.
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(test(&editor, agent).await.status(), 200);
}

async fn events_are_limited_per_token(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.events_per_second = 3).await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let token = app.token("runtime:events", None).await;
    let other = app.token("runtime:events", None).await;
    let agent = app.agent_id("acme", "Accueil standard").await;
    let event = |i: usize| {
        serde_json::json!({
            "agent_id": agent, "call_id": format!("call-{i}"), "cause": "precall_timeout",
            "action_type": "say_message", "outcome": "succeeded",
            "occurred_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap(),
        })
    };
    let mut limited = None;
    for i in 0..10 {
        let res = app.post_event(&token, &event(i)).await;
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), 202);
    }
    let res = limited.expect("429 past the rate");
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(app.post_event(&other, &event(100)).await.status(), 202);
}

async fn restoring_applies_todays_rules(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.webhook_allow_list.0 = vec!["127.0.0.1:9913".into()];
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let agent = app.agent_id("acme", "Accueil standard").await;
    let c = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &c,
            "failover/save",
            &[
                ("agent_id", agent.as_str()),
                ("base_revision", "0"),
                ("draft[action_type]", "workflow"),
                ("draft[webhook_url]", "http://127.0.0.1:9913/hook"),
                ("draft[timeout_seconds]", "5"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        common::say(&app, &c, &agent, 1, "Bonjour").await.status(),
        200
    );
    // The same database served by a Relais whose allow-list no longer has that endpoint.
    let db = app.db.clone();
    let url = db.url().unwrap().to_owned();
    let strict = TestApp::spawn_on(backend, common::TestDb::external(url), |_| {}).await;
    let c2 = strict.signed_in("owner@acme.example").await;
    let res = strict
        .call(
            &c2,
            "failover/restore",
            &[
                ("agent_id", agent.as_str()),
                ("revision", "1"),
                ("base_revision", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("webhook_url"));
    let editor: serde_json::Value = strict
        .call(&c2, "failover/editor", &[("agent_id", &agent)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(editor["revision"], 2, "nothing restored");
}

on_both_backends!(
    sign_in_follows_only_local_paths,
    a_header_name_with_an_accent_is_a_field_error,
    malformed_calls_are_refused_with_400_not_500,
    an_attacker_cannot_lock_the_owner_out,
    a_success_clears_the_failures_of_its_client,
    a_client_failing_on_many_emails_waits,
    the_audit_trail_records_the_proxys_view_of_the_client,
    over_https_cookies_are_host_only_and_pages_send_hsts,
    over_plain_http_nothing_asks_for_https,
    a_new_tokens_secret_is_never_stored,
    history_pages_and_lists_say_when_a_page_is_past_the_end,
    the_allow_list_stays_on_the_server,
    the_test_button_is_refused_where_a_save_would_be_and_limited,
    events_are_limited_per_token,
    restoring_applies_todays_rules,
);
