//! What server functions return and pages show: plain data, the same in the
//! browser and on the server (the services build it, the pages render it).

mod accounts;
mod audit;
mod events;
mod failover;
mod tokens;

pub use accounts::*;
pub use audit::*;
pub use events::*;
pub use failover::*;
pub use tokens::*;
