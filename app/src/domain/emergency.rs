//! Emergency mode (SPEC §8): during an incident an account's every inbound
//! call runs one action — say a message, or a transfer — until its end (at
//! most 72 hours ahead; 4 hours unless said otherwise).

use serde::{Deserialize, Serialize};

use super::failover::{ActionType, FailoverAction, FailoverDraft, WebhookAllowList, parse_reason};
use super::{Code, FieldErrors};

pub const MAX_HOURS: i64 = 72;
pub const DEFAULT_HOURS: i64 = 4;
const HOUR_MS: i64 = 3_600_000;

/// The activation form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyDraft {
    /// `say_message` or `transfer`, with their fields as in the editor.
    #[serde(flatten)]
    pub action: FailoverDraft,
    #[serde(default)]
    pub reason: String,
    /// When it ends: a local `YYYY-MM-DDTHH:MM` (read in the viewer's zone by
    /// `to_ms`) or an RFC 3339 moment; empty: in 4 hours.
    #[serde(default)]
    pub ends_at: String,
}

/// What an activation says, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    pub action: FailoverAction,
    pub reason: String,
    pub ends_at: i64,
}

impl EmergencyDraft {
    /// The activation, or every field's error. `to_ms` reads `ends_at`.
    pub fn parse(
        &self,
        allow: &WebhookAllowList,
        now_ms: i64,
        to_ms: impl Fn(&str) -> Option<i64>,
    ) -> Result<Activation, FieldErrors> {
        let mut e = FieldErrors::new();
        let action = match ActionType::parse(&self.action.action_type) {
            Some(ActionType::SayMessage | ActionType::Transfer) => {
                self.action.parse(allow).map_err(|fe| e.absorb("", fe)).ok()
            }
            _ => {
                e.push("action_type", Code::InvalidChoice);
                None
            }
        };
        let reason = e.take("reason", parse_reason(&self.reason));
        let raw = self.ends_at.trim();
        let ends_at = if raw.is_empty() {
            Some(now_ms + DEFAULT_HOURS * HOUR_MS)
        } else {
            match to_ms(raw) {
                None => {
                    e.push("ends_at", Code::InvalidDate);
                    None
                }
                Some(t) if t <= now_ms => {
                    e.push("ends_at", Code::EndBeforeStart);
                    None
                }
                Some(t) if t > now_ms + MAX_HOURS * HOUR_MS => {
                    e.push("ends_at", Code::OutOfRange);
                    None
                }
                Some(t) => Some(t),
            }
        };
        e.into_result()?;
        match (action, reason, ends_at) {
            (Some(action), Some(reason), Some(ends_at)) => Ok(Activation {
                action,
                reason,
                ends_at,
            }),
            _ => Err(FieldErrors::single("action_type", Code::Required)),
        }
    }
}

/// How an emergency ended, as the audit log says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// Someone switched it off.
    ByHand,
    /// Its end time came.
    Automatically,
    /// Failover was switched off for the account.
    FailoverOff,
}

impl Ended {
    pub fn as_str(self) -> &'static str {
        match self {
            Ended::ByHand => "by_hand",
            Ended::Automatically => "automatically",
            Ended::FailoverOff => "failover_off",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000_000;

    fn message(ends_at: &str) -> EmergencyDraft {
        EmergencyDraft {
            action: FailoverDraft {
                action_type: "say_message".into(),
                text: "Incident en cours.".into(),
                language: "fr-FR".into(),
                ..FailoverDraft::default()
            },
            reason: "Panne opérateur".into(),
            ends_at: ends_at.into(),
        }
    }

    fn read(raw: &str) -> Option<i64> {
        raw.parse::<i64>().ok()
    }

    #[test]
    fn an_end_within_72_hours_default_4() {
        let allow = WebhookAllowList::default();
        let a = message("").parse(&allow, NOW, read).unwrap();
        assert_eq!(a.ends_at, NOW + 4 * HOUR_MS);
        let at = (NOW + 72 * HOUR_MS).to_string();
        assert!(message(&at).parse(&allow, NOW, read).is_ok());
        let late = (NOW + 72 * HOUR_MS + 1).to_string();
        let e = message(&late).parse(&allow, NOW, read).unwrap_err();
        assert_eq!(e.get("ends_at"), Some(Code::OutOfRange));
        let past = (NOW - 1).to_string();
        let e = message(&past).parse(&allow, NOW, read).unwrap_err();
        assert_eq!(e.get("ends_at"), Some(Code::EndBeforeStart));
        let e = message("soon").parse(&allow, NOW, read).unwrap_err();
        assert_eq!(e.get("ends_at"), Some(Code::InvalidDate));
    }

    #[test]
    fn a_message_or_a_transfer_with_a_reason() {
        let allow = WebhookAllowList::default();
        let mut d = message("");
        d.action.action_type = "workflow".into();
        d.reason = " ".into();
        let e = d.parse(&allow, NOW, read).unwrap_err();
        assert_eq!(e.get("action_type"), Some(Code::InvalidChoice));
        assert_eq!(e.get("reason"), Some(Code::Required));
        let mut d = message("");
        d.action.text.clear();
        assert_eq!(
            d.parse(&allow, NOW, read).unwrap_err().get("text"),
            Some(Code::Required)
        );
    }
}
