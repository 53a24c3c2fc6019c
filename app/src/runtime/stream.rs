//! The change stream (SPEC §9): server-sent events, one per changed
//! document (`id:` its feed cursor, `data:` the document), from the
//! snapshot's refreshes. A stream resumes after a cursor (`Last-Event-ID`)
//! by replaying the feed from the snapshot, then follows the refreshes; a
//! comment every 15 s keeps proxies from closing it. A stream whose client
//! falls [`STREAM_BACKLOG`](super::snapshot::STREAM_BACKLOG) refreshes behind
//! is closed (the client resumes with its last id), so a slow client holds
//! neither the others nor memory; so is one whose token is revoked, and all
//! of them when the server shuts down. A client that stops reading
//! altogether is cut off by the kernel (the server's send timeout,
//! `TCP_USER_TIMEOUT`): its stream is then dropped.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::ops::Bound::{Excluded, Unbounded};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::snapshot::{Changed, DocEntry, Runtime, Snapshot};

/// A comment this often keeps idle connections open through proxies.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Documents replayed after a cursor at most: past that, the client is told
/// to page through the feed (gzipped, 1000 a page) instead.
pub const REPLAY_MAX: usize = 1000;

/// A position in the feed: (sequence number, agent id).
pub type Cursor = (i64, Arc<str>);

/// Where a stream starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// With the next change.
    Now,
    /// With the first change after this cursor (`Last-Event-ID`).
    After(Cursor),
    /// After a cursor that doesn't read: the client re-reads the feed.
    Unreadable,
}

/// Who listens: the token (looked up again at each token change: a revoked
/// one ends its streams) and the account it is bound to.
#[derive(Debug, Clone)]
pub struct Listener {
    pub token_hash: [u8; 32],
    pub account: Option<Arc<str>>,
}

impl Listener {
    fn wants(&self, doc: &DocEntry) -> bool {
        self.account.as_ref().is_none_or(|a| *a == doc.account_id)
    }

    fn allowed(&self, rt: &Runtime) -> bool {
        rt.snapshot()
            .tokens
            .get(&self.token_hash)
            .is_some_and(|t| !t.revoked && t.read)
    }
}

/// `id: <seq>:<agent id>` and the `data:` prefix, before the document's bytes.
fn head(doc: &DocEntry) -> Bytes {
    Bytes::from(format!("id: {}:{}\ndata: ", doc.seq, doc.agent_id))
}

/// The event telling a client its cursor is out of the stream's reach: page
/// through the feed after it (from the start when it didn't read), then go
/// on with this stream, which carries every change from now.
fn reset(after: Option<&Cursor>) -> Bytes {
    let after = after.map(|(seq, id)| format!("{seq}:{id}"));
    let data = serde_json::json!({
        "reason": if after.is_some() { "too_far_behind" } else { "unreadable_cursor" },
        "feed": "/api/runtime/v1/failover-configs",
        "after": after,
    });
    Bytes::from(format!("event: reset\ndata: {data}\n\n"))
}

struct State {
    rt: Arc<Runtime>,
    listener: Listener,
    changes: broadcast::Receiver<Arc<Changed>>,
    closing: tokio::sync::watch::Receiver<bool>,
    heartbeat: tokio::time::Interval,
    /// Chunks ready to send.
    out: VecDeque<Bytes>,
    /// The replay after the client's cursor, in feed order.
    replay: VecDeque<Arc<DocEntry>>,
    /// The refresh being sent, and the next of its documents to look at:
    /// read where it is, shared by every stream (a refresh of thousands of
    /// documents is not copied once per stream).
    refresh: Option<(Arc<Changed>, usize)>,
    /// Changes up to here were in the snapshot the stream started from
    /// (sent, or before the client's cursor): not sent again.
    seen: Cursor,
    done: bool,
}

impl State {
    /// The next document to send: the replay's, then the refresh's that
    /// this listener wants and hasn't had.
    fn next_doc(&mut self) -> Option<Arc<DocEntry>> {
        if let Some(doc) = self.replay.pop_front() {
            return Some(doc);
        }
        let (changed, next) = self.refresh.as_mut()?;
        let seen = (self.seen.0, &*self.seen.1);
        while let Some(doc) = changed.docs.get(*next) {
            *next += 1;
            if (doc.seq, &*doc.agent_id) > seen && self.listener.wants(doc) {
                return Some(doc.clone());
            }
        }
        self.refresh = None;
        None
    }

