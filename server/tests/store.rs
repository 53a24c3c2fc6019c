//! Every store function, on SQLite and PostgreSQL.

mod common;

use app::domain::AuditAction;
use app::domain::{
    AccountName, AccountRole, Direction, Email, Language, PersonName, Slug, StaffRole,
};
use app::store::audit::{self, Actor, Entry};
use app::store::sessions::DbSessionStore;
use app::store::{StoreError, accounts, agents, users};
use common::{Backend, fresh_db};
use sqlx::Row;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, SessionStore};

async fn db(backend: Backend) -> (app::store::Db, common::TestDb) {
    let t = fresh_db(backend).await;
    let db = app::store::Db::connect(&t.url).await.unwrap();
    db.migrate().await.unwrap();
    // Migrating twice is a no-op.
    db.migrate().await.unwrap();
    (db, t)
}

/// The account "Acme" (slug `acme`).
async fn acme(db: &app::store::Db) -> accounts::AccountRow {
    accounts::create(
        db.pool(),
        &AccountName::parse("Acme").unwrap(),
        &Slug::parse("acme").unwrap(),
    )
    .await
    .unwrap()
}

async fn accounts_are_created_found_and_searched(backend: Backend) {
    let (db, _t) = db(backend).await;
    let name = AccountName::parse("Acme").unwrap();
    let a = accounts::create(db.pool(), &name, &Slug::parse("acme").unwrap())
        .await
        .unwrap();
    assert!(!a.failover_enabled);
    let dup = accounts::create(
        db.pool(),
        &AccountName::parse("Other").unwrap(),
        &Slug::parse("acme").unwrap(),
    )
    .await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate(app::domain::Taken::Slug))
    ));
    let b = accounts::create(
        db.pool(),
        &AccountName::parse("beta_co").unwrap(),
        &Slug::parse("beta").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        accounts::find_by_slug(db.pool(), "acme")
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    assert_eq!(
        accounts::find_by_id(db.pool(), &b.id)
            .await
            .unwrap()
            .unwrap()
            .slug,
        "beta"
    );
    assert!(
        accounts::find_by_slug(db.pool(), "nope")
            .await
            .unwrap()
            .is_none()
    );

    let (all, total) = accounts::search(db.pool(), "", None, 10, 0).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(all[0].slug, "acme");
    let (only, total) = accounts::search(db.pool(), "", Some(std::slice::from_ref(&b.id)), 10, 0)
        .await
        .unwrap();
    assert_eq!((only.len(), total), (1, 1));
    assert_eq!(only[0].slug, "beta");
    let (none, total) = accounts::search(db.pool(), "", Some(&[]), 10, 0)
        .await
        .unwrap();
    assert!(none.is_empty() && total == 0);
    let (hits, _) = accounts::search(db.pool(), "_", None, 10, 0).await.unwrap();
    assert_eq!(hits.len(), 1, "underscore matches literally");
    let (page2, total) = accounts::search(db.pool(), "", None, 1, 1).await.unwrap();
    assert_eq!((page2[0].slug.as_str(), total), ("beta", 2));
}

async fn users_roles_and_memberships(backend: Backend) {
    let (db, _t) = db(backend).await;
    let acme = acme(&db).await;
    let email = Email::parse("Ana@Example.com").unwrap();
    let id = users::create(
        db.pool(),
        &email,
        &PersonName::parse("Ana").unwrap(),
        "hash",
    )
    .await
    .unwrap();
    let dup = users::create(
        db.pool(),
        &Email::parse("ana@example.com").unwrap(),
        &PersonName::parse("Ana 2").unwrap(),
        "h",
    )
    .await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate(app::domain::Taken::Email))
    ));

    let u = users::find_by_email(db.pool(), &Email::parse(" ANA@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u.id.as_str(), u.email.as_str(), u.disabled, u.staff_role),
        (id.as_str(), "ana@example.com", false, None)
    );
    users::add_membership(db.pool(), &acme.id, &id, AccountRole::Editor)
        .await
        .unwrap();
    assert!(matches!(
        users::add_membership(db.pool(), &acme.id, &id, AccountRole::Owner).await,
        Err(StoreError::Duplicate(app::domain::Taken::Membership))
    ));
    let m = users::memberships(db.pool(), &id).await.unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0].account_slug.as_str(), m[0].role),
        ("acme", AccountRole::Editor)
    );
    let members = users::members(db.pool(), &acme.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].email, "ana@example.com");

    users::grant_staff_role(db.pool(), &id, StaffRole::Csm)
        .await
        .unwrap();
    assert_eq!(
        users::find_by_id(db.pool(), &id)
            .await
            .unwrap()
            .unwrap()
            .staff_role,
        Some(StaffRole::Csm)
    );
    users::set_disabled(db.pool(), &id, true).await.unwrap();
    assert!(
        users::find_by_id(db.pool(), &id)
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    assert!(matches!(
        users::set_disabled(db.pool(), "missing", true).await,
        Err(StoreError::NotFound)
    ));
    // A membership needs a real account.
    assert!(
        users::add_membership(db.pool(), "no-such-account", &id, AccountRole::Viewer)
            .await
            .is_err()
    );
}

