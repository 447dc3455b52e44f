//! `cold-start`: a new phone, with the real client core and its local store, whose user (the city desk) may
//! see N incidents, logs in and syncs everything its home lists. Target: under 5 s for 1,000 incidents.

use std::time::{Duration, Instant};

use anyhow::Context;
use automerge::Automerge;
use automerge::sync::State as SyncState;
use futures_util::{StreamExt, TryStreamExt};
use zhiban_model::DocumentId;
use zhiban_tests::RawPeer;

use super::city::{City, PASSWORD, Target};
use super::report::{Latencies, ServerFigures, format_duration};

#[derive(clap::Args, Debug)]
pub struct ColdStartArgs {
    #[command(flatten)]
    pub target: Target,
    /// Incidents the desk may see, filed beforehand by the units' field reporters.
    #[arg(long, default_value_t = 1000)]
    pub incidents: usize,
    /// New phones, one after the other, each starting from nothing.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

/// Files `count` incidents, each by one of the load persons `1..=reporters` (a few filing at once), as
/// their phones would; returns the ids.
pub async fn file_incidents(city: &City, count: usize, reporters: usize) -> anyhow::Result<Vec<DocumentId>> {
    let reporters = city.sign_in_many(1, reporters.clamp(1, count.max(1))).await?;
    let shares: Vec<_> = reporters.iter().enumerate().collect();
    let n = shares.len();
    let filed: Vec<Vec<DocumentId>> = futures_util::stream::iter(shares)
        .map(|(r, credentials)| async move {
            let mut peer = RawPeer::join(&city.sync_url(&credentials.token)).await?;
            let mut ids = Vec::new();
            for k in (r..count).step_by(n) {
                let incident = credentials.reporter().first_report(k, &city.directory)?;
                let mut doc = Automerge::new();
                let mut tx = doc.transaction();
                autosurgeon::reconcile(&mut tx, &incident)?;
                tx.commit();
                let id = DocumentId::random();
                peer.push_until_confirmed(id, &mut doc, &mut SyncState::new())
                    .await
                    .with_context(|| format!("incident {k} by {}", credentials.person))?;
                ids.push(id);
            }
            anyhow::Ok(ids)
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    Ok(filed.into_iter().flatten().collect())
}

/// Size of the files in a folder, in bytes.
fn folder_bytes(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| entries.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

pub async fn run(args: ColdStartArgs) -> anyhow::Result<()> {
    // A reporter per unit at most; the desk and the small city's people come with every city.
    let reporters = args.target.units.min(args.incidents.max(1));
    let city = City::set_up(&args.target, reporters).await?;
    let filing = Instant::now();
    let incidents = file_incidents(&city, args.incidents, reporters).await?;
    println!(
        "zhiban-load cold-start: the desk's new phone, {} incidents on the server (filed in {:.1} s), into {}",
        incidents.len(),
        filing.elapsed().as_secs_f64(),
        city.base
    );
    let server = ServerFigures::start(city.server_pid);
    let mut times = Latencies::default();
    for run in 1..=args.runs {
        let folder = tempfile::tempdir()?;
        let client = zhiban_client_core::Client::open(folder.path(), Some(&city.base))?;
        let started = Instant::now();
        client.login("desk", PASSWORD, "the desk's new phone").await?;
        let logged_in = started.elapsed();
        client.sync_once(Duration::from_secs(120)).await?;
        let took = started.elapsed();
        let held = client.documents()?;
        let missing = incidents.iter().filter(|id| !held.contains(id)).count();
        anyhow::ensure!(missing == 0, "run {run}: the new phone lacks {missing} of {} incidents", incidents.len());
        println!(
            "run {run}                 {} (login {}), {} documents held, local store {:.1} MiB",
            format_duration(took),
            format_duration(logged_in),
            held.len(),
            folder_bytes(folder.path()) as f64 / (1024.0 * 1024.0)
        );
        times.push(took);
    }
    println!("cold start            {}", times.summary());
    println!("                      {}", server.line());
    let median = times.quantile(0.5);
    println!(
        "target                median {} against 5 s: {:.2} of the limit",
        format_duration(median),
        median.as_secs_f64() / 5.0
    );
    city.stop().await;
    Ok(())
}
