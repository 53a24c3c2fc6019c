//! The in-memory snapshot the runtime API answers from: every agent's document
//! pre-serialized with its ETag, and the runtime tokens. A refresh reads what
//! changed since the snapshot's sequence number and swaps in a new snapshot
//! atomically; readers never wait and never touch the database.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use arc_swap::ArcSwap;
use axum::body::Bytes;

use super::doc::FailoverDocument;
use crate::domain::Direction;
use crate::domain::Scope;
use crate::store::snapshot::{self, AgentState};
use crate::store::tokens;
use crate::store::{Db, StoreError, changes, now_ms};

/// One agent's document, ready to send.
#[derive(Debug)]
pub struct DocEntry {
    /// The id, the ETag and the document (built by [`DocEntry::new`]).
    pub packed: Packed,
    pub agent_id: Arc<str>,
    pub account_id: Arc<str>,
    /// Outbound agents have no failover (and no events).
    pub inbound: bool,
    pub seq: i64,
    /// What an OFREP evaluation says of it.
    pub head: super::ofrep::Head,
    /// What resolve calls need besides the bytes in `packed` (empty for a
    /// document read from the snapshot file, until the database answers).
    pub resolving: super::resolve::Resolving,
}

/// What a [`DocEntry`] is made of.
pub struct NewDoc<'a> {
    pub agent_id: Arc<str>,
    pub account_id: Arc<str>,
    pub inbound: bool,
    pub seq: i64,
    pub body: &'a [u8],
    pub head: super::ofrep::Head,
    pub resolver: Option<super::resolve::Resolver>,
}

impl DocEntry {
    pub fn new(new: NewDoc<'_>) -> DocEntry {
        let (section, resolving) = new
            .resolver
            .map(super::resolve::Resolver::into_parts)
            .unwrap_or_default();
        DocEntry {
            packed: Packed::new(new.agent_id.as_bytes(), new.body, &section),
            agent_id: new.agent_id,
            account_id: new.account_id,
            inbound: new.inbound,
            seq: new.seq,
            head: new.head,
            resolving,
        }
    }

    /// The answer of a resolve call (`None`: not ready, read from the
    /// snapshot file).
    pub fn resolve(&self, cause: crate::domain::Cause, at_ms: i64) -> Option<Bytes> {
        super::resolve::answer(&self.packed, &self.resolving, cause, at_ms)
    }

    /// The strong ETag, quoted.
    pub fn etag(&self) -> &[u8] {
        self.packed.etag()
    }

    /// The document.
    pub fn body(&self) -> &[u8] {
        self.packed.body()
    }

    /// The document, to send (shared, not copied).
    pub fn body_bytes(&self) -> Bytes {
        self.packed.body_bytes()
    }
}

/// An agent's id, its document's strong ETag (quoted: `"…"`), the document
/// and what resolve calls copy, in one reference-counted allocation: `[the
/// id's length, u32 LE][the document's length, u32 LE][id][ETag][document]
/// [resolve section]` (the section is `resolve`'s: answers that don't
/// depend on the moment, the plan's steps; empty until the database
/// answers). The documents' table holds it beside the entry: a read finds
/// the agent by these bytes and sends the rest (its reference count at
/// their start), touching the table and one run of memory, not the entry.
#[derive(Clone)]
pub struct Packed(Arc<[u8]>);

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packed")
            .field("id", &String::from_utf8_lossy(self.id()))
            .field("len", &self.0.len())
            .finish()
    }
}

/// A `u32` length at `at` of a packed header.
fn len_at(bytes: &[u8], at: usize) -> usize {
    let len: [u8; 4] = bytes[at..at + 4].try_into().expect("four bytes");
    u32::from_le_bytes(len) as usize
}

fn len_u32(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.len()).expect("less than 4 GB")
}

