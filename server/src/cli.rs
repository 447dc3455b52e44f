//! The `zhiban-server` command line.

use std::net::SocketAddr;
use std::time::Duration;

use crate::ServerConfig;
use crate::office::{DutyRules, Office};
use crate::projection;
use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "zhiban-server", version, about = "Zhiban sync server for the duty office")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the documents live; every subcommand takes it.
#[derive(clap::Args)]
struct DatabaseArg {
    /// `sqlite://path/to/file.db` (created with its folder) or `postgres://user@host/db`.
    #[arg(long = "database", env = "ZHIBAN_DATABASE_URL", default_value = "sqlite://zhiban-data/zhiban.db")]
    url: String,
}

/// The office's rules; every subcommand that computes deadlines or validates rosters takes them.
#[derive(clap::Args)]
struct RulesArgs {
    /// A JSON file of the office's numbers (deadlines, grade thresholds, instruction clocks, office hours);
    /// what it leaves out keeps the reference default. See README.md.
    #[arg(long, env = "ZHIBAN_RULES")]
    rules: Option<std::path::PathBuf>,
    /// A holiday calendar CSV (`date,kind,festival`); each year it lists replaces that year of the shipped
    /// calendar, so next year's list is loaded without a new release.
    #[arg(long, env = "ZHIBAN_CALENDAR")]
    calendar: Option<std::path::PathBuf>,
}

impl RulesArgs {
    fn load(&self) -> anyhow::Result<DutyRules> {
        Ok(DutyRules::load(self.rules.as_deref(), self.calendar.as_deref())?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync endpoint (`/sync`) and the HTTP API (`/api/v1`).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ZHIBAN_LISTEN", default_value = "127.0.0.1:8760")]
        listen: SocketAddr,
        #[command(flatten)]
        database: DatabaseArg,
        #[command(flatten)]
        rules: RulesArgs,
        /// Largest WebSocket frame accepted, in bytes.
        #[arg(long, env = "ZHIBAN_MAX_FRAME_BYTES", default_value_t = zhiban_model::DEFAULT_MAX_FRAME_BYTES)]
        max_frame_bytes: usize,
        /// Seconds an unused document stays in memory.
        #[arg(long, env = "ZHIBAN_IDLE_EVICTION_SECS", default_value_t = 300)]
        idle_eviction_secs: u64,
        /// Seconds between keepalive pings; a peer silent for three of them is dropped.
        #[arg(long, env = "ZHIBAN_KEEPALIVE_SECS", default_value_t = 30)]
        keepalive_secs: u64,
        /// Most documents held in memory at once.
        #[arg(long, env = "ZHIBAN_MAX_LOADED_DOCUMENTS", default_value_t = 10_000)]
        max_loaded_documents: usize,
    },
    /// Operator tasks on the database.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Load a realistic city into the database: units, people, a month of rosters across a holiday,
    /// incidents with their reports, and leaders' instructions with acknowledgements.
    Demo {
        #[command(flatten)]
        database: DatabaseArg,
        #[command(flatten)]
        rules: RulesArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Drop every projected row and rebuild the projections from the stored documents. Safe while no
    /// server writes to the database; the instruction ledger is kept.
    Reproject {
        #[command(flatten)]
        database: DatabaseArg,
        #[command(flatten)]
        rules: RulesArgs,
    },
}

/// The whole command line; the binary is this one call, so tests can run the very same program.
#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ZHIBAN_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            database,
            rules,
            max_frame_bytes,
            idle_eviction_secs,
            keepalive_secs,
            max_loaded_documents,
        } => {
            let mut config = ServerConfig {
                database_url: database.url,
                rules: rules.load()?,
                max_frame_bytes,
                keepalive: Duration::from_secs(keepalive_secs.max(1)),
                ..ServerConfig::default()
            };
            config.hub.idle_eviction = Duration::from_secs(idle_eviction_secs);
            config.hub.max_loaded_documents = max_loaded_documents;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}; is another server running there?"))?;
            crate::launch_with_tcp_listener(listener, config, shutdown_signal()).await
        }
        Command::Admin(AdminCommand::Reproject { database, rules }) => {
            let rules = rules.load()?;
            let store = crate::store::open(&database.url).await?;
            let office = Office::new(store.database(), rules);
            let report = projection::reproject_all(&*store, &office).await?;
            println!("{} documents stored, {} projected", report.documents, report.projected);
            for (document, problem) in &report.problems {
                println!("  automerge:{document}: {problem}");
            }
            Ok(())
        }
        Command::Demo { database, rules } => {
            let rules = rules.load()?;
            let store = crate::store::open(&database.url).await?;
            let office = Office::new(store.database(), rules);
            let summary = crate::demo::load(store, office).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
