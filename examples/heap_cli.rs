//! The CLI on the system allocator, for heap profilers (heaptrack, massif)
//! that see malloc but not mimalloc: `heaptrack target/release/examples/heap_cli analyze …`.

fn main() -> std::process::ExitCode {
    touchpoint::cli::main()
}
