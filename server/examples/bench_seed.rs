//! Seeds a database for `make bench`: ACCOUNTS accounts of AGENTS_PER_ACCOUNT
//! agents each (every other account with failover on; inbound and outbound
//! agents; every action type saved, some agents not configured), one SIP
//! connection per account and one runtime token. Writes the agent ids, one per
//! line, to IDS_FILE and prints the token.
//!
//! cargo run --release -p relais-server --example bench_seed -- DATABASE_URL IDS_FILE [ACCOUNTS] [AGENTS_PER_ACCOUNT]

use std::io::Write;

use app::domain::failover::{FailoverAction, SipHeader, SipTransfer, TransferTarget};
use app::store::{Db, new_id, now_ms};
use sqlx::Any;

const BATCH: usize = 400;

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
    let mut agent_rows = Vec::with_capacity(accounts * per_account);
    let mut config_rows = Vec::new();
    let mut ids = String::with_capacity(accounts * per_account * 37);
    for a in 0..accounts {
        let account_id = new_id();
        let enabled = i64::from(a % 2 == 0);
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
            enabled.to_string(),
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
            let (action, connection) = match (a + g) % 4 {
                0 => (
                    FailoverAction::Workflow {
                        webhook_url: format!("https://hooks.bench.example/acct/{a}/failover"),
                        timeout_seconds: 10,
                    },
                    None,
                ),
                1 => (
                    FailoverAction::SayMessage {
                        text: "Nos conseillers sont momentanément indisponibles. Merci de rappeler dans quelques minutes.".into(),
                        language: "fr-FR".into(),
                    },
                    None,
                ),
                2 => (
                    FailoverAction::Transfer {
                        max_ring_seconds: 20,
                        target: TransferTarget::PhoneNumber("+33123456789".into()),
                    },
                    None,
                ),
                _ => (
                    FailoverAction::Transfer {
                        max_ring_seconds: 25,
                        target: TransferTarget::Sip(SipTransfer {
                            connection_id: sip_id.clone(),
                            destination_id: format!("queue-{g}"),
                            headers: vec![SipHeader {
                                name: "X-Failover-Reason".into(),
                                value: "precall".into(),
                            }],
                            user_to_user: Some("0a1b2c3d".into()),
                        }),
                    },
                    Some(sip_id.clone()),
                ),
            };
            config_rows.push(vec![
                q(&agent_id),
                q(&account_id),
                "1".to_owned(),
                q(&serde_json::to_string(&action)?),
                connection
                    .as_deref()
                    .map(q)
                    .unwrap_or_else(|| "NULL".to_owned()),
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
    std::fs::File::create(ids_file)?.write_all(ids.as_bytes())?;
    eprintln!(
        "seeded {accounts} accounts, {} agents, {} configs in {:.1} s",
        agent_rows.len(),
        config_rows.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{token}");
    db.close().await;
    Ok(())
}
