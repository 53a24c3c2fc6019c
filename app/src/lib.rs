//! Relais UI and server functions: the pages, their server functions and the
//! domain rules they share with the browser; the services, the store and the
//! runtime API under `ssr`. `ARCHITECTURE.md` maps the layers.

#![recursion_limit = "256"]

pub mod accounts;
pub mod agents;
pub mod audit;
pub mod auth;
pub mod domain;
pub mod emergency;
pub mod error;
pub mod events;
pub mod failover;
pub mod feedback;
pub mod i18n_cookie;
pub mod messages;
pub mod people;
pub mod schedules;
pub mod shell;
pub mod sip;
pub mod time_fmt;
pub mod tokens;
pub mod ui;
pub mod views;
pub mod webhook;

#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod ofrep_api;
#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod runtime_api;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

/// Translations (English and French), generated from `locales/*.json`.
#[allow(deprecated)]
mod i18n_gen {
    leptos_i18n::load_locales!();
}
pub use i18n_gen::i18n;

pub use shell::{App, shell};
