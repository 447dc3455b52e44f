//! `ingest`: P phones at once, each a field reporter filing a first report (a new incident) and then
//! follow-ups, each change waited for until the server's heads include it (stored durably). Compared with
//! the same changes applied in this process by Automerge alone (the limit). Target: within 3× of the limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::Automerge;
use automerge::sync::{State as SyncState, SyncDoc};
use tokio::sync::Barrier;
use zhiban_model::DocumentId;
use zhiban_tests::RawPeer;
use zhiban_tests::process::reset_peak_rss;

use super::city::{City, Credentials, Target};
use super::report::{Latencies, ServerFigures, format_duration};

#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    #[command(flatten)]
    pub target: Target,
    /// Phones filing at once, each a different field reporter with its own incident.
    #[arg(long, default_value_t = 500)]
    pub phones: usize,
    /// Follow-ups each phone sends after its first report.
    #[arg(long, default_value_t = 10)]
    pub follow_ups: usize,
}

/// What one phone filed: its incident and each change's bytes, and how long each took to be stored.
pub struct Filed {
    pub changes: Vec<Vec<u8>>,
    pub times: Latencies,
}

/// One field reporter's phone: files an incident, then `follow_ups` follow-ups, each waited for; with a
/// pause between changes when paced. Starts when `start` opens.
pub async fn report_from_the_field(
    city_sync_url: String,
    credentials: Credentials,
    directory: Arc<zhiban_model::documents::directory::Directory>,
    phone: usize,
    follow_ups: usize,
    pause: Duration,
    start: Arc<Barrier>,
) -> anyhow::Result<Filed> {
    let mut peer = RawPeer::join(&city_sync_url).await?;
    let reporter = credentials.reporter();
    start.wait().await;
    let mut doc = Automerge::new();
    let mut state = SyncState::new();
    let id = DocumentId::random();
    let mut changes = Vec::with_capacity(follow_ups + 1);
    let mut times = Latencies::default();
    for n in 0..=follow_ups {
        if n > 0 && !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let before = doc.get_heads();
        if n == 0 {
            let incident = reporter.first_report(phone, &directory)?;
            let mut tx = doc.transaction();
            autosurgeon::reconcile(&mut tx, &incident)?;
            tx.commit();
        } else {
            let mut tx = doc.transaction();
            reporter.follow_up(&mut tx, &format!("f{n}"), phone, n)?;
            tx.commit();
        }
        changes.extend(doc.get_changes(&before).iter().map(|c| c.raw_bytes().to_vec()));
        let t0 = Instant::now();
        peer.push_until_confirmed(id, &mut doc, &mut state).await?;
        times.push(t0.elapsed());
    }
    Ok(Filed { changes, times })
}

/// The same changes applied by Automerge alone, one document at a time: how long it takes.
pub fn automerge_alone(filed: &[Filed]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for f in filed {
        let mut doc = Automerge::new();
        for change in &f.changes {
            doc.load_incremental(change)?;
        }
    }
    Ok(started.elapsed())
}

/// The same changes through Automerge's sync protocol alone, in this process: a phone's document and the
/// server's, exchanging messages after each change until neither has more to say, with no network, storage,
/// checks or projection. What any automerge-repo server does at least for each change; for comparison, not
/// the target's limit.
pub fn sync_protocol_alone(filed: &[Filed]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for f in filed {
        let (mut phone, mut server) = (Automerge::new(), Automerge::new());
        let (mut phone_state, mut server_state) = (SyncState::new(), SyncState::new());
        for change in &f.changes {
            phone.load_incremental(change)?;
            // Bounded: a settled exchange takes a few rounds.
            for _ in 0..16 {
                let to_server = phone.generate_sync_message(&mut phone_state);
                if let Some(message) = &to_server {
                    server.receive_sync_message(&mut server_state, message.clone())?;
                }
                let to_phone = server.generate_sync_message(&mut server_state);
                if let Some(message) = &to_phone {
                    phone.receive_sync_message(&mut phone_state, message.clone())?;
                }
                if to_server.is_none() && to_phone.is_none() {
                    break;
                }
            }
        }
        anyhow::ensure!(server.get_heads() == phone.get_heads(), "the sync protocol alone did not settle");
    }
    Ok(started.elapsed())
}

pub async fn run(args: IngestArgs) -> anyhow::Result<()> {
    let city = City::set_up(&args.target, args.phones).await?;
    let reporters = city.sign_in_many(1, args.phones).await?;
    let directory = Arc::new(city.directory.clone());
    let start = Arc::new(Barrier::new(args.phones + 1));
    let mut tasks = Vec::new();
    for (i, credentials) in reporters.into_iter().enumerate() {
        let url = city.sync_url(&credentials.token);
        let (directory, start) = (directory.clone(), start.clone());
        tasks.push(tokio::spawn(report_from_the_field(
            url,
            credentials,
            directory,
            i,
            args.follow_ups,
            Duration::ZERO,
            start,
        )));
    }
    println!(
        "zhiban-load ingest: {} phones at once, each a first report and {} follow-ups, into {}",
        args.phones, args.follow_ups, city.base
    );
    if let Some(pid) = city.server_pid {
        reset_peak_rss(pid);
    }
    start.wait().await;
    let server = ServerFigures::start(city.server_pid);
    let started = Instant::now();
    let mut filed = Vec::with_capacity(tasks.len());
    for task in tasks {
        filed.push(task.await??);
    }
    let elapsed = started.elapsed();
    let mut times = Latencies::default();
    let mut total = 0;
    for f in &filed {
        times.extend(f.times.clone());
        total += f.changes.len();
    }
    let alone = automerge_alone(&filed)?;
    let sync_alone = sync_protocol_alone(&filed)?;
    let rate = total as f64 / elapsed.as_secs_f64();
    let limit = total as f64 / alone.as_secs_f64();
    println!("changes stored        {total} in {:.2} s: {rate:.0} changes/s", elapsed.as_secs_f64());
    println!("until in server heads {}", times.summary());
    println!(
        "automerge alone       {limit:.0} changes/s (the same changes in this process, {})",
        format_duration(alone)
    );
    println!(
        "sync protocol alone   {:.0} changes/s (phone and server documents syncing in this process, {}): {:.1}× the server's rate",
        total as f64 / sync_alone.as_secs_f64(),
        format_duration(sync_alone),
        total as f64 / sync_alone.as_secs_f64() / rate
    );
    println!("                      {}", server.line());
    println!("target                the limit is {:.1}× the server's rate, against 3×", limit / rate);
    city.stop().await;
    Ok(())
}