impl Packed {
    /// With the ETag of `body`: a digest of the bytes, XXH3's 128 bits, the
    /// same on every instance and every version of Relais that uses it (a
    /// specified algorithm, no seed), an order of magnitude cheaper than a
    /// cryptographic one at load — an ETag needs to change when the bytes
    /// do, not to resist forgery (the body is the caller's to read).
    fn new(id: &[u8], body: &[u8], section: &[u8]) -> Packed {
        let digest = xxhash_rust::xxh3::xxh3_128(body).to_be_bytes();
        let mut packed = Vec::with_capacity(8 + id.len() + ETAG_LEN + body.len() + section.len());
        packed.extend_from_slice(&len_u32(id).to_le_bytes());
        packed.extend_from_slice(&len_u32(body).to_le_bytes());
        packed.extend_from_slice(id);
        packed.push(b'"');
        packed.extend_from_slice(hex::encode(digest).as_bytes());
        packed.push(b'"');
        packed.extend_from_slice(body);
        packed.extend_from_slice(section);
        Packed(Arc::from(packed))
    }

    fn etag_start(&self) -> usize {
        8 + len_at(&self.0, 0)
    }

    /// Where the document ends (and the resolve section starts).
    fn body_end(&self) -> usize {
        self.etag_start() + ETAG_LEN + len_at(&self.0, 4)
    }

    /// The agent's id, as the table finds it.
    fn id(&self) -> &[u8] {
        &self.0[8..self.etag_start()]
    }

    /// The strong ETag, quoted.
    pub fn etag(&self) -> &[u8] {
        let start = self.etag_start();
        &self.0[start..start + ETAG_LEN]
    }

    /// The ETag as a header.
    pub fn etag_value(&self) -> axum::http::HeaderValue {
        axum::http::HeaderValue::from_bytes(self.etag()).expect("hex is a valid header value")
    }

    /// The document.
    pub fn body(&self) -> &[u8] {
        &self.0[self.etag_start() + ETAG_LEN..self.body_end()]
    }

    /// The document, to send: shares these bytes (no copy).
    pub fn body_bytes(&self) -> Bytes {
        let start = self.etag_start() + ETAG_LEN;
        self.share(start..self.body_end())
    }

    /// What `resolve` keeps here (empty: not ready).
    pub fn resolve_section(&self) -> &[u8] {
        &self.0[self.body_end()..]
    }

    /// `range` of the resolve section, to send (no copy).
    pub fn resolve_bytes(&self, range: std::ops::RangeFrom<usize>) -> Bytes {
        let start = self.body_end() + range.start;
        self.share(start..self.0.len())
    }

    /// These bytes in `range`, shared.
    fn share(&self, range: std::ops::Range<usize>) -> Bytes {
        struct Part(Packed, usize, usize);
        impl AsRef<[u8]> for Part {
            fn as_ref(&self) -> &[u8] {
                &self.0.0[self.1..self.2]
            }
        }
        Bytes::from_owner(Part(self.clone(), range.start, range.end))
    }
}

/// The documents by agent id: each slot of the table holds the entry's
/// [`Packed`] bytes (whose id the lookup compares) and the entry.
#[derive(Clone, Default)]
pub struct Docs {
    table: hashbrown::HashTable<(Packed, Arc<DocEntry>)>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Docs").field("len", &self.len()).finish()
    }
}

impl Docs {
    pub fn get(&self, agent_id: &str) -> Option<&Arc<DocEntry>> {
        self.find(agent_id).map(|(_, entry)| entry)
    }

    /// The agent's bytes and entry; a read that needs only the bytes
    /// doesn't touch the entry.
    pub fn find(&self, agent_id: &str) -> Option<(&Packed, &Arc<DocEntry>)> {
        use std::hash::BuildHasher;
        let id = agent_id.as_bytes();
        self.table
            .find(self.hasher.hash_one(id), |(p, _)| p.id() == id)
            .map(|(p, e)| (p, e))
    }

