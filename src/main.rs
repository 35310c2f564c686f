//! The touchpoint binary: everything lives in the library.

/// mimalloc keeps memory flat when thousands of personas wait at once
/// (measured in BENCHMARKS.md); the library leaves the choice to its users.
/// Built without transparent huge pages (`no_thp` in Cargo.toml): they
/// make the resident set grow in 2 MB steps. Asked through its plain
/// functions for ordinary alignments (`allocator.rs`).
#[global_allocator]
static GLOBAL: touchpoint::allocator::Mimalloc = touchpoint::allocator::Mimalloc;

fn main() -> std::process::ExitCode {
    touchpoint::cli::main()
}
