//! The runtime API over real HTTP, one file per endpoint: documents and
//! their ETags, tokens, the changes feed, events, the probes and the OpenAPI
//! document on both databases; and on PostgreSQL only, two instances on one
//! database and the database stopped mid-test. One test binary (one link).

#[path = "../common/mod.rs"]
mod common;

mod documents;
mod events;
mod feed;
mod ofrep;
mod operations;
mod postgres;
mod resolve;
mod stream;
mod tokens;
