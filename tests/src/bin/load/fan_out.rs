//! `fan-out`: a leader's instruction to R connected recipients, each phone following its home; the time from
//! sending until every recipient's phone holds the instruction. Target: p99 under 1 s for 1,000.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use automerge::Automerge;
use automerge::sync::State as SyncState;
use tokio::sync::mpsc;
use zhiban_model::DocumentId;
use zhiban_model::documents::instruction::Instruction;
use zhiban_tests::RawPeer;
use zhiban_tests::process::reset_peak_rss;

use super::city::{City, Target, person_id};
use super::connect::connect_crowd;
use super::phone::Arrival;
use super::report::{Latencies, ServerFigures, format_duration};

#[derive(clap::Args, Debug)]
pub struct FanOutArgs {
    #[command(flatten)]
    pub target: Target,
    /// Connected recipients, each a different person.
    #[arg(long, default_value_t = 1000)]
    pub recipients: usize,
    /// Instructions sent one after the other, each to every recipient.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    #[arg(long, default_value_t = 64)]
    pub parallel: usize,
}

/// The mayor, connected, issuing instructions.
pub struct Leader {
    peer: RawPeer,
}

impl Leader {
    pub async fn connect(city: &City) -> anyhow::Result<Self> {
        let mayor = city.sign_in("mayor").await?;
        Ok(Self { peer: RawPeer::join(&city.sync_url(&mayor.token)).await.context("the mayor joining")? })
    }

    /// Issues an instruction to `recipients` and returns its id once the server has stored it.
    pub async fn instruct(&mut self, city: &City, recipients: &[String], n: usize) -> anyhow::Result<DocumentId> {
        let issued_at = chrono::Utc::now().with_timezone(&zhiban_model::rules::office_time_zone());
        let text = format!("请立即核查辖区防汛准备情况（第{n}号）");
        let instruction = Instruction::issue("mayor", issued_at, &text, None, recipients, &city.directory)
            .map_err(|problems| anyhow::anyhow!("the instruction does not pass the office's rules: {problems:?}"))?;
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        autosurgeon::reconcile(&mut tx, &instruction)?;
        tx.commit();
        let id = DocumentId::random();
        self.peer.push_until_confirmed(id, &mut doc, &mut SyncState::new()).await?;
        Ok(id)
    }
}

/// Waits until every one of `people` has reported `document`'s arrival; their times since `sent`.
pub async fn arrivals_of(
    arrivals: &mut mpsc::UnboundedReceiver<Arrival>,
    early: &mut HashMap<DocumentId, Vec<Arrival>>,
    document: DocumentId,
    people: usize,
    sent: Instant,
    wait: Duration,
) -> anyhow::Result<Latencies> {
    let mut times = Latencies::default();
    for arrival in early.remove(&document).unwrap_or_default() {
        times.push(arrival.at.saturating_duration_since(sent));
    }
    let deadline = tokio::time::Instant::now() + wait;
    while times.len() < people {
        match tokio::time::timeout_at(deadline, arrivals.recv()).await {
            Ok(Some(arrival)) if arrival.document == document => times.push(arrival.at.saturating_duration_since(sent)),
            // Another document's arrival (an earlier instruction's stragglers, the directory): kept for later.
            Ok(Some(arrival)) => early.entry(arrival.document).or_default().push(arrival),
            Ok(None) => anyhow::bail!("every phone stopped"),
            Err(_) => anyhow::bail!("after {wait:?} only {} of {people} phones had {document}", times.len()),
        }
    }
    Ok(times)
}

pub async fn run(args: FanOutArgs) -> anyhow::Result<()> {
    let city = City::set_up(&args.target, args.recipients).await?;
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel();
    let crowd = connect_crowd(&city, 1, args.recipients, args.parallel, true, Some(arrivals_tx)).await?;
    anyhow::ensure!(crowd.connect_times.len() == args.recipients, "not every recipient connected");
    println!(
        "zhiban-load fan-out: {} rounds of one instruction to {} connected recipients, into {}",
        args.rounds, args.recipients, city.base
    );
    println!("recipients connected  join + home and what it lists: {}", crowd.connect_times.summary());
    let mut leader = Leader::connect(&city).await?;
    let recipients: Vec<String> = (1..=args.recipients).map(person_id).collect();
    // What the phones fetched while connecting is not part of the fan-out.
    while arrivals.try_recv().is_ok() {}
    if let Some(pid) = city.server_pid {
        reset_peak_rss(pid);
    }
    let server = ServerFigures::start(city.server_pid);
    let mut all = Latencies::default();
    let mut early = HashMap::new();
    for round in 1..=args.rounds {
        let sent = Instant::now();
        let id = leader.instruct(&city, &recipients, round).await?;
        let stored = sent.elapsed();
        let times = arrivals_of(&mut arrivals, &mut early, id, args.recipients, sent, Duration::from_secs(60)).await?;
        println!(
            "round {round:<2}              stored in {}; on every phone: {}",
            format_duration(stored),
            times.summary()
        );
        all.extend(times);
    }
    println!("all rounds            {}", all.summary());
    println!("                      {}", server.line());
    let p99 = all.quantile(0.99);
    println!("target                p99 {} against 1 s: {:.2} of the limit", format_duration(p99), p99.as_secs_f64());
    let (dropped, reasons) = crowd.stop().await;
    city.stop().await;
    anyhow::ensure!(dropped == 0, "{dropped} phones were dropped: {reasons:?}");
    Ok(())
}
