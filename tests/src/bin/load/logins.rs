//! `logins`: N people log in over HTTP with their passwords at the same moment (a shift change, or a flood
//! of guesses), R rounds. Each password check is an argon2id hash that takes 19 MiB the allocator keeps, so
//! what this measures is the server's peak memory under the burst, and how long the last person waits.
//! Target: peak RSS bounded by the hashes the server runs at once, not by the people logging in.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::sync::Barrier;
use zhiban_tests::process::{mib, peak_rss_kib, reset_peak_rss};

use super::city::{City, PASSWORD, Target, person_id};
use super::report::{Latencies, ServerFigures};

#[derive(clap::Args, Debug)]
pub struct LoginsArgs {
    #[command(flatten)]
    pub target: Target,
    /// People logging in at once, each a different person with the right password.
    #[arg(long, default_value_t = 200)]
    pub logins: usize,
    /// Bursts, one after another; the same people log in again on new devices.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
}

pub async fn run(args: LoginsArgs) -> anyhow::Result<()> {
    let city = City::set_up(&args.target, args.logins).await?;
    let server = ServerFigures::start(city.server_pid);
    let rss_before = server.rss_kib();
    if let Some(pid) = city.server_pid {
        reset_peak_rss(pid);
    }
    println!(
        "zhiban-load logins: {} people at once, {} rounds, into {} (RSS before: {})",
        args.logins,
        args.rounds,
        city.base,
        mib(rss_before)
    );
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/auth/login", city.base);
    let mut refused = 0;
    for round in 1..=args.rounds {
        let start = Arc::new(Barrier::new(args.logins));
        let tasks: Vec<_> = (1..=args.logins)
            .map(|i| {
                let (http, url, start) = (http.clone(), url.clone(), start.clone());
                tokio::spawn(async move {
                    let person = person_id(i);
                    let body =
                        json!({"username": person, "password": PASSWORD, "device_name": format!("{person}'s phone")});
                    start.wait().await;
                    let t0 = Instant::now();
                    let status = match http.post(&url).json(&body).send().await {
                        Ok(response) => response.status().as_u16().to_string(),
                        Err(e) => format!("no answer ({e})"),
                    };
                    (status, t0.elapsed())
                })
            })
            .collect();
        let started = Instant::now();
        let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
        let mut times = Latencies::default();
        for task in tasks {
            let (status, took) = task.await?;
            *statuses.entry(status).or_default() += 1;
            times.push(took);
        }
        refused += args.logins - statuses.get("200").copied().unwrap_or(0);
        println!("round {round}: {:.2} s; answers {statuses:?}", started.elapsed().as_secs_f64());
        println!("  each login          {}", times.summary());
        println!("  {}", server.line());
    }
    if let Some(pid) = city.server_pid {
        println!("server peak RSS over the bursts: {}", mib(peak_rss_kib(pid)));
    }
    city.stop().await;
    anyhow::ensure!(refused == 0, "{refused} logins were not answered 200");
    Ok(())
}
