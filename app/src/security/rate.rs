//! Rate limits outside sign-in: failover events per runtime token, and the
//! editor's Test button per user (with a cap on the calls running at once).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// Requests per second per key, with a burst of one second's worth.
#[derive(Debug)]
pub struct PerKey {
    per_second: u32,
    limiter: DefaultKeyedRateLimiter<String>,
}

impl PerKey {
    pub fn per_second(per_second: u32) -> Self {
        let n = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            per_second: n.get(),
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_second(n)),
        }
    }

    /// `per_minute` requests a minute per key, in a burst of at most that many.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            per_second: n.get().div_ceil(60),
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// The rate, for messages.
    pub fn rate(&self) -> u32 {
        self.per_second
    }

    /// Counts one request of `key`; `Err(wait)` when over the rate.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|n| n.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets keys whose buckets are full again (bounded memory).
    pub fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The Test button: a few calls a minute per user, and a cap on the webhook
/// calls running at once on this instance.
#[derive(Debug)]
pub struct TestLimits {
    pub per_user: PerKey,
    pub running: Arc<tokio::sync::Semaphore>,
}

/// Test calls allowed per user per minute.
pub const TESTS_PER_USER_PER_MINUTE: u32 = 10;
/// Webhook test calls running at once, per instance.
pub const TESTS_AT_ONCE: usize = 8;

impl Default for TestLimits {
    fn default() -> Self {
        Self {
            per_user: PerKey::per_minute(TESTS_PER_USER_PER_MINUTE),
            running: Arc::new(tokio::sync::Semaphore::new(TESTS_AT_ONCE)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_budget() {
        let l = PerKey::per_second(2);
        assert!(l.check("a").is_ok());
        assert!(l.check("a").is_ok());
        let wait = l.check("a").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(l.check("b").is_ok());
    }
}
