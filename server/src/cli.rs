//! The `zhiban-server` command line.

mod analyze;
mod report;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::ServerConfig;
use crate::accounts::{AccountPolicy, Accounts, NewUser};
use crate::clock::{Clock, SystemClock};
use crate::office::{DutyRules, Office};
use crate::projection;
use anyhow::Context;
use clap::{Parser, Subcommand};
use zhiban_model::documents::directory::{DutyCategory, Role};

use crate::office::directory_admin::{NewUnit, add_unit};

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

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[command(flatten)]
        database: DatabaseArg,
        /// The person's id in the directory.
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        unit: String,
        /// desk, leader, unit_officer, field or admin; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input) and sign the user out everywhere.
    ResetPassword {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Change a user's roles (and unit): their open connections end and come back with the new rights.
    Roles {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        username: String,
        /// desk, leader, unit_officer, field or admin; repeat for several. Replaces the roles they had.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Move them to this unit too.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Disable an account and sign it out everywhere; its records stay.
    Disable {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum UnitCommand {
    /// Add a unit to the directory (the first one added is the city, without --parent).
    Add {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        name: String,
        /// The unit above it (its id).
        #[arg(long)]
        parent: Option<String>,
        /// Duty category: 1, 2 or 3 (一级/二级/三级值班单位).
        #[arg(long)]
        category: String,
        /// The duty phone that must always be answered.
        #[arg(long)]
        duty_phone: String,
        /// The unit's id; without it one is made from the name.
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Subcommand)]
enum VapidCommand {
    /// Make the server's VAPID key pair for Web Push (kept in the database; only the public key is served).
    Generate {
        #[command(flatten)]
        database: DatabaseArg,
        /// A contact push services may write to about this server's traffic.
        #[arg(long, default_value = "mailto:duty-office@example.invalid")]
        subject: String,
        /// Replace existing keys: every phone must subscribe again.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List devices, of one user or of everyone.
    List {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        username: Option<String>,
    },
    /// Sign a device out: its tokens stop working at once.
    Revoke {
        #[command(flatten)]
        database: DatabaseArg,
        device_id: String,
    },
}

/// `--role` values as roles, or which one is not a role.
fn parse_roles(roles: &[String]) -> anyhow::Result<Vec<Role>> {
    roles
        .iter()
        .map(|r| {
            Role::parse(r)
                .ok_or_else(|| anyhow::anyhow!("{r:?} is not a role; use desk, leader, unit_officer, field or admin"))
        })
        .collect()
}

/// A limit of 0 would refuse everyone; clap says so at start rather than the server refusing every phone.
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

/// One line from standard input, without its line ending (never echoed, never logged).
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

async fn accounts(database: &DatabaseArg, clock: &Arc<dyn Clock>) -> anyhow::Result<Accounts> {
    let store = crate::store::open_with_clock(&database.url, clock.clone()).await?;
    Ok(Accounts::new(store.database(), clock.clone(), AccountPolicy::default()))
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
        /// Most distinct documents one sync connection may sync; past it the connection is closed with a reason.
        #[arg(long, env = "ZHIBAN_MAX_DOCUMENTS_PER_CONNECTION", value_parser = at_least_one(),
              default_value_t = crate::sync::connection::DEFAULT_MAX_DOCUMENTS_PER_CONNECTION)]
        max_documents_per_connection: usize,
        /// Most requests one connection may have open for documents that do not exist.
        #[arg(long, env = "ZHIBAN_MAX_MISSING_DOCUMENTS_PER_CONNECTION", value_parser = at_least_one(),
              default_value_t = crate::sync::connection::DEFAULT_MAX_MISSING_DOCUMENTS_PER_CONNECTION)]
        max_missing_documents_per_connection: usize,
        /// Most changes one sync message may bring; a message with more is refused whole.
        #[arg(long, env = "ZHIBAN_MAX_CHANGES_PER_MESSAGE", value_parser = at_least_one(),
              default_value_t = crate::sync::connection::DEFAULT_MAX_CHANGES_PER_MESSAGE)]
        max_changes_per_message: usize,
        /// Most sync connections one user may have open at once (phones, tablets, browser tabs).
        #[arg(long, env = "ZHIBAN_MAX_CONNECTIONS_PER_USER", value_parser = at_least_one(),
              default_value_t = crate::sync::connection::DEFAULT_MAX_CONNECTIONS_PER_USER)]
        max_connections_per_user: usize,
        /// Bytes one person's attachment uploads (photos, recordings, videos; whole or under way) may take.
        #[arg(long, env = "ZHIBAN_ATTACHMENT_QUOTA_BYTES", default_value_t = crate::attachments::DEFAULT_QUOTA_BYTES)]
        attachment_quota_bytes: u64,
        /// A network (10.20.0.0/16), address or host name push requests may go to besides public https
        /// addresses, plain http included: an intranet push service or UnifiedPush distributor. Repeat for
        /// several (comma-separated in the environment variable).
        #[arg(long = "allow-outbound", value_name = "CIDR|HOST", env = "ZHIBAN_ALLOW_OUTBOUND", value_delimiter = ',')]
        allow_outbound: Vec<crate::push::AllowedOutbound>,
    },
    /// Operator tasks on the database.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The desk's incident analysis: early warnings, frequency, trend, compound risks.
    #[command(subcommand)]
    Analyze(analyze::AnalyzeCommand),
    /// The desk's publications as printable HTML with their CSV: daily, monthly, quarterly, yearly.
    #[command(subcommand)]
    Report(report::ReportCommand),
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
    /// The units of the directory.
    #[command(subcommand)]
    Unit(UnitCommand),
    /// People who log in.
    #[command(subcommand)]
    User(UserCommand),
    /// The devices people have logged in from.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// The server's keys for Web Push.
    #[command(subcommand)]
    Vapid(VapidCommand),
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
pub fn main() -> anyhow::Result<()> {
    main_with_clock(Arc::new(SystemClock))
}

