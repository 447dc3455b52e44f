//! `zhiban-bench alerts`: a leader issues one instruction to N persons, each with one push subscription, and
//! the benchmark measures how long until the loopback push service has accepted every push (issue 5), and
//! how much of the server's CPU the fan-out took.
//!
//!   zhiban-bench alerts --recipients 1000
//!
//! It makes VAPID keys with the server's own command line, adds the accounts, starts the server as a
//! separate process on a fresh SQLite file (or `--database URL`), records a directory with the N persons,
//! logs each in and registers a subscription for it, as a phone does. Then the mayor's phone sends the
//! instruction over the sync socket; every time is measured from that moment. The push service verifies
//! each VAPID signature and decrypts each payload, which is the real work of a push service; it runs in
//! this process, which shares the machine's cores with the server, so its CPU time is printed too.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use automerge::Automerge;
use automerge::sync::State as SyncState;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use zhiban_model::DocumentId;
use zhiban_model::documents::directory::{Directory, Person, Rank, Role};
use zhiban_model::documents::instruction::Instruction;
use zhiban_server::accounts::{AccountError, AccountPolicy, Accounts, NewUser};
use zhiban_server::clock::SystemClock;
use zhiban_tests::RawPeer;
use zhiban_tests::accounts::{TEST_ADMIN, password_of, with_token};
use zhiban_tests::push_service::{PushService, TestSubscription};

use zhiban_tests::process::{cpu_time, machine_busy, ms, peak_rss_kib, resident_kib};

use super::push_until_confirmed;

/// A gap between two pushes longer than this is the scheduler doing something else.
const PAUSE: Duration = Duration::from_millis(50);

#[derive(clap::Args, Debug)]
pub struct AlertArgs {
    /// Persons the instruction is addressed to, each with one account and one push subscription.
    #[arg(long, default_value_t = 1000)]
    recipients: usize,
    /// Database for the server (default: a fresh SQLite file). Give an empty one: an earlier run's
    /// escalations would call again during this one.
    #[arg(long)]
    database: Option<String>,
    /// Accounts added, logins and subscriptions made at once during the set-up (logins hash passwords).
    #[arg(long, default_value_t = 8)]
    parallel: usize,
    /// Each recipient's phone has opened its home document once, as a phone in use has: storing the
    /// instruction then also writes every recipient's home (without it, homes nobody opened are left).
    #[arg(long)]
    homes: bool,
    /// Give up when not every push has arrived after this long.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
}

/// Duty officers' accounts, one per recipient, spread over two units of the test city.
fn duty_officers(count: usize) -> Vec<(String, Person)> {
    (1..=count)
        .map(|i| {
            let unit = if i % 2 == 0 { "east" } else { "water" };
            let person = Person {
                name: format!("值班员{i:04}"),
                unit: unit.into(),
                rank: Rank::Section,
                phone: format!("139-{i:04}"),
                roles: vec![Role::UnitOfficer],
            };
            (format!("officer-{i:04}"), person)
        })
        .collect()
}

