//! Relais UI and server functions: the pages, their server functions and the
//! domain rules they share with the browser; the store and sessions under `ssr`.

#![recursion_limit = "256"]

pub mod accounts;
pub mod agents;
pub mod audit;
pub mod auth;
pub mod domain;
pub mod error;
pub mod events;
pub mod failover;
pub mod i18n_cookie;
pub mod messages;
pub mod shell;
pub mod sip;
pub mod time_fmt;
pub mod tokens;

#[cfg(feature = "ssr")]
pub mod provisioning;
#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod webhook;

/// Translations (English and French), generated from `locales/*.json`.
#[allow(deprecated)]
mod i18n_gen {
    leptos_i18n::load_locales!();
}
pub use i18n_gen::i18n;

pub use shell::{App, shell};