async fn agents_and_audit(backend: Backend) {
    let (db, _t) = db(backend).await;
    let acme = acme(&db).await;
    let lang = Language::parse("fr-FR").unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    agents::create(
        &mut conn,
        &acme.id,
        &PersonName::parse("Zed").unwrap(),
        Direction::Outbound,
        &lang,
    )
    .await
    .unwrap();
    agents::create(
        &mut conn,
        &acme.id,
        &PersonName::parse("alpha").unwrap(),
        Direction::Inbound,
        &lang,
    )
    .await
    .unwrap();
    let list = agents::list_by_account(db.pool(), &acme.id).await.unwrap();
    assert_eq!(
        list.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["alpha", "Zed"]
    );
    assert_eq!(list[0].direction, Direction::Inbound);

    let actor = Actor::User {
        id: "u1".into(),
        email: "ana@example.com".into(),
    };
    audit::commit(
        db.begin_write().await.unwrap(),
        Entry {
            actor: &actor,
            account_id: Some(&acme.id),
            action: AuditAction::AccountFailover,
            subject: Some("acme"),
            before: Some(serde_json::json!({"enabled": false})),
            after: Some(serde_json::json!({"enabled": true})),
            client_ip: Some("127.0.0.1"),
        },
    )
    .await
    .unwrap();
    let row = sqlx::query::<sqlx::Any>(
        "SELECT actor_kind, actor_label, action, before_json, after_json, client_ip FROM audit_log",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("actor_kind"), "user");
    assert_eq!(row.get::<String, _>("actor_label"), "ana@example.com");
    assert_eq!(row.get::<String, _>("after_json"), "{\"enabled\":true}");
    assert_eq!(
        row.get::<Option<String>, _>("client_ip").as_deref(),
        Some("127.0.0.1")
    );
}

/// A load from the start is read in slices cut by agent id (all of a bulk
/// change share one change number): every agent is in exactly one.
async fn snapshot_slices_cover_every_agent_once(backend: Backend) {
    use app::store::snapshot::{Slice, agent_states};
    let (db, _t) = db(backend).await;
    let acme = acme(&db).await;
    let lang = Language::parse("en-US").unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    let mut all = Vec::new();
    for i in 0..7 {
        let name = PersonName::parse(&format!("Agent {i}")).unwrap();
        let a = agents::create(&mut conn, &acme.id, &name, Direction::Inbound, &lang)
            .await
            .unwrap();
        all.push(a.id);
    }
    drop(conn);
    sqlx::query::<sqlx::Any>("UPDATE agents SET change_seq = 5")
        .execute(db.pool())
        .await
        .unwrap();
    all.sort();
    for parts in [1, 2, 3, 7, 10] {
        let slices = Slice::changed(0, 5).split(db.pool(), parts).await.unwrap();
        assert_eq!(slices.len() as i64, parts.min(7), "{parts} parts");
        let mut seen = Vec::new();
        for slice in &slices {
            let before = seen.len();
            let n = agent_states(db.pool(), slice, |s| seen.push(s.agent_id))
                .await
                .unwrap();
            assert_eq!(n, seen.len() - before);
            assert!(n > 0, "no empty slice: {slice:?}");
        }
        seen.sort();
        assert_eq!(seen, all, "{parts} parts: each agent once");
    }
    // Nothing changed after 5: one slice, empty.
    let later = Slice::changed(5, 9).split(db.pool(), 2).await.unwrap();
    assert_eq!(later, [Slice::changed(5, 9)]);
    assert_eq!(agent_states(db.pool(), &later[0], |_| {}).await.unwrap(), 0);
}

async fn sessions_round_trip_and_expire(backend: Backend) {
    let (db, _t) = db(backend).await;
    let store = DbSessionStore::new(db.clone());
    let mut record = Record {
        id: Id::default(),
        data: [("uid".to_owned(), serde_json::json!("u1"))]
            .into_iter()
            .collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.unwrap();
    let loaded = store.load(&record.id).await.unwrap().unwrap();
    assert_eq!(loaded.data["uid"], "u1");
    record.data.insert("k".into(), serde_json::json!(2));
    store.save(&record).await.unwrap();
    assert_eq!(store.load(&record.id).await.unwrap().unwrap().data["k"], 2);
    store.delete(&record.id).await.unwrap();
    assert!(store.load(&record.id).await.unwrap().is_none());

    let mut old = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
    };
    store.create(&mut old).await.unwrap();
    assert!(
        store.load(&old.id).await.unwrap().is_none(),
        "expired sessions don't load"
    );
    store.delete_expired().await.unwrap();
    let n: i64 = sqlx::query::<sqlx::Any>("SELECT COUNT(*) AS n FROM sessions")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 0);
}

on_both_backends!(
    accounts_are_created_found_and_searched,
    users_roles_and_memberships,
    agents_and_audit,
    snapshot_slices_cover_every_agent_once,
    sessions_round_trip_and_expire,
);
