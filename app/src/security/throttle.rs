//! Sign-in throttling, in memory on each instance. Failed sign-ins are
//! counted — never attempts — per (email, client) and per client; past a few
//! free failures each further one makes that key wait longer (1 s, 2 s, 4 s…
//! up to 15 min). A success clears its (email, client) pair. So an attacker
//! hammering an account from one client slows only themself: the owner,
//! from another client, signs in with the right password at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::Email;

/// Failures allowed before a delay, per (email, client) and per client.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub free_failures_per_email: u32,
    pub free_failures_per_client: u32,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            free_failures_per_email: 5,
            free_failures_per_client: 30,
        }
    }
}

/// The first delay past the free failures; each further failure doubles it.
const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest delay.
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten this long after the last one.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Keys kept at most per table; past that, the stalest are forgotten first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// Until when this key must wait, past `free` failures.
    fn blocked_until(&self, free: u32) -> Option<Instant> {
        let over = self.count.checked_sub(free)?;
        let delay = FIRST_DELAY
            .checked_mul(1u32.checked_shl(over).unwrap_or(u32::MAX))
            .unwrap_or(MAX_DELAY)
            .min(MAX_DELAY);
        Some(self.last + delay)
    }
}

#[derive(Debug)]
struct Table<K> {
    free: u32,
    keys: Mutex<HashMap<K, Failures>>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(free: u32) -> Self {
        Self {
            free,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Failures>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let until = self.lock().get(key)?.blocked_until(self.free)?;
        (until > now).then(|| until - now)
    }

    fn fail(&self, key: K, now: Instant) {
        let mut keys = self.lock();
        if keys.len() >= MAX_KEYS && !keys.contains_key(&key) {
            forget_stale(&mut keys, now);
        }
        let f = keys.entry(key).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(f.last) >= FORGET_AFTER {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
    }

    fn clear(&self, key: &K) {
        self.lock().remove(key);
    }

    fn prune(&self, now: Instant) {
        let mut keys = self.lock();
        keys.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        keys.shrink_to_fit();
    }
}

/// Makes room in a full table: the keys idle longest go (at least a tenth).
fn forget_stale<K: Hash + Eq + Clone>(keys: &mut HashMap<K, Failures>, now: Instant) {
    keys.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
    if keys.len() >= MAX_KEYS {
        let mut by_age: Vec<(K, Instant)> = keys.iter().map(|(k, f)| (k.clone(), f.last)).collect();
        by_age.sort_by_key(|(_, last)| *last);
        for (k, _) in by_age.into_iter().take(MAX_KEYS / 10) {
            keys.remove(&k);
        }
    }
}

/// Counts failed sign-ins and says how long a client must wait.
#[derive(Debug)]
pub struct SignInThrottle {
    by_pair: Table<(String, Option<IpAddr>)>,
    by_client: Table<IpAddr>,
}

fn pair(ip: Option<IpAddr>, email: &Email) -> (String, Option<IpAddr>) {
    (email.as_str().to_owned(), ip)
}

impl SignInThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        Self {
            by_pair: Table::new(limits.free_failures_per_email),
            by_client: Table::new(limits.free_failures_per_client),
        }
    }

    /// `Err(wait)` when this client, or this client for this email, must
    /// wait before trying again. Counts nothing.
    pub fn check(&self, ip: Option<IpAddr>, email: Option<&Email>) -> Result<(), Duration> {
        self.check_at(ip, email, Instant::now())
    }