/// The command line on the given clock, the office's time for every command (`serve`, and the commands that
/// write or judge by "now" outside a server): the machine's in production; the test build's, whose office
/// time runs faster, so that escalations minutes long happen in seconds in a server the tests kill and
/// restart.
#[tokio::main]
pub async fn main_with_clock(clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    // Logs to standard error: standard output is the commands' answers (`analyze --json` is read by programs).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
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
            max_documents_per_connection,
            max_missing_documents_per_connection,
            max_changes_per_message,
            max_connections_per_user,
            attachment_quota_bytes,
            allow_outbound,
        } => {
            if !allow_outbound.is_empty() {
                let allowed: Vec<String> = allow_outbound.iter().map(ToString::to_string).collect();
                tracing::info!(allowed = %allowed.join(", "), "push requests may go to these besides public https");
            }
            let mut config = ServerConfig {
                database_url: database.url,
                rules: rules.load()?,
                max_frame_bytes,
                keepalive: Duration::from_secs(keepalive_secs.max(1)),
                max_documents_per_connection,
                max_missing_documents_per_connection,
                max_changes_per_message,
                max_connections_per_user,
                attachment_quota_bytes,
                clock,
                outbound: crate::push::OutboundPolicy::allowing(allow_outbound),
                ..ServerConfig::default()
            };
            config.hub.idle_eviction = Duration::from_secs(idle_eviction_secs);
            config.hub.max_loaded_documents = max_loaded_documents;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}; is another server running there?"))?;
            crate::launch_with_tcp_listener(listener, config, shutdown_signal()).await
        }
        Command::Analyze(command) => analyze::run(command, clock).await,
        Command::Report(command) => report::run(command, clock).await,
        Command::Admin(AdminCommand::Reproject { database, rules }) => {
            let rules = rules.load()?;
            let store = crate::store::open_with_clock(&database.url, clock.clone()).await?;
            let office = Office::with_clock(store.database(), rules, clock);
            let report = projection::reproject_all(&*store, &office).await?;
            println!("{} documents stored, {} projected", report.documents, report.projected);
            for (document, problem) in &report.problems {
                println!("  automerge:{document}: {problem}");
            }
            Ok(())
        }
        Command::Admin(AdminCommand::Unit(UnitCommand::Add { database, name, parent, category, duty_phone, id })) => {
            let category = match category.trim() {
                "1" => DutyCategory::One,
                "2" => DutyCategory::Two,
                "3" => DutyCategory::Three,
                other => anyhow::bail!("--category {other:?}: use 1, 2 or 3"),
            };
            let store = crate::store::open_with_clock(&database.url, clock.clone()).await?;
            let office = Office::with_clock(store.database(), DutyRules::default(), clock);
            let unit = NewUnit { id, name, parent, category, duty_phone };
            let (directory, id) = add_unit(&*store, &office, unit).await?;
            println!("unit {id} added to the directory {}", directory.url());
            Ok(())
        }
        Command::Admin(AdminCommand::User(UserCommand::Add { database, username, name, unit, roles, .. })) => {
            let roles = parse_roles(&roles)?;
            // Against the directory: a user of a unit nobody knows sees nothing, and with no directory yet
            // no unit is known.
            let store = crate::store::open_with_clock(&database.url, clock.clone()).await?;
            let office = Office::with_clock(store.database(), DutyRules::default(), clock.clone());
            projection::load_directory(&*store, &office).await?;
            let directory = office.directory();
            if directory.units.is_empty() {
                anyhow::bail!(
                    "there is no directory yet, so unit {unit:?} is unknown; add the units first with \
                     `zhiban-server admin unit add --name … --category …`, then their people"
                );
            }
            if !directory.units.contains_key(unit.trim()) {
                anyhow::bail!(
                    "unit {unit:?} is not in the directory; add it first with `zhiban-server admin unit add`"
                );
            }
            let password = password_from_stdin()?;
            let new = NewUser { username: username.clone(), display_name: name, unit, roles, password };
            accounts(&database, &clock).await?.add_user(new).await?;
            println!("user {username} added");
            Ok(())
        }
        Command::Admin(AdminCommand::User(UserCommand::ResetPassword { database, username, .. })) => {
            let password = password_from_stdin()?;
            accounts(&database, &clock).await?.reset_password(&username, password).await?;
            println!("password of {username} reset; their devices are signed out");
            Ok(())
        }
        Command::Admin(AdminCommand::User(UserCommand::Roles { database, username, roles, unit })) => {
            let roles = parse_roles(&roles)?;
            accounts(&database, &clock).await?.set_roles(&username, unit.as_deref(), &roles).await?;
            println!("roles of {username} set; their open connections reconnect with them");
            Ok(())
        }
        Command::Admin(AdminCommand::User(UserCommand::Disable { database, username })) => {
            accounts(&database, &clock).await?.disable_user(&username).await?;
            println!("user {username} disabled; their devices are signed out");
            Ok(())
        }
        Command::Admin(AdminCommand::Device(DeviceCommand::List { database, username })) => {
            for d in accounts(&database, &clock).await?.devices(username.as_deref()).await? {
                let state = d.revoked.map(|why| format!("signed out: {why}")).unwrap_or_else(|| "active".into());
                println!("{}  {}  {}  {state}", d.device_id, d.username, d.name);
            }
            Ok(())
        }
        Command::Admin(AdminCommand::Device(DeviceCommand::Revoke { database, device_id })) => {
            accounts(&database, &clock).await?.revoke_device(&device_id, "revoked by an administrator").await?;
            println!("device {device_id} signed out");
            Ok(())
        }
        Command::Admin(AdminCommand::Vapid(VapidCommand::Generate { database, subject, replace })) => {
            let store = crate::store::open_with_clock(&database.url, clock).await?;
            let keys = crate::push::VapidKeys::generate(&store.database(), &subject, replace).await?;
            println!("VAPID keys made; public key (applicationServerKey): {}", keys.public_key());
            Ok(())
        }
        Command::Demo { database, rules } => {
            let rules = rules.load()?;
            let store = crate::store::open_with_clock(&database.url, clock.clone()).await?;
            let office = Office::with_clock(store.database(), rules, clock);
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
