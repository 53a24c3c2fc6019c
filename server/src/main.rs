//! `relais`: the failover console of a voice-AI platform (see `relais --help`).

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's: frees what it holds unused and gives it back to the system.
    fn mi_collect(force: bool);
}

/// After the first snapshot load: its transient memory back to the system.
fn collect() {
    // SAFETY: mi_collect takes no pointer and only releases free pages.
    unsafe { mi_collect(true) }
}

/// SQLite counts its memory use under one global mutex, taken by every
/// allocation of every connection: the first snapshot load's rows are
/// allocated on SQLite's thread and freed on the reader's, which then wait
/// on each other. Relais never reads those counts.
fn sqlite_without_memory_statistics() {
    // SAFETY: called first thing, before SQLite is initialized (as
    // sqlite3_config requires); SQLITE_CONFIG_MEMSTATUS takes one int.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_config(
            libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
            0 as std::ffi::c_int,
        )
    };
    debug_assert_eq!(rc, libsqlite3_sys::SQLITE_OK);
}

fn main() -> std::process::ExitCode {
    sqlite_without_memory_statistics();
    let cli = relais_server::cli::Cli::parse();
    relais_server::cli::init_logging();
    app::runtime::snapshot::on_first_load(collect);
    // A panic is logged once, as a log line (a request that panicked still
    // gets its 500 answer from the HTTP layer).
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(location = location.as_deref().unwrap_or("?"), %message, "panic");
    }));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(relais_server::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
