//! Configuration as code (SPEC §9): the file `relais config export` writes
//! and `relais config apply` reads, and how it turns into the forms' drafts,
//! so the same rules judge it as judge the browser.
//!
//! Things are named as people see them: an account by its slug, a SIP
//! connection and a schedule by their names (unique in an account), an agent
//! by its name (by its id when the account has several of that name), and a
//! plan's steps name their schedule and SIP connection. So a file exported
//! from one database applies to another with the same accounts and agents,
//! and exports the same. Keys are sorted (weekdays in week order); every
//! struct refuses fields it doesn't know, so a typo is an error at its path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::failover::{FailoverAction, FailoverDraft, SipHeaderDraft, TransferTarget};
use super::plan::{FailoverPlan, PlanDraft, Route, Step, StepDraft};
use super::schedule::{ClosureDraft, IntervalDraft, Schedule, ScheduleDraft, Weekday};
use super::{Code, FieldErrors};

/// The version of the file's shape this Relais reads and writes.
pub const SCHEMA: u32 = 1;

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// By slug.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountFile>,
    pub schema: u32,
}

/// What an account's file sets; what it leaves out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountFile {
    /// By name (or id, for a name several agents share).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub agents: BTreeMap<String, AgentFile>,
    /// Absent: the platform's message (or, in a file applied, unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_message: Option<MessageFile>,
    /// By name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schedules: BTreeMap<String, ScheduleFile>,
    /// By name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sip_connections: BTreeMap<String, SipConnectionFile>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageFile {
    #[serde(default)]
    pub language: Text,
    /// Empty: back to the platform's message.
    #[serde(default)]
    pub text: Text,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipConnectionFile {
    #[serde(default)]
    pub sip_uri: Text,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closures: Vec<ClosureFile>,
    #[serde(default)]
    pub timezone: Text,
    #[serde(default)]
    pub weekly: WeekFile,
}

/// Each weekday's opening intervals, `HH:MM-HH:MM`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekFile {
    #[serde(default)]
    pub mon: Vec<Text>,
    #[serde(default)]
    pub tue: Vec<Text>,
    #[serde(default)]
    pub wed: Vec<Text>,
    #[serde(default)]
    pub thu: Vec<Text>,
    #[serde(default)]
    pub fri: Vec<Text>,
    #[serde(default)]
    pub sat: Vec<Text>,
    #[serde(default)]
    pub sun: Vec<Text>,
}

impl WeekFile {
    fn day(&self, d: Weekday) -> &Vec<Text> {
        match d {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    fn day_mut(&mut self, d: Weekday) -> &mut Vec<Text> {
        match d {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// Closed all day from `from` to `to` (absent: `from` alone), `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureFile {
    #[serde(default)]
    pub from: Text,
    #[serde(default)]
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Text>,
}

/// An agent's failover plan, and what it was when exported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentFile {
    /// The fingerprint of the plan the export saw (absent: none was saved).
    /// Applying refuses the agent when its plan changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub plan: PlanFile,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    #[serde(default)]
    pub default: Vec<StepFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_config: Option<Vec<StepFile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precall: Option<Vec<StepFile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<StepFile>>,
}

impl PlanFile {
    fn route(&self, r: Route) -> Option<&Vec<StepFile>> {
        match r {
            Route::Default => Some(&self.default),
            Route::Precall => self.precall.as_ref(),
            Route::DynamicConfig => self.dynamic_config.as_ref(),
            Route::Prompt => self.prompt.as_ref(),
        }
    }

    fn set_route(&mut self, r: Route, steps: Vec<StepFile>) {
        match r {
            Route::Default => self.default = steps,
            Route::Precall => self.precall = Some(steps),
            Route::DynamicConfig => self.dynamic_config = Some(steps),
            Route::Prompt => self.prompt = Some(steps),
        }
    }
}

/// One step: `type` and the fields of that type, and "Only when".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ring_seconds: Option<Count>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_when: Option<WhenFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<Text>,
    /// The name of one of the account's SIP connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_connection: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_destination_id: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_headers: Option<Vec<HeaderFile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_user_to_user: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<Count>,
    #[serde(rename = "type", default)]
    pub kind: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<Text>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderFile {
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub value: Text,
}

/// Run the step only while a schedule (by name) is `open` or `closed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenFile {
    #[serde(default)]
    pub schedule: Text,
    #[serde(default)]
    pub state: Text,
}

/// A text field: any scalar is read as its text (`+33…` unquoted is a
/// number to YAML), so the domain's rule, not the file's syntax, says
/// what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Text(pub String);

/// A whole number of seconds: written as a number, read from any scalar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Count(pub String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(s.to_owned())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(s)
    }
}

