//! CSRF refusal and the security headers of every response.

mod common;

use common::{Backend, DEMO_PASSWORD, TestApp};

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.client();
    let form = [("email", "csm@relais.example"), ("password", DEMO_PASSWORD)];
    let post = |headers: Vec<(&'static str, String)>| {
        let mut req = c.post(app.url("/api/sign_in")).form(&form);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let res = post(vec![("sec-fetch-site", "cross-site".into())])
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = post(vec![("origin", "https://evil.example".into())])
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(app.whoami(&c).await.is_null(), "nothing signed in");
    // A same-origin form post works, with or without JavaScript.
    let res = post(vec![
        ("origin", app.base.clone()),
        ("sec-fetch-site", "same-origin".into()),
        ("accept", "text/html".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(app.whoami(&c).await["email"], "csm@relais.example");
}

async fn a_plain_form_post_error_returns_to_the_form(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let c = app.client();
    let res = c
        .post(app.url("/api/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.url("/signin"))
        .header("origin", &app.base)
        .form(&[
            ("email", "csm@relais.example"),
            ("password", "wrong-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/signin?") && location.contains("__err="),
        "{location}"
    );
    let page = c
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Wrong email or password."), "{page}");
}

async fn pages_carry_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.client().get(app.url("/signin")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce in the policy")
        .to_owned();
    assert!(nonce.len() >= 16);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );
    for label in ["Email", "Password", "Sign in"] {
        assert!(html.contains(&format!(">{label}<")), "label {label}");
    }
    // Each page gets its own nonce.
    let again = app.client().get(app.url("/signin")).send().await.unwrap();
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce)
    );
    // Other responses get a policy that allows nothing.
    let res = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
}

async fn french_browsers_get_french_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app
        .client()
        .get(app.url("/signin"))
        .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"fr\""),
        "{}",
        &html[..200.min(html.len())]
    );
    assert!(html.contains(">Mot de passe<") && html.contains(">Se connecter<"));
    // A remembered choice wins over the browser's language.
    let res = app
        .client()
        .get(app.url("/signin"))
        .header("accept-language", "fr-FR")
        .header("cookie", "i18n_pref_locale=en")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains(">Password<"));
}

on_both_backends!(
    cross_site_posts_are_refused,
    a_plain_form_post_error_returns_to_the_form,
    pages_carry_security_headers,
    french_browsers_get_french_pages,
);

async fn the_language_choice_is_a_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.client();
    let res = app.call(&c, "locale", &[("locale", "fr")]).await;
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("i18n_pref_locale=fr;") && cookie.contains("Max-Age=31536000"),
        "{cookie}"
    );
    let html = c
        .get(app.url("/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(">Mot de passe<"));
    assert_eq!(
        app.call(&c, "locale", &[("locale", "de")]).await.status(),
        422
    );
}

on_both_backends!(the_language_choice_is_a_cookie);
