fn main() -> anyhow::Result<()> {
    zhiban_server::cli::main()
}
