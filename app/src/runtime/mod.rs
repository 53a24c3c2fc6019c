//! The runtime API and what feeds it: an in-memory snapshot of every agent's
//! failover document, kept in step with the database.

pub mod api;
pub mod doc;
pub mod metrics;
pub mod snapshot;
pub mod sync;

pub use snapshot::Runtime;
pub use sync::after_write;
