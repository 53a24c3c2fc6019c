//! The runtime API's documents over real HTTP on both databases: reasons,
//! ETags, every change visible at once, and gzip where it pays.

use crate::common::{Backend, TestApp, say};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn documents_follow_every_change_at_once(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let acme_id: String =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT id FROM accounts WHERE slug = 'acme'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();

    let res = app
        .runtime_get(Some(&token), &format!("/agents/{accueil}/failover"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["agent_id"], accueil.as_str());
    assert_eq!(d["account_id"], acme_id.as_str());
    assert_eq!(d["enabled"], false);
    assert_eq!(d["reason"], "not_configured");
    assert_eq!(d["action"], Value::Null);
    assert_eq!(
        d["default_error_message"],
        json!({"text": "Nos services sont temporairement indisponibles. Merci de rappeler ultérieurement.", "language": "fr-FR"})
    );
    assert!(d["updated_at"].as_str().unwrap().ends_with('Z'));
    let rev0 = d["revision"].as_i64().unwrap();

    // 304 on the same ETag (also in a list), 200 on another.
    let client = reqwest::Client::new();
    let url = app.url(&format!("/api/runtime/v1/agents/{accueil}/failover"));
    let res = client
        .get(&url)
        .bearer_auth(&token)
        .header("if-none-match", format!("\"x\", {etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    let res = client
        .get(&url)
        .bearer_auth(&token)
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A save is visible to the very next request.
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(
        say(&app, &editor, &accueil, 0, "Un instant s'il vous plaît")
            .await
            .status(),
        200
    );
    let d = app.doc(&token, &accueil).await;
    assert_eq!(d["enabled"], true);
    assert_eq!(d["reason"], Value::Null);
    assert_eq!(
        d["action"],
        json!({"type": "say_message", "text": "Un instant s'il vous plaît", "language": "fr-FR"})
    );
    let rev1 = d["revision"].as_i64().unwrap();
    assert!(rev1 > rev0);
    let res = client
        .get(&url)
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the old ETag no longer matches");

    // The flag off: feature_disabled at once; on again: the saved action is back.
    let csm = app.signed_in("csm@relais.example").await;
    app.switched(&csm, "acme", false).await;
    let d = app.doc(&token, &accueil).await;
    assert_eq!(
        (
            d["enabled"].clone(),
            d["reason"].clone(),
            d["action"].clone()
        ),
        (json!(false), json!("feature_disabled"), Value::Null)
    );
    let rev2 = d["revision"].as_i64().unwrap();
    assert!(rev2 > rev1);
    app.switched(&csm, "acme", true).await;
    let d = app.doc(&token, &accueil).await;
    assert_eq!(d["enabled"], true);
    assert!(d["revision"].as_i64().unwrap() > rev2);

    // The owner's default message.
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "accounts/default_message",
            &[
                ("slug", "acme"),
                ("text", "Rappelez-nous plus tard."),
                ("language", "fr-FR"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let d = app.doc(&token, &accueil).await;
    assert_eq!(
        d["default_error_message"],
        json!({"text": "Rappelez-nous plus tard.", "language": "fr-FR"})
    );

    // A SIP transfer names its connection; renaming the connection changes the document.
    let conn_id: String = sqlx::query_scalar::<sqlx::Any, String>(
        "SELECT id FROM sip_connections WHERE name = 'Standard Lyon'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let rev = d["revision"].as_i64().unwrap();
    let _ = rev;
    let res = app
        .call(
            &owner,
            "failover/save",
            &[
                ("agent_id", accueil.as_str()),
                ("base_revision", "1"),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "25"),
                ("draft[transfer_target]", "sip"),
                ("draft[sip_connection_id]", conn_id.as_str()),
                ("draft[sip_destination_id]", "queue-7"),
                ("draft[sip_headers][0][name]", "X-Reason"),
                ("draft[sip_headers][0][value]", "failover"),
                ("draft[sip_user_to_user]", "0a1b"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let d = app.doc(&token, &accueil).await;
    assert_eq!(
        d["action"],
        json!({"type": "transfer", "max_ring_seconds": 25, "sip": {
            "connection_id": conn_id, "connection_name": "Standard Lyon",
            "sip_uri": "sips:standard@pbx.acme-sante.example", "destination_id": "queue-7",
            "headers": [{"name": "X-Reason", "value": "failover"}], "user_to_user": "0a1b"}})
    );
    let res = app
        .call(
            &owner,
            "sip/update",
            &[
                ("id", conn_id.as_str()),
                ("name", "Standard Lyon 2"),
                ("sip_uri", "sip:standard@pbx2.acme-sante.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let d = app.doc(&token, &accueil).await;
    assert_eq!(d["action"]["sip"]["connection_name"], "Standard Lyon 2");
    assert_eq!(
        d["action"]["sip"]["sip_uri"],
        "sip:standard@pbx2.acme-sante.example"
    );

    // A phone transfer.
    let res = app
        .call(
            &owner,
            "failover/save",
            &[
                ("agent_id", accueil.as_str()),
                ("base_revision", "2"),
                ("draft[action_type]", "transfer"),
                ("draft[max_ring_seconds]", "20"),
                ("draft[transfer_target]", "phone"),
                ("draft[phone_number]", "+33123456789"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let d = app.doc(&token, &accueil).await;
    assert_eq!(
        d["action"],
        json!({"type": "transfer", "max_ring_seconds": 20, "phone_number": "+33123456789"})
    );

    // Outbound agents, and an account with the flag off.
    let outbound = app.agent_id("acme", "Relance impayés").await;
    let d = app.doc(&token, &outbound).await;
    assert_eq!(
        (d["enabled"].clone(), d["reason"].clone()),
        (json!(false), json!("outbound_agent"))
    );
    let claims = app.agent_id("globex", "Claims hotline").await;
    let d = app.doc(&token, &claims).await;
    assert_eq!(d["reason"], "feature_disabled");
}

/// A one-step plan keeps every v1 field as it was: `action` is the first
/// step of `routes.default`; a config stored before plans (its action
/// alone) still reads, and a SIP transfer names its connection in both.
async fn a_one_step_plan_keeps_the_v1_document(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let editor = app.signed_in("editor@acme.example").await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    assert_eq!(
        say(&app, &editor, &accueil, 0, "Bonjour.").await.status(),
        200
    );
    app.wait_synced().await;
    let d = app.doc(&token, &accueil).await;
    let message = json!({"type": "say_message", "text": "Bonjour.", "language": "fr-FR"});
    assert_eq!(d["action"], message);
    assert_eq!(d["routes"], json!({"default": [message]}));
    assert_eq!(d["schedules"], json!({}));

    // A row written before plans: the action alone.
    let v1 = r#"{"type":"transfer","max_ring_seconds":20,"phone_number":"+33123456789"}"#;
    let mut conn = app.db.pool().acquire().await.unwrap();
    sqlx::query::<sqlx::Any>("UPDATE failover_configs SET action_json = $1 WHERE agent_id = $2")
        .bind(v1)
        .bind(&accueil)
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut tx = app.db.pool().begin().await.unwrap();
    app::store::changes::touch(&mut tx, app::store::changes::Touched::Agent(&accueil))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.wait_synced().await;
    let d = app.doc(&token, &accueil).await;
    let transfer =
        json!({"type": "transfer", "max_ring_seconds": 20, "phone_number": "+33123456789"});
    assert_eq!(d["action"], transfer);
    assert_eq!(d["routes"]["default"][0], transfer);
    // And the editor and the history read it too.
    let res = app
        .call(&editor, "failover/editor", &[("agent_id", &accueil)])
        .await;
    assert_eq!(res.status(), 200);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["action"]["type"], "transfer", "{e}");
}

on_both_backends!(a_one_step_plan_keeps_the_v1_document);

/// Pages of the feed, the OpenAPI document and the UI's pages are gzipped
/// when asked; a single document is not (too small to gain).
async fn large_answers_are_compressed(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let get = async |path: &str, gzip: bool| {
        let mut req = reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(&token);
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let encoding = res
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned());
        (encoding, res.bytes().await.unwrap())
    };
    for path in [
        "/api/runtime/v1/failover-configs?limit=1000",
        "/api/runtime/v1/openapi.json",
        "/signin",
    ] {
        let (plain_encoding, plain) = get(path, false).await;
        assert_eq!(plain_encoding, None, "{path}");
        let (encoding, zipped) = get(path, true).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&zipped[..]),
            &mut unzipped,
        )
        .unwrap();
        assert!(zipped.len() < unzipped.len(), "{path}");
        if path != "/signin" {
            // (A page differs from one rendering to the next: its CSP nonce.)
            assert_eq!(unzipped, plain, "{path}");
        }
    }
    let (encoding, _) = get(&format!("/api/runtime/v1/agents/{accueil}/failover"), true).await;
    assert_eq!(encoding, None, "a single document goes as it is");
}

/// The runtime's two reads are answered before the router when plainly
/// asked (`Front` in the HTTP layer), and so is OFREP's single evaluation;
/// asked another way (an id or key percent-encoded, `HEAD`) they go through
/// the router. Both answer alike: status, body, ETag and headers, errors,
/// metrics.
async fn fast_and_routed_reads_answer_alike(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    // The same id, its first character percent-encoded: only the router decodes it.
    let first = accueil.as_bytes()[0];
    let encoded = format!("%{first:02X}{}", &accueil[1..]);
    let client = reqwest::Client::new();
    let fetch = async |method: reqwest::Method, path: String, token: Option<&str>| {
        let mut req = client.request(method, app.url(&path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        answered(req.send().await.unwrap()).await
    };
    for tail in [
        "failover",
        "failover/resolve?cause=precall_timeout&at=2026-12-07T10:00:00Z",
        "failover/resolve?cause=nope",
    ] {
        for t in [
            Some(token.as_str()),
            None,
            Some("relais_rt_not-a-real-token"),
        ] {
            let fast = fetch(
                reqwest::Method::GET,
                format!("/api/runtime/v1/agents/{accueil}/{tail}"),
                t,
            )
            .await;
            let routed = fetch(
                reqwest::Method::GET,
                format!("/api/runtime/v1/agents/{encoded}/{tail}"),
                t,
            )
            .await;
            assert_eq!(fast, routed, "{tail}, token {t:?}");
        }
    }
    let (status, _, body) = fetch(
        reqwest::Method::GET,
        format!("/api/runtime/v1/agents/{accueil}/failover"),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);
    let d: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(d["agent_id"], accueil.as_str());
    // HEAD: the GET's headers, no body.
    let (get_status, get_headers, _) = fetch(
        reqwest::Method::GET,
        format!("/api/runtime/v1/agents/{accueil}/failover"),
        Some(&token),
    )
    .await;
    let (status, headers, body) = fetch(
        reqwest::Method::HEAD,
        format!("/api/runtime/v1/agents/{accueil}/failover"),
        Some(&token),
    )
    .await;
    assert_eq!((status, headers), (get_status, get_headers));
    assert!(body.is_empty());
    // Unknown agents, and paths that are neither read, both ways.
    for path in [
        "/api/runtime/v1/agents/no-such-agent/failover",
        "/api/runtime/v1/agents/no%2Dsuch/failover",
        "/api/runtime/v1/agents//failover",
        "/api/runtime/v1/agents/x/failover/other",
        "/api/runtime/v1/agents/x",
    ] {
        let (status, headers, body) =
            fetch(reqwest::Method::GET, path.to_owned(), Some(&token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            headers.contains(&("content-type".to_owned(), "application/json".to_owned())),
            "{path}: {headers:?}"
        );
        let e: Value = serde_json::from_slice(&body).unwrap();
        assert!(e["error"]["code"].is_string(), "{path}: {e}");
    }
    // OFREP's single evaluation: plainly asked, before the router; with the
    // flag key percent-encoded, through it.
    let evaluate = async |path: &str, token: &str, body: &str| {
        let res = client
            .post(app.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        answered(res).await
    };
    let with_key = format!(r#"{{"context":{{"targetingKey":"{accueil}"}}}}"#);
    for (t, body) in [
        (token.as_str(), with_key.as_str()),
        (token.as_str(), r#"{"context":{}}"#),
        (token.as_str(), "not json"),
        ("relais_rt_not-a-real-token", with_key.as_str()),
    ] {
        let fast = evaluate("/ofrep/v1/evaluate/flags/failover", t, body).await;
        let routed = evaluate("/ofrep/v1/evaluate/flags/%66ailover", t, body).await;
        assert_eq!(fast, routed, "{body}");
    }
    let (status, _, body) = evaluate("/ofrep/v1/evaluate/flags/failover", &token, &with_key).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["key"], "failover");
    // Both ways are counted under the route's pattern, never the id.
    let metrics = app.metrics().await;
    let count = |needle: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(needle))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let ok = count(
        r#"relais_http_requests_total{route="/api/runtime/v1/agents/{agent_id}/failover",method="GET",status="200"}"#,
    );
    assert!(ok >= 4, "fast and routed GETs counted: {ok}\n{metrics}");
    let evaluated = count(
        r#"relais_http_requests_total{route="/ofrep/v1/evaluate/flags/{key}",method="POST",status="200"}"#,
    );
    assert!(
        evaluated >= 2,
        "fast and routed evaluations counted: {evaluated}"
    );
    assert!(!metrics.contains(&accueil), "no ids in the metrics");
}

/// An answer's status, the headers a runtime reads, and its body.
async fn answered(
    res: reqwest::Response,
) -> (StatusCode, Vec<(String, String)>, axum::body::Bytes) {
    let headers = [
        "content-type",
        "etag",
        "cache-control",
        "x-content-type-options",
        "www-authenticate",
    ]
    .iter()
    .filter_map(|h| {
        res.headers()
            .get(*h)
            .map(|v| ((*h).to_owned(), v.to_str().unwrap().to_owned()))
    })
    .collect();
    (res.status(), headers, res.bytes().await.unwrap())
}

on_both_backends!(
    documents_follow_every_change_at_once,
    fast_and_routed_reads_answer_alike,
    large_answers_are_compressed,
);