    fn check_at(
        &self,
        ip: Option<IpAddr>,
        email: Option<&Email>,
        now: Instant,
    ) -> Result<(), Duration> {
        let by_client = ip.and_then(|ip| self.by_client.wait(&ip, now));
        let by_pair = email.and_then(|e| self.by_pair.wait(&pair(ip, e), now));
        match by_client.max(by_pair) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// A wrong email or password from this client. An address that is not an
    /// email can't be anyone's: only its client counts.
    pub fn failed(&self, ip: Option<IpAddr>, email: Option<&Email>) {
        self.failed_at(ip, email, Instant::now());
    }

    fn failed_at(&self, ip: Option<IpAddr>, email: Option<&Email>, now: Instant) {
        if let Some(ip) = ip {
            self.by_client.fail(ip, now);
        }
        if let Some(e) = email {
            self.by_pair.fail(pair(ip, e), now);
        }
    }

    /// A successful sign-in: this pair's failures are forgotten.
    pub fn succeeded(&self, ip: Option<IpAddr>, email: &Email) {
        self.by_pair.clear(&pair(ip, email));
    }

    /// Forgets failures idle past their time (bounded memory).
    pub fn prune(&self) {
        let now = Instant::now();
        self.by_pair.prune(now);
        self.by_client.prune(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> Email {
        Email::parse(raw).unwrap()
    }

    fn throttle(per_email: u32, per_client: u32) -> SignInThrottle {
        SignInThrottle::new(ThrottleLimits {
            free_failures_per_email: per_email,
            free_failures_per_client: per_client,
        })
    }

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2)));

    #[test]
    fn failures_of_one_pair_never_block_another_client() {
        let t = throttle(2, 100);
        let now = Instant::now();
        let admin = email("admin@example.com");
        for _ in 0..50 {
            t.failed_at(A, Some(&admin), now);
        }
        assert!(t.check_at(A, Some(&admin), now).is_err());
        // The same email from another client, and another email from the attacker.
        assert!(t.check_at(B, Some(&admin), now).is_ok());
        assert!(
            t.check_at(A, Some(&email("other@example.com")), now)
                .is_ok()
        );
    }

    #[test]
    fn the_delay_grows_with_each_failure_up_to_its_cap() {
        let t = throttle(2, 1000);
        let now = Instant::now();
        let e = email("a@example.com");
        t.failed_at(A, Some(&e), now);
        assert!(t.check_at(A, Some(&e), now).is_ok());
        t.failed_at(A, Some(&e), now);
        assert_eq!(t.check_at(A, Some(&e), now), Err(Duration::from_secs(1)));
        t.failed_at(A, Some(&e), now);
        assert_eq!(t.check_at(A, Some(&e), now), Err(Duration::from_secs(2)));
        t.failed_at(A, Some(&e), now);
        assert_eq!(t.check_at(A, Some(&e), now), Err(Duration::from_secs(4)));
        for _ in 0..100 {
            t.failed_at(A, Some(&e), now);
        }
        assert_eq!(t.check_at(A, Some(&e), now), Err(MAX_DELAY));
        // Once the delay has passed, one more try is allowed.
        assert!(t.check_at(A, Some(&e), now + MAX_DELAY).is_ok());
        // An hour after the last failure, the count starts again.
        t.failed_at(A, Some(&e), now + FORGET_AFTER);
        assert!(t.check_at(A, Some(&e), now + FORGET_AFTER).is_ok());
    }

    #[test]
    fn case_and_spaces_of_the_email_do_not_matter() {
        let t = throttle(1, 100);
        let now = Instant::now();
        t.failed_at(A, Some(&email(" A@EXAMPLE.com")), now);
        assert!(t.check_at(A, Some(&email("a@example.com")), now).is_err());
    }

    #[test]
    fn a_success_clears_the_pair() {
        let t = throttle(1, 100);
        let now = Instant::now();
        let e = email("a@example.com");
        t.failed_at(A, Some(&e), now);
        assert!(t.check_at(A, Some(&e), now).is_err());
        t.succeeded(A, &e);
        assert!(t.check_at(A, Some(&e), now).is_ok());
    }

    #[test]
    fn a_client_failing_on_many_emails_waits() {
        let t = throttle(100, 2);
        let now = Instant::now();
        t.failed_at(A, Some(&email("a@example.com")), now);
        t.failed_at(A, None, now);
        assert!(t.check_at(A, Some(&email("c@example.com")), now).is_err());
        assert!(t.check_at(B, Some(&email("c@example.com")), now).is_ok());
    }

    #[test]
    fn the_tables_stay_bounded() {
        let t = throttle(5, 5);
        let now = Instant::now();
        for i in 0..(MAX_KEYS as u32 + 10) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(i));
            t.failed_at(Some(ip), None, now);
        }
        assert!(t.by_client.lock().len() <= MAX_KEYS);
    }
}
