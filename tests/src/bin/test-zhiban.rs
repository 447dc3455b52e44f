//! The `zhiban` program, built inside this crate so the story tests can run it as a process.
fn main() -> std::process::ExitCode {
    zhiban_cli::main()
}
