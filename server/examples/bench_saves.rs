//! What SQLite's `synchronous = FULL` costs a save: N sequential failover
//! saves through the service layer (write transaction, revision, audit
//! entry, commit) on a fresh SQLite file, with FULL and then NORMAL. Prints
//! mean, p50 and p99 per save for each.
//!
//! cargo run --release -p relais-server --example bench_saves -- [SAVES] [DIR]

use std::time::{Duration, Instant};

use app::domain::failover::FailoverDraft;
use app::service::Ctx;
use app::store::{Db, SqliteSync};

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let saves: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(500);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("relais-bench-saves-{}", std::process::id()))
        });
    std::fs::create_dir_all(&dir)?;
    println!(
        "{:<8} {:>6} {:>9} {:>8} {:>8}",
        "mode", "saves", "mean ms", "p50 ms", "p99 ms"
    );
    for (name, sync) in [("FULL", SqliteSync::Full), ("NORMAL", SqliteSync::Normal)] {
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        let db = Db::connect_with(&format!("sqlite:{}", path.display()), sync).await?;
        db.migrate().await?;
        let ctx = Ctx::system(db.clone(), "bench", None);
        relais_server::demo::seed(&ctx)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let account = app::store::accounts::find_by_slug(db.pool(), "acme")
            .await?
            .expect("acme");
        let agent = app::store::agents::list_by_account(db.pool(), &account.id)
            .await?
            .into_iter()
            .find(|a| a.direction == app::domain::Direction::Inbound)
            .expect("an inbound agent");
        let mut took = Vec::with_capacity(saves);
        let started = Instant::now();
        for base in 0..saves as i64 {
            let draft = FailoverDraft {
                action_type: "say_message".into(),
                text: format!("Message {base}"),
                language: "fr-FR".into(),
                ..Default::default()
            };
            let t = Instant::now();
            app::service::failover::save(&ctx, &agent.id, base, &draft)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            took.push(t.elapsed());
        }
        let mean = started.elapsed().as_secs_f64() * 1000.0 / saves as f64;
        took.sort();
        println!(
            "{name:<8} {saves:>6} {mean:>9.3} {:>8.3} {:>8.3}",
            pct(&took, 0.5),
            pct(&took, 0.99)
        );
        db.close().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