struct ScalarVisitor;

impl serde::de::Visitor<'_> for ScalarVisitor {
    type Value = String;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a text or a number")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor).map(Text)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor).map(Count)
    }
}

impl Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<u64>() {
            Ok(n) if !self.0.starts_with('+') => s.serialize_u64(n),
            _ => s.serialize_str(&self.0),
        }
    }
}

/// A key as a path writes it: bare when it is a plain word, else quoted.
pub fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        format!("{k:?}")
    }
}

/// Names ↔ ids of an account's SIP connections and schedules, for a plan.
pub trait Names {
    fn sip_name(&self, id: &str) -> Option<String>;
    fn schedule_name(&self, id: &str) -> Option<String>;
}

/// The ids of an account's SIP connections and schedules by name.
pub trait Ids {
    fn sip_id(&self, name: &str) -> Option<String>;
    fn schedule_id(&self, name: &str) -> Option<String>;
}

impl StepFile {
    /// The file's step of a saved step.
    pub fn of(step: &Step, names: &impl Names) -> StepFile {
        let mut f = StepFile {
            kind: step.action.action_type().as_str().into(),
            only_when: step.only_when.as_ref().map(|c| WhenFile {
                schedule: names
                    .schedule_name(&c.schedule_id)
                    .unwrap_or_else(|| c.schedule_id.clone())
                    .into(),
                state: c.state.as_str().into(),
            }),
            ..StepFile::default()
        };
        match &step.action {
            FailoverAction::Workflow {
                webhook_url,
                timeout_seconds,
            } => {
                f.webhook_url = Some(webhook_url.as_str().into());
                f.timeout_seconds = Some(Count(timeout_seconds.to_string()));
            }
            FailoverAction::SayMessage { text, language } => {
                f.text = Some(text.as_str().into());
                f.language = Some(language.as_str().into());
            }
            FailoverAction::Transfer {
                max_ring_seconds,
                target,
            } => {
                f.max_ring_seconds = Some(Count(max_ring_seconds.to_string()));
                match target {
                    TransferTarget::PhoneNumber(p) => f.phone_number = Some(p.as_str().into()),
                    TransferTarget::Sip(s) => {
                        f.sip_connection = Some(
                            names
                                .sip_name(&s.connection_id)
                                .unwrap_or_else(|| s.connection_id.clone())
                                .into(),
                        );
                        f.sip_destination_id = Some(s.destination_id.as_str().into());
                        if !s.headers.is_empty() {
                            f.sip_headers = Some(
                                s.headers
                                    .iter()
                                    .map(|h| HeaderFile {
                                        name: h.name.as_str().into(),
                                        value: h.value.as_str().into(),
                                    })
                                    .collect(),
                            );
                        }
                        f.sip_user_to_user = s.user_to_user.as_deref().map(Text::from);
                    }
                }
            }
        }
        f
    }

