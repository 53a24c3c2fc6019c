//! `relais`: the failover console of a voice-AI platform (see `relais --help`).

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use libmimalloc_sys::{mi_collect, mi_free, mi_good_size, mi_malloc, mi_realloc, mi_usable_size};
use std::ffi::{c_int, c_void};

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

// SQLite's memory through mimalloc (SQLITE_CONFIG_MALLOC): with glibc's,
// the first snapshot load's row values, allocated on SQLite's thread and
// freed on the reader's, took glibc's arena locks and consolidations on
// both (~9% of the load's samples). Sizes are positive (SQLite checks).

unsafe extern "C" fn sqlite_malloc(n: c_int) -> *mut c_void {
    // SAFETY: mimalloc's malloc takes any size.
    unsafe { mi_malloc(n.max(0) as usize) }
}
unsafe extern "C" fn sqlite_free(p: *mut c_void) {
    // SAFETY: SQLite frees only what sqlite_malloc/realloc gave it.
    unsafe { mi_free(p) }
}
unsafe extern "C" fn sqlite_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: as above; mimalloc's realloc keeps the contents.
    unsafe { mi_realloc(p, n.max(0) as usize) }
}
unsafe extern "C" fn sqlite_size(p: *mut c_void) -> c_int {
    // SAFETY: p came from mimalloc (or is null: 0).
    c_int::try_from(unsafe { mi_usable_size(p) }).unwrap_or(c_int::MAX)
}
unsafe extern "C" fn sqlite_roundup(n: c_int) -> c_int {
    // SAFETY: a pure function of the size.
    c_int::try_from(unsafe { mi_good_size(n.max(0) as usize) }).unwrap_or(n)
}
unsafe extern "C" fn sqlite_init(_: *mut c_void) -> c_int {
    libsqlite3_sys::SQLITE_OK
}
unsafe extern "C" fn sqlite_shutdown(_: *mut c_void) {}

fn sqlite_on_mimalloc() {
    let methods = libsqlite3_sys::sqlite3_mem_methods {
        xMalloc: Some(sqlite_malloc),
        xFree: Some(sqlite_free),
        xRealloc: Some(sqlite_realloc),
        xSize: Some(sqlite_size),
        xRoundup: Some(sqlite_roundup),
        xInit: Some(sqlite_init),
        xShutdown: Some(sqlite_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: before SQLite is initialized; SQLite copies the structure.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_config(
            libsqlite3_sys::SQLITE_CONFIG_MALLOC,
            &methods as *const libsqlite3_sys::sqlite3_mem_methods,
        )
    };
    debug_assert_eq!(rc, libsqlite3_sys::SQLITE_OK);
}

fn main() -> std::process::ExitCode {
    sqlite_without_memory_statistics();
    sqlite_on_mimalloc();
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