    /// Adds or replaces the entry of `entry`'s agent; the one replaced.
    pub fn insert(&mut self, entry: Arc<DocEntry>) -> Option<Arc<DocEntry>> {
        use std::hash::BuildHasher;
        let Docs { table, hasher } = self;
        let packed = entry.packed.clone();
        let hash = hasher.hash_one(packed.id());
        match table.entry(
            hash,
            |(p, _)| p.id() == packed.id(),
            |(p, _)| hasher.hash_one(p.id()),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut found) => {
                Some(std::mem::replace(found.get_mut(), (packed, entry)).1)
            }
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert((packed, entry));
                None
            }
        }
    }

    pub fn reserve(&mut self, additional: usize) {
        use std::hash::BuildHasher;
        let Docs { table, hasher } = self;
        table.reserve(additional, |(p, _)| hasher.hash_one(p.id()));
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// A runtime token as the API checks it.
#[derive(Debug)]
pub struct TokenEntry {
    pub id: String,
    pub name: String,
    pub read: bool,
    pub events: bool,
    pub account_id: Option<Arc<str>>,
    pub revoked: bool,
    /// The last request that presented it on this instance (epoch seconds,
    /// 0: none yet), and how much of that is written to the database.
    pub last_used: AtomicI64,
    pub last_recorded: AtomicI64,
}

impl TokenEntry {
    /// Notes a request that presented this token: one store per second at most.
    pub fn seen(&self, now_s: i64) {
        if self.last_used.load(Ordering::Relaxed) < now_s {
            self.last_used.store(now_s, Ordering::Relaxed);
        }
    }

    pub fn has(&self, scope: Scope) -> bool {
        match scope {
            Scope::RuntimeRead => self.read,
            Scope::RuntimeEvents => self.events,
        }
    }
}

/// A fast hasher for the in-memory maps (their keys are not chosen by clients
/// in a way that could collide on purpose: ids and token hashes).
pub type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What the API serves, as of sequence number `seq`.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub seq: i64,
    pub docs: Docs,
    /// The same documents ordered by (sequence number, agent id): the changes feed.
    pub feed: BTreeMap<(i64, Arc<str>), Arc<DocEntry>>,
    /// By the hash of the secret.
    pub tokens: Map<[u8; 32], Arc<TokenEntry>>,
    /// Sum of the document sizes.
    pub bytes: usize,
}

/// What one refresh changed, told to the change streams: the documents
/// (in feed order), and whether tokens changed (one may have been revoked).
#[derive(Debug)]
pub struct Changed {
    pub docs: Vec<Arc<DocEntry>>,
    pub tokens: bool,
}

/// Refreshes a change stream may fall behind by before it is dropped: a
/// client that doesn't read never holds the others back nor memory.
pub const STREAM_BACKLOG: usize = 256;

/// The snapshot and what is known of the database behind it.
#[derive(Debug)]
pub struct Runtime {
    snapshot: ArcSwap<Snapshot>,
    loaded: AtomicBool,
    /// Whether the snapshot served was read from the snapshot file.
    from_file: AtomicBool,
    db_ok: AtomicBool,
    /// Whether the last write probe went through, and whether one has run.
    db_writable: AtomicBool,
    probed: AtomicBool,
    /// When a refresh last reached the database (epoch ms).
    synced_at: AtomicI64,
    refresh: tokio::sync::Mutex<()>,
    /// Each refresh's changes, once loaded, for the change streams.
    changes: tokio::sync::broadcast::Sender<Arc<Changed>>,
    /// True once the server shuts down: the change streams end.
    closing: tokio::sync::watch::Sender<bool>,
    pub metrics: super::metrics::Metrics,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    pub fn new() -> Runtime {
        Runtime {
            snapshot: ArcSwap::from_pointee(Snapshot::default()),
            loaded: AtomicBool::new(false),
            from_file: AtomicBool::new(false),
            db_ok: AtomicBool::new(false),
            db_writable: AtomicBool::new(false),
            probed: AtomicBool::new(false),
            synced_at: AtomicI64::new(0),
            refresh: tokio::sync::Mutex::new(()),
            changes: tokio::sync::broadcast::channel(STREAM_BACKLOG).0,
            closing: tokio::sync::watch::Sender::new(false),
            metrics: super::metrics::Metrics::new(),
        }
    }

