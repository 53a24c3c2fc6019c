//! The last known snapshot on disk (`RELAIS_SNAPSHOT_FILE`): what the runtime
//! API serves when Relais starts while its database is unreachable. Written
//! atomically (a temporary file, flushed, then renamed over the old one),
//! checksummed, and tied to its database: a file that is corrupt, truncated,
//! from another version or written for another database is ignored.
//!
//! Layout: the magic line, the database's identity (32 bytes), the payload —
//! the sequence number, the documents (agent id, account id, inbound,
//! sequence number, body) and the tokens (secret hash, id, name, scopes,
//! account, revoked) — then the payload's length (u64) and its BLAKE2s
//! checksum (32 bytes), so that it is written as it is made, never held
//! whole in memory. Numbers are little-endian; strings and bodies are
//! length-prefixed (u32). Token secrets are there as their hashes only, as
//! in the database.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use blake2::Digest;

use super::ofrep::Head;
use super::snapshot::{DocEntry, NewDoc, Snapshot, TokenEntry};

const MAGIC: &[u8] = b"RELAIS-SNAPSHOT 2\n";

/// Why a file was not used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read or write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a Relais snapshot file of this version")]
    NotASnapshot,
    #[error("the checksum does not match (corrupt or truncated)")]
    Corrupt,
    #[error("written for another database")]
    Foreign,
}

/// What ties a file to its database: a digest of the database URL without
/// its password (the password may change; the database stays the same).
pub fn identity(database_url: &str) -> [u8; 32] {
    let redacted = crate::store::redact_url(database_url);
    blake2::Blake2s256::digest(redacted.as_bytes()).into()
}

/// Writes the payload out as it is made, hashing and counting it.
struct Writer<W: std::io::Write> {
    out: W,
    hash: blake2::Blake2s256,
    len: u64,
    failed: Option<std::io::Error>,
}

impl<W: std::io::Write> Writer<W> {
    fn put(&mut self, b: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        match self.out.write_all(b) {
            Ok(()) => {
                self.hash.update(b);
                self.len += b.len() as u64;
            }
            Err(e) => self.failed = Some(e),
        }
    }
    fn u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    fn u32(&mut self, v: usize) {
        self.put(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.put(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len());
        self.put(b);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FileError> {
        if self.0.len() < n {
            return Err(FileError::Corrupt);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, FileError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<usize, FileError> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| FileError::Corrupt)?;
        Ok(u32::from_le_bytes(b) as usize)
    }
    fn i64(&mut self) -> Result<i64, FileError> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| FileError::Corrupt)?;
        Ok(i64::from_le_bytes(b))
    }
    fn bytes(&mut self) -> Result<&'a [u8], FileError> {
        let n = self.u32()?;
        self.take(n)
    }
    fn text(&mut self) -> Result<&'a str, FileError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| FileError::Corrupt)
    }
    fn hash(&mut self) -> Result<[u8; 32], FileError> {
        self.take(32)?.try_into().map_err(|_| FileError::Corrupt)
    }
}

/// Writes the file for `snapshot` to `out`; returns the bytes written.
pub fn encode_to(
    out: &mut impl std::io::Write,
    snapshot: &Snapshot,
    identity: &[u8; 32],
) -> std::io::Result<u64> {
    out.write_all(MAGIC)?;
    out.write_all(identity)?;
    let mut p = Writer {
        out: &mut *out,
        hash: blake2::Blake2s256::new(),
        len: 0,
        failed: None,
    };
    p.i64(snapshot.seq);
    p.u32(snapshot.docs.len());
    // In feed order: the same snapshot always gives the same bytes.
    for d in snapshot.feed.values() {
        p.bytes(d.agent_id.as_bytes());
        p.bytes(d.account_id.as_bytes());
        p.u8(u8::from(d.inbound));
        p.i64(d.seq);
        p.bytes(d.body());
    }
    let mut tokens: Vec<(&[u8; 32], &Arc<TokenEntry>)> = snapshot.tokens.iter().collect();
    tokens.sort_by_key(|(h, _)| **h);
    p.u32(tokens.len());
    for (hash, t) in tokens {
        p.put(hash);
        p.bytes(t.id.as_bytes());
        p.bytes(t.name.as_bytes());
        p.u8(u8::from(t.read) | (u8::from(t.events) << 1) | (u8::from(t.revoked) << 2));
        match &t.account_id {
            Some(a) => {
                p.u8(1);
                p.bytes(a.as_bytes());
            }
            None => p.u8(0),
        }
    }
    if let Some(e) = p.failed {
        return Err(e);
    }
    let (len, checksum) = (p.len, p.hash.finalize());
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&checksum)?;
    Ok(MAGIC.len() as u64 + 32 + len + 8 + 32)
}