    /// The fields this step fills that its type doesn't use.
    fn strays(&self) -> Vec<&'static str> {
        let used: &[&str] = match self.kind.as_str().trim() {
            "workflow" => &["webhook_url", "timeout_seconds"],
            "say_message" => &["text", "language"],
            "transfer" => &[
                "max_ring_seconds",
                "phone_number",
                "sip_connection",
                "sip_destination_id",
                "sip_headers",
                "sip_user_to_user",
            ],
            // An unknown type is the error; its fields aren't judged.
            _ => return Vec::new(),
        };
        [
            ("language", self.language.is_some()),
            ("max_ring_seconds", self.max_ring_seconds.is_some()),
            ("phone_number", self.phone_number.is_some()),
            ("sip_connection", self.sip_connection.is_some()),
            ("sip_destination_id", self.sip_destination_id.is_some()),
            ("sip_headers", self.sip_headers.is_some()),
            ("sip_user_to_user", self.sip_user_to_user.is_some()),
            ("text", self.text.is_some()),
            ("timeout_seconds", self.timeout_seconds.is_some()),
            ("webhook_url", self.webhook_url.is_some()),
        ]
        .into_iter()
        .filter(|(f, set)| *set && !used.contains(f))
        .map(|(f, _)| f)
        .collect()
    }

    /// The form's step for this one, and the errors only the file can have
    /// (a field of another type, a SIP connection or schedule the account
    /// hasn't, both a number and a SIP connection), named as the plan's
    /// errors are (`<field>` under the step).
    fn to_draft(&self, ids: &impl Ids, e: &mut FieldErrors, prefix: &str) -> StepDraft {
        let text = |t: &Option<Text>| t.as_ref().map(|t| t.0.clone()).unwrap_or_default();
        for field in self.strays() {
            e.push(&format!("{prefix}{field}"), Code::NotForThisType);
        }
        let sip_connection_id = match &self.sip_connection {
            Some(name) if !name.0.trim().is_empty() => match ids.sip_id(name.0.trim()) {
                Some(id) => id,
                None => {
                    e.push(&format!("{prefix}sip_connection"), Code::UnknownConnection);
                    // Judged as chosen: its other fields are still checked.
                    "unknown".to_owned()
                }
            },
            _ => String::new(),
        };
        let transfer_target = match (&self.phone_number, &self.sip_connection) {
            (Some(_), Some(_)) => {
                e.push(&format!("{prefix}sip_connection"), Code::PhoneOrSip);
                "sip"
            }
            (None, Some(_)) => "sip",
            _ => "phone",
        };
        let only_when = match &self.only_when {
            None => String::new(),
            Some(w) => {
                let state = w.state.0.trim();
                if !matches!(state, "open" | "closed") {
                    e.push(&format!("{prefix}only_when.state"), Code::InvalidChoice);
                }
                match ids.schedule_id(w.schedule.0.trim()) {
                    Some(id) if matches!(state, "open" | "closed") => format!("{state}:{id}"),
                    Some(_) => String::new(),
                    None => {
                        e.push(
                            &format!("{prefix}only_when.schedule"),
                            Code::UnknownSchedule,
                        );
                        String::new()
                    }
                }
            }
        };
        StepDraft {
            action: FailoverDraft {
                action_type: self.kind.0.trim().to_owned(),
                webhook_url: text(&self.webhook_url),
                timeout_seconds: self
                    .timeout_seconds
                    .as_ref()
                    .map(|c| c.0.clone())
                    .unwrap_or_default(),
                text: text(&self.text),
                language: text(&self.language),
                max_ring_seconds: self
                    .max_ring_seconds
                    .as_ref()
                    .map(|c| c.0.clone())
                    .unwrap_or_default(),
                transfer_target: transfer_target.to_owned(),
                phone_number: text(&self.phone_number),
                sip_connection_id,
                sip_destination_id: text(&self.sip_destination_id),
                sip_headers: self
                    .sip_headers
                    .iter()
                    .flatten()
                    .map(|h| SipHeaderDraft {
                        name: h.name.0.clone(),
                        value: h.value.0.clone(),
                    })
                    .collect(),
                sip_user_to_user: text(&self.sip_user_to_user),
            },
            only_when,
        }
    }
}

impl PlanFile {
    /// The file's plan of a saved plan.
    pub fn of(plan: &FailoverPlan, names: &impl Names) -> PlanFile {
        let mut f = PlanFile::default();
        for (r, steps) in plan.routes() {
            f.set_route(r, steps.iter().map(|s| StepFile::of(s, names)).collect());
        }
        f
    }

    /// The plan form of this plan, and the errors only the file can have
    /// (named as `PlanDraft::parse` names its own: `precall.1.text`).
    pub fn to_draft(&self, ids: &impl Ids) -> (PlanDraft, FieldErrors) {
        let mut e = FieldErrors::new();
        let mut d = PlanDraft::default();
        for r in Route::ALL {
            if let Some(steps) = self.route(r) {
                *d.route_mut(r) = steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| s.to_draft(ids, &mut e, &format!("{}.{i}.", r.as_str())))
                    .collect();
            }
        }
        (d, e)
    }
}

impl ScheduleFile {
    /// The file's schedule of a saved one.
    pub fn of(s: &Schedule) -> ScheduleFile {
        let mut weekly = WeekFile::default();
        for d in Weekday::ALL {
            *weekly.day_mut(d) = s
                .weekly
                .day(d)
                .iter()
                .map(|i| Text(format!("{}-{}", i.start, i.end)))
                .collect();
        }
        ScheduleFile {
            closures: s
                .closures
                .iter()
                .map(|c| ClosureFile {
                    from: Text(c.from.to_string()),
                    label: c.label.as_str().into(),
                    to: (c.to != c.from).then(|| Text(c.to.to_string())),
                })
                .collect(),
            timezone: s.timezone.as_str().into(),
            weekly,
        }
    }

