//! `mixed`: a holiday evening with a major incident, for a few minutes: thousands of phones connected and
//! following their homes (each unit's officers see their unit's incidents as they are reported), field
//! reporters filing and following up, the mayor's instructions fanning out to a thousand of them, new phones
//! starting cold, and the desk's screens querying the API every second. Each kind's latencies are printed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Barrier, mpsc};
use zhiban_tests::process::reset_peak_rss;

use super::city::{City, PASSWORD, Target, person_id, unit_id};
use super::connect::connect_crowd;
use super::fan_out::{Leader, arrivals_of};
use super::ingest::report_from_the_field;
use super::report::{Latencies, ServerFigures, format_duration};

#[derive(clap::Args, Debug)]
pub struct MixedArgs {
    #[command(flatten)]
    pub target: Target,
    /// Minutes the evening lasts once everyone is connected.
    #[arg(long, default_value_t = 5.0)]
    pub minutes: f64,
    /// Phones connected and following their homes (unit officers).
    #[arg(long, default_value_t = 5000)]
    pub phones: usize,
    /// Of those, how many each instruction is addressed to.
    #[arg(long, default_value_t = 1000)]
    pub recipients: usize,
    /// Seconds between the mayor's instructions.
    #[arg(long, default_value_t = 30)]
    pub instruct_every: u64,
    /// Field reporters, besides the phones, each with its own incident.
    #[arg(long, default_value_t = 500)]
    pub reporters: usize,
    /// Seconds between one reporter's follow-ups.
    #[arg(long, default_value_t = 10)]
    pub report_every: u64,
    /// Seconds between new phones starting cold (the desk's, with the real client core).
    #[arg(long, default_value_t = 60)]
    pub cold_start_every: u64,
    #[arg(long, default_value_t = 64)]
    pub parallel: usize,
}

