//! What a plain form post (no JavaScript) brings back: the page it came
//! from, at the form (`#place`), a message after a change, what was typed
//! after a refusal — once, never a password, never off-site.

mod common;

use common::{Backend, TestApp, form_post};

async fn a_save_says_so_at_its_form_once(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let location = form_post(
        &app,
        &c,
        "accounts/default_message",
        "/accounts/acme",
        &[
            ("slug", "acme"),
            ("text", "Un instant."),
            ("language", "fr-FR"),
        ],
    )
    .await;
    // Back to the page, without a stray `?` (the notice takes the focus).
    assert_eq!(location, "/accounts/acme");
    let page = app.page(&c, "/accounts/acme").await;
    let notice = page
        .split(r#"data-testid="notice""#)
        .nth(1)
        .expect("a notice on the page");
    let text = notice.split_once('>').unwrap().1;
    assert!(text.starts_with("Saved.</p>"), "{notice:.80}");
    let card = page.split(r#"id="default-message""#).nth(1).unwrap();
    assert!(
        card.contains(r#"data-testid="notice""#),
        "the notice is in the card"
    );
    // Once: a reload doesn't say it again.
    let again = app.page(&c, "/accounts/acme").await;
    assert!(!again.contains(r#"data-testid="notice""#));
    // A page further down the list keeps its query.
    let location = form_post(
        &app,
        &c,
        "accounts/default_message",
        "/accounts/acme?agents_page=2&__path=x&__err=y",
        &[
            ("slug", "acme"),
            ("text", "Un instant."),
            ("language", "fr-FR"),
        ],
    )
    .await;
    assert_eq!(location, "/accounts/acme?agents_page=2");
}

async fn a_refused_form_keeps_what_was_typed_once(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let location = form_post(
        &app,
        &c,
        "sip/create",
        "/accounts/acme",
        &[
            ("slug", "acme"),
            ("name", "Ligne Nantes"),
            ("sip_uri", "not a uri"),
        ],
    )
    .await;
    assert!(location.starts_with("/accounts/acme?__path="), "{location}");
    assert!(location.ends_with("#sip-new"), "{location}");
    let page = app.page(&c, &location).await;
    assert!(page.contains(r#"value="Ligne Nantes""#), "the name stays");
    assert!(page.contains(r#"value="not a uri""#), "the URI stays");
    assert!(
        page.contains(r#"class="field-error""#),
        "and says what's wrong"
    );
    let again = app.page(&c, "/accounts/acme").await;
    if let Some(i) = again.find("Ligne Nantes") {
        panic!("kept once only: {}", &again[i.saturating_sub(300)..i + 50]);
    }
}

async fn a_failed_sign_in_keeps_the_email_not_the_password(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.client();
    let location = form_post(
        &app,
        &c,
        "sign_in",
        "/signin?next=%2Faudit%3Faccount%3Dacme",
        &[
            ("email", "owner@acme.example"),
            ("password", "a-wrong-secret-9"),
            ("next", "/audit?account=acme"),
        ],
    )
    .await;
    assert!(location.starts_with("/signin?next="), "{location}");
    assert!(location.ends_with("#signin"), "{location}");
    let page = app.page(&c, &location).await;
    assert!(page.contains(r#"value="owner@acme.example""#), "{page}");
    assert!(page.contains("Wrong email or password."));
    let sessions: Vec<String> =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT data FROM sessions")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(sessions.iter().all(|s| !s.contains("a-wrong-secret-9")));
    // The deep link survives the refusal: the next try lands on it.
    let location = form_post(
        &app,
        &c,
        "sign_in",
        "/signin?next=%2Faudit%3Faccount%3Dacme",
        &[
            ("email", "owner@acme.example"),
            ("password", common::DEMO_PASSWORD),
            ("next", "/audit?account=acme"),
        ],
    )
    .await;
    assert_eq!(location, "/audit?account=acme");
}

async fn a_deep_link_keeps_its_query_through_sign_in(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let res = app
        .client()
        .get(app.url("/audit?account=acme&action=account.failover"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "/signin?next=/audit%3Faccount%3Dacme%26action%3Daccount.failover"
    );
}

async fn the_answer_never_leaves_the_site(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    for referer in [
        "https://evil.example/accounts/acme",
        "http://127.0.0.1.evil.example/x",
        "not a url",
    ] {
        let res = c
            .post(app.url("/api/accounts/default_message"))
            .header("accept", "text/html")
            .header("origin", &app.base)
            .header("referer", referer)
            .form(&[("slug", "acme"), ("text", ""), ("language", "fr-FR")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302);
        assert_eq!(res.headers()["location"], "/", "{referer}");
    }
}

async fn notices_speak_the_pages_language(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    assert_eq!(
        app.call(&c, "locale", &[("locale", "fr")]).await.status(),
        200
    );
    form_post(
        &app,
        &c,
        "accounts/default_message",
        "/accounts/acme",
        &[("slug", "acme"), ("text", ""), ("language", "fr-FR")],
    )
    .await;
    let page = app.page(&c, "/accounts/acme").await;
    let notice = page
        .split(r#"data-testid="notice""#)
        .nth(1)
        .expect("a notice");
    assert!(
        notice
            .split_once('>')
            .unwrap()
            .1
            .starts_with("Enregistré.</p>")
    );
}

on_both_backends!(
    a_save_says_so_at_its_form_once,
    a_refused_form_keeps_what_was_typed_once,
    a_failed_sign_in_keeps_the_email_not_the_password,
    a_deep_link_keeps_its_query_through_sign_in,
    the_answer_never_leaves_the_site,
    notices_speak_the_pages_language,
);

async fn a_wrong_period_keeps_the_filters_and_says_why(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    let res = c
        .get(app.url("/events?from=2026-06-10&to=2026-06-01"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap().replace("<!>", "");
    assert!(html.contains(r#"id="f-from""#), "the filters stay");
    assert!(
        html.contains(r#"value="2026-06-10""#),
        "with the dates typed"
    );
    assert!(html.contains("The end date must not be before the start date."));
    assert!(!html.contains("out of the allowed range"));
    let res = c
        .get(app.url("/events?from=2024-01-01&to=2026-06-01"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("At most 366 days between the two dates."));
}

on_both_backends!(a_wrong_period_keeps_the_filters_and_says_why);

async fn a_crafted_id_never_breaks_the_answer(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.signed_in("owner@acme.example").await;
    for id in ["x\r\nSet-Cookie: a=b", "x y#z", "\u{7f}"] {
        let location = form_post(
            &app,
            &c,
            "sip/update",
            "/accounts/acme",
            &[("id", id), ("name", "N"), ("sip_uri", "sip:a@b.example")],
        )
        .await;
        assert!(location.ends_with("#main"), "{location}");
    }
}

on_both_backends!(a_crafted_id_never_breaks_the_answer);
