//! Business hours (SPEC §8): owners and staff keep an account's schedules;
//! the page says whether each is open now and until when; every change is
//! audited; the rules are the domain's, with the errors on their fields.

mod common;

use common::{Backend, TestApp};
use serde_json::Value;

/// A week open Monday to Friday 09:00–18:00 (with a lunch break on Monday),
/// in Paris, closed on Christmas, as the form posts it.
fn front_desk(name: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("slug".to_owned(), "acme".to_owned()),
        ("name".to_owned(), name.to_owned()),
        ("timezone".to_owned(), "Europe/Paris".to_owned()),
        ("weekly[0][0][start]".to_owned(), "09:00".to_owned()),
        ("weekly[0][0][end]".to_owned(), "12:30".to_owned()),
        ("weekly[0][1][start]".to_owned(), "14:00".to_owned()),
        ("weekly[0][1][end]".to_owned(), "18:00".to_owned()),
        ("closures[0][from]".to_owned(), "2026-12-25".to_owned()),
        ("closures[0][to]".to_owned(), String::new()),
        ("closures[0][label]".to_owned(), "Noël".to_owned()),
    ];
    for d in 1..5 {
        form.push((format!("weekly[{d}][0][start]"), "09:00".to_owned()));
        form.push((format!("weekly[{d}][0][end]"), "18:00".to_owned()));
    }
    form
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn hours_page(app: &TestApp, c: &reqwest::Client) -> Value {
    let res = app.call(c, "schedules/list", &[("slug", "acme")]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn owners_and_staff_keep_business_hours(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;

    let res = app
        .call(&owner, "schedules/save", &pairs(&front_desk("Front desk")))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let id: String = res.json().await.unwrap();

    let page = hours_page(&app, &owner).await;
    let s = &page["schedules"][0];
    assert_eq!(s["id"], id.as_str());
    assert_eq!(s["name"], "Front desk");
    assert_eq!(
        s["weekly"][0],
        serde_json::json!(["09:00–12:30", "14:00–18:00"])
    );
    assert_eq!(s["weekly"][5], serde_json::json!([]));
    assert_eq!(
        s["closures"][0],
        serde_json::json!(["2026-12-25", "2026-12-25", "Noël"])
    );
    assert!(
        s["next_change"].is_array(),
        "open or closed, it changes within a week: {s}"
    );
    assert!(
        page["zones"]
            .as_array()
            .unwrap()
            .iter()
            .any(|z| z == "Europe/Paris")
    );

    // The rules, on their fields; nothing saved.
    let mut bad = front_desk("Front desk");
    bad.retain(|(k, _)| !k.starts_with("weekly[1]"));
    bad.extend([
        ("weekly[1][0][start]".to_owned(), "18:00".to_owned()),
        ("weekly[1][0][end]".to_owned(), "09:00".to_owned()),
        ("weekly[2][1][start]".to_owned(), "10:00".to_owned()),
        ("weekly[2][1][end]".to_owned(), "11:00".to_owned()),
        ("closures[1][from]".to_owned(), "2026-02-30".to_owned()),
        ("closures[1][label]".to_owned(), "Jamais".to_owned()),
    ]);
    for (k, v) in bad.iter_mut() {
        if k == "timezone" {
            *v = "Mars/Olympus".to_owned();
        }
    }
    let res = app.call(&owner, "schedules/save", &pairs(&bad)).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    for (field, code) in [
        ("tue.0", "end_before_start"),
        ("wed.1", "overlapping"),
        ("timezone", "unknown_time_zone"),
        ("closures.1.from", "invalid_date"),
    ] {
        assert!(
            body.contains(&format!(r#"{{"field":"{field}","code":"{code}"}}"#)),
            "{field} {code}: {body}"
        );
    }
    let res = app
        .call(&owner, "schedules/save", &pairs(&front_desk("Front desk")))
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("taken_name"));
    assert_eq!(
        hours_page(&app, &owner).await["schedules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A CSM changes it: Saturday mornings too.
    let csm = app.signed_in("csm@relais.example").await;
    let mut saturday = front_desk("Front desk");
    saturday.push(("id".to_owned(), id.clone()));
    saturday.push(("weekly[5][0][start]".to_owned(), "09:00".to_owned()));
    saturday.push(("weekly[5][0][end]".to_owned(), "12:00".to_owned()));
    let res = app.call(&csm, "schedules/save", &pairs(&saturday)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        hours_page(&app, &owner).await["schedules"][0]["weekly"][5],
        serde_json::json!(["09:00–12:00"])
    );

    // The audit log says it in words.
    let res = app
        .call(&owner, "audit/list", &[("action", "schedule.")])
        .await;
    let audit: Value = res.json().await.unwrap();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    assert_eq!(entries[0]["action"], "schedule.update");
    assert_eq!(entries[0]["subject_name"], "Front desk");
    assert!(
        entries[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "sat" && c["after"] == "09:00–12:00"),
        "{audit}"
    );

    // Delete.
    let res = app.call(&owner, "schedules/delete", &[("id", &id)]).await;
    assert_eq!(res.status(), 200);
    assert!(
        hours_page(&app, &owner).await["schedules"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

on_both_backends!(owners_and_staff_keep_business_hours);

async fn only_owners_and_staff_see_an_accounts_hours(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(&owner, "schedules/save", &pairs(&front_desk("Front desk")))
        .await;
    let id: String = res.json().await.unwrap();
    for who in ["editor@acme.example", "viewer@acme.example"] {
        let c = app.signed_in(who).await;
        let res = app.call(&c, "schedules/list", &[("slug", "acme")]).await;
        assert_eq!(res.status(), 403, "{who}");
        let res = app.call(&c, "schedules/delete", &[("id", &id)]).await;
        assert_eq!(res.status(), 403, "{who}");
    }
    // Another tenant's: not found, and nothing changes.
    let globex = app.signed_in("owner@globex.example").await;
    let res = app
        .call(&globex, "schedules/list", &[("slug", "acme")])
        .await;
    assert_eq!(res.status(), 404);
    let res = app.call(&globex, "schedules/delete", &[("id", &id)]).await;
    assert_eq!(res.status(), 404);
    let mut theirs = front_desk("Taken over");
    theirs.push(("id".to_owned(), id.clone()));
    let res = app.call(&globex, "schedules/save", &pairs(&theirs)).await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        hours_page(&app, &owner).await["schedules"][0]["name"],
        "Front desk"
    );
    // The page itself.
    let res = owner
        .get(app.url("/accounts/acme/hours"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Front desk") && html.contains("Europe/Paris"));
    assert!(
        html.contains("Open now") || html.contains("Closed now"),
        "{html}"
    );
}

on_both_backends!(only_owners_and_staff_see_an_accounts_hours);
