fn main() -> std::process::ExitCode {
    zhiban_cli::main()
}