    /// The current snapshot (lock-free).
    pub fn snapshot(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.snapshot.load()
    }

    /// The changes of every refresh from now on. Subscribe before reading
    /// the snapshot: a change is then in one or the other (or both).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Changed>> {
        self.changes.subscribe()
    }

    /// Whether the server is shutting down (the change streams watch it).
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Ends every change stream: a graceful shutdown waits for open
    /// connections, and a stream would never close on its own.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    #[cfg(test)]
    pub fn replace_for_tests(&self, snapshot: Snapshot) {
        self.store(snapshot);
        self.loaded.store(true, Ordering::Release);
    }

    #[cfg(test)]
    pub fn tell_for_tests(&self, changed: Changed) {
        let _ = self.changes.send(Arc::new(changed));
    }

    /// The current snapshot, as an owned pointer (to take to another thread).
    pub fn snapshot_full(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Whether the first load is done.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Whether the last refresh reached the database.
    pub fn db_ok(&self) -> bool {
        self.db_ok.load(Ordering::Acquire)
    }

    /// Whether the database took the last write probe.
    pub fn db_writable(&self) -> bool {
        self.db_writable.load(Ordering::Acquire)
    }

    /// Tries a write, and remembers (and logs, on a change) whether it went through.
    pub async fn probe_writes(&self, db: &Db) -> bool {
        let result = crate::store::health::probe_write(db.pool()).await;
        let ok = result.is_ok();
        let was = self.db_writable.swap(ok, Ordering::AcqRel);
        let first = !self.probed.swap(true, Ordering::AcqRel);
        match result {
            Err(e) if first || was => {
                tracing::warn!(error = %e, "the database does not take writes")
            }
            Ok(()) if !first && !was => tracing::info!("the database takes writes again"),
            _ => {}
        }
        ok
    }

    /// When a refresh last reached the database (epoch ms, 0: never).
    pub fn synced_at(&self) -> i64 {
        self.synced_at.load(Ordering::Acquire)
    }

    /// Whether answers may be out of date: loaded, but the database is not reachable.
    pub fn is_stale(&self) -> bool {
        self.is_loaded() && !self.db_ok()
    }

    /// Brings the snapshot up to date with the database; returns how many
    /// documents and tokens changed. On failure the snapshot stays as it was
    /// and is marked stale.
    pub async fn refresh(&self, db: &Db) -> Result<usize, StoreError> {
        let _one_at_a_time = self.refresh.lock().await;
        let first = !self.is_loaded();
        match self.load_changes(db).await {
            Ok(n) => {
                if first {
                    release_freed_memory();
                }
                self.synced_at.store(now_ms(), Ordering::Release);
                if !self.db_ok.swap(true, Ordering::AcqRel) && self.is_loaded() {
                    tracing::info!("database reachable again; snapshot up to date");
                }
                self.loaded.store(true, Ordering::Release);
                Ok(n)
            }
            Err(e) => {
                if self.db_ok.swap(false, Ordering::AcqRel) {
                    tracing::warn!(error = %e, "database unreachable; serving the last snapshot");
                }
                Err(e)
            }
        }
    }

    async fn load_changes(&self, db: &Db) -> Result<usize, StoreError> {
        let current = self.snapshot.load_full();
        // A snapshot read from the file is replaced whole at the database's
        // first answer: its documents can't answer resolve calls.
        let whole = self.from_file.load(Ordering::Acquire);
        let since = if whole { 0 } else { current.seq };
        // Everything numbered up to `upto` has committed (numbers are taken
        // under a row lock held until commit), so reading (seq, upto] misses nothing.
        let upto = changes::current(db.pool()).await?;
        if upto <= current.seq && self.is_loaded() && !whole {
            return Ok(0);
        }
        let token_rows = tokens::changed_since(db.pool(), since).await?;
        let token_rows: Vec<_> = token_rows
            .into_iter()
            .filter(|t| t.change_seq <= upto)
            .collect();
        let mut next = if whole {
            // The file's tokens only for what this instance saw of them.
            Snapshot {
                tokens: current.tokens.clone(),
                ..Snapshot::default()
            }
        } else {
            (*current).clone()
        };
        next.seq = upto;
        // Told to the change streams (not the first load's 100,000: nobody
        // can be listening before it).
        let tell = self.is_loaded();
        // A load from the start is read in parts on connections of their
        // own, each built by its own task: the documents, ETags and
        // resolvers of 100,000 agents take both cores, not one.
        let all = snapshot::Slice::changed(since, upto);
        let slices = if since == 0 {
            all.split(db.pool(), load_parts()).await?
        } else {
            vec![all]
        };
        let tasks: Vec<_> = slices
            .into_iter()
            .map(|slice| tokio::spawn(load_part(db.pool().clone(), slice)))
            .collect();
        let mut parts = Vec::with_capacity(tasks.len());
        for task in tasks {
            match task.await {
                Ok(part) => parts.push(part?),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => return Err(StoreError::Unavailable(sqlx::Error::PoolClosed)),
            }
        }
        let states: usize = parts.iter().map(Vec::len).sum();
        next.docs.reserve(states);
        let mut changed_docs = Vec::new();
        for entry in parts.into_iter().flatten() {
            // (Reloading whole, only what changed since the file.)
            if tell && entry.seq > current.seq {
                changed_docs.push(entry.clone());
            }
            if let Some(old) = next.docs.insert(entry.clone()) {
                next.feed.remove(&(old.seq, old.agent_id.clone()));
                next.bytes -= old.body().len();
            }
            next.bytes += entry.body().len();
            next.feed.insert((entry.seq, entry.agent_id.clone()), entry);
        }
        if whole {
            self.from_file.store(false, Ordering::Release);
        }
        let changed = states + token_rows.len();
        if changed == 0 && self.is_loaded() {
            self.store(next);
            return Ok(0);
        }
        let tokens_changed = !token_rows.is_empty();
        for t in token_rows {
            let Some(hash) = tokens::unhex(&t.secret_hash) else {
                continue;
            };
            // What this instance saw of the token carries over to its new entry.
            let (used, recorded) = next.tokens.get(&hash).map_or((0, 0), |old| {
                (
                    old.last_used.load(Ordering::Relaxed),
                    old.last_recorded.load(Ordering::Relaxed),
                )
            });
            next.tokens.insert(
                hash,
                Arc::new(TokenEntry {
                    last_used: AtomicI64::new(used),
                    last_recorded: AtomicI64::new(recorded),
                    read: t.scopes.contains(&Scope::RuntimeRead),
                    events: t.scopes.contains(&Scope::RuntimeEvents),
                    account_id: t.account_id.as_deref().map(Arc::from),
                    revoked: t.revoked_at.is_some(),
                    id: t.id,
                    name: t.name,
                }),
            );
        }
        self.store(next);
        if tell {
            // In feed order: (sequence number, agent id).
            changed_docs.sort_by(|a, b| (a.seq, &a.agent_id).cmp(&(b.seq, &b.agent_id)));
            // No receiver is not an error: nobody is streaming.
            let _ = self.changes.send(Arc::new(Changed {
                docs: changed_docs,
                tokens: tokens_changed,
            }));
        }
        Ok(changed)
    }

    /// Writes when each token was last presented on this instance, for those
    /// presented since the last call; returns how many were written.
    pub async fn record_token_use(&self, db: &Db) -> Result<usize, StoreError> {
        let snapshot = self.snapshot.load_full();
        let mut written = 0;
        for t in snapshot.tokens.values() {
            let used = t.last_used.load(Ordering::Relaxed);
            if used > t.last_recorded.load(Ordering::Relaxed) {
                tokens::record_use(db.pool(), &t.id, used * 1000).await?;
                t.last_recorded.store(used, Ordering::Relaxed);
                written += 1;
            }
        }
        Ok(written)
    }

    /// Serves `snapshot` (read from the snapshot file) until the database
    /// answers: loaded, and stale. Refused (false) once the database has
    /// been loaded from: the file is never newer.
    pub async fn adopt(&self, snapshot: Snapshot) -> bool {
        let _one_at_a_time = self.refresh.lock().await;
        if self.is_loaded() {
            // What reading the file took goes back to the system.
            drop(snapshot);
            release_freed_memory();
            return false;
        }
        self.db_ok.store(false, Ordering::Release);
        self.from_file.store(true, Ordering::Release);
        self.store(snapshot);
        release_freed_memory();
        self.loaded.store(true, Ordering::Release);
        true
    }

    fn store(&self, next: Snapshot) {
        self.metrics.snapshot_loaded(next.docs.len(), next.bytes);
        self.snapshot.store(Arc::new(next));
    }
}

