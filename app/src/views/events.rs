//! What the failover events page shows.

use crate::time_fmt::LocalTime;
use serde::{Deserialize, Serialize};

/// Counts of one value (a cause or an action type) per time bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub key: String,
    pub counts: Vec<i64>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub occurred_at: i64,
    /// When, in the page's time zone.
    pub local: LocalTime,
    pub account: String,
    pub agent: String,
    pub call_id: String,
    pub cause: String,
    pub action_type: String,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsData {
    /// Start of each bucket (epoch ms).
    pub buckets: Vec<i64>,
    /// Start of each bucket in the page's time zone.
    pub bucket_times: Vec<LocalTime>,
    /// Buckets are hours (else days).
    pub hourly: bool,
    pub by_cause: Vec<Series>,
    pub by_action: Vec<Series>,
    pub total: i64,
    /// How often each route and step of a plan ran (events that say so),
    /// most first.
    pub steps: Vec<StepCount>,
    pub latest: Vec<EventView>,
    /// Accounts the user may filter on: slug, name.
    pub accounts: Vec<(String, String)>,
    /// Agents of the chosen account: id, name.
    pub agents: Vec<(String, String)>,
    pub from: String,
    pub to: String,
    /// The time zone of the dates and the buckets (an IANA name, or `UTC`).
    pub zone: String,
    /// Events are kept this many days (0: for ever).
    pub retention_days: u32,
}

/// How often one step of one route ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCount {
    pub route: crate::domain::plan::Route,
    /// 0-based, as runtimes report it.
    pub step: i64,
    pub count: i64,
}
