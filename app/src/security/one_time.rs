//! Secrets shown once after a plain form post (no JavaScript): kept in this
//! process's memory for a few minutes under a random handle, which is all
//! the session holds. The secret itself is never written anywhere.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a secret waits for the page that shows it.
pub const KEEP_FOR: Duration = Duration::from_secs(5 * 60);

/// At most this many secrets wait at once (the oldest go first).
const MAX_WAITING: usize = 1000;

#[derive(Debug)]
pub struct OneTime<T> {
    waiting: Mutex<HashMap<String, (Instant, T)>>,
}

impl<T> Default for OneTime<T> {
    fn default() -> Self {
        Self {
            waiting: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> OneTime<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, T)>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `value`; returns the handle to take it back with.
    pub fn put(&self, value: T) -> String {
        use rand::Rng;
        let handle = hex::encode(rand::rng().random::<[u8; 16]>());
        let now = Instant::now();
        let mut waiting = self.lock();
        waiting.retain(|_, (at, _)| now.duration_since(*at) < KEEP_FOR);
        if waiting.len() >= MAX_WAITING
            && let Some(oldest) = waiting
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
        {
            waiting.remove(&oldest);
        }
        waiting.insert(handle.clone(), (now, value));
        handle
    }

    /// Takes the value back, once, if it hasn't expired.
    pub fn take(&self, handle: &str) -> Option<T> {
        let (at, value) = self.lock().remove(handle)?;
        (at.elapsed() < KEEP_FOR).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_taken_once() {
        let box_ = OneTime::default();
        let h = box_.put("secret".to_owned());
        assert_eq!(h.len(), 32);
        assert_eq!(box_.take("other"), None);
        assert_eq!(box_.take(&h).as_deref(), Some("secret"));
        assert_eq!(box_.take(&h), None);
    }

    #[test]
    fn the_box_stays_bounded() {
        let box_ = OneTime::default();
        for i in 0..(MAX_WAITING + 5) {
            box_.put(i);
        }
        assert!(box_.lock().len() <= MAX_WAITING);
    }
}
