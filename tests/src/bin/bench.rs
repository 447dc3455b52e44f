//! `zhiban-bench`: N phones push M changes each across K documents into a zhiban server over real
//! WebSockets, and the same changes are applied in-process with Automerge alone for comparison (the limit).
//!
//!   cargo run --release -p zhiban-tests --bin zhiban-bench -- --clients 50 --changes 100 --docs 10
//!
//! Without `--server`, it starts the server itself (this same program, running `zhiban-server serve`) on a
//! fresh SQLite file, or on `--database URL`, adds the accounts it needs (an administrator for the set-up,
//! the field reporter `li` for the typed phones), and reports the server's peak RSS. Against a running
//! server, give the tokens: `--setup-token` (an administrator's) and `--token` (the phones').
//!
//! `zhiban-bench alerts --recipients 1000` measures an instruction's push fan-out instead (`alerts.rs`);
//! `zhiban-bench publications --units 200` the desk's publications over a year of records (`publications.rs`).

use std::process::Stdio;
use std::time::Instant;

use anyhow::Context;
use automerge::Automerge;
use automerge::sync::State as SyncState;
use automerge::transaction::Transactable;
use clap::{Parser, Subcommand};
use zhiban_model::DocumentId;
use zhiban_tests::RawPeer;
use zhiban_tests::accounts::with_token;
use zhiban_tests::field::FieldReporter;
use zhiban_tests::process::{ms, peak_rss_kib};

#[path = "bench/alerts.rs"]
mod alerts;
#[path = "bench/publications.rs"]
mod publications;

#[derive(Parser, Debug)]
#[command(about = "Sync benchmark: phones push changes into a zhiban server", args_conflicts_with_subcommands = true)]
struct Args {
    #[command(subcommand)]
    mode: Option<Mode>,
    /// Simulated phones, each with its own connection.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Changes each phone makes, one at a time, each waited for until the server's heads include it.
    #[arg(long, default_value_t = 100)]
    changes: usize,
    /// Documents the phones share (phone i writes document i mod K).
    #[arg(long, default_value_t = 10)]
    docs: usize,
    /// A running server's base URL (`http://HOST:PORT`); without it the benchmark starts one.
    #[arg(long)]
    server: Option<String>,
    /// Database for the server the benchmark starts (default: a fresh SQLite file).
    #[arg(long)]
    database: Option<String>,
    /// Duty documents instead of plain ones: each document is an incident, each change a follow-up report,
    /// so every change is read, checked against the office's rules and projected by the server.
    #[arg(long)]
    typed: bool,
    /// With `--server`: an administrator's access token, for creating the documents.
    #[arg(long)]
    setup_token: Option<String>,
    /// With `--server`: the phones' access token (an administrator's for plain documents; a reporter of
    /// unit `east` for `--typed`).
    #[arg(long)]
    token: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// One leader's instruction to N persons: time until the push service has accepted every push.
    Alerts(alerts::AlertArgs),
    /// A year of records for N units, then each publication generated: how long the desk waits.
    Publications(publications::PublicationArgs),
}

fn main() -> anyhow::Result<()> {
    // `zhiban-bench serve …` and `zhiban-bench admin …` are the server's own command line, so the benchmark
    // can start the server as a separate process and make its VAPID keys as an operator does.
    if matches!(std::env::args().nth(1).as_deref(), Some("serve" | "admin")) {
        return zhiban_server::cli::main();
    }
    let mut args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.mode.take() {
        Some(Mode::Alerts(alert_args)) => runtime.block_on(alerts::run(alert_args)),
        Some(Mode::Publications(publication_args)) => runtime.block_on(publications::run(publication_args)),
        None => runtime.block_on(run(args)),
    }
}

struct StartedServer {
    child: tokio::process::Child,
    folder: Option<tempfile::TempDir>,
}

impl StartedServer {
    /// The fresh SQLite file's path, when the benchmark made one.
    fn folder(&self) -> Option<String> {
        self.folder.as_ref().map(|f| f.path().join("bench.db").display().to_string())
    }
}

/// Adds the administrator and the field reporter `li` to the database of the server the benchmark started,
/// and logs them in: (set-up token, phones' token).
async fn accounts_for_the_bench(database: &str, base: &str, typed: bool) -> anyhow::Result<(String, String)> {
    use zhiban_model::documents::directory::Role;
    use zhiban_tests::accounts::{TEST_ADMIN, add_user, login};
    add_user(database, TEST_ADMIN, "city", &[Role::Admin]).await?;
    add_user(database, "li", "east", &[Role::Field]).await?;
    let admin = login(base, TEST_ADMIN).await?;
    let phones = if typed { login(base, "li").await? } else { admin.clone() };
    Ok((admin, phones))
}

async fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.clients > 0 && args.docs > 0 && args.changes > 0, "clients, changes and docs must be > 0");
    let (base, mut started) = match &args.server {
        Some(url) => (url.trim_end_matches('/').to_owned(), None),
        None => {
            let addr = zhiban_tests::server::free_port()?;
            let (database, folder) = match &args.database {
                Some(url) => (url.clone(), None),
                None => {
                    let folder = tempfile::tempdir()?;
                    (format!("sqlite://{}", folder.path().join("bench.db").display()), Some(folder))
                }
            };
            let child = tokio::process::Command::new(std::env::current_exe()?)
                .args(["serve", "--listen", &addr.to_string(), "--database", &database])
                // Every phone of the benchmark is the same user.
                .args(["--max-connections-per-user", &(args.clients + 1).to_string()])
                .env("ZHIBAN_LOG", "warn")
                .stdin(Stdio::null())
                .kill_on_drop(true)
                .spawn()?;
            zhiban_tests::server::wait_healthy(addr).await?;
            (format!("http://{addr}"), Some(StartedServer { child, folder }))
        }
    };
    let bare_sync_url = format!("{}/sync", base.replacen("http", "ws", 1));
    let (setup_token, token) = match (&args.setup_token, &args.token, &args.database, started.is_some()) {
        (Some(setup), Some(phones), _, _) => (setup.clone(), phones.clone()),
        (_, _, database, true) => {
            let database = match database {
                Some(url) => url.clone(),
                None => format!("sqlite://{}", started.as_ref().and_then(|s| s.folder()).context("bench folder")?),
            };
            accounts_for_the_bench(&database, &base, args.typed).await?
        }
        _ => anyhow::bail!("against a running server give --setup-token and --token"),
    };
    let sync_url = with_token(&bare_sync_url, &setup_token);

    // Set-up: create the documents through the server.
    let mut setup = RawPeer::join(&sync_url).await.context("joining the server")?;
    if args.typed {
        let mut directory = Automerge::new();
        let mut tx = directory.transaction();
        autosurgeon::reconcile(&mut tx, zhiban_tests::duty::small_city())?;
        tx.commit();
        push_until_confirmed(&mut setup, DocumentId::random(), &mut directory, &mut SyncState::new()).await?;
        // Incidents are filed by a reporter of their unit, not by the administrator.
        setup = RawPeer::join(&with_token(&bare_sync_url, &token)).await.context("joining as the reporter")?;
    }
    let mut docs = Vec::new();
    for k in 0..args.docs {
        let id = DocumentId::random();
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        if args.typed {
            autosurgeon::reconcile(&mut tx, FieldReporter::li().first_report(k, &zhiban_tests::duty::small_city())?)?;
        } else {
            tx.put(automerge::ROOT, "doc", k as i64)?;
        }
        tx.commit();
        push_until_confirmed(&mut setup, id, &mut doc, &mut SyncState::new()).await?;
        docs.push((id, doc));
    }

    println!(
        "zhiban-bench: {} clients × {} {} across {} {} into {base}",
        args.clients,
        args.changes,
        if args.typed { "follow-up reports" } else { "changes" },
        args.docs,
        if args.typed { "incidents" } else { "documents" },
    );
    let typed_mode = args.typed;
    let started_at = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let (id, doc) = &docs[c % args.docs];
        let (id, mut doc) = (*id, doc.fork());
        let url = with_token(&bare_sync_url, &token);
        let changes = args.changes;
        tasks.push(tokio::spawn(async move {
            let mut peer = RawPeer::join(&url).await?;
            let mut state = SyncState::new();
            let mut latencies = Vec::with_capacity(changes);
            let mut made = Vec::with_capacity(changes);
            for i in 0..changes {
                let before = doc.get_heads();
                let mut tx = doc.transaction();
                if typed_mode {
                    FieldReporter::li().follow_up(&mut tx, &format!("c{c}-{i}"), c, i)?;
                } else {
                    tx.put(automerge::ROOT, format!("c{c}"), i as i64)?;
                }
                tx.commit();
                made.extend(doc.get_changes(&before).iter().map(|ch| ch.raw_bytes().to_vec()));
                let t0 = Instant::now();
                push_until_confirmed(&mut peer, id, &mut doc, &mut state).await?;
                latencies.push(t0.elapsed());
            }
            anyhow::Ok((latencies, made))
        }));
    }
    let mut latencies = Vec::new();
    let mut made_per_doc: Vec<Vec<Vec<u8>>> = vec![Vec::new(); args.docs];
    for (c, task) in tasks.into_iter().enumerate() {
        let (l, made) = task.await??;
        latencies.extend(l);
        made_per_doc[c % args.docs].extend(made);
    }
    let elapsed = started_at.elapsed();
    let total = args.clients * args.changes;
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];

    // The limit: the same changes applied to the same documents in this process, with Automerge alone.
    let limit_started = Instant::now();
    for ((_, base_doc), changes) in docs.iter().zip(&made_per_doc) {
        let mut doc = base_doc.fork();
        for change in changes {
            doc.load_incremental(change)?;
        }
    }
    let limit_elapsed = limit_started.elapsed();

    let rss = match &started {
        Some(s) => s.child.id().and_then(peak_rss_kib).map(|k| format!("{:.1} MiB", k as f64 / 1024.0)),
        None => None,
    };
    let rate = total as f64 / elapsed.as_secs_f64();
    let limit_rate = total as f64 / limit_elapsed.as_secs_f64();
    println!("changes stored        {total} in {:.2} s", elapsed.as_secs_f64());
    println!("throughput            {rate:.0} changes/s");
    println!(
        "until in server heads p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    println!(
        "sync messages to phones {} ({:.1} per change)",
        MESSAGES_RECEIVED.load(std::sync::atomic::Ordering::Relaxed),
        MESSAGES_RECEIVED.load(std::sync::atomic::Ordering::Relaxed) as f64 / total as f64
    );
    println!("server peak RSS       {}", rss.unwrap_or_else(|| "unknown (server not started by the benchmark)".into()));
    println!(
        "automerge in-process  {limit_rate:.0} changes/s (the limit); server reaches {:.1}% of it",
        100.0 * rate / limit_rate
    );
    if let Some(s) = started.as_mut() {
        s.child.start_kill()?;
    }
    Ok(())
}

/// Sends sync messages until the server's heads include every change of ours; counts what came back.
async fn push_until_confirmed(
    peer: &mut RawPeer,
    id: DocumentId,
    doc: &mut Automerge,
    state: &mut SyncState,
) -> anyhow::Result<()> {
    let received = peer.push_until_confirmed(id, doc, state).await?;
    MESSAGES_RECEIVED.fetch_add(received as u64, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Sync messages the phones received, all told.
static MESSAGES_RECEIVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
