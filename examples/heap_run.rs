//! The touchpoint binary on the system allocator, for heap profilers
//! (`heaptrack`, `valgrind --tool=massif`), which follow malloc, not
//! mimalloc. See BENCHMARKS.md, "Memory: 10,000 waiting personas".
//!
//! ```sh
//! cargo build --release --example heap_run
//! heaptrack target/release/examples/heap_run run SUITE --target URL …
//! ```

fn main() -> std::process::ExitCode {
    touchpoint::cli::main()
}
