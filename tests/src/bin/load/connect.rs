//! `connect`: N phones connect, each as its own person, sync their home document and stay connected idle,
//! answering the server's keepalive pings. Target: 10,000 phones held by one server under 1 GiB RSS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use zhiban_tests::process::{mib, reset_peak_rss};

use super::city::{City, Target};
use super::phone::{Ended, SimPhone};
use super::report::{Latencies, ServerFigures};

#[derive(clap::Args, Debug)]
pub struct ConnectArgs {
    #[command(flatten)]
    pub target: Target,
    /// Phones, each a different person.
    #[arg(long, default_value_t = 10_000)]
    pub phones: usize,
    /// Phones connecting at once.
    #[arg(long, default_value_t = 64)]
    pub parallel: usize,
    /// Seconds all phones stay connected once the last has its home (longer than the server's keepalive,
    /// so the pings are answered under load).
    #[arg(long, default_value_t = 60)]
    pub hold_secs: u64,
}

/// Phones that connected and are living, and the handles to stop them.
pub struct Crowd {
    pub stop: watch::Sender<bool>,
    pub tasks: Vec<tokio::task::JoinHandle<anyhow::Result<(SimPhone, Ended)>>>,
    pub connect_times: Latencies,
}

impl Crowd {
    /// Stops every phone; returns how many had been dropped by the server, with the first few reasons.
    pub async fn stop(self) -> (usize, Vec<String>) {
        let _ = self.stop.send(true);
        let mut dropped = Vec::new();
        for task in self.tasks {
            match task.await {
                Ok(Ok((_, Ended::Stopped))) => {}
                Ok(Ok((phone, Ended::Dropped(reason)))) => dropped.push(format!("{}: {reason}", phone.person())),
                Ok(Err(e)) => dropped.push(format!("{e:#}")),
                Err(e) => dropped.push(format!("a phone's task failed: {e}")),
            }
        }
        let n = dropped.len();
        dropped.truncate(3);
        (n, dropped)
    }
}

/// Connects load persons `first..first + count`, each opening its home (and, when `follow`, fetching what
/// it lists), `parallel` at a time; each then lives until the crowd is stopped, reporting arrivals.
pub async fn connect_crowd(
    city: &City,
    first: usize,
    count: usize,
    parallel: usize,
    follow: bool,
    arrivals: Option<tokio::sync::mpsc::UnboundedSender<super::phone::Arrival>>,
) -> anyhow::Result<Crowd> {
    let credentials = city.sign_in_many(first, count).await?;
    let (stop, stopped) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(parallel.max(1)));
    let (times_tx, mut times_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::with_capacity(count);
    for c in credentials {
        let url = city.sync_url(&c.token);
        let (gate, stopped, arrivals, times_tx) = (gate.clone(), stopped.clone(), arrivals.clone(), times_tx.clone());
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await?;
            let t0 = Instant::now();
            let opened = async {
                let mut phone = SimPhone::connect(&url, c, follow).await?;
                phone.open_home(Duration::from_secs(120)).await?;
                anyhow::Ok(phone)
            }
            .await;
            drop(permit);
            // Each phone says once how its start went, so the caller knows when all have.
            match opened {
                Ok(phone) => {
                    let _ = times_tx.send(Ok(t0.elapsed()));
                    drop(times_tx);
                    Ok(phone.live(arrivals, stopped).await)
                }
                Err(e) => {
                    let _ = times_tx.send(Err(format!("{e:#}")));
                    Err(e)
                }
            }
        }));
    }
    drop(times_tx);
    let mut connect_times = Latencies::default();
    let mut failures = Vec::new();
    while let Some(started) = times_rx.recv().await {
        match started {
            Ok(t) => connect_times.push(t),
            Err(reason) => failures.push(reason),
        }
    }
    if !failures.is_empty() {
        eprintln!("{} phones failed to start, first: {}", failures.len(), failures[0]);
    }
    Ok(Crowd { stop, tasks, connect_times })
}

pub async fn run(args: ConnectArgs) -> anyhow::Result<()> {
    let city = City::set_up(&args.target, args.phones).await?;
    let server = ServerFigures::start(city.server_pid);
    let rss_before = server.rss_kib();
    if let Some(pid) = city.server_pid {
        reset_peak_rss(pid);
    }
    println!("zhiban-load connect: {} phones, {} at a time, into {}", args.phones, args.parallel, city.base);
    let started = Instant::now();
    let crowd = connect_crowd(&city, 1, args.phones, args.parallel, false, None).await?;
    let connected_in = started.elapsed();
    let failed = crowd.tasks.iter().filter(|t| t.is_finished()).count();
    println!(
        "connected             {} of {} in {:.1} s ({:.0} phones/s)",
        crowd.connect_times.len(),
        args.phones,
        connected_in.as_secs_f64(),
        crowd.connect_times.len() as f64 / connected_in.as_secs_f64()
    );
    println!("join + home           {}", crowd.connect_times.summary());
    println!("after connecting      {}", server.line());
    let rss_connected = server.rss_kib();
    tokio::time::sleep(Duration::from_secs(args.hold_secs)).await;
    println!("after {} s idle       {}", args.hold_secs, server.line());
    if let (Some(before), Some(after)) = (rss_before, rss_connected) {
        println!(
            "memory per phone      {:.1} KiB ({} before the phones, {} with them)",
            after.saturating_sub(before) as f64 / args.phones as f64,
            mib(Some(before)),
            mib(Some(after))
        );
    }
    let (dropped, reasons) = crowd.stop().await;
    println!("dropped               {dropped} (failed to connect: {failed}) {reasons:?}");
    city.stop().await;
    anyhow::ensure!(dropped == 0, "{dropped} phones were dropped or failed to connect");
    Ok(())
}
