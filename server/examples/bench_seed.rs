//! Seeds a database for `make bench`: ACCOUNTS accounts of AGENTS_PER_ACCOUNT
//! agents each (every other account with failover on; inbound and outbound
//! agents; every action type saved, some agents not configured), one SIP
//! connection and one business-hours schedule per account, plans of one to
//! four routes of up to four steps (conditions on the schedule), emergency
//! mode on in one account of 50 with failover on, one runtime token, and a
//! CSM (`bench@relais.example`, password BENCH_PASSWORD) who saves during the
//! change stream's benchmark. Writes the agent ids, one per line, to
//! IDS_FILE and prints the token.
//!
//! cargo run --release -p relais-server --example bench_seed -- DATABASE_URL IDS_FILE [ACCOUNTS] [AGENTS_PER_ACCOUNT]

use std::io::Write;

use app::domain::failover::{FailoverAction, SipHeader, SipTransfer, TransferTarget};
use app::domain::plan::{Condition, FailoverPlan, Step};
use app::domain::schedule::{OpenState, Schedule};
use app::store::{Db, new_id, now_ms};
use sqlx::Any;

const BATCH: usize = 400;
/// The benchmark CSM's password (a throwaway database).
pub const BENCH_PASSWORD: &str = "bench-relais-lantern-42";

/// Inserts `rows` (each a list of SQL literals already quoted) into `table`.
async fn insert(
    tx: &mut sqlx::Transaction<'static, Any>,
    table: &str,
    columns: &str,
    rows: &[Vec<String>],
) -> anyhow::Result<()> {
    for chunk in rows.chunks(BATCH) {
        let values: Vec<String> = chunk
            .iter()
            .map(|r| format!("({})", r.join(", ")))
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            values.join(", ")
        );
        sqlx::query::<Any>(&sql).execute(&mut **tx).await?;
    }
    Ok(())
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Business hours: weekdays 09:00–12:30 and 14:00–18:00, Saturday morning,
/// Christmas and a week in August closed; every third account in New York.
fn schedule(a: usize) -> anyhow::Result<Schedule> {
    let zone = if a.is_multiple_of(3) {
        "America/New_York"
    } else {
        "Europe/Paris"
    };
    let day = serde_json::json!([["09:00", "12:30"], ["14:00", "18:00"]]);
    Ok(serde_json::from_value(serde_json::json!({
        "name": "Front desk",
        "timezone": zone,
        "weekly": {
            "mon": day, "tue": day, "wed": day, "thu": day, "fri": day,
            "sat": [["09:00", "12:00"]], "sun": [],
        },
        "closures": [
            {"from": "2026-12-25", "to": "2026-12-25", "label": "Christmas"},
            {"from": "2027-08-09", "to": "2027-08-15", "label": "Summer"},
        ],
    }))?)
}

fn step(action: FailoverAction, only_when: Option<(&str, OpenState)>) -> Step {
    Step {
        action,
        only_when: only_when.map(|(id, state)| Condition {
            schedule_id: id.to_owned(),
            state,
        }),
    }
}

/// The actions of account `a`'s agent `g`: a workflow, a message, a transfer
/// to a number and one through the account's SIP connection.
struct Actions {
    workflow: FailoverAction,
    message: FailoverAction,
    phone: FailoverAction,
    sip: FailoverAction,
}

fn actions(a: usize, g: usize, sip_id: &str) -> Actions {
    Actions {
        workflow: FailoverAction::Workflow {
            webhook_url: format!("https://hooks.bench.example/acct/{a}/failover"),
            timeout_seconds: 10,
        },
        message: FailoverAction::SayMessage {
            text: "Nos conseillers sont momentanément indisponibles. Merci de rappeler dans quelques minutes.".into(),
            language: "fr-FR".into(),
        },
        phone: FailoverAction::Transfer {
            max_ring_seconds: 20,
            target: TransferTarget::PhoneNumber("+33123456789".into()),
        },
        sip: FailoverAction::Transfer {
            max_ring_seconds: 25,
            target: TransferTarget::Sip(SipTransfer {
                connection_id: sip_id.to_owned(),
                destination_id: format!("queue-{g}"),
                headers: vec![SipHeader {
                    name: "X-Failover-Reason".into(),
                    value: "precall".into(),
                }],
                user_to_user: Some("0a1b2c3d".into()),
            }),
        },
    }
}

