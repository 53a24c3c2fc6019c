//! Domain rules shared by the browser and the server: values are parsed once
//! here, so an invalid one cannot exist past the edge.

mod access;
mod audit;
pub mod config;
pub mod emergency;
mod events;
pub mod failover;
mod fields;
mod identity;
pub mod net;
pub mod plan;
mod roles;
pub mod schedule;
mod tokens;

pub use access::{Membership, Principal};
pub use audit::AuditAction;
pub use events::{Cause, EventActionType, Outcome};
pub use fields::{Code, FieldError, FieldErrors, Taken};
pub use identity::{
    AccountName, Email, PASSWORD_MIN_CHARS, PersonName, Slug, browser_label, check_password_shape,
};
pub use roles::{AccountRole, Direction, LANGUAGES, Language, Permission, StaffRole};
pub use tokens::{Scope, scopes_to_string};
