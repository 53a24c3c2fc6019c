//! What server functions return and pages show: plain data, the same in the
//! browser and on the server (the services build it, the pages render it).

mod accounts;
mod audit;
mod events;
mod failover;
mod people;
mod schedules;
mod tokens;

pub use accounts::*;
pub use audit::*;
pub use events::*;
pub use failover::*;
pub use people::*;
pub use schedules::*;
pub use tokens::*;

/// The highest page number asked for that is looked up (higher ones are
/// treated as it: past the end of any list).
pub const MAX_PAGE: i64 = 1_000_000;

/// How many pages `total` items fill (at least one).
pub fn page_count(total: i64, page_size: i64) -> i64 {
    let size = page_size.max(1);
    (total.max(0) / size + i64::from(total % size != 0)).max(1)
}
