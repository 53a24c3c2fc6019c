//! What the audit log records: one action name per kind of change.

use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoStaticStr};

/// A kind of change, as the audit log names it (`account.failover`, …).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter, EnumString, IntoStaticStr,
)]
pub enum AuditAction {
    #[strum(serialize = "account.create")]
    AccountCreate,
    #[strum(serialize = "account.failover")]
    AccountFailover,
    #[strum(serialize = "account.default_message")]
    AccountDefaultMessage,
    #[strum(serialize = "account.rename")]
    AccountRename,
    #[strum(serialize = "agent.create")]
    AgentCreate,
    #[strum(serialize = "agent.update")]
    AgentUpdate,
    #[strum(serialize = "failover.save")]
    FailoverSave,
    #[strum(serialize = "failover.restore")]
    FailoverRestore,
    #[strum(serialize = "invitation.create")]
    InvitationCreate,
    #[strum(serialize = "invitation.revoke")]
    InvitationRevoke,
    #[strum(serialize = "invitation.accept")]
    InvitationAccept,
    #[strum(serialize = "membership.create")]
    MembershipCreate,
    #[strum(serialize = "membership.role")]
    MembershipRole,
    #[strum(serialize = "membership.remove")]
    MembershipRemove,
    #[strum(serialize = "emergency.start")]
    EmergencyStart,
    #[strum(serialize = "emergency.end")]
    EmergencyEnd,
    #[strum(serialize = "schedule.create")]
    ScheduleCreate,
    #[strum(serialize = "schedule.update")]
    ScheduleUpdate,
    #[strum(serialize = "schedule.delete")]
    ScheduleDelete,
    #[strum(serialize = "sip_connection.create")]
    SipConnectionCreate,
    #[strum(serialize = "sip_connection.update")]
    SipConnectionUpdate,
    #[strum(serialize = "sip_connection.delete")]
    SipConnectionDelete,
    #[strum(serialize = "token.create")]
    TokenCreate,
    #[strum(serialize = "token.revoke")]
    TokenRevoke,
    #[strum(serialize = "user.create")]
    UserCreate,
    #[strum(serialize = "user.disable")]
    UserDisable,
    #[strum(serialize = "user.enable")]
    UserEnable,
    #[strum(serialize = "user.staff_role")]
    UserStaffRole,
    #[strum(serialize = "user.reset_link")]
    UserResetLink,
    #[strum(serialize = "user.password")]
    UserPassword,
    #[strum(serialize = "user.sessions_end")]
    UserSessionsEnd,
}

impl AuditAction {
    /// The name stored in the log.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn names_round_trip() {
        for a in AuditAction::iter() {
            assert_eq!(a.as_str().parse::<AuditAction>(), Ok(a));
            assert!(a.as_str().contains('.'));
        }
    }
}