    /// The next chunk to send, waiting for one; `None`: the stream ends.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.out.pop_front() {
                return Some(chunk);
            }
            if let Some(doc) = self.next_doc() {
                // Three chunks: the document's bytes are shared, not copied.
                self.out.push_back(doc.body_bytes());
                self.out.push_back(Bytes::from_static(b"\n\n"));
                return Some(head(&doc));
            }
            if self.done || *self.closing.borrow() {
                return None;
            }
            tokio::select! {
                changed = self.changes.recv() => match changed {
                    Ok(changed) => {
                        if changed.tokens && !self.listener.allowed(&self.rt) {
                            return None;
                        }
                        self.refresh = Some((changed, 0));
                    }
                    // Too far behind, or the runtime is gone: the client
                    // comes back with its last id and misses nothing.
                    Err(RecvError::Lagged(_) | RecvError::Closed) => self.done = true,
                },
                _ = self.heartbeat.tick() => {
                    if !self.listener.allowed(&self.rt) {
                        return None;
                    }
                    self.out.push_back(Bytes::from_static(b": heartbeat\n\n"));
                }
                _ = self.closing.changed() => self.done = true,
            }
        }
    }
}

/// The stream's chunks. `changes` must have been subscribed before
/// `snapshot` was read (then a change is in one or the other).
pub fn events(
    rt: Arc<Runtime>,
    changes: broadcast::Receiver<Arc<Changed>>,
    snapshot: &Snapshot,
    listener: Listener,
    start: Start,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    // The client reconnects a second after a drop.
    let mut out = VecDeque::from([Bytes::from_static(b"retry: 1000\n\n")]);
    let mut replay = VecDeque::new();
    let last = (snapshot.seq, Arc::<str>::from("\u{10FFFF}"));
    let seen = match start {
        Start::Now => last,
        Start::Unreadable => {
            out.push_back(reset(None));
            last
        }
        Start::After(cursor) => {
            let after = snapshot
                .feed
                .range((Excluded(cursor.clone()), Unbounded))
                .map(|(_, d)| d)
                .filter(|d| listener.wants(d));
            replay.extend(after.take(REPLAY_MAX + 1).cloned());
            if replay.len() > REPLAY_MAX {
                replay.clear();
                out.push_back(reset(Some(&cursor)));
            }
            last.max(cursor)
        }
    };
    let closing = rt.closing();
    let heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let state = State {
        rt,
        listener,
        changes,
        closing,
        heartbeat,
        out,
        replay,
        refresh: None,
        seen,
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        st.next().await.map(|chunk| (Ok(chunk), st))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn doc(seq: i64, agent: &str, account: &str) -> Arc<DocEntry> {
        Arc::new(DocEntry::new(super::super::snapshot::NewDoc {
            agent_id: Arc::from(agent),
            account_id: Arc::from(account),
            inbound: true,
            seq,
            body: format!("{{\"a\":\"{agent}\"}}").as_bytes(),
            head: super::super::ofrep::Head {
                runs: false,
                variant: "disabled",
                revision: 1,
            },
            resolver: None,
        }))
    }

    fn snapshot_with(docs: &[Arc<DocEntry>], token: [u8; 32]) -> Snapshot {
        let mut s = Snapshot::default();
        for d in docs {
            s.seq = s.seq.max(d.seq);
            s.docs.insert(d.clone());
            s.feed.insert((d.seq, d.agent_id.clone()), d.clone());
        }
        s.tokens.insert(
            token,
            Arc::new(super::super::snapshot::TokenEntry {
                id: "t".into(),
                name: "t".into(),
                read: true,
                events: false,
                account_id: None,
                revoked: false,
                last_used: Default::default(),
                last_recorded: Default::default(),
            }),
        );
        s
    }

    async fn text(
        chunks: &mut (impl Stream<Item = Result<Bytes, Infallible>> + Unpin),
        n: usize,
    ) -> String {
        let mut s = String::new();
        for _ in 0..n {
            let c = chunks.next().await.expect("a chunk").unwrap();
            s.push_str(std::str::from_utf8(&c).unwrap());
        }
        s
    }

    type Chunks = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, Infallible>> + Send>>;

    /// A runtime serving `docs` (token [1; 32] valid), and a stream on it for
    /// a token bound to `account` (if any), past its `retry:` line.
    async fn open(
        docs: &[Arc<DocEntry>],
        account: Option<&str>,
        start: Start,
    ) -> (Arc<Runtime>, Snapshot, Chunks) {
        let rt = Arc::new(Runtime::new());
        let snap = snapshot_with(docs, [1; 32]);
        rt.replace_for_tests(snap.clone());
        let mut s = stream_on(&rt, &snap, account, start);
        assert_eq!(text(&mut s, 1).await, "retry: 1000\n\n");
        (rt, snap, s)
    }

    fn stream_on(
        rt: &Arc<Runtime>,
        snap: &Snapshot,
        account: Option<&str>,
        start: Start,
    ) -> Chunks {
        let listener = Listener {
            token_hash: [1; 32],
            account: account.map(Arc::from),
        };
        Box::pin(events(rt.clone(), rt.subscribe(), snap, listener, start))
    }

    #[tokio::test]
    async fn resumes_after_a_cursor_then_follows_without_repeats() {
        let (a, b, c) = (doc(1, "a", "x"), doc(2, "b", "y"), doc(3, "c", "x"));
        let (rt, _, mut s) =
            open(&[a, b, c.clone()], None, Start::After((1, Arc::from("a")))).await;
        assert_eq!(
            text(&mut s, 6).await,
            "id: 2:b\ndata: {\"a\":\"b\"}\n\nid: 3:c\ndata: {\"a\":\"c\"}\n\n"
        );
        // A refresh that repeats c (already in the snapshot) and brings d.
        rt.tell_for_tests(Changed {
            docs: vec![c, doc(4, "d", "x")],
            tokens: false,
        });
        assert_eq!(text(&mut s, 3).await, "id: 4:d\ndata: {\"a\":\"d\"}\n\n");
    }

    #[tokio::test]
    async fn a_bound_token_sees_its_account_and_a_revoked_one_is_closed() {
        let (rt, _, mut s) = open(&[], Some("x"), Start::Now).await;
        rt.tell_for_tests(Changed {
            docs: vec![doc(5, "other", "y"), doc(6, "mine", "x")],
            tokens: false,
        });
        assert_eq!(
            text(&mut s, 3).await,
            "id: 6:mine\ndata: {\"a\":\"mine\"}\n\n"
        );
        // The token revoked: the stream ends.
        let mut revoked = snapshot_with(&[], [9; 32]);
        revoked.seq = 6;
        rt.replace_for_tests(revoked);
        rt.tell_for_tests(Changed {
            docs: vec![],
            tokens: true,
        });
        assert!(s.next().await.is_none());
    }

    /// A comment every 15 s while nothing changes (the clock paused: the
    /// runtime jumps to each timer).
    #[tokio::test(start_paused = true)]
    async fn an_idle_stream_gets_a_heartbeat_every_15_seconds() {
        let (_rt, _, mut s) = open(&[], None, Start::Now).await;
        let started = tokio::time::Instant::now();
        assert_eq!(text(&mut s, 1).await, ": heartbeat\n\n");
        assert_eq!(started.elapsed(), HEARTBEAT);
        assert_eq!(text(&mut s, 1).await, ": heartbeat\n\n");
        assert_eq!(started.elapsed(), 2 * HEARTBEAT);
    }

    #[tokio::test]
    async fn a_client_too_far_behind_is_dropped_and_a_bad_cursor_reset() {
        let (rt, snap, mut slow) = open(&[], None, Start::Unreadable).await;
        assert!(
            text(&mut slow, 1)
                .await
                .starts_with("event: reset\ndata: {")
        );
        for i in 0..=super::super::snapshot::STREAM_BACKLOG as i64 {
            rt.tell_for_tests(Changed {
                docs: vec![doc(10 + i, "a", "x")],
                tokens: false,
            });
        }
        // It never read: closed, and it resumes with its last id.
        assert!(slow.next().await.is_none());
        // Closing the server ends every stream.
        let mut s = stream_on(&rt, &snap, None, Start::Now);
        assert_eq!(text(&mut s, 1).await, "retry: 1000\n\n");
        rt.close_streams();
        assert!(s.next().await.is_none());
    }
}
