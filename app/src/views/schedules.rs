//! The business-hours page.

use serde::{Deserialize, Serialize};

use crate::domain::schedule::ScheduleDraft;
use crate::time_fmt::LocalTime;

/// One schedule as the page shows it, with its form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub id: String,
    pub name: String,
    pub timezone: String,
    /// Each weekday's intervals, Monday first (`09:00–12:30`).
    pub weekly: Vec<Vec<String>>,
    /// From, to (the same for one day) and label, `YYYY-MM-DD`.
    pub closures: Vec<(String, String, String)>,
    /// Open right now, in the schedule's zone.
    pub open_now: bool,
    /// When that changes next, in the schedule's zone, with its weekday
    /// (0: Monday); `None` within the next 400 days.
    pub next_change: Option<(LocalTime, u8)>,
    /// Whether the next change is within the coming week (the weekday and
    /// time say it; else the date too).
    pub next_within_week: bool,
    /// The agents whose saved plans use it (it can't be deleted then).
    pub used_by: Vec<String>,
    pub draft: ScheduleDraft,
}

/// An account's business hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursPage {
    pub slug: String,
    pub account_name: String,
    pub schedules: Vec<ScheduleView>,
    /// The IANA time zones to choose from.
    pub zones: Vec<String>,
    /// The account's emergency mode, while it is on.
    pub emergency: Option<crate::views::EmergencyView>,
}
