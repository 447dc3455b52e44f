//! The `zhiban` command line: the client core on the command line. Works offline; `sync` talks to the server.
//! It lives beside the client core, not in it, so the phone library carries no command line: the core's
//! errors say what happened, and `hints` adds here which command or flag to give about it.

mod hints;
mod input;
mod oversight;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use zhiban_client_core::{Client, ClientError, DocumentId, UploadOptions, office_now};

pub use hints::message;
use input::{parse_id, parse_json, parse_local};
use report::ReportCommand;

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
enum PushCommand {
    /// Print the server's VAPID public key (the `applicationServerKey` to subscribe with).
    VapidKey,
    /// Register this device's push subscription (from a browser or a UnifiedPush distributor).
    Subscribe {
        #[arg(long)]
        endpoint: String,
        /// base64url of the subscription's P-256 public key.
        #[arg(long)]
        p256dh: String,
        /// base64url of the subscription's 16-byte auth secret.
        #[arg(long)]
        auth: String,
    },
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// The alerts that called you and that you have not acknowledged, as of the last sync (works offline).
    Mine,
    /// Acknowledge an alert (收到) on this device; it reaches the server at the next sync.
    Ack {
        /// The alert's id (al_…), as the push and `zhiban alerts` show it.
        alert: String,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Documents on this device.
    #[command(subcommand)]
    Doc(DocCommand),
    /// Push alerts to this device.
    #[command(subcommand)]
    Push(PushCommand),
    /// Alerts the server raised: who was called when, who acknowledged, what is overdue.
    Alerts {
        /// Only alerts still open.
        #[arg(long)]
        open: bool,
        #[command(subcommand)]
        action: Option<AlertsCommand>,
    },
    /// Send local changes and fetch the server's; exits 0 once nothing is pending.
    Sync {
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// What is waiting for the server.
    Status,
    /// Log in as USERNAME on this device. The password is asked for without echo on a terminal, or read
    /// from standard input (one line) when that is a pipe.
    Login {
        #[arg(long)]
        username: String,
        /// A name for this device the user will recognise ("李四的手机").
        #[arg(long, default_value = "zhiban command line")]
        device: String,
    },
    /// Who uses this device.
    #[command(subcommand)]
    Whoami(WhoamiCommand),
    /// Which document is the directory (units and people).
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Incident reports: first report, follow-ups, final report, photos; the desk's assessment.
    #[command(subcommand)]
    Report(Box<ReportCommand>),
    /// Acknowledge receipt of an instruction (签收), as you, on this device.
    Ack {
        url: String,
        /// The recipient you acknowledge for (you or your unit); needed only when there are several.
        #[arg(long)]
        recipient: Option<String>,
    },
    /// Report progress on an instruction.
    Progress { url: String, text: String },
    /// Give the comprehensive feedback on an instruction.
    Feedback { url: String, text: String },
    /// Instructions waiting for your acknowledgement.
    #[command(subcommand)]
    Acks(AcksCommand),
    /// Rosters.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Your shifts in the rosters on this device.
    MyShifts,
    /// Who is on duty in a unit (main, deputy, leader) now or at --at.
    OnDuty {
        unit: String,
        /// Office local time, `2026-10-01T20:00`.
        #[arg(long)]
        at: Option<String>,
    },
    /// Send attachments the server does not hold yet.
    Upload,
    /// Filing rounds (报备): the desk asks units to file their rosters for a holiday or special period.
    #[command(subcommand)]
    Round(oversight::RoundCommand),
    /// Spot checks (抽查) of the units' duty rooms: draw the plan, record what was found.
    #[command(subcommand)]
    Checks(oversight::ChecksCommand),
    /// The duty log (值班日志): calls, visits, faxes, notices, handovers, and zero reports (零报告).
    #[command(subcommand)]
    Log(oversight::LogCommand),
    /// The desk's assessment record (考核记录): adoptions, non-standard reports, criticism.
    #[command(subcommand)]
    Assess(oversight::AssessCommand),
}

#[derive(Subcommand)]
enum WhoamiCommand {
    /// Set your person id (from the directory) and this device's name.
    Set {
        person: String,
        #[arg(long)]
        device: String,
    },
    Show,
}

#[derive(Subcommand)]
enum DirectoryCommand {
    /// Use the directory document at URL (fetched if this device does not hold it).
    Use { url: String },
    /// Ask the server which document is the directory, and fetch it.
    Fetch,
}

#[derive(Subcommand)]
enum AcksCommand {
    Pending,
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Print a roster's shifts with names.
    Show { url: String },
    /// Fetch a unit's rosters from the server.
    Fetch { unit: String },
    /// File the roster with the desk (报备); refused, slot by slot, if it does not pass validation.
    File { url: String },
    /// The desk accepts a filed roster.
    Accept { url: String },
    /// The desk returns a filed roster with its reasons (each `--reason` one).
    Return {
        url: String,
        #[arg(long = "reason", required = true)]
        reasons: Vec<String>,
    },
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
    /// Set the value at PATH (a JSON Pointer `/a/b/0` or dotted `a.b.0`, `-` appends to a list) to JSON.
    Set { url: String, path: String, json: String },
    /// Delete the value at PATH.
    Delete { url: String, path: String },
    /// List the documents on this device.
    List,
    /// Give up this device's copy of a document and any changes the server has not stored (the way out
    /// when the server refused them); the server's copy comes back at the next sync.
    Discard { url: String },
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
            eprintln!("zhiban: {}", message(&e));
            ExitCode::FAILURE
        }
    }
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
        Command::Doc(DocCommand::Discard { url }) => {
            let id = parse_id(&url)?;
            client.discard_local_changes(id)?;
            println!("discarded this device's copy of {}; sync to fetch the server's", id.url());
        }
        Command::Doc(DocCommand::List) => {
            for id in client.documents()? {
                println!("{}", id.url());
            }
        }
        Command::Sync { timeout } => {
            client.sync_once(Duration::from_secs(timeout)).await?;
            println!("synced: nothing pending");
            upload(&client).await?;
        }
        Command::Upload => upload(&client).await?,
        Command::Whoami(WhoamiCommand::Set { person, device }) => {
            client.set_identity(&person, &device)?;
            println!("this device ({device}) is used by {person}");
        }
        Command::Whoami(WhoamiCommand::Show) => match client.identity()? {
            Some(me) => println!("{} on {}", me.person, me.device),
            None => println!("not set; log in with `zhiban login --username YOU`"),
        },
        Command::Directory(DirectoryCommand::Use { url }) => {
            let id = parse_id(&url)?;
            held(&client, id, cli.server.is_some()).await?;
            client.use_directory(id)?;
            let directory = client.directory()?;
            println!("directory {}: {} units, {} people", id.url(), directory.units.len(), directory.people.len());
        }
        Command::Directory(DirectoryCommand::Fetch) => {
            let id = client.directory_from_server(Duration::from_secs(30)).await?;
            println!("{}", id.url());
        }
        Command::Report(command) => report::report(&client, *command, cli.server.is_some()).await?,
        Command::Round(command) => oversight::round(&client, command, cli.server.is_some()).await?,
        Command::Checks(command) => oversight::checks(&client, command, cli.server.is_some()).await?,
        Command::Log(command) => oversight::log(&client, command)?,
        Command::Assess(command) => oversight::assess(&client, command)?,
        Command::Ack { url, recipient } => {
            let recipient = client.acknowledge(parse_id(&url)?, recipient.as_deref(), office_now())?;
            println!("acknowledged for {recipient}; the server records its receipt time when you sync");
        }
        Command::Progress { url, text } => {
            client.add_progress(parse_id(&url)?, &text, office_now())?;
            println!("progress recorded");
        }
        Command::Feedback { url, text } => {
            client.give_feedback(parse_id(&url)?, &text, office_now())?;
            println!("feedback recorded");
        }
        Command::Acks(AcksCommand::Pending) => {
            let pending = client.pending_acknowledgements()?;
            if pending.is_empty() {
                println!("nothing waits for your acknowledgement");
            }
            for p in pending {
                let number = p.number.as_deref().unwrap_or("(unnumbered)");
                println!("{}  {number}  {}  {}: {}", p.instruction.url(), p.issued_at, p.leader, p.text);
                println!("    for {}", p.recipients.join(", "));
            }
        }
        Command::Roster(RosterCommand::Show { url }) => {
            let id = parse_id(&url)?;
            held(&client, id, cli.server.is_some()).await?;
            let roster = client.roster(id)?;
            let directory = client.directory().ok();
            let name = |p: &Option<String>| match (p, &directory) {
                (Some(p), Some(d)) => d.people.get(p).map(|x| format!("{} ({p})", x.name)).unwrap_or(p.clone()),
                (Some(p), None) => p.clone(),
                (None, _) => "—".to_owned(),
            };
            println!(
                "roster of {} from {} to {}: {:?}",
                roster.unit,
                roster.period_start,
                roster.period_end,
                roster.filing_status()
            );
            let mut shifts: Vec<_> = roster.shifts.iter().collect();
            shifts.sort_by(|a, b| a.1.start.cmp(&b.1.start));
            for (id, s) in shifts {
                println!("  {id}  {} – {}  main {}  deputy {}", s.start, s.end, name(&s.main), name(&s.deputy));
            }
            for (id, l) in &roster.leaders {
                println!("  {id}  {} – {}  leader {}", l.start, l.end, name(&l.leader));
            }
        }
        Command::Roster(RosterCommand::Fetch { unit }) => {
            for id in client.rosters_from_server(&unit, Duration::from_secs(30)).await? {
                println!("{}", id.url());
            }
        }
        Command::Roster(RosterCommand::File { url }) => {
            client.file_roster(parse_id(&url)?)?;
            println!("filed with the desk; saved on this device, `zhiban sync` takes it to the server");
        }
        Command::Roster(RosterCommand::Accept { url }) => {
            client.accept_roster(parse_id(&url)?)?;
            println!("accepted; saved on this device, `zhiban sync` takes it to the server");
        }
        Command::Roster(RosterCommand::Return { url, reasons }) => {
            client.return_roster(parse_id(&url)?, reasons)?;
            println!("returned to the unit; saved on this device, `zhiban sync` takes it to the server");
        }
        Command::MyShifts => {
            let shifts = client.my_shifts()?;
            if shifts.is_empty() {
                println!("no shifts for you in the rosters on this device");
            }
            for s in shifts {
                println!("{} – {}  {}  {}  ({} {})", s.start, s.end, s.unit, s.post, s.roster.url(), s.shift);
            }
        }
        Command::OnDuty { unit, at } => {
            let at = match at {
                Some(text) => parse_local("--at", &text)?,
                None => office_now().naive_local(),
            };
            let on_duty = client.on_duty(&unit, at)?;
            println!("{} ({}) at {}: duty phone {}", on_duty.unit_name, on_duty.unit, on_duty.at, on_duty.duty_phone);
            for (post, who) in [("main", &on_duty.main), ("deputy", &on_duty.deputy), ("leader", &on_duty.leader)] {
                match who {
                    Some(c) => println!("  {post:<7} {} ({})  {}", c.name, c.person, c.phone),
                    None => println!("  {post:<7} nobody rostered"),
                }
            }
        }
        Command::Login { username, device } => {
            let password = read_password(&username)?;
            let device_id = client.login(&username, &password, &device).await?;
            println!("logged in as {username} on this device ({device_id})");
        }
        Command::Alerts { action: Some(AlertsCommand::Ack { alert }), .. } => {
            client.acknowledge_alert(&alert, office_now())?;
            println!("acknowledged {alert} on this device; `zhiban sync` takes it to the server");
        }
        Command::Alerts { action: Some(AlertsCommand::Mine), .. } => {
            let open = client.open_alerts()?;
            if open.is_empty() {
                println!("no open alerts for you (as of the last sync)");
            }
            for a in open {
                let document = a.document.map(|d| d.url()).unwrap_or_default();
                println!("{}  {}  {}  {}  called {}", a.alert, a.urgency, a.title_class, document, a.called_at);
            }
        }
        Command::Alerts { open, action: None } => {
            print_alerts(&client.alerts_from_server(open).await?);
        }
        Command::Push(PushCommand::VapidKey) => println!("{}", client.vapid_public_key().await?),
        Command::Push(PushCommand::Subscribe { endpoint, p256dh, auth }) => {
            client.register_push(&endpoint, &p256dh, &auth).await?;
            println!("this device receives alerts at {endpoint}");
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
            if !status.refused.is_empty() {
                println!("refused by the server (kept here, not sent again; `zhiban doc discard URL` gives them up):");
                for doc in &status.refused {
                    println!("  {}  {}", doc.id.url(), doc.reason);
                }
            }
        }
    }
    Ok(())
}

