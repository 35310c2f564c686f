//! The touchpoint binary: everything lives in the library.
fn main() -> std::process::ExitCode {
    touchpoint::cli::main()
}
