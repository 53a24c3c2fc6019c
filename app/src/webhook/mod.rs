//! A customer's failover webhook: what calling it returns (shared with the
//! browser, which shows it after "Test") and, on the server, the guarded
//! client that calls it.

#[cfg(feature = "ssr")]
mod client;
#[cfg(feature = "ssr")]
pub use client::*;

use serde::{Deserialize, Serialize};

use crate::domain::failover::FailoverAction;

/// What the webhook's answer means for the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// `{}` or `{"action": null}`: hang up when the webhook ends.
    HangUp,
    /// A valid say-message or transfer action.
    Action(FailoverAction),
    /// Anything else: the runtime plays the default error message. The code says why.
    Invalid(String),
}

/// The outcome of calling a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCall {
    /// None when no HTTP answer came (refused address, timeout, connection error).
    pub status: Option<u16>,
    pub body: String,
    pub duration_ms: u64,
    /// `timeout`, `forbidden_address`, `connect_failed`, `redirect_refused`, `answer_too_large`.
    pub failure: Option<String>,
    pub verdict: Verdict,
}
