//! The change stream's fan-out for `make bench`: opens SUBSCRIBERS streams
//! (`GET /api/runtime/v1/stream`, raw HTTP/1.1 over loopback), reads the
//! server's RSS with them connected, then saves one agent's config through
//! the browser's server function (as the benchmark CSM) and measures, from
//! the moment the save is sent, when each subscriber has received the
//! changed document: p50, p99 and max, and how many never did (10 s).
//!
//! cargo run --release -p relais-server --example bench_stream -- ADDR TOKEN SUBSCRIBERS AGENT_ID SERVER_PID

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PASSWORD: &str = "bench-relais-lantern-42";

fn rss_mb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// A subscriber, connected: its stream has started (headers and `retry:` read).
async fn subscribe(addr: &str, token: &str) -> anyhow::Result<TcpStream> {
    let mut s = TcpStream::connect(addr).await?;
    let req = format!(
        "GET /api/runtime/v1/stream HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(7).any(|w| w == b"retry: ") {
        let n = s.read(&mut buf).await?;
        anyhow::ensure!(n > 0, "closed before the stream started");
        seen.extend_from_slice(&buf[..n]);
    }
    anyhow::ensure!(seen.starts_with(b"HTTP/1.1 200"), "not a 200");
    Ok(s)
}

/// Waits until `marker` has come on the stream; when.
async fn wait_for(mut s: TcpStream, marker: Vec<u8>) -> Option<Instant> {
    let mut seen: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return Some(Instant::now());
        }
        // Keep the tail only: the marker may straddle two reads.
        if seen.len() > 64 * 1024 {
            seen.drain(..seen.len() - marker.len());
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let addr = args.get(1).expect("ADDR").clone();
    let token = args.get(2).expect("TOKEN").clone();
    let n: usize = args.get(3).expect("SUBSCRIBERS").parse()?;
    let agent = args.get(4).expect("AGENT_ID").clone();
    let pid = args.get(5).expect("SERVER_PID").clone();
    let base = format!("http://{addr}");
    let rss_before = rss_mb(&pid);

    // Connect them, 250 at a time.
    let started = Instant::now();
    let mut streams = Vec::with_capacity(n);
    while streams.len() < n {
        let batch = (n - streams.len()).min(250);
        let opening: Vec<_> = (0..batch)
            .map(|_| {
                let (addr, token) = (addr.clone(), token.clone());
                tokio::spawn(async move { subscribe(&addr, &token).await })
            })
            .collect();
        for o in opening {
            streams.push(o.await??);
        }
    }
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_connected = rss_mb(&pid);

    // The save: the CSM signs in and saves a message for the agent.
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    let call = |endpoint: &str, form: Vec<(&str, String)>| {
        http.post(format!("{base}/api/{endpoint}"))
            .header("accept", "application/json")
            .header("origin", &base)
            .header("sec-fetch-site", "same-origin")
            .form(&form)
            .send()
    };
    let res = call(
        "sign_in",
        vec![
            ("email", "bench@relais.example".into()),
            ("password", PASSWORD.into()),
        ],
    )
    .await?;
    anyhow::ensure!(res.status() == 200, "sign-in: {}", res.status());
    // The save's base: the config's revision, as the editor reads it.
    let editor: serde_json::Value = call("failover/editor", vec![("agent_id", agent.clone())])
        .await?
        .json()
        .await?;
    let revision = editor["revision"].as_i64().unwrap_or(0);
    let text = format!("Fan-out {}", std::process::id());
    let marker = format!("\"text\":\"{text}\"").into_bytes();
    let waiting: Vec<_> = streams
        .into_iter()
        .map(|s| tokio::spawn(wait_for(s, marker.clone())))
        .collect();
    let sent = Instant::now();
    let res = call(
        "failover/save",
        vec![
            ("agent_id", agent.clone()),
            ("base_revision", revision.to_string()),
            ("draft[action_type]", "say_message".into()),
            ("draft[text]", text.clone()),
            ("draft[language]", "fr-FR".into()),
        ],
    )
    .await?;
    let saved_ms = sent.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(res.status() == 200, "save: {}", res.status());

    let mut got = Vec::with_capacity(n);
    let mut missed = 0;
    for w in waiting {
        match tokio::time::timeout_at((sent + Duration::from_secs(10)).into(), w).await {
            Ok(Ok(Some(at))) => got.push(at.duration_since(sent).as_secs_f64() * 1e3),
            _ => missed += 1,
        }
    }
    got.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        got.get(((got.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{n} {connect_s:.2} {rss_before} {rss_connected} {saved_ms:.1} {:.1} {:.1} {:.1} {missed}",
        pct(0.5),
        pct(0.99),
        got.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
