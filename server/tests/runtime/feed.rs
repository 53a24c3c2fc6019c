//! The changes feed over real HTTP on both databases.

use crate::common::{Backend, TestApp};
use crate::on_both_backends;
use serde_json::{Value, json};

async fn the_changes_feed_pages_through_every_change(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let res = app
            .runtime_get(
                Some(&token),
                &format!("/failover-configs?after={cursor}&limit=2"),
            )
            .await;
        assert_eq!(res.status(), 200);
        let page: Value = res.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|i| i["agent_id"].as_str().unwrap().to_owned()),
        );
        cursor = page["cursor"].as_str().unwrap().to_owned();
        pages += 1;
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let agents: i64 = sqlx::query_scalar::<sqlx::Any, i64>("SELECT COUNT(*) FROM agents")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seen.len() as i64, agents);
    assert!(pages >= 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len());

    // Nothing new: an empty page that keeps the cursor.
    let page: Value = app
        .runtime_get(Some(&token), &format!("/failover-configs?after={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["cursor"], cursor.as_str());
    assert_eq!(page["has_more"], false);

    // A flag switch yields every agent of that account.
    let csm = app.signed_in("csm@relais.example").await;
    app.switched(&csm, "globex", true).await;
    let page: Value = app
        .runtime_get(Some(&token), &format!("/failover-configs?after={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let globex_id: String =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT id FROM accounts WHERE slug = 'globex'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert!(items.iter().all(|i| i["account_id"] == globex_id.as_str()));
    assert!(items.iter().any(|i| i["reason"] == "not_configured"));

    // A token bound to an account sees only its agents.
    let acme = app.token("runtime:read", Some("acme")).await;
    let page: Value = app
        .runtime_get(Some(&acme), "/failover-configs?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);

    // Bad queries.
    for q in ["after=garbage", "limit=0", "limit=1001", "limit=x"] {
        let res = app
            .runtime_get(Some(&token), &format!("/failover-configs?{q}"))
            .await;
        assert_eq!(res.status(), 422, "{q}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_query");
        assert!(body["error"]["fields"].is_object());
    }
    assert_eq!(
        app.runtime_get(None, "/failover-configs").await.status(),
        401
    );
}

on_both_backends!(the_changes_feed_pages_through_every_change,);