/// The file's bytes for `snapshot`.
pub fn encode(snapshot: &Snapshot, identity: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(snapshot.bytes + snapshot.docs.len() * 96 + 1024);
    encode_to(&mut out, snapshot, identity).expect("writing to memory");
    out
}

/// The snapshot in `bytes`, if they are a whole, unaltered file of this
/// version for the database `identity`.
pub fn decode(bytes: &[u8], identity: &[u8; 32]) -> Result<Snapshot, FileError> {
    let rest = bytes.strip_prefix(MAGIC).ok_or(FileError::NotASnapshot)?;
    if rest.len() < 32 + 8 + 32 {
        return Err(FileError::Corrupt);
    }
    let (written_for, rest) = rest.split_at(32);
    let (payload, trailer) = rest.split_at(rest.len() - 40);
    let len: [u8; 8] = trailer[..8].try_into().map_err(|_| FileError::Corrupt)?;
    if u64::from_le_bytes(len) != payload.len() as u64
        || blake2::Blake2s256::digest(payload).as_slice() != &trailer[8..]
    {
        return Err(FileError::Corrupt);
    }
    if written_for != identity {
        return Err(FileError::Foreign);
    }
    let mut r = Reader(payload);
    let mut s = Snapshot {
        seq: r.i64()?,
        ..Snapshot::default()
    };
    let docs = r.u32()?;
    for _ in 0..docs {
        let agent_id: Arc<str> = Arc::from(r.text()?);
        let account_id: Arc<str> = Arc::from(r.text()?);
        let inbound = r.u8()? != 0;
        let seq = r.i64()?;
        let raw = r.bytes()?;
        let head = Head::peek(raw).ok_or(FileError::Corrupt)?;
        let entry = Arc::new(DocEntry::new(NewDoc {
            head,
            agent_id: agent_id.clone(),
            account_id,
            inbound,
            seq,
            body: raw,
            resolver: None,
        }));
        s.bytes += entry.body().len();
        s.feed.insert((seq, agent_id), entry.clone());
        s.docs.insert(entry);
    }
    let tokens = r.u32()?;
    for _ in 0..tokens {
        let hash = r.hash()?;
        let id = r.text()?.to_owned();
        let name = r.text()?.to_owned();
        let flags = r.u8()?;
        let account_id = match r.u8()? {
            0 => None,
            _ => Some(Arc::from(r.text()?)),
        };
        s.tokens.insert(
            hash,
            Arc::new(TokenEntry {
                id,
                name,
                read: flags & 1 != 0,
                events: flags & 2 != 0,
                revoked: flags & 4 != 0,
                account_id,
                last_used: AtomicI64::new(0),
                last_recorded: AtomicI64::new(0),
            }),
        );
    }
    if !r.0.is_empty() {
        return Err(FileError::Corrupt);
    }
    Ok(s)
}

/// Replaces `path` with what `write` writes, so that a reader (or a crash)
/// sees the old file or the new one, never a mix: a temporary file beside
/// it, flushed to disk, renamed over it, and the folder flushed.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), FileError> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("snapshot");
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        write(&mut f)?;
        f.flush()?;
        f.get_ref().sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes the snapshot file for `snapshot` at `path`; returns its size.