/// Plans of every shape: v1 one-step configs of each action type, and plans
/// with override routes whose steps depend on business hours.
fn plan(a: usize, g: usize, sip_id: &str, schedule_id: &str) -> FailoverPlan {
    let Actions {
        workflow,
        message,
        phone,
        sip,
    } = actions(a, g, sip_id);
    let open = Some((schedule_id, OpenState::Open));
    let closed = Some((schedule_id, OpenState::Closed));
    match (a + g) % 6 {
        0 => FailoverPlan::single(workflow),
        1 => FailoverPlan::single(message),
        2 => FailoverPlan::single(sip),
        // Front desk in opening hours, else the switchboard, else a message.
        3 => FailoverPlan {
            default: vec![
                step(sip.clone(), open),
                step(phone.clone(), None),
                step(message.clone(), None),
            ],
            precall: Some(vec![
                step(workflow.clone(), None),
                step(sip, open),
                step(message.clone(), None),
            ]),
            dynamic_config: None,
            prompt: Some(vec![step(message, None)]),
        },
        // Every route, four steps where it matters.
        4 => FailoverPlan {
            default: vec![
                step(workflow.clone(), None),
                step(sip.clone(), open),
                step(phone.clone(), closed),
                step(message.clone(), None),
            ],
            precall: Some(vec![step(sip.clone(), open), step(message.clone(), None)]),
            dynamic_config: Some(vec![
                step(phone.clone(), open),
                step(workflow, closed),
                step(message.clone(), None),
            ]),
            prompt: Some(vec![step(sip, None), step(message, None)]),
        },
        _ => FailoverPlan {
            default: vec![step(phone, open), step(message, None)],
            precall: None,
            dynamic_config: None,
            prompt: None,
        },
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("DATABASE_URL");
    let ids_file = args.get(2).expect("IDS_FILE");
    let accounts: usize = args
        .get(3)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let per_account: usize = args.get(4).map(|a| a.parse()).transpose()?.unwrap_or(10);
    let started = std::time::Instant::now();
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let now = now_ms();
    let seq = 2i64;
    let mut account_rows = Vec::with_capacity(accounts);
    let mut sip_rows = Vec::with_capacity(accounts);
    let mut schedule_rows = Vec::with_capacity(accounts);
    let mut emergency_rows = Vec::new();
    let mut agent_rows = Vec::with_capacity(accounts * per_account);
    let mut config_rows = Vec::new();
    let mut use_rows = Vec::new();
    let mut ids = String::with_capacity(accounts * per_account * 37);
    for a in 0..accounts {
        let account_id = new_id();
        let enabled = a % 2 == 0;
        let message = if a % 3 == 0 {
            (
                "'Nous revenons vers vous très vite.'".to_owned(),
                "'fr-FR'".to_owned(),
            )
        } else {
            ("NULL".to_owned(), "NULL".to_owned())
        };
        account_rows.push(vec![
            q(&account_id),
            q(&format!("Bench account {a}")),
            q(&format!("bench-{a}")),
            i64::from(enabled).to_string(),
            message.0,
            message.1,
            now.to_string(),
            now.to_string(),
        ]);
        let sip_id = new_id();
        sip_rows.push(vec![
            q(&sip_id),
            q(&account_id),
            q("Main PBX"),
            q(&format!("sips:failover@pbx{a}.bench.example")),
            now.to_string(),
            now.to_string(),
        ]);
        let schedule_id = new_id();
        let hours = schedule(a)?;
        schedule_rows.push(vec![
            q(&schedule_id),
            q(&account_id),
            q(&hours.name),
            q(&serde_json::to_string(&hours)?),
            now.to_string(),
            now.to_string(),
        ]);
        if enabled && a % 100 == 50 {
            let action = FailoverAction::SayMessage {
                text: "Suite à un incident, nos lignes sont coupées. Merci de rappeler plus tard."
                    .into(),
                language: "fr-FR".into(),
            };
            emergency_rows.push(vec![
                q(&account_id),
                q(&serde_json::to_string(&action)?),
                "NULL".to_owned(),
                q("Incident at the carrier"),
                now.to_string(),
                (now + 24 * 3600 * 1000).to_string(),
                q("bench"),
            ]);
        }
        for g in 0..per_account {
            let agent_id = new_id();
            let inbound = g % 5 != 4;
            agent_rows.push(vec![
                q(&agent_id),
                q(&account_id),
                q(&format!("Agent {g}")),
                q(if inbound { "inbound" } else { "outbound" }),
                q("fr-FR"),
                now.to_string(),
                now.to_string(),
                seq.to_string(),
                now.to_string(),
            ]);
            ids.push_str(&agent_id);
            ids.push('\n');
            if !inbound || g % 5 == 3 {
                continue; // outbound, or inbound and not configured
            }
            let plan = plan(a, g, &sip_id, &schedule_id);
            let uses_sip = !plan.sip_connection_ids().is_empty();
            if uses_sip {
                use_rows.push(vec![q(&agent_id), q("sip"), q(&sip_id)]);
            }
            if !plan.schedule_ids().is_empty() {
                use_rows.push(vec![q(&agent_id), q("schedule"), q(&schedule_id)]);
            }
            config_rows.push(vec![
                q(&agent_id),
                q(&account_id),
                "1".to_owned(),
                q(&plan.to_stored()),
                if uses_sip {
                    q(&sip_id)
                } else {
                    "NULL".to_owned()
                },
                now.to_string(),
                "NULL".to_owned(),
                q("bench"),
            ]);
        }
    }
    // A bulk load of made-up data, straight into the tables: 100,000 agents
    // through the services (an audit entry each) would take minutes. The one
    // write outside the services, and not part of Relais.
    let mut tx = db.pool().begin().await?;
    insert(
        &mut tx,
        "accounts",
        "id, name, slug, failover_enabled, default_message_text, default_message_language, created_at, updated_at",
        &account_rows,
    )
    .await?;
    insert(
        &mut tx,
        "sip_connections",
        "id, account_id, name, sip_uri, created_at, updated_at",
        &sip_rows,
    )
    .await?;
    insert(
        &mut tx,
        "schedules",
        "id, account_id, name, schedule_json, created_at, updated_at",
        &schedule_rows,
    )
    .await?;
    insert(
        &mut tx,
        "agents",
        "id, account_id, name, direction, language, created_at, updated_at, change_seq, changed_at",
        &agent_rows,
    )
    .await?;
    insert(
        &mut tx,
        "failover_configs",
        "agent_id, account_id, revision, action_json, sip_connection_id, updated_at, updated_by_id, updated_by_label",
        &config_rows,
    )
    .await?;
    insert(
        &mut tx,
        "failover_uses",
        "agent_id, kind, ref_id",
        &use_rows,
    )
    .await?;
    insert(
        &mut tx,
        "emergencies",
        "account_id, action_json, sip_connection_id, reason, started_at, ends_at, started_by_label",
        &emergency_rows,
    )
    .await?;
    sqlx::query::<Any>("UPDATE change_counters SET value = $1 WHERE name = 'runtime'")
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let (_, token) = app::service::tokens::create(
        &app::service::Ctx::system(db.clone(), "bench", None),
        "Benchmark",
        "runtime:read",
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::service::members::create_user(
        &app::service::Ctx::system(db.clone(), "bench", None),
        "bench@relais.example",
        "Benchmark CSM",
        BENCH_PASSWORD,
        app::service::members::NewUserRole::Staff(app::domain::StaffRole::Csm),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    std::fs::File::create(ids_file)?.write_all(ids.as_bytes())?;
    eprintln!(
        "seeded {accounts} accounts, {} agents, {} plans, {} schedules, {} emergencies in {:.1} s",
        agent_rows.len(),
        config_rows.len(),
        schedule_rows.len(),
        emergency_rows.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{token}");
    db.close().await;
    Ok(())
}
