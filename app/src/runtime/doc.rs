//! The runtime API's documents (SPEC §4), field for field. Their schemas in the
//! OpenAPI description are derived from these types.

use serde::Serialize;
use utoipa::ToSchema;

use std::collections::BTreeMap;

use crate::domain::failover::{DefaultMessage, FailoverAction, TransferTarget};
use crate::domain::plan::{FailoverPlan, Step};
use crate::domain::schedule::{OpenState, Schedule, Weekday};
use crate::domain::{Cause, Direction, EventActionType, Outcome};
use crate::store::snapshot::AgentState;

/// The effective failover config of one agent, with the feature flag applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FailoverDocument {
    pub agent_id: String,
    pub account_id: String,
    /// True only when the account's flag is on, the agent is inbound and an
    /// action is saved.
    pub enabled: bool,
    /// Why `enabled` is false (the runtime then uses degraded mode); null when enabled.
    pub reason: Option<DisabledReason>,
    /// The action to run (the first step of `routes.default`); null when not enabled.
    pub action: Option<RuntimeAction>,
    /// The plan (SPEC §8): `default`, and the routes of the families of
    /// causes that have their own; null when not enabled.
    pub routes: Option<RoutesDoc>,
    /// The schedules the steps' `only_when` name, by id.
    pub schedules: BTreeMap<String, ScheduleDoc>,
    /// The account's emergency mode while it is on: run its action for every
    /// inbound call, failure or not, until `ends_at`; null otherwise.
    pub emergency: Option<EmergencyDoc>,
    /// What the runtime plays when the failover action itself fails.
    pub default_error_message: DefaultErrorMessage,
    /// Grows whenever this document changes (a save, the account's flag or
    /// default message, the SIP connection it transfers to); never goes back.
    pub revision: i64,
    /// When this document last changed (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Emergency mode: one action for every call, with why and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EmergencyDoc {
    pub action: RuntimeAction,
    pub reason: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
}

/// A plan's routes: each an ordered list of 1 to 5 steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoutesDoc {
    /// Any failure (and a family without a route of its own).
    pub default: Vec<StepDoc>,
    /// Pre-call workflow failed (timeout, error, invalid data, explicit).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub precall: Option<Vec<StepDoc>>,
    /// Dynamic configuration failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub dynamic_config: Option<Vec<StepDoc>>,
    /// The prompt could not be rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub prompt: Option<Vec<StepDoc>>,
}

/// One step: an action, run only while `only_when` holds (absent: always).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StepDoc {
    #[serde(flatten)]
    pub action: RuntimeAction,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub only_when: Option<ConditionDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ConditionDoc {
    pub schedule_id: String,
    pub state: ScheduleState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleState {
    Open,
    Closed,
}

/// Business hours: open inside an interval of the local weekday, except on
/// a closure's days, in `timezone` (DST included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScheduleDoc {
    pub name: String,
    /// IANA time zone name.
    pub timezone: String,
    /// `mon` … `sun`: intervals `["09:00", "12:30"]` (end `24:00`: midnight).
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    pub closures: Vec<ClosureDoc>,
}

/// Closed all day from `from` to `to` (both included), `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClosureDoc {
    pub from: String,
    pub to: String,
    pub label: String,
}

