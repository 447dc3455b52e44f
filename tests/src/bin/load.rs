//! `zhiban-load`: drives a Zhiban server with simulated phones over real WebSockets, each authenticated as
//! a real person of a generated city, and prints throughput, latency percentiles and the server's memory.
//!
//!   cargo build --release -p zhiban-tests --bin zhiban-load
//!   ./target/release/zhiban-load connect --phones 10000
//!   ./target/release/zhiban-load fan-out --recipients 1000
//!   ./target/release/zhiban-load cold-start --incidents 1000
//!   ./target/release/zhiban-load ingest --phones 500
//!   ./target/release/zhiban-load mixed --minutes 5
//!   ./target/release/zhiban-load logins --logins 200
//!
//! Without `--server`, each run starts the server (this same program, running `zhiban-server serve`) on a
//! fresh SQLite file, or on `--database URL`; the figures for the server's memory and CPU need that.

use clap::{Parser, Subcommand};

#[path = "load/city.rs"]
mod city;
#[path = "load/cold_start.rs"]
mod cold_start;
#[path = "load/connect.rs"]
mod connect;
#[path = "load/fan_out.rs"]
mod fan_out;
#[path = "load/ingest.rs"]
mod ingest;
#[path = "load/logins.rs"]
mod logins;
#[path = "load/mixed.rs"]
mod mixed;
#[path = "load/phone.rs"]
mod phone;
#[path = "load/report.rs"]
mod report;

#[derive(Parser, Debug)]
#[command(about = "Load generator: simulated phones against a zhiban server")]
struct Args {
    #[command(subcommand)]
    workload: Workload,
}

#[derive(Subcommand, Debug)]
enum Workload {
    /// N phones connect, sync their home document and stay connected idle.
    Connect(connect::ConnectArgs),
    /// One instruction to R connected recipients: until every recipient's phone has it.
    FanOut(fan_out::FanOutArgs),
    /// A new phone whose user may see N incidents syncs all of them.
    ColdStart(cold_start::ColdStartArgs),
    /// Field reports and follow-ups from P phones at once, against Automerge alone.
    Ingest(ingest::IngestArgs),
    /// All of the above at once, with the desk's API queries, for some minutes.
    Mixed(mixed::MixedArgs),
    /// N people log in with their passwords at the same moment: the server's memory under the hashes.
    Logins(logins::LoginsArgs),
}

fn main() -> anyhow::Result<()> {
    // `zhiban-load serve …` is the server's own command line, so a run can start the server as a separate
    // process from this same program.
    if matches!(std::env::args().nth(1).as_deref(), Some("serve" | "admin")) {
        return zhiban_server::cli::main();
    }
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match args.workload {
            Workload::Connect(a) => connect::run(a).await,
            Workload::FanOut(a) => fan_out::run(a).await,
            Workload::ColdStart(a) => cold_start::run(a).await,
            Workload::Ingest(a) => ingest::run(a).await,
            Workload::Mixed(a) => mixed::run(a).await,
            Workload::Logins(a) => logins::run(a).await,
        }
    })
}