pub fn save(path: &Path, snapshot: &Snapshot, identity: &[u8; 32]) -> Result<u64, FileError> {
    let mut size = 0;
    write_atomic(path, |w| {
        size = encode_to(w, snapshot, identity)?;
        Ok(())
    })?;
    Ok(size)
}

/// Reads the snapshot of `path`, if there is a usable one.
pub fn read(path: &Path, identity: &[u8; 32]) -> Result<Snapshot, FileError> {
    let bytes = std::fs::read(path)?;
    decode(&bytes, identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    fn sample() -> Snapshot {
        let mut s = Snapshot {
            seq: 42,
            ..Snapshot::default()
        };
        for (i, inbound) in [(1, true), (2, false)] {
            let body = format!("{{\"agent_id\":\"a{i}\",\"enabled\":false,\"revision\":{i}}}");
            let id: Arc<str> = Arc::from(format!("a{i}").as_str());
            let e = Arc::new(DocEntry::new(NewDoc {
                head: Head {
                    runs: false,
                    variant: "disabled",
                    revision: i,
                },
                agent_id: id.clone(),
                account_id: Arc::from("acc"),
                inbound,
                seq: i,
                body: body.as_bytes(),
                resolver: None,
            }));
            s.bytes += e.body().len();
            s.feed.insert((i, id), e.clone());
            s.docs.insert(e);
        }
        s.tokens.insert(
            [7; 32],
            Arc::new(TokenEntry {
                id: "t1".into(),
                name: "runtime".into(),
                read: true,
                events: false,
                account_id: Some(Arc::from("acc")),
                revoked: true,
                last_used: AtomicI64::new(5),
                last_recorded: AtomicI64::new(5),
            }),
        );
        s
    }

    #[test]
    fn a_snapshot_comes_back_as_it_was_written() {
        let id = identity("sqlite:data/relais.db");
        let bytes = encode(&sample(), &id);
        let back = decode(&bytes, &id).unwrap();
        assert_eq!(back.seq, 42);
        assert_eq!(back.docs.len(), 2);
        assert_eq!(back.bytes, sample().bytes);
        let a1 = back.docs.get("a1").unwrap();
        assert!(a1.inbound);
        assert_eq!(a1.etag(), sample().docs.get("a1").unwrap().etag());
        assert!(!back.docs.get("a2").unwrap().inbound);
        let t = &back.tokens[&[7; 32]];
        assert!(t.read && !t.events && t.revoked);
        assert_eq!(t.account_id.as_deref(), Some("acc"));
        assert_eq!(t.last_used.load(Ordering::Relaxed), 0);
        assert_eq!(encode(&back, &id), bytes, "stable bytes");
    }

    #[test]
    fn corrupt_truncated_and_foreign_files_are_refused() {
        let id = identity("postgres://u:one@h/db");
        let bytes = encode(&sample(), &id);
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1], &id),
            Err(FileError::Corrupt)
        ));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 1;
        assert!(matches!(decode(&flipped, &id), Err(FileError::Corrupt)));
        assert!(matches!(decode(b"{}", &id), Err(FileError::NotASnapshot)));
        let other = identity("postgres://u:one@h/other");
        assert!(matches!(decode(&bytes, &other), Err(FileError::Foreign)));
        // The same database behind a new password is not foreign.
        assert!(decode(&bytes, &identity("postgres://u:two@h/db")).is_ok());
    }

    #[test]
    fn writing_replaces_the_file_whole() {
        let dir = std::env::temp_dir().join(format!("relais-file-{}", std::process::id()));
        let path = dir.join("snap.bin");
        write_atomic(&path, |w| std::io::Write::write_all(w, b"first")).unwrap();
        write_atomic(&path, |w| std::io::Write::write_all(w, b"second")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left");
        let _ = std::fs::remove_dir_all(dir);
    }
}