    /// The business-hours form of this schedule, named `name`. Its errors
    /// are named as `ScheduleDraft::parse` names them (`mon.0`, `closures.2.to`).
    pub fn to_draft(&self, name: &str) -> ScheduleDraft {
        ScheduleDraft {
            name: name.to_owned(),
            timezone: self.timezone.0.clone(),
            weekly: Weekday::ALL
                .iter()
                .map(|d| {
                    self.weekly
                        .day(*d)
                        .iter()
                        .map(|t| match t.0.split_once('-') {
                            Some((start, end)) => IntervalDraft {
                                start: start.trim().to_owned(),
                                end: end.trim().to_owned(),
                            },
                            // Judged as a start without an end.
                            None => IntervalDraft {
                                start: t.0.clone(),
                                end: String::new(),
                            },
                        })
                        .collect()
                })
                .collect(),
            closures: self
                .closures
                .iter()
                .map(|c| ClosureDraft {
                    from: c.from.0.clone(),
                    to: c.to.as_ref().map(|t| t.0.clone()).unwrap_or_default(),
                    label: c.label.0.clone(),
                })
                .collect(),
        }
    }
}

/// The path in the file of a plan's field error (`precall.1.action_type` →
/// `precall[1].type`), under `base` (`accounts.acme.agents.Reception.plan`).
pub fn plan_error_path(base: &str, field: &str) -> String {
    let mut parts = field.splitn(3, '.');
    let route = parts.next().unwrap_or_default();
    let Some(index) = parts.next() else {
        return format!("{base}.{route}");
    };
    let rest = match parts.next() {
        None => String::new(),
        Some("action_type") => ".type".to_owned(),
        Some("sip_connection_id") => ".sip_connection".to_owned(),
        // The file has no "transfer to": the step chooses by its fields.
        Some("transfer_target") => ".phone_number".to_owned(),
        Some(other) => format!(".{}", list_indexes(other)),
    };
    format!("{base}.{route}[{index}]{rest}")
}

/// The path in the file of a schedule's field error (`mon.1` →
/// `weekly.mon[1]`, `closures.2.to` → `closures[2].to`), under `base`.
pub fn schedule_error_path(base: &str, field: &str) -> String {
    if Weekday::ALL.iter().any(|d| field.starts_with(d.as_str())) {
        return format!("{base}.weekly.{}", list_indexes(field));
    }
    if field == "name" {
        return base.to_owned();
    }
    format!("{base}.{}", list_indexes(field))
}

