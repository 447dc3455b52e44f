//! The `zhiban-server` program, built inside this crate so the story tests can start it as a process.
fn main() -> anyhow::Result<()> {
    zhiban_server::cli::main()
}
