//! The demo seed: two accounts (one with failover on), staff and customer
//! users, inbound and outbound agents, a SIP connection and a runtime token.

use std::net::SocketAddr;

use app::domain::failover::FailoverDraft;
use app::domain::plan::{PlanDraft, Route, StepDraft};
use app::domain::schedule::{ClosureDraft, IntervalDraft, ScheduleDraft};
use app::domain::{AccountRole, StaffRole};
use app::domain::{Cause, EventActionType, Outcome};
use app::error::AppError;
use app::service::events::{self, Report};
use app::service::members::{self, NewUserRole};
use app::service::{Ctx, accounts, agents, failover, invitations, schedules, sip, tokens};
use app::store::agents::AgentRow;
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
    seed_demo(demo, false).await
}

/// The demo, and the failover actions of Acme's inbound agents and two
/// weeks of the events their runtimes would have reported, so the events
/// page shows something at first sight.
pub async fn seed_with_history(demo: &Ctx) -> Result<Seeded, AppError> {
    seed_demo(demo, true).await
}

async fn seed_demo(demo: &Ctx, history: bool) -> Result<Seeded, AppError> {
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
    let mut created = Vec::new();
    for (account, name, direction, language) in [
        ("acme", "Accueil standard", "inbound", "fr-FR"),
        ("acme", "Prise de rendez-vous", "inbound", "fr-FR"),
        ("acme", "Relance impayés", "outbound", "fr-FR"),
        ("globex", "Claims hotline", "inbound", "en-GB"),
        ("globex", "Renewal reminders", "outbound", "en-GB"),
    ] {
        created.push(agents::create(demo, account, name, direction, language).await?);
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
    let standard = sip::create(
        demo,
        "acme",
        "Standard Lyon",
        "sips:standard@pbx.acme-sante.example",
    )
    .await?;
    if history {
        seed_history(demo, &created[0], &created[1], &standard.id).await?;
    }
    let (_, token) =
        tokens::create(demo, "Demo runtime", "runtime:read,runtime:events", None).await?;
    let invitation = match invitations::invite(demo, "globex", DEMO_INVITEE, "editor").await? {
        InviteOutcome::Invited(link) => link.url,
        InviteOutcome::Added { .. } => String::new(),
    };
    Ok(Seeded { token, invitation })
}

/// Seeds the demo (with its history) when the database has no account;
/// returns its runtime token if it did.
pub async fn seed_if_empty(demo: &Ctx) -> Result<Option<Seeded>, AppError> {
    if !accounts::none_yet(demo).await? {
        return Ok(None);
    }
    Ok(Some(seed_with_history(demo).await?))
}

/// Acme's reception transfers to its switchboard in opening hours, else
/// says a message (a plan with business hours); its booking line says a
/// message; then two weeks of failovers as their runtimes reported them:
/// more on weekdays and in office hours, mostly pre-call webhook timeouts,
/// now and then an action that failed. The same every time (a fixed seed).
async fn seed_history(
    demo: &Ctx,
    reception: &AgentRow,
    booking: &AgentRow,
    switchboard: &str,
) -> Result<(), AppError> {
    let transfer = FailoverDraft {
        action_type: "transfer".into(),
        transfer_target: "sip".into(),
        max_ring_seconds: "25".into(),
        sip_connection_id: switchboard.to_owned(),
        sip_destination_id: "accueil".into(),
        ..FailoverDraft::default()
    };
    // In opening hours the switchboard; else (or unanswered) a message.
    let hours = seed_hours(demo).await?;
    let closed = StepDraft {
        action: FailoverDraft {
            action_type: "say_message".into(),
            text: "L’accueil est fermé ou occupé. Merci de rappeler du lundi au vendredi, \
                   de 8 h 30 à 18 h."
                .into(),
            language: "fr-FR".into(),
            ..FailoverDraft::default()
        },
        only_when: String::new(),
    };
    let plan = PlanDraft {
        default: vec![
            StepDraft {
                action: transfer,
                only_when: format!("open:{hours}"),
            },
            closed,
        ],
        ..PlanDraft::default()
    };
    failover::save_plan(demo, &reception.id, 0, &plan).await?;
    let message = FailoverDraft {
        action_type: "say_message".into(),
        text: "Notre service de prise de rendez-vous est momentanément indisponible. \
               Merci de rappeler dans quelques minutes."
            .into(),
        language: "fr-FR".into(),
        ..FailoverDraft::default()
    };
    failover::save(demo, &booking.id, 0, &message).await?;
    let mut rng = Lcg(0x5eed_ca11);
    seed_events(demo, reception, EventActionType::Transfer, 14, &mut rng).await?;
    seed_events(demo, booking, EventActionType::SayMessage, 6, &mut rng).await
}

/// The front desk's business hours in Lyon: weekdays with a lunch break,
/// closed on Christmas Day.
async fn seed_hours(demo: &Ctx) -> Result<String, AppError> {
    let day = || {
        vec![
            IntervalDraft {
                start: "08:30".into(),
                end: "12:30".into(),
            },
            IntervalDraft {
                start: "13:30".into(),
                end: "18:00".into(),
            },
        ]
    };
    let draft = ScheduleDraft {
        name: "Accueil Lyon".into(),
        timezone: "Europe/Paris".into(),
        weekly: (0..7)
            .map(|d| if d < 5 { day() } else { Vec::new() })
            .collect(),
        closures: vec![ClosureDraft {
            from: "2026-12-25".into(),
            to: String::new(),
            label: "Noël".into(),
        }],
    };
    Ok(schedules::create(demo, "acme", &draft).await?.id)
}

/// Two weeks of an agent's failover events, about `per_day` a weekday (a
/// quarter of that at weekends), mostly in office hours.
async fn seed_events(
    demo: &Ctx,
    agent: &AgentRow,
    action: EventActionType,
    per_day: i64,
    rng: &mut Lcg,
) -> Result<(), AppError> {
    let hour = 3_600_000;
    let now = app::store::now_ms();
    let today = now - now.rem_euclid(24 * hour);
    let short_id = agent.id.get(..8).unwrap_or(&agent.id);
    for days_ago in (0..14).rev() {
        let day = today - days_ago * 24 * hour;
        // Thursday, 1 January 1970: day 3 of the week is a Sunday.
        let weekday = (day / (24 * hour) + 3) % 7;
        let weekend = weekday >= 5;
        let count = if weekend { per_day / 4 } else { per_day } + rng.below(per_day as u64) as i64;
        for n in 0..count {
            // Office hours (08:00–19:00 UTC) mostly, a few at night.
            let at_hour = if rng.below(10) < 8 {
                8 + rng.below(11)
            } else {
                rng.below(24)
            };
            let at = day + at_hour as i64 * hour + rng.below(3_600_000) as i64;
            if at > now {
                continue;
            }
            let cause = pick_cause(rng);
            let outcome = if rng.below(100) < 6 {
                Outcome::ActionFailed
            } else {
                Outcome::Succeeded
            };
            let call_id = format!("demo-{short_id}-{days_ago}-{n}");
            // A plan's reception: the switchboard in office hours (step 1),
            // else the message (step 2).
            let (action, step) = match action {
                EventActionType::Transfer if !(7..=16).contains(&at_hour) => {
                    (EventActionType::SayMessage, 1)
                }
                a => (a, 0),
            };
            events::record(
                &demo.db,
                Report {
                    account_id: &agent.account_id,
                    agent_id: &agent.id,
                    call_id: &call_id,
                    cause,
                    action_type: action,
                    outcome,
                    occurred_at: at,
                    token_id: None,
                    route: Some(Route::Default),
                    step: Some(step),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// A cause, as often as it happens on a real platform.
fn pick_cause(rng: &mut Lcg) -> Cause {
    // Causes and how often each happens, in thousandths.
    const CAUSES: [(Cause, u64); 9] = [
        (Cause::PrecallTimeout, 340),
        (Cause::PrecallError, 190),
        (Cause::ConfigKbUnavailable, 120),
        (Cause::PrecallInvalidData, 80),
        (Cause::PromptRenderFailed, 70),
        (Cause::ConfigMissingVoice, 60),
        (Cause::PrecallExplicit, 60),
        (Cause::ConfigLanguageConflict, 50),
        (Cause::ConfigOther, 30),
    ];
    let mut pick = rng.below(1000);
    CAUSES
        .iter()
        .find(|(_, w)| {
            let hit = pick < *w;
            pick = pick.saturating_sub(*w);
            hit
        })
        .map_or(Cause::ConfigOther, |(c, _)| *c)
}

/// A small fixed-seed generator: the demo's history is the same every time.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
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
