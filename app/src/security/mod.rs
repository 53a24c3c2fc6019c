//! Secrets and abuse limits: password hashing and strength, the sign-in
//! throttle, the client's address behind proxies.

pub mod client;
pub mod local_path;
pub mod one_time;
pub mod rate;

pub mod password;
pub mod throttle;
