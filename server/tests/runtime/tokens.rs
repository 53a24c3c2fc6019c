//! Runtime tokens over real HTTP on both databases: missing, unknown, revoked,
//! scopes, bound to an account, and when each was last used.

use crate::common::{Backend, TestApp};
use crate::on_both_backends;
use serde_json::Value;

async fn tokens_are_checked_on_every_request(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let claims = app.agent_id("globex", "Claims hotline").await;
    let path = format!("/agents/{accueil}/failover");

    let res = app.runtime_get(None, &path).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "missing_token");
    assert!(body["error"]["message"].as_str().unwrap().len() > 5);

    let res = app
        .runtime_get(Some("relais_rt_notarealtoken"), &path)
        .await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"));
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_token"
    );
    let res = app.runtime_get(Some("something-else"), &path).await;
    assert_eq!(res.status(), 401);

    // Scopes.
    let events_only = app.token("runtime:events", None).await;
    let res = app.runtime_get(Some(&events_only), &path).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "insufficient_scope"
    );

    // A token bound to globex reads globex, not acme.
    let globex = app.token("runtime:read", Some("globex")).await;
    assert_eq!(
        app.runtime_get(Some(&globex), &format!("/agents/{claims}/failover"))
            .await
            .status(),
        200
    );
    let res = app.runtime_get(Some(&globex), &path).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "account_forbidden"
    );

    // Unknown agent.
    let read = app.token("runtime:read", None).await;
    let res = app.runtime_get(Some(&read), "/agents/nope/failover").await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "unknown_agent"
    );

    // Admins create and revoke tokens from the UI; a CSM may not.
    let csm = app.signed_in("csm@relais.example").await;
    let res = app
        .call(
            &csm,
            "tokens/create",
            &[("name", "Runtime EU"), ("read", "on")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let admin = app.signed_in("admin@relais.example").await;
    let res = app
        .call(
            &admin,
            "tokens/create",
            &[("name", "Runtime EU"), ("read", "on"), ("account", "")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("relais_rt_"));
    // Usable by the very next request.
    assert_eq!(app.runtime_get(Some(&secret), &path).await.status(), 200);
    // Only a hash is stored.
    let stored: i64 = sqlx::query_scalar::<sqlx::Any, i64>(
        "SELECT COUNT(*) FROM runtime_tokens WHERE secret_hash = $1 OR prefix = $1 OR name = $1",
    )
    .bind(&secret)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(stored, 0);
    // Refused without any scope, or with an unknown account.
    let res = app
        .call(&admin, "tokens/create", &[("name", "No scope")])
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .call(
            &admin,
            "tokens/create",
            &[("name", "Bad"), ("read", "on"), ("account", "nope")],
        )
        .await;
    assert_eq!(res.status(), 422);

    // Revoked: refused from the next request on.
    assert_eq!(
        app.call(&csm, "tokens/revoke", &[("id", &id)])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call(&admin, "tokens/revoke", &[("id", &id)])
            .await
            .status(),
        200
    );
    let res = app.runtime_get(Some(&secret), &path).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "revoked_token"
    );
    let list: Value = app
        .call(&admin, "tokens/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(row["revoked_at"].is_number());
    assert!(secret.starts_with(row["prefix"].as_str().unwrap()));
    // Audited, with the admin as actor.
    let n: i64 = sqlx::query_scalar::<sqlx::Any, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke') AND actor_label = 'admin@relais.example'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(n, 2);
}

/// When a token was last presented is kept in memory (no write per request)
/// and written every 30 s and at shutdown; the tokens page shows it.
async fn token_use_is_recorded(backend: Backend) {
    let db = crate::common::fresh_db(backend).await;
    let a = TestApp::spawn_on(backend, db.share(), |_| {}).await;
    relais_server::demo::seed(&a.system("demo")).await.unwrap();
    let token = a.token("runtime:read", None).await;
    let last_used = async |app: &TestApp| {
        sqlx::query_scalar::<sqlx::Any, Option<i64>>(
            "SELECT last_used_at FROM runtime_tokens WHERE name = 'test token'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap()
    };
    assert_eq!(last_used(&a).await, None);
    let before = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    assert_eq!(
        a.runtime_get(Some(&token), "/failover-configs")
            .await
            .status(),
        200
    );
    assert_eq!(
        last_used(&a).await,
        None,
        "nothing written on the request path"
    );
    let b = TestApp::spawn_on(backend, db.share(), |_| {}).await;
    a.stop().await;
    let at = last_used(&b).await.expect("written at shutdown");
    assert!(
        at >= before - 1000 && at <= before + 60_000,
        "{at} vs {before}"
    );

    let admin = b.signed_in("admin@relais.example").await;
    let page = b.page(&admin, "/tokens").await;
    // The "last used" cell of a token's row.
    let cell = |name: &str| {
        let start = page.find(&format!("data-token=\"{name}\"")).expect(name);
        let row = page[start..].split("</tr>").next().unwrap();
        let start = row.find("data-testid=\"last-used\"").expect("cell");
        row[start..].split("</td>").next().unwrap().to_owned()
    };
    assert!(
        cell("test token").contains(" UTC"),
        "{}",
        cell("test token")
    );
    assert!(
        cell("Demo runtime").contains("Never"),
        "{}",
        cell("Demo runtime")
    );
    b.stop().await;
    drop(db);
}

on_both_backends!(tokens_are_checked_on_every_request, token_use_is_recorded,);