/// The desk's screens: every second, the incidents, the open alerts, the instructions and one unit's duty.
async fn desk_screens(
    base: String,
    token: String,
    units: usize,
    until: Instant,
) -> anyhow::Result<(HashMap<&'static str, Latencies>, usize)> {
    let http = reqwest::Client::new();
    let mut times: HashMap<&'static str, Latencies> = HashMap::new();
    let mut failures = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut n = 0;
    while Instant::now() < until {
        tick.tick().await;
        n += 1;
        let unit = unit_id(n % units.max(1) + 1);
        for (name, path) in [
            ("incidents", "/api/v1/incidents".to_owned()),
            ("alerts", "/api/v1/alerts".to_owned()),
            ("instructions", "/api/v1/instructions".to_owned()),
            ("on-duty", format!("/api/v1/units/{unit}/on-duty")),
        ] {
            let t0 = Instant::now();
            let response = http.get(format!("{base}{path}")).bearer_auth(&token).send().await;
            let ok = match response {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            if ok {
                times.entry(name).or_default().push(t0.elapsed());
            } else {
                failures += 1;
            }
        }
    }
    Ok((times, failures))
}

/// New desk phones, one every `every`, each syncing everything from nothing with the real client core.
async fn cold_starts(base: String, every: Duration, until: Instant) -> anyhow::Result<Latencies> {
    let mut times = Latencies::default();
    while Instant::now() + every <= until {
        tokio::time::sleep(every).await;
        let folder = tempfile::tempdir()?;
        let client = zhiban_client_core::Client::open(folder.path(), Some(&base))?;
        let t0 = Instant::now();
        client.login("desk", PASSWORD, "the desk's new phone").await?;
        client.sync_once(Duration::from_secs(120)).await?;
        times.push(t0.elapsed());
    }
    Ok(times)
}

pub async fn run(args: MixedArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.recipients <= args.phones, "--recipients must not exceed --phones");
    let city = City::set_up(&args.target, args.phones + args.reporters).await?;
    let set_up = Instant::now();
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel();
    let crowd = connect_crowd(&city, 1, args.phones, args.parallel, true, Some(arrivals_tx)).await?;
    println!(
        "zhiban-load mixed: {} phones following their homes (joined in {:.1} s: {}), {} reporters, an instruction \
         to {} every {} s, a cold start every {} s, the desk's API every second, for {} minutes, into {}",
        args.phones,
        set_up.elapsed().as_secs_f64(),
        crowd.connect_times.summary(),
        args.reporters,
        args.recipients,
        args.instruct_every,
        args.cold_start_every,
        args.minutes,
        city.base
    );
    let evening = Duration::from_secs_f64(args.minutes * 60.0);
    let reporters = city.sign_in_many(args.phones + 1, args.reporters).await?;
    let desk = city.sign_in("desk").await?;
    let mut leader = Leader::connect(&city).await?;
    if let Some(pid) = city.server_pid {
        reset_peak_rss(pid);
    }
    let server = ServerFigures::start(city.server_pid);
    let started = Instant::now();
    let until = started + evening;

    let follow_ups = (evening.as_secs() / args.report_every.max(1)) as usize;
    let directory = Arc::new(city.directory.clone());
    let start = Arc::new(Barrier::new(1));
    let mut field = Vec::new();
    for (i, credentials) in reporters.into_iter().enumerate() {
        let url = city.sync_url(&credentials.token);
        let (directory, start) = (directory.clone(), start.clone());
        let pause = Duration::from_secs(args.report_every.max(1));
        field.push(tokio::spawn(async move {
            // Spread over the first interval, as reports come in, not all in the same millisecond.
            tokio::time::sleep(pause.mul_f64(i as f64 / 500.0_f64.max(1.0)).min(pause)).await;
            report_from_the_field(url, credentials, directory, i, follow_ups, pause, start).await
        }));
    }
    let screens = tokio::spawn(desk_screens(city.base.clone(), desk.token.clone(), args.target.units, until));
    let cold = tokio::spawn(cold_starts(city.base.clone(), Duration::from_secs(args.cold_start_every.max(1)), until));

    let recipients: Vec<String> = (1..=args.recipients).map(person_id).collect();
    let mut fan_out = Latencies::default();
    let mut early = HashMap::new();
    let mut round = 0;
    while Instant::now() + Duration::from_secs(args.instruct_every) <= until {
        tokio::time::sleep(Duration::from_secs(args.instruct_every)).await;
        round += 1;
        // Arrivals of the reporters' incidents on the officers' phones are not waited for here.
        early.clear();
        let sent = Instant::now();
        let id = leader.instruct(&city, &recipients, round).await?;
        let times = arrivals_of(&mut arrivals, &mut early, id, args.recipients, sent, Duration::from_secs(60)).await?;
        println!("instruction {round:<3}       on every recipient's phone: {}", times.summary());
        fan_out.extend(times);
    }

    let mut reports = Latencies::default();
    let mut stored = 0;
    let mut field_failures = Vec::new();
    for task in field {
        match task.await? {
            Ok(filed) => {
                stored += filed.changes.len();
                reports.extend(filed.times);
            }
            Err(e) => field_failures.push(format!("{e:#}")),
        }
    }
    let elapsed = started.elapsed();
    let (api, api_failures) = screens.await??;
    let cold = cold.await??;
    println!("--- {:.1} minutes", elapsed.as_secs_f64() / 60.0);
    println!("fan-out               {}", fan_out.summary());
    println!(
        "field reports         {stored} changes stored ({:.0}/s), until in server heads {}",
        stored as f64 / elapsed.as_secs_f64(),
        reports.summary()
    );
    println!("cold start            {}", cold.summary());
    let mut names: Vec<_> = api.keys().copied().collect();
    names.sort();
    for name in names {
        println!("API {name:<17} {}", api[name].summary());
    }
    println!("API failures          {api_failures}");
    println!("                      {}", server.line());
    let (dropped, reasons) = crowd.stop().await;
    println!("phones dropped        {dropped} {reasons:?}");
    println!("reporters failed      {} {:?}", field_failures.len(), field_failures.first());
    println!(
        "targets               fan-out p99 {} (1 s); cold start max {} (5 s)",
        format_duration(fan_out.quantile(0.99)),
        format_duration(cold.quantile(1.0))
    );
    city.stop().await;
    anyhow::ensure!(
        dropped == 0 && field_failures.is_empty() && api_failures == 0,
        "the evening had failures (see above)"
    );
    Ok(())
}
