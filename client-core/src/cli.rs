//! The `zhiban` command line: the client core on the command line. Works offline; `sync` talks to the server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::{Client, ClientError, DocumentId};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "zhiban", version, about = "Zhiban client: duty documents that work offline")]
struct Cli {
    /// Folder holding this client's local store.
    #[arg(long, env = "ZHIBAN_DATA", default_value = "zhiban-client-data", global = true)]
    data: PathBuf,
    /// The server's base URL (`http://HOST:PORT`; a `ws://…/sync` URL works too).
    #[arg(long, env = "ZHIBAN_SERVER", global = true)]
    server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Documents on this device.
    #[command(subcommand)]
    Doc(DocCommand),
    /// Send local changes and fetch the server's; exits 0 once nothing is pending.
    Sync {
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// What is waiting for the server.
    Status,
}

#[derive(Subcommand)]
enum DocCommand {
    /// Create a document from a JSON object; prints its `automerge:` URL.
    Create {
        #[arg(long)]
        json: String,
    },
    /// Print a document as JSON (fetched from the server if this device does not hold it).
    Get { url: String },
    /// Set the value at PATH (`/a/b/0` or `a.b.0`, `-` appends to a list) to JSON.
    Set { url: String, path: String, json: String },
    /// Delete the value at PATH.
    Delete { url: String, path: String },
    /// List the documents on this device.
    List,
}

/// The whole command line; the binary is this one call, so tests can run the very same program.
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ZHIBAN_LOG").unwrap_or_else(|_| "warn".into()))
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("zhiban: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zhiban: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_json(text: &str) -> Result<serde_json::Value, ClientError> {
    serde_json::from_str(text).map_err(|e| ClientError::InvalidInput(format!("not valid JSON ({e}): {text}")))
}

fn parse_id(url: &str) -> Result<DocumentId, ClientError> {
    DocumentId::parse_url_or_id(url).map_err(|e| ClientError::InvalidInput(e.to_string()))
}

async fn run(cli: Cli) -> Result<(), ClientError> {
    let client = Client::open(&cli.data, cli.server.as_deref())?;
    match cli.command {
        Command::Doc(DocCommand::Create { json }) => {
            let id = client.create_document(&parse_json(&json)?)?;
            println!("{}", id.url());
        }
        Command::Doc(DocCommand::Get { url }) => {
            let id = parse_id(&url)?;
            if !client.holds(id)? && cli.server.is_some() {
                client.fetch(id, Duration::from_secs(30)).await?;
            }
            let doc = client.get_json(id)?;
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Command::Doc(DocCommand::Set { url, path, json }) => {
            client.set_path(parse_id(&url)?, &path, &parse_json(&json)?)?;
        }
        Command::Doc(DocCommand::Delete { url, path }) => {
            client.delete_path(parse_id(&url)?, &path)?;
        }
        Command::Doc(DocCommand::List) => {
            for id in client.documents()? {
                println!("{}", id.url());
            }
        }
        Command::Sync { timeout } => {
            client.sync_once(Duration::from_secs(timeout)).await?;
            println!("synced: nothing pending");
        }
        Command::Status => {
            let status = client.status()?;
            println!("documents on this device: {}", status.documents_held);
            if status.pending.is_empty() {
                println!("nothing waiting for the server");
            } else {
                println!("waiting for the server: {} change(s)", status.pending_changes());
                for doc in &status.pending {
                    println!("  {}  {} change(s)", doc.id.url(), doc.pending_changes);
                }
            }
        }
    }
    Ok(())
}
