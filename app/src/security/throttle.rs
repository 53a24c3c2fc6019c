//! Sign-in throttling per client IP and per email, in memory on each instance.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::domain::Email;

/// Attempts allowed per minute, per IP and per email.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub per_ip_per_minute: u32,
    pub per_email_per_minute: u32,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 30,
            per_email_per_minute: 5,
        }
    }
}

/// Keyed token buckets for sign-in attempts.
#[derive(Debug)]
pub struct SignInThrottle {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_email: DefaultKeyedRateLimiter<String>,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least one"))
}

impl SignInThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        Self {
            by_ip: DefaultKeyedRateLimiter::keyed(quota(limits.per_ip_per_minute)),
            by_email: DefaultKeyedRateLimiter::keyed(quota(limits.per_email_per_minute)),
        }
    }

    /// Counts one attempt; `Err(wait)` when over the limit for either key.
    /// An address that is not an email can't be anyone's: only its IP counts.
    pub fn check(&self, ip: Option<IpAddr>, email: Option<&Email>) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        if let Some(ip) = ip {
            self.by_ip
                .check_key(&ip)
                .map_err(|n| n.wait_time_from(now))?;
        }
        if let Some(email) = email {
            self.by_email
                .check_key(&email.as_str().to_owned())
                .map_err(|n| n.wait_time_from(now))?;
        }
        Ok(())
    }

    /// Forgets keys whose buckets are full again (bounded memory).
    pub fn prune(&self) {
        self.by_ip.retain_recent();
        self.by_email.retain_recent();
        self.by_ip.shrink_to_fit();
        self.by_email.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> Email {
        Email::parse(raw).unwrap()
    }

    #[test]
    fn email_limit_applies_whatever_the_case() {
        let t = SignInThrottle::new(ThrottleLimits {
            per_ip_per_minute: 100,
            per_email_per_minute: 2,
        });
        assert!(t.check(None, Some(&email("a@example.com"))).is_ok());
        assert!(t.check(None, Some(&email("A@example.com"))).is_ok());
        let wait = t.check(None, Some(&email(" a@EXAMPLE.com"))).unwrap_err();
        assert!(wait > Duration::ZERO);
        assert!(t.check(None, Some(&email("b@example.com"))).is_ok());
    }

    #[test]
    fn ip_limit() {
        let t = SignInThrottle::new(ThrottleLimits {
            per_ip_per_minute: 1,
            per_email_per_minute: 100,
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(t.check(Some(ip), Some(&email("a@example.com"))).is_ok());
        assert!(t.check(Some(ip), Some(&email("b@example.com"))).is_err());
    }
}
