//! What the runtime API serves from: an in-memory snapshot of every agent's
//! failover document, kept in step with the database.

pub mod doc;
pub mod file;
pub mod metrics;
pub mod ofrep;
pub mod resolve;
pub mod snapshot;
pub mod stream;
pub mod sync;

pub use snapshot::Runtime;
