//! People in the browser (SPEC §7), over real HTTP on both databases:
//! accounts created and renamed by staff, invitations from creation to use,
//! members' roles, the last owner and the last admin, disabling, password
//! resets, one's own password and sessions, e-mail through a local SMTP server.

mod common;

use common::{Backend, TestApp, eventually};
use serde_json::Value;

const NEW_PASSWORD: &str = "a brand new lantern passphrase";

async fn json(res: reqwest::Response) -> Value {
    res.json().await.expect("json")
}

/// The code of the first field error of a refused call, with its status.
async fn field_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body = json(res).await;
    let code = body["Invalid"][0]["code"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| body.to_string());
    (status, code)
}

/// The token of a link (`…/invite?token=T`).
fn token_of(url: &str) -> String {
    url.split("token=").nth(1).expect("a token").to_owned()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app::store::users::find_by_email(app.db.pool(), &app::domain::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{email} is a user"))
        .id
}

async fn audited(app: &TestApp, action: &str) -> Vec<(Option<String>, Option<String>)> {
    sqlx::query_as::<sqlx::Any, (Option<String>, Option<String>)>(
        "SELECT subject, after_json FROM audit_log WHERE action = $1 ORDER BY at",
    )
    .bind(action)
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

/// Invites `email` to `slug` as `role`; the link's URL.
async fn invite(app: &TestApp, c: &reqwest::Client, slug: &str, email: &str, role: &str) -> String {
    let res = app
        .call(
            c,
            "members/invite",
            &[("slug", slug), ("email", email), ("role", role)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = json(res).await;
    body["Invited"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("an invitation: {body}"))
        .to_owned()
}

async fn link_status(app: &TestApp, kind: &str, token: &str) -> u16 {
    let c = app.client();
    app.call(&c, "links/info", &[("kind", kind), ("token", token)])
        .await
        .status()
        .as_u16()
}

async fn accounts_are_created_and_renamed_by_staff(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    let res = app
        .call(
            &csm,
            "accounts/create",
            &[("name", "Initech"), ("slug", "initech")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await, "initech");
    // A taken slug and a bad one are field errors.
    let res = app
        .call(
            &csm,
            "accounts/create",
            &[("name", "Other"), ("slug", "initech")],
        )
        .await;
    assert_eq!(field_code(res).await, (422, "taken_slug".into()));
    let res = app
        .call(
            &csm,
            "accounts/create",
            &[("name", "Other"), ("slug", "Not a slug")],
        )
        .await;
    assert_eq!(field_code(res).await, (422, "invalid_slug".into()));
    let res = app
        .call(
            &csm,
            "accounts/rename",
            &[("slug", "initech"), ("name", "Initech SA")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let got = json(app.call(&csm, "accounts/get", &[("slug", "initech")]).await).await;
    assert_eq!(got["name"], "Initech SA");
    assert_eq!(got["members"]["members"], serde_json::json!([]));
    let renamed = audited(&app, "account.rename").await;
    assert_eq!(renamed.len(), 1);
    assert!(renamed[0].1.as_deref().unwrap().contains("Initech SA"));
    // Customers do neither.
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "accounts/create",
            &[("name", "Mine"), ("slug", "mine")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .call(
            &owner,
            "accounts/rename",
            &[("slug", "acme"), ("name", "Mine")],
        )
        .await;
    assert_eq!(res.status(), 403);
}

async fn an_invitation_from_creation_to_use(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let url = invite(&app, &owner, "acme", "Nina@New.example", "editor").await;
    let token = token_of(&url);
    assert_eq!(token.len(), 64, "256 random bits, hex");
    assert!(url.starts_with(&app.base), "{url}");
    // Stored hashed: the token is nowhere in the database.
    let stored: Vec<String> =
        sqlx::query_scalar::<sqlx::Any, String>("SELECT token_hash FROM user_links")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(!stored.iter().any(|h| h.contains(&token)));
    // Listed as pending on the account page, the user pending too.
    let acme = json(app.call(&owner, "accounts/get", &[("slug", "acme")]).await).await;
    let invitations = acme["members"]["invitations"].as_array().unwrap();
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0]["email"], "nina@new.example");
    assert_eq!(invitations[0]["role"], "Editor");
    // A pending user can't sign in.
    let c = app.client();
    assert_eq!(app.sign_in(&c, "nina@new.example", "").await.status(), 401);

    // The link's page knows whom and where; accepting asks a good password.
    let info = json(
        app.call(
            &c,
            "links/info",
            &[("kind", "Invitation"), ("token", &token)],
        )
        .await,
    )
    .await;
    assert_eq!(info["email"], "nina@new.example");
    assert_eq!(info["account_name"], "Acme Santé");
    let res = app
        .call(
            &c,
            "links/accept",
            &[("token", &token), ("name", "Nina"), ("password", "short")],
        )
        .await;
    assert_eq!(field_code(res).await, (422, "password_too_short".into()));
    let res = app
        .call(
            &c,
            "links/accept",
            &[
                ("token", &token),
                ("name", "Nina New"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let me = app.whoami(&c).await;
    assert_eq!(me["email"], "nina@new.example");
    assert_eq!(me["name"], "Nina New");
    assert_eq!(me["memberships"][0]["account_slug"], "acme");
    assert_eq!(me["memberships"][0]["role"], "Editor");
    // Used: the link is gone, for its page and for a second use.
    assert_eq!(link_status(&app, "Invitation", &token).await, 404);
    let again = app
        .call(
            &app.client(),
            "links/accept",
            &[
                ("token", &token),
                ("name", "Mallory"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status(), 404);
    // She signs in with her password from now on.
    let c2 = app.client();
    assert_eq!(
        app.sign_in(&c2, "nina@new.example", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    let created = audited(&app, "invitation.create").await;
    assert!(
        created
            .iter()
            .any(|(s, _)| s.as_deref() == Some("nina@new.example"))
    );
    assert_eq!(audited(&app, "invitation.accept").await.len(), 1);
    // Nothing audited holds the token.
    let all: Vec<Option<String>> =
        sqlx::query_scalar::<sqlx::Any, Option<String>>("SELECT after_json FROM audit_log")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(!all.iter().flatten().any(|a| a.contains(&token)));
}

async fn invitations_expire_are_replaced_and_revoked(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    // Re-inviting a pending email replaces its link (and its role).
    let first = token_of(&invite(&app, &csm, "globex", "sam@new.example", "viewer").await);
    let second = token_of(&invite(&app, &csm, "globex", "sam@new.example", "owner").await);
    assert_ne!(first, second);
    assert_eq!(link_status(&app, "Invitation", &first).await, 404);
    assert_eq!(link_status(&app, "Invitation", &second).await, 200);
    let globex = json(app.call(&csm, "accounts/get", &[("slug", "globex")]).await).await;
    let sam: Vec<&Value> = globex["members"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["email"] == "sam@new.example")
        .collect();
    assert_eq!(sam.len(), 1);
    assert_eq!(sam[0]["role"], "Owner");

    // Past 7 days the link is dead, listed as expired.
    sqlx::query::<sqlx::Any>("UPDATE user_links SET expires_at = 1")
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(link_status(&app, "Invitation", &second).await, 404);
    let globex = json(app.call(&csm, "accounts/get", &[("slug", "globex")]).await).await;
    assert!(
        globex["members"]["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["expired"] == true)
    );

    // Revoked: the link dies, the pending user (nothing else left) goes.
    let third = token_of(&invite(&app, &csm, "globex", "sam@new.example", "viewer").await);
    let sam_id = user_id(&app, "sam@new.example").await;
    let res = app
        .call(
            &csm,
            "members/revoke_invitation",
            &[("slug", "globex"), ("user_id", &sam_id)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(link_status(&app, "Invitation", &third).await, 404);
    assert!(
        app::store::users::find_by_id(app.db.pool(), &sam_id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audited(&app, "invitation.revoke").await.len(), 1);
    // Unknown and malformed tokens: the same one answer.
    for t in ["", "zz", &"0".repeat(64), "../../etc/passwd"] {
        assert_eq!(link_status(&app, "Invitation", t).await, 404, "{t:?}");
    }
    // The link's page says so, once, in the user's language.
    let page = app
        .client()
        .get(app.url(&format!("/invite?token={third}")))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(html.contains("Ce lien n’est plus utilisable"), "{html}");
}

async fn an_existing_user_is_added_at_once(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "members/invite",
            &[
                ("slug", "acme"),
                ("email", "owner@globex.example"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["Added"]["email"], "owner@globex.example");
    let gabriel = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(&gabriel, "accounts/get", &[("slug", "acme")])
            .await
            .status(),
        200
    );
    // Twice: already a member. Staff users: they see every account already.
    for (email, code) in [
        ("owner@globex.example", "already_member"),
        ("csm@relais.example", "staff_user"),
    ] {
        let res = app
            .call(
                &owner,
                "members/invite",
                &[("slug", "acme"), ("email", email), ("role", "viewer")],
            )
            .await;
        assert_eq!(field_code(res).await, (422, code.into()), "{email}");
    }
    // Editors and viewers don't invite.
    for email in ["editor@acme.example", "viewer@acme.example"] {
        let c = app.signed_in(email).await;
        let res = app
            .call(
                &c,
                "members/invite",
                &[
                    ("slug", "acme"),
                    ("email", "x@new.example"),
                    ("role", "viewer"),
                ],
            )
            .await;
        assert_eq!(res.status(), 403, "{email}");
    }
}

async fn the_last_owner_stays_and_removed_members_are_refused(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let owner = app.signed_in("owner@acme.example").await;
    let me = user_id(&app, "owner@acme.example").await;
    for (endpoint, extra) in [("members/role", Some("editor")), ("members/remove", None)] {
        let mut form = vec![("slug", "acme"), ("user_id", me.as_str())];
        if let Some(role) = extra {
            form.push(("role", role));
        }
        let res = app.call(&owner, endpoint, &form).await;
        assert_eq!(
            field_code(res).await,
            (422, "last_owner".into()),
            "{endpoint}"
        );
    }
    // With a second owner, the first may step down.
    let editor = user_id(&app, "editor@acme.example").await;
    let res = app
        .call(
            &owner,
            "members/role",
            &[("slug", "acme"), ("user_id", &editor), ("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &owner,
            "members/role",
            &[("slug", "acme"), ("user_id", &me), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), 200);
    // Now a viewer, the old owner can't manage members any more.
    let res = app
        .call(
            &owner,
            "members/remove",
            &[("slug", "acme"), ("user_id", &editor)],
        )
        .await;
    assert_eq!(res.status(), 403);

    // The partner belongs to Acme and Globex; removed from Acme, refused there
    // at the next request, Globex stays theirs.
    let partner = app.signed_in("partner@agency.example").await;
    let partner_id = user_id(&app, "partner@agency.example").await;
    let new_owner = app.signed_in("editor@acme.example").await;
    let res = app
        .call(
            &new_owner,
            "members/remove",
            &[("slug", "acme"), ("user_id", &partner_id)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.call(&partner, "accounts/get", &[("slug", "acme")])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call(&partner, "accounts/get", &[("slug", "globex")])
            .await
            .status(),
        200
    );
    let roles = audited(&app, "membership.role").await;
    assert_eq!(roles.len(), 2);
    assert_eq!(audited(&app, "membership.remove").await.len(), 1);
}

async fn staff_manage_users_and_the_last_admin_stays(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    let list = json(app.call(&csm, "users/list", &[("q", "acme")]).await).await;
    let emails: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "editor@acme.example",
            "owner@acme.example",
            "viewer@acme.example"
        ]
    );
    assert!(list["items"][1]["last_sign_in_at"].is_null());
    let all = json(app.call(&csm, "users/list", &[("q", "")]).await).await;
    let invitee = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "new.hire@globex.example")
        .expect("the demo's pending invitation");
    assert_eq!(invitee["state"], "Pending");
    // Customers don't list users.
    let owner = app.signed_in("owner@acme.example").await;
    assert_eq!(app.call(&owner, "users/list", &[]).await.status(), 403);

    // Disabled: the viewer's session ends at once; enabled, they sign in again.
    let viewer = app.signed_in("viewer@acme.example").await;
    let viewer_id = user_id(&app, "viewer@acme.example").await;
    let res = app
        .call(
            &csm,
            "users/disabled",
            &[("user_id", &viewer_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(app.whoami(&viewer).await.is_null());
    let sessions: i64 =
        sqlx::query_scalar::<sqlx::Any, i64>("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(&viewer_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(sessions, 0);
    let c = app.client();
    assert_eq!(
        app.sign_in(&c, "viewer@acme.example", common::DEMO_PASSWORD)
            .await
            .status(),
        401
    );
    let res = app
        .call(
            &csm,
            "users/disabled",
            &[("user_id", &viewer_id), ("disabled", "false")],
        )
        .await;
    assert_eq!(res.status(), 200);
    app.signed_in("viewer@acme.example").await;

    // Staff users are the admins' business; nobody disables themselves.
    let admin_id = user_id(&app, "admin@relais.example").await;
    let res = app
        .call(
            &csm,
            "users/disabled",
            &[("user_id", &admin_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let admin = app.signed_in("admin@relais.example").await;
    let res = app
        .call(
            &admin,
            "users/disabled",
            &[("user_id", &admin_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(field_code(res).await, (422, "not_yourself".into()));
    // The only admin stays one.
    let res = app
        .call(
            &admin,
            "users/staff_role",
            &[("user_id", &admin_id), ("role", "csm")],
        )
        .await;
    assert_eq!(field_code(res).await, (422, "last_admin".into()));
    // Admins invite staff (the same kind of link); CSMs don't.
    let res = app
        .call(
            &csm,
            "users/invite_staff",
            &[("email", "new.csm@relais.example"), ("role", "csm")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .call(
            &admin,
            "users/invite_staff",
            &[("email", "second.admin@relais.example"), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let token = token_of(json(res).await["url"].as_str().unwrap());
    let c = app.client();
    let res = app
        .call(
            &c,
            "links/accept",
            &[
                ("token", &token),
                ("name", "Second Admin"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.whoami(&c).await["staff"], "Admin");
    // Two admins now: the first may become a CSM.
    let res = app
        .call(
            &admin,
            "users/staff_role",
            &[("user_id", &admin_id), ("role", "csm")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.whoami(&admin).await["staff"], "Csm");
    for action in ["user.disable", "user.enable", "user.staff_role"] {
        assert!(!audited(&app, action).await.is_empty(), "{action} audited");
    }
}

async fn a_reset_link_works_once_and_ends_sessions(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let csm = app.signed_in("csm@relais.example").await;
    let editor = app.signed_in("editor@acme.example").await;
    let editor_id = user_id(&app, "editor@acme.example").await;
    let res = app
        .call(&csm, "users/reset_password", &[("user_id", &editor_id)])
        .await;
    assert_eq!(res.status(), 200);
    let link = json(res).await;
    let token = token_of(link["url"].as_str().unwrap());
    assert!(link["url"].as_str().unwrap().contains("/reset?token="));
    // An invitation's page doesn't take a reset link, nor the reverse.
    assert_eq!(link_status(&app, "Invitation", &token).await, 404);
    assert_eq!(link_status(&app, "PasswordReset", &token).await, 200);
    let c = app.client();
    let res = app
        .call(
            &c,
            "links/reset",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.whoami(&c).await["email"], "editor@acme.example");
    // The old session ended; the old password is gone; the link is used.
    assert!(app.whoami(&editor).await.is_null());
    assert_eq!(
        app.sign_in(&app.client(), "editor@acme.example", common::DEMO_PASSWORD)
            .await
            .status(),
        401
    );
    let again = app
        .call(
            &app.client(),
            "links/reset",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(again.status(), 404);
    assert_eq!(audited(&app, "user.reset_link").await.len(), 1);
    assert_eq!(audited(&app, "user.password").await.len(), 1);
    // A reset link of a pending user: refused (invite them again).
    let pending = user_id(&app, "new.hire@globex.example").await;
    let res = app
        .call(&csm, "users/reset_password", &[("user_id", &pending)])
        .await;
    assert_eq!(field_code(res).await, (422, "pending_user".into()));
}

async fn my_password_and_my_sessions(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let here = app.signed_in("owner@globex.example").await;
    let there = app.signed_in("owner@globex.example").await;
    let me = json(app.call(&here, "me", &[]).await).await;
    let sessions = me["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["this_one"] == true).count(), 1);
    // The current password first.
    let res = app
        .call(
            &here,
            "me/password",
            &[
                ("current_password", "not my password"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(field_code(res).await, (422, "wrong_password".into()));
    let res = app
        .call(
            &here,
            "me/password",
            &[
                ("current_password", common::DEMO_PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(field_code(res).await, (422, "password_too_short".into()));
    let res = app
        .call(
            &here,
            "me/password",
            &[
                ("current_password", common::DEMO_PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    // This session goes on; the other one ended.
    assert_eq!(app.whoami(&here).await["email"], "owner@globex.example");
    assert!(app.whoami(&there).await.is_null());
    let c = app.client();
    assert_eq!(
        app.sign_in(&c, "owner@globex.example", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    // "Sign out other sessions".
    let res = app.call(&here, "me/sign_out_others", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await, 1);
    assert!(app.whoami(&c).await.is_null());
    assert_eq!(app.whoami(&here).await["email"], "owner@globex.example");
    let me = json(app.call(&here, "me", &[]).await).await;
    assert_eq!(me["sessions"].as_array().unwrap().len(), 1);
    assert!(!audited(&app, "user.sessions_end").await.is_empty());
}

/// A minimal SMTP server for the test: accepts every message and hands
/// over its data.
async fn smtp_sink() -> (
    std::net::SocketAddr,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = &mut data {
                        if line == "." {
                            let _ = tx.send(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (addr, rx)
}

async fn links_are_emailed_when_smtp_is_set(backend: Backend) {
    let (addr, mut inbox) = smtp_sink().await;
    let app = TestApp::spawn_with(backend, |c| {
        c.mailer = Some(
            app::mail::Mailer::new(
                &format!("smtp://{addr}"),
                Some("Relais <relais@test.example>"),
            )
            .unwrap(),
        );
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .unwrap();
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "members/invite",
            &[
                ("slug", "acme"),
                ("email", "mail@new.example"),
                ("role", "viewer"),
            ],
        )
        .await;
    let body = json(res).await;
    assert_eq!(body["Invited"]["emailed"], true, "{body}");
    let url = body["Invited"]["url"].as_str().unwrap().to_owned();
    let (message, _) = eventually(
        std::time::Duration::from_secs(5),
        "the invitation e-mail",
        async || inbox.try_recv().ok(),
    )
    .await;
    assert!(message.contains("To: mail@new.example"), "{message}");
    // Quoted-printable: soft line breaks and `=` written `=3D`.
    let flat = message.replace("=\n", "").replace("=3D", "=");
    assert!(flat.contains("Acme Sant=C3=A9"), "{message}");
    assert!(flat.contains(&url), "{message}");

    // A server that doesn't answer: the link is still given, flagged.
    let dead = TestApp::spawn_with(backend, |c| {
        c.mailer = Some(app::mail::Mailer::new("smtp://127.0.0.1:9", None).unwrap());
    })
    .await;
    relais_server::demo::seed(&dead.system("demo"))
        .await
        .unwrap();
    let owner = dead.signed_in("owner@acme.example").await;
    let body = json(
        dead.call(
            &owner,
            "members/invite",
            &[
                ("slug", "acme"),
                ("email", "mail@new.example"),
                ("role", "viewer"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(body["Invited"]["emailed"], false, "{body}");
    assert!(body["Invited"]["url"].as_str().unwrap().contains("token="));
}

on_both_backends!(
    accounts_are_created_and_renamed_by_staff,
    an_invitation_from_creation_to_use,
    invitations_expire_are_replaced_and_revoked,
    an_existing_user_is_added_at_once,
    the_last_owner_stays_and_removed_members_are_refused,
    staff_manage_users_and_the_last_admin_stays,
    a_reset_link_works_once_and_ends_sessions,
    my_password_and_my_sessions,
    links_are_emailed_when_smtp_is_set
);