/// Runs `zhiban-server admin vapid generate` (this same program) on `database`, before the server starts.
async fn make_vapid_keys(database: &str) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(std::env::current_exe()?)
        .args(["admin", "vapid", "generate", "--database", database, "--subject", "mailto:desk@duty.example"])
        // An earlier run's keys on a reused PostgreSQL database are replaced, with its subscriptions.
        .arg("--replace")
        .env("ZHIBAN_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .await?;
    anyhow::ensure!(
        output.status.success(),
        "`admin vapid generate` failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}

/// Adds the administrator, the mayor and the duty officers to the database, as the office's administrator
/// would. Passwords are hashed on blocking threads, so a few at once use both cores.
async fn add_accounts(database: &str, officers: &[(String, Person)], parallel: usize) -> anyhow::Result<()> {
    let store = zhiban_server::store::open(database).await?;
    let accounts = Accounts::new(store.database(), std::sync::Arc::new(SystemClock), AccountPolicy::default());
    let mut people: Vec<(String, String, Vec<Role>)> = vec![
        (TEST_ADMIN.into(), "city".into(), vec![Role::Admin]),
        ("mayor".into(), "city".into(), vec![Role::Leader]),
    ];
    people.extend(officers.iter().map(|(id, p)| (id.clone(), p.unit.clone(), p.roles.clone())));
    futures_util::stream::iter(people)
        .map(|(username, unit, roles)| {
            let accounts = &accounts;
            async move {
                let user = NewUser {
                    display_name: username.clone(),
                    password: password_of(&username),
                    username: username.clone(),
                    unit,
                    roles,
                };
                match accounts.add_user(user).await {
                    // Kept from an earlier run on the same database.
                    Ok(()) | Err(AccountError::Taken(_)) => Ok(()),
                    Err(e) => Err(anyhow::Error::from(e).context(format!("adding {username}"))),
                }
            }
        })
        .buffer_unordered(parallel.max(1))
        .try_collect::<()>()
        .await
}

struct LoggedIn {
    access_token: String,
    home: DocumentId,
}

/// Logs `username` in on a new device, as a phone does.
async fn login(http: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<LoggedIn> {
    let body =
        json!({"username": username, "password": password_of(username), "device_name": format!("{username}'s phone")});
    let response = http.post(format!("{base}/api/v1/auth/login")).json(&body).send().await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "login as {username} refused: {status} {answer}");
    let text = |field: &str| answer[field].as_str().with_context(|| format!("no {field} in {answer}"));
    let access_token = text("access_token")?.to_owned();
    let home = text("home_document")?;
    let home = home.strip_prefix("automerge:").unwrap_or(home).parse().context("the login's home_document")?;
    Ok(LoggedIn { access_token, home })
}

/// A duty officer's phone logs in, opens its home document if asked, and registers its push subscription.
async fn subscribe_phone(
    http: &reqwest::Client,
    base: &str,
    service: &PushService,
    officer: &str,
    open_home: bool,
) -> anyhow::Result<TestSubscription> {
    let LoggedIn { access_token: token, home } = login(http, base, officer).await?;
    if open_home {
        let sync_url = format!("{}/sync", base.replacen("http", "ws", 1));
        let mut phone = RawPeer::join(&with_token(&sync_url, &token)).await?;
        // Nothing of ours to send: this returns once the server has answered with the home it made.
        push_until_confirmed(&mut phone, home, &mut Automerge::new(), &mut SyncState::new())
            .await
            .with_context(|| format!("{officer}'s home document"))?;
    }
    let subscription = service.subscribe();
    let body = json!({"endpoint": subscription.endpoint, "p256dh": subscription.p256dh, "auth": subscription.auth});
    let response =
        http.post(format!("{base}/api/v1/push/subscriptions")).bearer_auth(&token).json(&body).send().await?;
    let status = response.status();
    anyhow::ensure!(
        status.is_success(),
        "{officer}'s push subscription refused: {status} {}",
        response.text().await.unwrap_or_default()
    );
    Ok(subscription)
}

pub async fn run(args: AlertArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.recipients > 0, "--recipients must be > 0");
    let folder = tempfile::tempdir()?;
    let database = match &args.database {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", folder.path().join("bench.db").display()),
    };
    let officers = duty_officers(args.recipients);
    let set_up_at = Instant::now();
    make_vapid_keys(&database).await?;
    add_accounts(&database, &officers, args.parallel).await?;

    let addr = zhiban_tests::server::free_port()?;
    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--listen", &addr.to_string(), "--database", &database])
        // The push service below listens on plain http on loopback.
        .args(["--allow-outbound", zhiban_tests::server::TEST_PUSH_SERVICES])
        .env("ZHIBAN_LOG", std::env::var("ZHIBAN_LOG").unwrap_or_else(|_| "warn".into()))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let server_pid = server.id().context("the server's process id")?;
    zhiban_tests::server::wait_healthy(addr).await?;
    let base = format!("http://{addr}");
    let sync_url = format!("ws://{addr}/sync");
    let http = reqwest::Client::new();

    // The directory: the test city and the duty officers, recorded by the administrator.
    let mut directory: Directory = zhiban_tests::duty::small_city();
    directory.people.extend(officers.iter().cloned());
    let admin = login(&http, &base, TEST_ADMIN).await?.access_token;
    let mut admin_phone = RawPeer::join(&with_token(&sync_url, &admin)).await.context("the administrator joining")?;
    let mut directory_doc = Automerge::new();
    let mut tx = directory_doc.transaction();
    autosurgeon::reconcile(&mut tx, &directory)?;
    tx.commit();
    push_until_confirmed(&mut admin_phone, DocumentId::random(), &mut directory_doc, &mut SyncState::new())
        .await
        .context("recording the directory")?;

    let service = PushService::start().await?;
    let subscriptions: Vec<(String, TestSubscription)> = futures_util::stream::iter(&officers)
        .map(|(officer, _)| {
            let (http, base, service) = (&http, &base, &service);
            let open_home = args.homes;
            async move {
                let subscription = subscribe_phone(http, base, service, officer, open_home).await?;
                anyhow::Ok((officer.clone(), subscription))
            }
        })
        .buffer_unordered(args.parallel.max(1))
        .try_collect()
        .await?;

    // The mayor's instruction to every duty officer by name, written as the phone writes it.
    let mayor = login(&http, &base, "mayor").await?.access_token;
    let mut mayor_phone = RawPeer::join(&with_token(&sync_url, &mayor)).await.context("the mayor joining")?;
    let recipients: Vec<String> = officers.iter().map(|(id, _)| id.clone()).collect();
    let issued_at = chrono::Utc::now().with_timezone(&zhiban_model::rules::office_time_zone());
    let instruction =
        Instruction::issue("mayor", issued_at, "请各值班人员立即核查辖区防汛准备情况", None, &recipients, &directory)
            .map_err(|problems| anyhow::anyhow!("the instruction does not pass the office's rules: {problems:?}"))?;
    let mut instruction_doc = Automerge::new();
    let mut tx = instruction_doc.transaction();
    autosurgeon::reconcile(&mut tx, &instruction)?;
    tx.commit();
    let instruction_id = DocumentId::random();
    println!(
        "zhiban-bench alerts: one instruction to {} persons, each with one push subscription{}, into {base} \
         (set-up took {:.1} s)",
        args.recipients,
        if args.homes { " and a home document" } else { "" },
        set_up_at.elapsed().as_secs_f64()
    );
    // The set-up's peak (logins hash passwords) is kept aside; the peak is then measured afresh.
    let set_up_rss = peak_rss_kib(server_pid);
    let start_rss = resident_kib(server_pid);
    let fresh_peak = std::fs::write(format!("/proc/{server_pid}/clear_refs"), "5").is_ok();

    let server_cpu_before = cpu_time(server_pid)?;
    let bench_cpu_before = cpu_time(std::process::id())?;
    let machine_before = machine_busy()?;
    let sent_at = Instant::now();
    // The heads come back once the server has stored the instruction and updated the recipients' home
    // documents; the alert is raised before that, so pushes may arrive first: both are watched at once.
    let mut stored = tokio::spawn(async move {
        push_until_confirmed(&mut mayor_phone, instruction_id, &mut instruction_doc, &mut SyncState::new()).await?;
        anyhow::Ok((Instant::now(), mayor_phone))
    });
    let mut stored_at = None;
    let deadline = sent_at + Duration::from_secs(args.timeout_secs);
    let all_accepted_at = loop {
        // A refused instruction says why at once, rather than after the timeout.
        if stored_at.is_none() && stored.is_finished() {
            stored_at = Some((&mut stored).await?.context("the instruction to the server")?);
        }
        let (accepted, refused) = service.totals();
        anyhow::ensure!(
            refused == 0,
            "the push service refused {refused} push requests: {}",
            refusals(&service, &subscriptions)
        );
        if accepted >= args.recipients {
            break Instant::now();
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "after {} s the push service had accepted {accepted} of {} pushes",
                args.timeout_secs,
                args.recipients
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let server_cpu = cpu_time(server_pid)?.saturating_sub(server_cpu_before);
    let bench_cpu = cpu_time(std::process::id())?.saturating_sub(bench_cpu_before);
    // Whatever else ran on the machine meanwhile took cores from both: printed, so a disturbed run shows.
    let others_cpu = machine_busy()?.saturating_sub(machine_before).saturating_sub(server_cpu + bench_cpu);
    let (stored_at, _mayor_phone) = match stored_at {
        Some(stored) => stored,
        None => stored.await?.context("the instruction to the server")?,
    };

    // Every recipient called once, with a push that names the instruction.
    let url = instruction_id.url();
    let mut latencies = Vec::with_capacity(subscriptions.len());
    let mut extra = 0;
    for (officer, subscription) in &subscriptions {
        let received = service.received(&subscription.id);
        let first = received.first().with_context(|| format!("no push reached {officer}"))?;
        anyhow::ensure!(
            first.payload["kind"] == "instruction" && first.payload["document"] == url.as_str(),
            "{officer}'s push does not name the instruction {url}: {}",
            first.payload
        );
        extra += received.len() - 1;
        latencies.push(first.accepted_at.saturating_duration_since(sent_at));
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let (first_push, last_push) = (latencies[0], latencies[latencies.len() - 1]);
    let mib =
        |kib: Option<u64>| kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "unknown".into());
    let rss = if fresh_peak {
        let (start, peak) = (mib(start_rss), mib(peak_rss_kib(server_pid)));
        format!("{peak} during the fan-out (from {start} at its start), {} in the set-up", mib(set_up_rss))
    } else {
        format!("{} (set-up included)", mib(peak_rss_kib(server_pid)))
    };
    // The scheduler claims calls in batches: its pauses show between pushes.
    let pauses: Vec<Duration> = latencies.windows(2).map(|w| w[1] - w[0]).filter(|p| *p > PAUSE).collect();
    let longest_pause = latencies.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default();
    let n = args.recipients as f64;

    println!("instruction stored    {:.1} ms after sending (the mayor's heads include it)", ms(stored_at - sent_at));
    println!("first push accepted   {:.1} ms", ms(first_push));
    println!("all pushes accepted   {:.2} s", last_push.as_secs_f64());
    println!("per recipient         p50 {:.2} s, p99 {:.2} s", pct(0.50).as_secs_f64(), pct(0.99).as_secs_f64());
    println!(
        "pushes per second     {:.0} (all ÷ time until the last), {:.0} from the first push to the last",
        n / last_push.as_secs_f64(),
        (n - 1.0) / (last_push - first_push).as_secs_f64().max(f64::EPSILON)
    );
    println!(
        "server CPU            {:.2} s in {:.2} s ({:.0}% of one core): {:.0} pushes per CPU-second",
        server_cpu.as_secs_f64(),
        (all_accepted_at - sent_at).as_secs_f64(),
        100.0 * server_cpu.as_secs_f64() / (all_accepted_at - sent_at).as_secs_f64(),
        n / server_cpu.as_secs_f64().max(0.01)
    );
    println!(
        "bench CPU             {:.2} s (the push service's checks and decryption, on the same cores)",
        bench_cpu.as_secs_f64()
    );
    println!(
        "pauses                longest {:.1} ms between two pushes; {} over {} ms, {:.2} s in all",
        ms(longest_pause),
        pauses.len(),
        PAUSE.as_millis(),
        pauses.iter().sum::<Duration>().as_secs_f64()
    );
    println!("requests in flight    at most {} at once at the push service", service.most_in_flight());
    println!(
        "everything else       {:.2} CPU-s meanwhile (other processes, and the kernel's threads writing to disk)",
        others_cpu.as_secs_f64()
    );
    println!("pushes beyond one     {extra}");
    println!("server peak RSS       {rss}");
    server.start_kill()?;
    let _ = server.wait().await;
    Ok(())
}

/// The push service's first few reasons for refusing, to say what went wrong.
fn refusals(service: &PushService, subscriptions: &[(String, TestSubscription)]) -> String {
    subscriptions
        .iter()
        .flat_map(|(officer, s)| service.refused(&s.id).into_iter().map(move |r| format!("{officer}: {r}")))
        .take(3)
        .collect::<Vec<_>>()
        .join("; ")
}
