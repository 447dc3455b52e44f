fn main() -> std::process::ExitCode {
    zhiban_client_core::cli::main()
}
