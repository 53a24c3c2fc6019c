//! What a runtime reports when failover runs on a call: the cause, the action
//! that ran and how it went. One list of each, used by the runtime API (and
//! its OpenAPI schema), the store and the events page.

use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoStaticStr};

/// Why failover ran (SPEC §1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter, EnumString, IntoStaticStr,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Cause {
    PrecallTimeout,
    PrecallError,
    PrecallInvalidData,
    PrecallExplicit,
    ConfigMissingVoice,
    ConfigKbUnavailable,
    ConfigLanguageConflict,
    ConfigOther,
    PromptRenderFailed,
}

/// What ran instead of degraded mode.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter, EnumString, IntoStaticStr,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventActionType {
    Workflow,
    SayMessage,
    Transfer,
    DefaultErrorMessage,
}

/// Whether the action ran.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter, EnumString, IntoStaticStr,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    ActionFailed,
}

macro_rules! as_str {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The code stored and sent over the wire.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    )*};
}
as_str!(Cause, EventActionType, Outcome);

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn codes_are_the_wire_names() {
        for c in Cause::iter() {
            let wire = serde_json::to_value(c).unwrap();
            assert_eq!(wire, serde_json::Value::String(c.as_str().to_owned()));
            assert_eq!(c.as_str().parse::<Cause>(), Ok(c));
        }
        assert_eq!(Cause::iter().count(), 9);
        assert_eq!(
            EventActionType::DefaultErrorMessage.as_str(),
            "default_error_message"
        );
        assert_eq!(Outcome::ActionFailed.as_str(), "action_failed");
    }
}
