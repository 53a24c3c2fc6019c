//! Secrets and abuse limits: password hashing and strength, the sign-in throttle.

pub mod password;
pub mod throttle;
