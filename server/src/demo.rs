//! The demo seed: two accounts (one with failover on), staff and customer
//! users, inbound and outbound agents, a SIP connection and a runtime token.

use std::net::SocketAddr;

use app::domain::{AccountRole, StaffRole};
use app::error::AppError;
use app::service::members::{self, NewUserRole};
use app::service::{Ctx, accounts, agents, invitations, sip, tokens};
use app::views::InviteOutcome;

/// The password of every demo user (demo data only).
pub const DEMO_PASSWORD: &str = "relais-demo-lantern-42";

/// Demo users: email, name, role.
pub fn demo_users() -> Vec<(&'static str, &'static str, NewUserRole)> {
    let member = |slug: &str, role| NewUserRole::Member {
        account_slug: slug.to_owned(),
        role,
    };
    vec![
        (
            "admin@relais.example",
            "Alice Admin",
            NewUserRole::Staff(StaffRole::Admin),
        ),
        (
            "csm@relais.example",
            "Camille CSM",
            NewUserRole::Staff(StaffRole::Csm),
        ),
        (
            "owner@acme.example",
            "Olivia Owner",
            member("acme", AccountRole::Owner),
        ),
        (
            "editor@acme.example",
            "Eddie Editor",
            member("acme", AccountRole::Editor),
        ),
        (
            "viewer@acme.example",
            "Victor Viewer",
            member("acme", AccountRole::Viewer),
        ),
        (
            "owner@globex.example",
            "Gabriel Owner",
            member("globex", AccountRole::Owner),
        ),
        (
            "partner@agency.example",
            "Paula Partner",
            member("acme", AccountRole::Editor),
        ),
    ]
}

/// What the demo seed made that is shown once.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// The runtime API token.
    pub token: String,
    /// The path of the pending invitation's link (`/invite?token=…`).
    pub invitation: String,
}

/// The demo's pending invitation: someone Globex's owner invited.
pub const DEMO_INVITEE: &str = "new.hire@globex.example";

/// Seeds the demo through the services (the domain rules, an audit entry by
/// `demo` for every change); fails, writing nothing more, if it is already
/// there. Returns the demo's runtime token and invitation (shown once).
pub async fn seed(demo: &Ctx) -> Result<Seeded, AppError> {
    accounts::create(demo, "Acme Santé", "acme").await?;
    accounts::create(demo, "Globex Assurances", "globex").await?;
    for (email, name, role) in demo_users() {
        members::create_user(demo, email, name, DEMO_PASSWORD, role).await?;
    }
    // A consultant who works for both customers.
    members::add_member(
        demo,
        "globex",
        "partner@agency.example",
        AccountRole::Viewer,
    )
    .await?;
    for (account, name, direction, language) in [
        ("acme", "Accueil standard", "inbound", "fr-FR"),
        ("acme", "Prise de rendez-vous", "inbound", "fr-FR"),
        ("acme", "Relance impayés", "outbound", "fr-FR"),
        ("globex", "Claims hotline", "inbound", "en-GB"),
        ("globex", "Renewal reminders", "outbound", "en-GB"),
    ] {
        agents::create(demo, account, name, direction, language).await?;
    }
    // Failover is a CSM's switch; the demo starts with it on for Acme.
    accounts::set_failover(
        demo,
        "acme",
        true,
        "Demo: Acme Santé starts with failover on",
        Some("yes"),
    )
    .await?;
    sip::create(
        demo,
        "acme",
        "Standard Lyon",
        "sips:standard@pbx.acme-sante.example",
    )
    .await?;
    let (_, token) =
        tokens::create(demo, "Demo runtime", "runtime:read,runtime:events", None).await?;
    let invitation = match invitations::invite(demo, "globex", DEMO_INVITEE, "editor").await? {
        InviteOutcome::Invited(link) => link.url,
        InviteOutcome::Added { .. } => String::new(),
    };
    Ok(Seeded { token, invitation })
}

/// Seeds the demo when the database has no account; returns its runtime token if it did.
pub async fn seed_if_empty(demo: &Ctx) -> Result<Option<Seeded>, AppError> {
    if !accounts::none_yet(demo).await? {
        return Ok(None);
    }
    Ok(Some(seed(demo).await?))
}

pub fn print_sign_in(addr: Option<SocketAddr>, seeded: Option<&Seeded>) {
    if let Some(addr) = addr {
        println!("Open http://{addr}/ and sign in with one of these demo users:");
    } else {
        println!("Demo seeded. Sign in with one of these demo users:");
    }
    for (email, _, role) in demo_users() {
        let what = match role {
            NewUserRole::Staff(r) => r.as_str().to_owned(),
            NewUserRole::Member { account_slug, role } if email.starts_with("partner@") => {
                format!("{role} of {account_slug}, viewer of globex")
            }
            NewUserRole::Member { account_slug, role } => format!("{role} of {account_slug}"),
        };
        println!("  {email:<24} {what}");
    }
    println!("  password: {DEMO_PASSWORD}");
    if let Some(Seeded { invitation, .. }) = seeded {
        let origin = addr.map(|a| format!("http://{a}")).unwrap_or_default();
        println!(
            "Pending invitation ({DEMO_INVITEE}, editor of globex; shown once): {origin}{invitation}"
        );
    }
    if let Some(Seeded { token, .. }) = seeded {
        println!("Runtime API token (runtime:read, runtime:events; shown once): {token}");
        if let Some(addr) = addr {
            println!(
                "  try: curl -H 'Authorization: Bearer {token}' http://{addr}/api/runtime/v1/failover-configs"
            );
        }
    }
}