impl ScheduleDoc {
    pub fn of(s: &Schedule) -> ScheduleDoc {
        ScheduleDoc {
            name: s.name.clone(),
            timezone: s.timezone.clone(),
            weekly: Weekday::ALL
                .iter()
                .map(|d| {
                    let hours = s
                        .weekly
                        .day(*d)
                        .iter()
                        .map(|i| [i.start.to_string(), i.end.to_string()])
                        .collect();
                    (d.as_str().to_owned(), hours)
                })
                .collect(),
            closures: s
                .closures
                .iter()
                .map(|c| ClosureDoc {
                    from: c.from.to_string(),
                    to: c.to.to_string(),
                    label: c.label.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisabledReason {
    FeatureDisabled,
    OutboundAgent,
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DefaultErrorMessage {
    pub text: String,
    pub language: String,
}

/// One of the three actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuntimeAction {
    /// POST the call context to the customer's webhook (SPEC §3).
    Workflow {
        webhook_url: String,
        timeout_seconds: u32,
    },
    SayMessage {
        text: String,
        language: String,
    },
    /// Exactly one of `phone_number` and `sip` is present.
    Transfer {
        max_ring_seconds: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        phone_number: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        sip: Option<SipTransferDoc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SipTransferDoc {
    pub connection_id: String,
    pub connection_name: String,
    pub sip_uri: String,
    pub destination_id: String,
    pub headers: Vec<SipHeaderDoc>,
    /// Hex, sent with `;encoding=hex`; null when not set.
    pub user_to_user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SipHeaderDoc {
    pub name: String,
    pub value: String,
}

impl FailoverDocument {
    pub fn build(s: &AgentState) -> FailoverDocument {
        let reason = if s.direction != Direction::Inbound {
            Some(DisabledReason::OutboundAgent)
        } else if !s.failover_enabled {
            Some(DisabledReason::FeatureDisabled)
        } else if s.plan.is_none() {
            Some(DisabledReason::NotConfigured)
        } else {
            None
        };
        let plan = s.plan.as_ref().filter(|_| reason.is_none());
        let step = |st: &Step| StepDoc {
            action: runtime_action(&st.action, &s.sip_connections),
            only_when: st.only_when.as_ref().map(|c| ConditionDoc {
                schedule_id: c.schedule_id.clone(),
                state: match c.state {
                    OpenState::Open => ScheduleState::Open,
                    OpenState::Closed => ScheduleState::Closed,
                },
            }),
        };
        let route =
            |r: &Option<Vec<Step>>| r.as_ref().map(|steps| steps.iter().map(step).collect());
        let routes = plan.map(|p: &FailoverPlan| RoutesDoc {
            default: p.default.iter().map(step).collect(),
            precall: route(&p.precall),
            dynamic_config: route(&p.dynamic_config),
            prompt: route(&p.prompt),
        });
        let action = plan
            .and_then(|p| p.first_action())
            .map(|a| runtime_action(a, &s.sip_connections));
        // For inbound agents of an account with failover on.
        let emergency = s
            .emergency
            .as_ref()
            .filter(|_| s.direction == Direction::Inbound && s.failover_enabled)
            .map(|e| {
                let connections: BTreeMap<String, (String, String)> = e
                    .sip_connection
                    .iter()
                    .map(|(id, name, uri)| (id.clone(), (name.clone(), uri.clone())))
                    .collect();
                EmergencyDoc {
                    action: runtime_action(&e.action, &connections),
                    reason: e.reason.clone(),
                    ends_at: rfc3339(e.ends_at),
                }
            });
        let schedules = match plan {
            Some(_) => s
                .schedules
                .iter()
                .map(|(id, sc)| (id.clone(), ScheduleDoc::of(sc)))
                .collect(),
            None => BTreeMap::new(),
        };
        let message = DefaultMessage::effective(
            s.default_message.as_ref().map(|m| m.0.clone()),
            s.default_message.as_ref().map(|m| m.1.clone()),
        );
        FailoverDocument {
            agent_id: s.agent_id.clone(),
            account_id: s.account_id.clone(),
            enabled: reason.is_none(),
            reason,
            action,
            routes,
            schedules,
            emergency,
            default_error_message: DefaultErrorMessage {
                text: message.text,
                language: message.language,
            },
            revision: s.change_seq,
            updated_at: rfc3339(s.changed_at),
        }
    }
}

fn runtime_action(
    a: &FailoverAction,
    connections: &BTreeMap<String, (String, String)>,
) -> RuntimeAction {
    match a {
        FailoverAction::Workflow {
            webhook_url,
            timeout_seconds,
        } => RuntimeAction::Workflow {
            webhook_url: webhook_url.clone(),
            timeout_seconds: *timeout_seconds,
        },
        FailoverAction::SayMessage { text, language } => RuntimeAction::SayMessage {
            text: text.clone(),
            language: language.clone(),
        },
        FailoverAction::Transfer {
            max_ring_seconds,
            target,
        } => match target {
            TransferTarget::PhoneNumber(n) => RuntimeAction::Transfer {
                max_ring_seconds: *max_ring_seconds,
                phone_number: Some(n.clone()),
                sip: None,
            },
            TransferTarget::Sip(t) => {
                let (name, uri) = connections
                    .get(&t.connection_id)
                    .cloned()
                    .unwrap_or_default();
                RuntimeAction::Transfer {
                    max_ring_seconds: *max_ring_seconds,
                    phone_number: None,
                    sip: Some(SipTransferDoc {
                        connection_id: t.connection_id.clone(),
                        connection_name: name,
                        sip_uri: uri,
                        destination_id: t.destination_id.clone(),
                        headers: t
                            .headers
                            .iter()
                            .map(|h| SipHeaderDoc {
                                name: h.name.clone(),
                                value: h.value.clone(),
                            })
                            .collect(),
                        user_to_user: t.user_to_user.clone(),
                    }),
                }
            }
        },
    }
}

/// `2026-11-26T10:00:00Z` from epoch milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Epoch milliseconds from an RFC 3339 timestamp.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The error body of every refused runtime request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `missing_token`, `invalid_token`, `revoked_token`,
    /// `insufficient_scope`, `account_forbidden`, `unknown_agent`, `invalid_body`,
    /// `payload_too_large`, `invalid_query`, `unavailable`.
    pub code: String,
    /// For people.
    pub message: String,
    /// With `invalid_body` and `invalid_query`: what is wrong with each field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}

/// A page of the changes feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangesPage {
    /// Documents changed after the cursor, oldest change first.
    pub items: Vec<FailoverDocument>,
    /// Pass as `after` to get what changes next.
    pub cursor: String,
    /// More items are waiting: ask again at once.
    pub has_more: bool,
}

/// A failover that happened on a call.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct FailoverEvent {
    /// 1 to 64 characters, not blank, no control characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub agent_id: String,
    /// The platform's call id (1 to 128 characters, not blank, no control
    /// characters). A second report of the same call of the same agent is
    /// accepted and ignored.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub call_id: String,
    pub cause: Cause,
    pub action_type: EventActionType,
    pub outcome: Outcome,
    /// RFC 3339. Accepted whatever it is; kept when it is at most 5 minutes
    /// in the future and within the event retention (90 days by default):
    /// otherwise the answer says `recorded: false` and why.
    #[schema(format = DateTime)]
    pub occurred_at: String,
    /// The route of the plan that ran (SPEC §8); absent or null from a
    /// runtime that doesn't know plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<super::resolve::RouteName>,
    /// The index (from 0) of the route's step that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 4)]
    pub step: Option<u8>,
}

/// The answer to an accepted event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventAccepted {
    /// False when this call's event was already recorded, or is not kept.
    pub recorded: bool,
    /// Why an event is not kept (absent when it is, or was already).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_kept: Option<NotKept>,
}

/// Why an accepted event is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotKept {
    /// Older than the event retention: it would be deleted at once.
    OlderThanRetention,
    /// More than 5 minutes ahead of Relais's clock.
    InFuture,
    /// An outbound agent: it has no failover.
    OutboundAgent,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::failover::PLATFORM_DEFAULT_MESSAGE;

    fn state() -> AgentState {
        AgentState {
            agent_id: "ag".into(),
            account_id: "ac".into(),
            direction: Direction::Inbound,
            failover_enabled: true,
            default_message: None,
            plan: Some(FailoverPlan::single(FailoverAction::Transfer {
                max_ring_seconds: 20,
                target: TransferTarget::PhoneNumber("+33123456789".into()),
            })),
            sip_connections: BTreeMap::new(),
            schedules: BTreeMap::new(),
            emergency: None,
            change_seq: 3,
            changed_at: 1_795_687_200_000,
        }
    }

    #[test]
    fn enabled_document_matches_the_spec_shape() {
        let v = serde_json::to_value(FailoverDocument::build(&state())).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "agent_id": "ag", "account_id": "ac", "enabled": true, "reason": null,
                "action": {"type": "transfer", "max_ring_seconds": 20, "phone_number": "+33123456789"},
                "routes": {"default": [{"type": "transfer", "max_ring_seconds": 20, "phone_number": "+33123456789"}]},
                "schedules": {},
                "emergency": null,
                "default_error_message": {"text": PLATFORM_DEFAULT_MESSAGE.0, "language": "fr-FR"},
                "revision": 3, "updated_at": "2026-11-26T10:00:00Z"
            })
        );
    }

    #[test]
    fn reasons() {
        let mut s = state();
        s.failover_enabled = false;
        let d = FailoverDocument::build(&s);
        assert_eq!(
            (d.enabled, d.reason, d.action),
            (false, Some(DisabledReason::FeatureDisabled), None)
        );
        s.direction = Direction::Outbound;
        assert_eq!(
            FailoverDocument::build(&s).reason,
            Some(DisabledReason::OutboundAgent)
        );
        let mut s = state();
        s.plan = None;
        assert_eq!(
            FailoverDocument::build(&s).reason,
            Some(DisabledReason::NotConfigured)
        );
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(rfc3339(1_795_687_200_000), "2026-11-26T10:00:00Z");
        assert_eq!(
            parse_rfc3339("2026-11-26T10:00:00Z"),
            Some(1_795_687_200_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-26T11:00:00+01:00"),
            Some(1_795_687_200_000)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