/// What the program's allocator does to give freed memory back to the
/// system (the binary sets it for its own allocator).
static RELEASE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets how freed memory is given back after the first load.
pub fn on_first_load(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Gives back to the system the memory a first load used and freed (the
/// rows and states of 100,000 agents): allocators keep it otherwise, and
/// the process would hold far more than it needs.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of glibc's arenas.
    unsafe {
        libc::malloc_trim(0);
    }
    if let Some(release) = RELEASE.get() {
        release();
    }
}

/// How many parts a load from the start is read in: one per core (two
/// at least: on this machine's two, 2.4–2.7 s instead of 3.1–3.6 s for
/// 100,000 agents; four parts gained little more and held more memory).
fn load_parts() -> i64 {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8) as i64)
}

/// The documents of the agents of `slice`, built as their rows arrive.
async fn load_part(
    pool: sqlx::AnyPool,
    slice: snapshot::Slice,
) -> Result<Vec<Arc<DocEntry>>, StoreError> {
    let mut shared = super::resolve::Shared::default();
    let mut out = Vec::new();
    snapshot::agent_states(&pool, &slice, |s| {
        out.push(Arc::new(entry(&s, &mut shared)));
    })
    .await?;
    Ok(out)
}

/// `"` + 32 hex digits + `"`.
const ETAG_LEN: usize = 34;