/// Fetches a document this device does not hold, when a server is configured.
async fn held(client: &Client, id: DocumentId, server: bool) -> Result<(), ClientError> {
    if !client.holds(id)? && server {
        client.fetch(id, Duration::from_secs(30)).await?;
    }
    Ok(())
}

async fn upload(client: &Client) -> Result<(), ClientError> {
    if client.attachments_to_upload()?.is_empty() {
        return Ok(());
    }
    let report = client.upload_attachments(UploadOptions::default()).await?;
    for a in &report.attachments {
        let state = if a.complete { "uploaded" } else { "partly uploaded" };
        println!("attachment {} ({} bytes): {state}", a.sha256, a.size);
    }
    Ok(())
}

/// The password: asked for without echo on a terminal; one line of standard input otherwise (a script).
fn read_password(username: &str) -> Result<String, ClientError> {
    use std::io::IsTerminal;
    let unreadable = |e: std::io::Error| ClientError::InvalidInput(format!("cannot read the password: {e}"));
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("password for {username}: ")).map_err(unreadable);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(unreadable)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// One block per alert: each recipient's state, then its calls.
fn print_alerts(answer: &serde_json::Value) {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    let alerts = answer["alerts"].as_array().cloned().unwrap_or_default();
    if alerts.is_empty() {
        println!("no alerts");
    }
    for alert in &alerts {
        println!(
            "{}  {}  {}  raised {}",
            text(&alert["alert"]),
            text(&alert["title_class"]),
            text(&alert["document"]),
            text(&alert["raised_at"])
        );
        for r in alert["recipients"].as_array().cloned().unwrap_or_default() {
            let state = if let Some(by) = r["acknowledged_by"].as_str() {
                format!("acknowledged by {by} at {}", text(&r["acknowledged_at"]))
            } else if let Some(resolution) = alert["resolution"].as_str() {
                format!("ended: {resolution}")
            } else if r["overdue"] == true {
                "OVERDUE: nobody acknowledged".to_owned()
            } else {
                format!("waiting; next call {}", text(&r["next_call_at"]))
            };
            println!("  {}: {state}", text(&r["recipient"]));
            for c in r["calls"].as_array().cloned().unwrap_or_default() {
                println!(
                    "    called {} at {} (step {}, {} device(s))",
                    text(&c["person"]),
                    text(&c["called_at"]),
                    c["step"],
                    c["pushed"]
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use serde_json::json;

    use super::*;

    fn zhiban(args: &[&str]) -> Result<(), ClientError> {
        let cli = Cli::try_parse_from(std::iter::once("zhiban").chain(args.iter().copied()))
            .map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(run(cli))
    }

    /// `judgements/-` once became a key literally named so; now the command says what to write instead.
    #[test]
    fn doc_set_refuses_a_path_that_is_neither_a_pointer_nor_dotted() {
        let folder = tempfile::tempdir().expect("folder");
        let data = folder.path().to_str().expect("a UTF-8 path");
        let id = Client::open(folder.path(), None)
            .and_then(|c| c.create_document(&json!({"title": "暴雨", "judgements": []})))
            .expect("a document");
        let url = id.url();
        let refused =
            zhiban(&["--data", data, "doc", "set", &url, "judgements/-", r#"{"kind":"late"}"#]).expect_err("refused");
        let said = refused.to_string();
        assert!(said.contains("\"judgements/-\"") && said.contains("(/judgements/-)"), "{said}");
        assert!(said.contains("(judgements.-)"), "{said}");
        zhiban(&["--data", data, "doc", "set", &url, "/judgements/-", r#"{"kind":"late"}"#]).expect("a pointer");
        zhiban(&["--data", data, "doc", "set", &url, "judgements.-", r#"{"kind":"omitted"}"#]).expect("dotted");
        let doc = Client::open(folder.path(), None).and_then(|c| c.get_json(id)).expect("read");
        assert_eq!(doc, json!({"title": "暴雨", "judgements": [{"kind": "late"}, {"kind": "omitted"}]}));
    }
}
