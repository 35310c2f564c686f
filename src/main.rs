//! The touchpoint binary: everything lives in the library.

/// mimalloc keeps memory flat when thousands of personas wait at once
/// (measured in BENCHMARKS.md); the library leaves the choice to its users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

extern "C" {
    /// mimalloc's run-time option setter (`mimalloc.h`; the C library is
    /// linked by the `mimalloc` crate, whose Rust API does not expose it).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in `mimalloc.h` (v3, the crate's default build).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// How long mimalloc keeps freed pages before returning them to the OS, in
/// ms. Its default gives them back after a second and faults them in again
/// (zeroed by the kernel) as the next wave of requests arrives; a run
/// allocates and frees the same few megabytes per request all along, so the
/// pages are kept for a minute instead (BENCHMARKS.md, "Request path").
/// Peak memory is unchanged; an idle process keeps its high-water mark for
/// that minute. `MIMALLOC_PURGE_DELAY` in the environment still wins.
const PURGE_DELAY_MS: std::ffi::c_long = 60_000;

fn main() -> std::process::ExitCode {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: a plain setter of an integer option, called before any
        // other thread exists; the option is read at each purge.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    touchpoint::cli::main()
}
