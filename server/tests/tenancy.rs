//! Authorization on the server: staff see every account, customers only
//! their own, whatever URL or server-function call they forge.

mod common;

use common::{Backend, TestApp};
use serde_json::Value;

async fn slugs(app: &TestApp, c: &reqwest::Client, q: &str) -> Vec<String> {
    let res = app
        .call(c, "accounts/list", &[("q", q), ("page", "1")])
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn staff_see_every_account(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    for email in ["csm@relais.example", "admin@relais.example"] {
        let c = app.signed_in(email).await;
        assert_eq!(slugs(&app, &c, "").await, ["acme", "globex"]);
        assert_eq!(
            app.call(&c, "accounts/get", &[("slug", "globex")])
                .await
                .status(),
            200
        );
    }
}

async fn customers_see_only_their_accounts(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    assert_eq!(slugs(&app, &c, "").await, ["acme"]);
    assert!(slugs(&app, &c, "globex").await.is_empty());
    let res = app.call(&c, "accounts/get", &[("slug", "acme")]).await;
    assert_eq!(res.status(), 200);
    let acme: Value = res.json().await.unwrap();
    assert_eq!(acme["name"], "Acme Santé");
    assert_eq!(acme["agents"].as_array().unwrap().len(), 3);
    // Another tenant's account does not exist for them, by server function or page.
    let res = app.call(&c, "accounts/get", &[("slug", "globex")]).await;
    assert_eq!(res.status(), 404);
    let page = c
        .get(app.url("/accounts/globex"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(!html.contains("Globex Assurances"));
    assert!(!html.contains("Claims hotline"));
}

async fn only_owners_and_staff_see_members(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let acme: Value = app
        .call(&owner, "accounts/get", &[("slug", "acme")])
        .await
        .json()
        .await
        .unwrap();
    assert!(acme["members"]["members"].as_array().unwrap().len() >= 3);
    let viewer = app.signed_in("viewer@acme.example").await;
    let acme: Value = app
        .call(&viewer, "accounts/get", &[("slug", "acme")])
        .await
        .json()
        .await
        .unwrap();
    assert!(acme["members"].is_null());
    let csm = app.signed_in("csm@relais.example").await;
    let acme: Value = app
        .call(&csm, "accounts/get", &[("slug", "acme")])
        .await
        .json()
        .await
        .unwrap();
    assert!(acme["members"]["members"].is_array());
}

async fn anonymous_callers_get_401_and_pages_send_them_to_sign_in(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.client();
    assert_eq!(app.call(&c, "accounts/list", &[]).await.status(), 401);
    assert_eq!(
        app.call(&c, "accounts/get", &[("slug", "acme")])
            .await
            .status(),
        401
    );
    let res = c
        .get(app.url("/accounts/acme"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/signin?next=/accounts/acme");
}

async fn search_and_pages(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    assert_eq!(slugs(&app, &csm, "GLOB").await, ["globex"]);
    assert_eq!(slugs(&app, &csm, "santé").await, ["acme"]);
    assert!(
        slugs(&app, &csm, "%").await.is_empty(),
        "LIKE wildcards match literally"
    );
    for i in 0..25 {
        app::service::accounts::create(
            &app.system("test"),
            &format!("Zeta {i:02}"),
            &format!("zeta-{i:02}"),
        )
        .await
        .unwrap();
    }
    let res: Value = app
        .call(&csm, "accounts/list", &[("q", "zeta"), ("page", "2")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["total"], 25);
    assert_eq!(res["page"], 2);
    assert_eq!(res["items"].as_array().unwrap().len(), 5);
    assert_eq!(res["items"][0]["slug"], "zeta-20");
}

async fn pages_render_for_their_users(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    let html = app.page(&csm, "/accounts").await;
    assert!(
        html.contains("Acme Santé") && html.contains("Globex Assurances"),
        "{html}"
    );
    let owner = app.signed_in("owner@acme.example").await;
    let html = app.page(&owner, "/accounts/acme").await;
    assert!(html.contains("Accueil standard"));
    assert!(html.contains("Failover enabled"));
}

on_both_backends!(
    staff_see_every_account,
    customers_see_only_their_accounts,
    only_owners_and_staff_see_members,
    anonymous_callers_get_401_and_pages_send_them_to_sign_in,
    search_and_pages,
    pages_render_for_their_users,
);
