//! The change stream over real HTTP on both databases: events as saves
//! happen, a resume with `Last-Event-ID` after a forced disconnect without a
//! missed change, an account-bound token's events, a revoked token's stream
//! closed, an unreadable cursor reset; and on PostgreSQL a save on one
//! instance streamed by another.

use std::time::Duration;

use crate::common::{Backend, TestApp, say};
use crate::on_both_backends;
use serde_json::Value;

/// One server-sent event.
#[derive(Debug, Default, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// A stream being read: events as they come (comments skipped).
pub struct Sse {
    res: reqwest::Response,
    /// Bytes as they came: a chunk may end inside a character.
    buf: Vec<u8>,
}

impl Sse {
    pub async fn open(app: &TestApp, token: &str, last_event_id: Option<&str>) -> Sse {
        let mut req = reqwest::Client::new()
            .get(app.url("/api/runtime/v1/stream"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        Sse {
            res,
            buf: Vec::new(),
        }
    }

    /// The next event, waiting at most `within`; `None`: the stream ended.
    pub async fn next(&mut self, within: Duration) -> Option<Event> {
        tokio::time::timeout(within, async {
            loop {
                while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                    let bytes: Vec<u8> = self.buf.drain(..end + 2).collect();
                    let block = String::from_utf8(bytes).expect("UTF-8 events");
                    let mut e = Event::default();
                    let mut data = Vec::new();
                    for line in block.lines() {
                        match line.split_once(": ").or_else(|| line.split_once(':')) {
                            Some(("id", v)) => e.id = Some(v.to_owned()),
                            Some(("event", v)) => e.event = Some(v.to_owned()),
                            Some(("data", v)) => data.push(v.to_owned()),
                            _ => {}
                        }
                    }
                    if !data.is_empty() || e.event.is_some() {
                        e.data = data.join("\n");
                        return Some(e);
                    }
                }
                match self.res.chunk().await {
                    Ok(Some(c)) => self.buf.extend_from_slice(&c),
                    _ => return None,
                }
            }
        })
        .await
        .expect("an event (or the end) in time")
    }

    /// The next document event's (cursor, document).
    pub async fn doc(&mut self) -> (String, Value) {
        let e = self
            .next(Duration::from_secs(10))
            .await
            .expect("the stream is open");
        assert_eq!(e.event, None, "{e:?}");
        (e.id.expect("an id"), serde_json::from_str(&e.data).unwrap())
    }
}

const WAIT: Duration = Duration::from_secs(10);

async fn saves_are_streamed_and_a_resume_misses_nothing(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let editor = app.signed_in("editor@acme.example").await;

    let mut sse = Sse::open(&app, &token, None).await;
    assert_eq!(say(&app, &editor, &accueil, 0, "Un").await.status(), 200);
    let (id1, d) = sse.doc().await;
    assert_eq!(d["agent_id"], accueil.as_str());
    assert_eq!(d["action"]["text"], "Un");
    assert_eq!(d, app.doc(&token, &accueil).await, "the GET's document");
    assert!(id1.ends_with(&format!(":{accueil}")), "{id1}");

    // Disconnected: two saves meanwhile; back with the last id, both come
    // (the agent's latest document once, in the feed's order), then new ones.
    drop(sse);
    // (The base of a save is the config's own revision: one save so far.)
    assert_eq!(say(&app, &editor, &accueil, 1, "Deux").await.status(), 200);
    let other = app.agent_id("acme", "Prise de rendez-vous").await;
    assert_eq!(say(&app, &editor, &other, 0, "Autre").await.status(), 200);
    let mut sse = Sse::open(&app, &token, Some(&id1)).await;
    let (id2, d2) = sse.doc().await;
    let (id3, d3) = sse.doc().await;
    assert_eq!(
        (d2["action"]["text"].clone(), d3["action"]["text"].clone()),
        ("Deux".into(), "Autre".into())
    );
    let seq = |id: &str| id.split_once(':').unwrap().0.parse::<i64>().unwrap();
    assert!(
        seq(&id1) < seq(&id2) && seq(&id2) < seq(&id3),
        "{id1} {id2} {id3}"
    );
    assert_eq!(say(&app, &editor, &accueil, 2, "Trois").await.status(), 200);
    let (id4, d4) = sse.doc().await;
    assert_eq!(d4["action"]["text"], "Trois");

    // A client that can't send headers (a browser's EventSource) resumes
    // with `?after=`.
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/runtime/v1/stream?after={id1}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let mut after = Sse {
        res,
        buf: Vec::new(),
    };
    // The other agent's change, then this one's latest, at its new place.
    let (a, da) = after.doc().await;
    let (b, db) = after.doc().await;
    assert_eq!(
        (
            a,
            da["action"]["text"].clone(),
            b,
            db["action"]["text"].clone()
        ),
        (id3.clone(), "Autre".into(), id4.clone(), "Trois".into())
    );

    // No token, or one without runtime:read: refused before anything streams.
    let res = reqwest::Client::new()
        .get(app.url("/api/runtime/v1/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let events_only = app.token("runtime:events", None).await;
    let res = reqwest::Client::new()
        .get(app.url("/api/runtime/v1/stream"))
        .bearer_auth(&events_only)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // A cursor that doesn't read: told to re-read the feed, then live.
    let mut bad = Sse::open(&app, &token, Some("not-a-cursor")).await;
    let e = bad.next(WAIT).await.unwrap();
    assert_eq!(e.event.as_deref(), Some("reset"));
    let reset: Value = serde_json::from_str(&e.data).unwrap();
    assert_eq!(reset["feed"], "/api/runtime/v1/failover-configs");
}

on_both_backends!(saves_are_streamed_and_a_resume_misses_nothing);

async fn a_bound_token_streams_its_account_and_a_revoked_one_is_closed(backend: Backend) {
    let app = TestApp::with_demo(backend).await;
    let (row, acme_only) = app::service::tokens::create(
        &app.system("test"),
        "acme stream",
        "runtime:read",
        Some("acme"),
    )
    .await
    .unwrap();
    app.wait_synced().await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let mut sse = Sse::open(&app, &acme_only, None).await;

    // A change to Globex (its flag) is not streamed; Acme's is.
    let csm = app.signed_in("csm@relais.example").await;
    app.switched(&csm, "globex", true).await;
    let editor = app.signed_in("editor@acme.example").await;
    assert_eq!(say(&app, &editor, &accueil, 0, "Acme").await.status(), 200);
    let (_, d) = sse.doc().await;
    assert_eq!(d["action"]["text"], "Acme", "only Acme's documents: {d}");

    // Revoked: the stream ends.
    app::service::tokens::revoke(&app.system("test"), &row.id)
        .await
        .unwrap();
    assert!(sse.next(WAIT).await.is_none(), "the stream is closed");
    let res = reqwest::Client::new()
        .get(app.url("/api/runtime/v1/stream"))
        .bearer_auth(&acme_only)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

on_both_backends!(a_bound_token_streams_its_account_and_a_revoked_one_is_closed);

/// Two instances on one PostgreSQL database: a save on A is streamed by B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: RELAIS_TEST_POSTGRES_URL (make test starts one)"]
async fn a_save_on_one_instance_is_streamed_by_another() {
    let (a, b) = TestApp::two_instances_with_demo().await;
    let token = a.token("runtime:read", None).await;
    b.wait_synced().await;
    let accueil = a.agent_id("acme", "Accueil standard").await;
    let mut sse = Sse::open(&b, &token, None).await;
    let editor = a.signed_in("editor@acme.example").await;
    let saved = std::time::Instant::now();
    assert_eq!(say(&a, &editor, &accueil, 0, "Via A").await.status(), 200);
    let (_, d) = sse.doc().await;
    assert_eq!(d["action"]["text"], "Via A");
    eprintln!("streamed by the other instance after {:?}", saved.elapsed());
    b.stop().await;
    a.stop().await;
}

/// A client that stops reading is cut off after the send timeout, and the
/// others get every change meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_disconnected() {
    use std::io::{Read, Write};
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.send_timeout = Duration::from_secs(2);
    })
    .await;
    relais_server::demo::seed(&app.system("demo"))
        .await
        .expect("demo seeds");
    let token = app.token("runtime:read", None).await;
    let accueil = app.agent_id("acme", "Accueil standard").await;
    let editor = app.signed_in("editor@acme.example").await;

    // A connection with a small receive window that is never read.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&app.addr.into()).unwrap();
    let mut stuck: std::net::TcpStream = socket.into();
    write!(
        stuck,
        "GET /api/runtime/v1/stream HTTP/1.1\r\nHost: relais\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let mut reader = Sse::open(&app, &token, None).await;

    // Far more than its window: the server's writes to it stall.
    let text = "Nous revenons dans un instant. ".repeat(30);
    for base in 0..40 {
        let said = format!("{base} {text}");
        assert_eq!(
            say(&app, &editor, &accueil, base, said.trim())
                .await
                .status(),
            200
        );
    }
    // The reading client has them all, in order.
    for base in 0..40 {
        let (_, d) = reader.doc().await;
        let said = d["action"]["text"].as_str().unwrap().to_owned();
        assert!(said.starts_with(&format!("{base} ")), "{base}: {said}");
    }

    // Past the send timeout the stalled connection is gone: draining it
    // ends (reset or end of stream) instead of waiting for more.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let ended = tokio::task::spawn_blocking(move || {
        stuck
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 65536];
        loop {
            match stuck.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return false;
                }
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await
    .unwrap();
    assert!(ended, "the stalled stream was closed");
}