fn entry(s: &AgentState, shared: &mut super::resolve::Shared) -> DocEntry {
    let doc = FailoverDocument::build(s);
    let json = serde_json::to_vec(&doc).expect("documents serialize");
    let resolver = super::resolve::Resolver::new(
        &doc,
        s.plan.as_ref(),
        &s.schedules,
        s.emergency.as_ref().map(|e| e.ends_at),
        shared,
    );
    DocEntry::new(NewDoc {
        head: super::ofrep::Head::of(&doc),
        resolver: Some(resolver),
        agent_id: Arc::from(s.agent_id.as_str()),
        account_id: Arc::from(s.account_id.as_str()),
        inbound: s.direction == Direction::Inbound,
        seq: s.change_seq,
        // Copied to exactly its size: the serializer's buffer has room to
        // spare (up to 2×).
        body: &json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, body: &str) -> Arc<DocEntry> {
        Arc::new(DocEntry::new(NewDoc {
            agent_id: Arc::from(id),
            account_id: Arc::from("acc"),
            inbound: true,
            seq: 1,
            body: body.as_bytes(),
            head: super::super::ofrep::Head {
                runs: false,
                variant: "disabled",
                revision: 1,
            },
            resolver: None,
        }))
    }

    #[test]
    fn packed_bytes_give_back_the_id_the_etag_and_the_body() {
        let d = doc("agent-1", r#"{"enabled":false}"#);
        assert_eq!(d.packed.id(), b"agent-1");
        assert_eq!(d.body(), br#"{"enabled":false}"#);
        assert_eq!(&*d.body_bytes(), d.body());
        let etag = std::str::from_utf8(d.etag()).unwrap();
        assert!(etag.len() == 34 && etag.starts_with('"') && etag.ends_with('"'));
        assert_eq!(d.packed.etag_value().as_bytes(), d.etag());
        // The same bytes, the same ETag; other bytes, another.
        assert_eq!(doc("other", r#"{"enabled":false}"#).etag(), d.etag());
        assert_ne!(doc("agent-1", r#"{"enabled":true}"#).etag(), d.etag());
        // An empty id and an empty body are bytes like any others.
        let e = doc("", "");
        assert_eq!((e.packed.id(), e.body()), (&b""[..], &b""[..]));
        // Without a resolver (read from the snapshot file): no resolve section,
        // no answer.
        assert!(d.packed.resolve_section().is_empty());
        assert!(d.resolve(crate::domain::Cause::ConfigOther, 0).is_none());
    }

    #[test]
    fn the_resolve_section_follows_the_document_and_leaves_it_whole() {
        let mut s = crate::store::snapshot::AgentState {
            agent_id: "agent-1".into(),
            account_id: "acc".into(),
            direction: Direction::Inbound,
            failover_enabled: false,
            default_message: None,
            plan: None,
            sip_connections: BTreeMap::new(),
            schedules: BTreeMap::new(),
            emergency: None,
            change_seq: 7,
            changed_at: 0,
        };
        let off = entry(&s, &mut super::super::resolve::Shared::default());
        let doc = FailoverDocument::build(&s);
        assert_eq!(off.body(), serde_json::to_vec(&doc).unwrap());
        assert_eq!(&*off.body_bytes(), off.body());
        let answer = off.resolve(crate::domain::Cause::ConfigOther, 0).unwrap();
        // The answer is the section's tail, shared, not the document.
        assert!(off.packed.resolve_section().ends_with(&answer));
        let v: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(
            (v["enabled"].as_bool(), v["revision"].as_i64()),
            (Some(false), Some(7))
        );
        // Failover on: the answer is built from the plan's pieces.
        s.failover_enabled = true;
        s.plan = Some(crate::domain::plan::FailoverPlan::single(
            crate::domain::failover::FailoverAction::SayMessage {
                text: "Bonjour".into(),
                language: "fr-FR".into(),
            },
        ));
        let on = entry(&s, &mut super::super::resolve::Shared::default());
        assert_ne!(on.body(), off.body());
        let v: serde_json::Value =
            serde_json::from_slice(&on.resolve(crate::domain::Cause::ConfigOther, 0).unwrap())
                .unwrap();
        assert_eq!(v["steps"][0]["text"], "Bonjour");
        assert_eq!(v["agent_id"], "agent-1");
    }

    #[test]
    fn the_table_finds_replaces_and_counts_by_agent_id() {
        let mut docs = Docs::default();
        for i in 0..1000 {
            assert!(
                docs.insert(doc(&format!("a{i}"), &format!("{i}")))
                    .is_none()
            );
        }
        assert_eq!(docs.len(), 1000);
        let old = docs.insert(doc("a7", "new")).expect("replaced");
        assert_eq!(old.body(), b"7");
        assert_eq!(docs.len(), 1000);
        assert_eq!(docs.get("a7").unwrap().body(), b"new");
        let (packed, entry) = docs.find("a999").unwrap();
        assert_eq!((packed.body(), entry.body()), (&b"999"[..], &b"999"[..]));
        assert!(docs.get("a1000").is_none() && docs.get("a").is_none());
        assert!(docs.get("").is_none());
        let copy = docs.clone();
        assert_eq!(copy.get("a3").unwrap().body(), b"3");
    }
}