/// `sip_headers.0.name` → `sip_headers[0].name`.
pub fn list_indexes(field: &str) -> String {
    let mut out = String::new();
    for part in field.split('.') {
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::failover::{SipHeader, SipTransfer, WebhookAllowList};
    use crate::domain::plan::Condition;
    use crate::domain::schedule::OpenState;

    struct Book;
    impl Names for Book {
        fn sip_name(&self, id: &str) -> Option<String> {
            (id == "sip-1").then(|| "Front PBX".to_owned())
        }
        fn schedule_name(&self, id: &str) -> Option<String> {
            (id == "sch-1").then(|| "Front desk".to_owned())
        }
    }
    impl Ids for Book {
        fn sip_id(&self, name: &str) -> Option<String> {
            (name == "Front PBX").then(|| "sip-1".to_owned())
        }
        fn schedule_id(&self, name: &str) -> Option<String> {
            (name == "Front desk").then(|| "sch-1".to_owned())
        }
    }

    fn plan() -> FailoverPlan {
        FailoverPlan {
            default: vec![
                Step {
                    action: FailoverAction::Transfer {
                        max_ring_seconds: 25,
                        target: TransferTarget::Sip(SipTransfer {
                            connection_id: "sip-1".into(),
                            destination_id: "desk".into(),
                            headers: vec![SipHeader {
                                name: "X-Reason".into(),
                                value: "failover".into(),
                            }],
                            user_to_user: Some("00ff".into()),
                        }),
                    },
                    only_when: Some(Condition {
                        schedule_id: "sch-1".into(),
                        state: OpenState::Open,
                    }),
                },
                Step {
                    action: FailoverAction::SayMessage {
                        text: "Rappelez-nous.".into(),
                        language: "fr-FR".into(),
                    },
                    only_when: None,
                },
            ],
            precall: Some(vec![Step {
                action: FailoverAction::Workflow {
                    webhook_url: "https://hooks.example.com/failover".into(),
                    timeout_seconds: 8,
                },
                only_when: None,
            }]),
            dynamic_config: None,
            prompt: Some(vec![Step {
                action: FailoverAction::Transfer {
                    max_ring_seconds: 20,
                    target: TransferTarget::PhoneNumber("+33123456789".into()),
                },
                only_when: None,
            }]),
        }
    }

    #[test]
    fn a_plan_goes_through_the_file_and_back_unchanged() {
        let p = plan();
        let file = PlanFile::of(&p, &Book);
        let (draft, e) = file.to_draft(&Book);
        assert!(e.is_empty(), "{e:?}");
        let back = draft
            .parse(&WebhookAllowList::default(), |id| id == "sch-1")
            .expect("valid");
        assert_eq!(back, p);
        // Names, not ids, in the file.
        let json = serde_json::to_string(&file).unwrap();
        assert!(json.contains("Front PBX") && json.contains("Front desk"));
        assert!(!json.contains("sip-1") && !json.contains("sch-1"));
    }

    #[test]
    fn the_file_only_errors_name_their_fields() {
        let step = StepFile {
            kind: "transfer".into(),
            text: Some("stray".into()),
            phone_number: Some("+33123456789".into()),
            sip_connection: Some("Nowhere".into()),
            max_ring_seconds: Some(Count("20".into())),
            only_when: Some(WhenFile {
                schedule: "Night".into(),
                state: "ajar".into(),
            }),
            ..StepFile::default()
        };
        let file = PlanFile {
            default: vec![step],
            ..PlanFile::default()
        };
        let (_, e) = file.to_draft(&Book);
        for (field, code) in [
            ("default.0.text", Code::NotForThisType),
            ("default.0.sip_connection", Code::UnknownConnection),
            ("default.0.only_when.state", Code::InvalidChoice),
            ("default.0.only_when.schedule", Code::UnknownSchedule),
        ] {
            assert!(
                e.0.iter().any(|x| x.field == field && x.code == code),
                "{field}: {e:?}"
            );
        }
        assert!(
            e.0.iter()
                .any(|x| x.field == "default.0.sip_connection" && x.code == Code::PhoneOrSip)
        );
    }

    #[test]
    fn a_schedule_goes_through_the_file_and_back_unchanged() {
        let draft = ScheduleDraft {
            name: "Front desk".into(),
            timezone: "Europe/Paris".into(),
            weekly: vec![
                vec![
                    IntervalDraft {
                        start: "09:00".into(),
                        end: "12:30".into(),
                    },
                    IntervalDraft {
                        start: "14:00".into(),
                        end: "00:00".into(),
                    },
                ],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
            ],
            closures: vec![
                ClosureDraft {
                    from: "2026-12-25".into(),
                    to: String::new(),
                    label: "Noël".into(),
                },
                ClosureDraft {
                    from: "2026-08-01".into(),
                    to: "2026-08-15".into(),
                    label: "Summer".into(),
                },
            ],
        };
        let s = draft.parse(|_| true).expect("valid");
        let file = ScheduleFile::of(&s);
        assert_eq!(file.weekly.mon[1].0, "14:00-24:00");
        assert_eq!(file.closures[0].to, None);
        let back = file.to_draft("Front desk").parse(|_| true).expect("valid");
        assert_eq!(back, s);
    }

    #[test]
    fn paths_follow_the_file() {
        let base = "accounts.acme.agents.Reception.plan";
        assert_eq!(
            plan_error_path(base, "precall.1.action_type"),
            format!("{base}.precall[1].type")
        );
        assert_eq!(
            plan_error_path(base, "default.0.sip_headers.2.name"),
            format!("{base}.default[0].sip_headers[2].name")
        );
        assert_eq!(
            plan_error_path(base, "default.3"),
            format!("{base}.default[3]")
        );
        assert_eq!(plan_error_path(base, "default"), format!("{base}.default"));
        let s = "accounts.acme.schedules.\"Front desk\"";
        assert_eq!(
            schedule_error_path(s, "mon.1"),
            format!("{s}.weekly.mon[1]")
        );
        assert_eq!(
            schedule_error_path(s, "closures.2.to"),
            format!("{s}.closures[2].to")
        );
        assert_eq!(key("Front desk"), "\"Front desk\"");
        assert_eq!(key("acme-2"), "acme-2");
    }

    #[test]
    fn counts_are_numbers_and_texts_read_any_scalar() {
        let c = serde_json::to_string(&Count("20".into())).unwrap();
        assert_eq!(c, "20");
        let t: Text = serde_json::from_str("33123").unwrap();
        assert_eq!(t.0, "33123");
        let c: Count = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(c.0, "abc");
    }
}
