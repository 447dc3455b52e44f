//! The durability contract: the server stores a change before it sends any heads that include it, so a
//! change a phone saw confirmed survives the server being killed at any moment.

use std::collections::HashSet;
use std::time::Duration;

use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash};
use serde_json::json;
use zhiban_model::{DocumentId, Message};
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::peer::Received;
use zhiban_tests::{Backend, InProcessServer, Phone, RawPeer, ServerProcess, TestDatabase, covers};

async fn stored_hashes(store: &dyn zhiban_server::store::Store, id: DocumentId) -> HashSet<ChangeHash> {
    let mut doc = Automerge::new();
    for chunk in store.load(id).await.expect("load") {
        doc.load_incremental(&chunk.data).expect("stored chunk loads");
    }
    doc.get_changes(&[]).iter().map(|c| c.hash()).collect()
}

/// Every head in every sync message the server sends is already in the store when it arrives.
#[tokio::test]
async fn heads_the_server_sends_are_already_stored() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let store = zhiban_server::store::open(&db.url).await.expect("reader");
        let shared = DocumentId::random();
        let mut writers = Vec::new();
        for w in 0..4 {
            let url = server.sync_url();
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut peer = RawPeer::join(&url).await.expect("join");
                let mut doc = Automerge::new();
                let mut state = SyncState::new();
                let mut checked = 0;
                for i in 0..10 {
                    let mut tx = doc.transaction();
                    tx.put(automerge::ROOT, format!("w{w}"), i).expect("put");
                    tx.commit();
                    // Push until the server's heads include ours, checking each set of heads on arrival.
                    loop {
                        if let Some(message) = doc.generate_sync_message(&mut state) {
                            peer.send_sync(shared, message.encode()).await.expect("send");
                        }
                        if state.their_heads.as_deref().is_some_and(|theirs| covers(&doc, theirs)) {
                            break;
                        }
                        match peer.recv(Duration::from_secs(10)).await {
                            Received::Message(Message::Sync { data, .. }) => {
                                let message = SyncMessage::decode(&data).expect("decodes");
                                let stored = stored_hashes(&*store, shared).await;
                                for head in &message.heads {
                                    assert!(
                                        stored.contains(head),
                                        "{backend:?}: server sent head {head} before storing it"
                                    );
                                }
                                checked += message.heads.len();
                                doc.receive_sync_message(&mut state, message).expect("applies");
                            }
                            other => panic!("unexpected {other:?}"),
                        }
                    }
                }
                checked
            }));
        }
        let mut checked = 0;
        for writer in writers {
            checked += writer.await.expect("writer");
        }
        assert!(checked >= 4 * 10, "checked only {checked} heads");
        server.stop().await.expect("stop");
    }
}

/// SIGKILL the server while phones push changes; after a restart every change a phone saw confirmed is
/// there, and the phones finish syncing what was still pending.
#[tokio::test]
async fn confirmed_changes_survive_sigkill() {
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let addr = zhiban_tests::server::free_port().expect("port");
        let url = format!("http://{addr}");
        // The phones work offline first; they log in once the server is up.
        let phones: Vec<Phone> = (0..4).map(|_| Phone::new(&url).expect("phone")).collect();
        let docs: Vec<DocumentId> =
            phones.iter().map(|p| p.client.create_document(&json!({"n": 0})).expect("create")).collect();
        let mut confirmed: Vec<Vec<ChangeHash>> = vec![Vec::new(); phones.len()];

        for round in 0..3u64 {
            let server = ServerProcess::start_on(addr, &db.url).await.expect("server starts");
            if round == 0 {
                for phone in &phones {
                    let password = zhiban_tests::accounts::password_of(TEST_ADMIN);
                    phone.client.login(TEST_ADMIN, &password, "phone").await.expect("login");
                }
            }
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let mut tasks = Vec::new();
            for (p, (phone, doc)) in phones.iter().zip(&docs).enumerate() {
                let client = phone.client.clone();
                let doc = *doc;
                let stop = stop.clone();
                tasks.push(tokio::spawn(async move {
                    let mut last_confirmed = Vec::new();
                    let mut i = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 10_000 {
                        i += 1;
                        client.set_path(doc, "n", &json!(round * 100_000 + i)).expect("local edit always works");
                        client.set_path(doc, &format!("p{p}"), &json!(i)).expect("local edit");
                        if client.sync_once(Duration::from_secs(2)).await.is_ok() {
                            last_confirmed = client.heads(doc).expect("heads");
                        }
                    }
                    last_confirmed
                }));
            }
            tokio::time::sleep(Duration::from_millis(300 + rand::random_range(0..700))).await;
            server.kill().await.expect("SIGKILL");
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for (p, task) in tasks.into_iter().enumerate() {
                let heads = task.await.expect("phone task");
                if !heads.is_empty() {
                    confirmed[p] = heads;
                }
            }
            let store = zhiban_server::store::open(&db.url).await.expect("store opens after a kill");
            for (p, doc) in docs.iter().enumerate() {
                let stored = stored_hashes(&*store, *doc).await;
                for head in &confirmed[p] {
                    assert!(stored.contains(head), "{backend:?} round {round}: phone {p}'s confirmed {head} lost");
                }
            }
        }
        assert!(confirmed.iter().all(|c| !c.is_empty()), "every phone got some change confirmed");

        // After the last kill: restart, and everything pending goes through.
        let server = ServerProcess::start_on(addr, &db.url).await.expect("restart");
        for phone in &phones {
            phone.client.sync_once(Duration::from_secs(20)).await.expect("pending changes go through");
            assert_eq!(phone.client.status().expect("status").pending_changes(), 0);
        }
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        for (phone, doc) in phones.iter().zip(&docs) {
            let stored = stored_hashes(&*store, *doc).await;
            for head in phone.client.heads(*doc).expect("heads") {
                assert!(stored.contains(&head));
            }
        }
        server.kill().await.expect("kill");
    }
}

/// The server killed with SIGKILL at random moments while a leader's instructions escalate along east's
/// roster (office time runs 120 times faster, so each chain of half an hour takes about fifteen seconds): after
/// each restart every instruction the mayor saw confirmed is stored, and in the end every escalation made
/// each of its calls once, none skipped or repeated, each pushed to the person's phone. A kill between a push
/// and its record may push that one call twice (Web Push has no idempotency key), never more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalations_resume_exactly_once_across_sigkills() {
    use zhiban_tests::alerting::{EastOnDuty, SYNC, office_with_push};
    use zhiban_tests::duty::{at, small_city};
    use zhiban_tests::fast_clock::{FAST_CLOCK_ENV, FastClock};

    const KILLS: usize = 3;
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let start = "2026-10-01T10:00:00+08:00";
        let (db, _, first, service) = office_with_push(backend, &small_city(), start).await;
        let EastOnDuty { wang_push, zhao_push, chief_push, mayor, .. } = EastOnDuty::set_up(&first, &service).await;
        let addr = first.addr;
        first.stop().await.expect("stop the set-up server");

        let clock = FastClock::starting_now(at(start).timestamp_millis(), 120).to_env();
        let env = [(FAST_CLOCK_ENV, clock.as_str())];
        let mut instructions = Vec::new();
        let mut rng = rand::rng();
        for kill in 0..KILLS {
            let server = ServerProcess::start_with_env(addr, &db.url, &env).await.expect("server starts");
            let issued = mayor
                .client
                .issue_instruction("mayor", at(start), &format!("第{}次核查", kill + 1), None, &["east".into()])
                .expect("issued");
            mayor.client.sync_once(SYNC).await.expect("the instruction reaches the server");
            instructions.push(issued);
            tokio::time::sleep(Duration::from_millis(rand::Rng::random_range(&mut rng, 1000..3500))).await;
            server.kill().await.expect("SIGKILL");
            let store = zhiban_server::store::open(&db.url).await.expect("the store opens after a kill");
            for (i, id) in instructions.iter().enumerate() {
                let stored = stored_hashes(&*store, *id).await;
                for head in mayor.client.heads(*id).expect("heads") {
                    assert!(stored.contains(&head), "{backend:?}: kill {kill}: instruction {i}, confirmed, is lost");
                }
            }
            drop(store);
            // Down for a while: calls fall due meanwhile and are made after the restart, once.
            tokio::time::sleep(Duration::from_millis(rand::Rng::random_range(&mut rng, 200..1500))).await;
        }

        // The last restart: every chain runs to its end (nobody acknowledges), every call is pushed.
        let server = ServerProcess::start_with_env(addr, &db.url, &env).await.expect("server starts");
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let database = store.database();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(150);
        loop {
            let (running, unsent): (i64, i64) = zhiban_server::on_database!(&database, pool => {(
                sqlx::query_scalar("SELECT COUNT(*) FROM alert_recipients WHERE next_at IS NOT NULL")
                    .fetch_one(pool).await.expect("running"),
                sqlx::query_scalar("SELECT COUNT(*) FROM alert_calls WHERE sent = FALSE")
                    .fetch_one(pool).await.expect("unsent"),
            )});
            if running == 0 && unsent == 0 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{backend:?}: {running} chains running, {unsent} calls unsent"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        server.kill().await.expect("kill");

        type Chain = Vec<serde_json::Value>;
        /// An alert's call: (alert, step, round, person).
        type Call = (String, i64, i64, String);
        let (chains, calls): (Vec<(String, String)>, Vec<Call>) = zhiban_server::on_database!(&database, pool => {(
            sqlx::query_as("SELECT alert_id, chain FROM alert_recipients").fetch_all(pool).await.expect("chains"),
            sqlx::query_as("SELECT alert_id, step, round, person FROM alert_calls").fetch_all(pool).await.expect("calls"),
        )});
        assert_eq!(chains.len(), KILLS, "{backend:?}: one escalation per instruction");
        let subscriptions = [("wang", &wang_push), ("zhao", &zhao_push), ("east-chief", &chief_push)];
        for (alert, chain) in &chains {
            let chain: Chain = serde_json::from_str(chain).expect("a frozen chain");
            for (step, frozen) in chain.iter().enumerate() {
                let people: Vec<&str> =
                    frozen["people"].as_array().expect("people").iter().filter_map(|p| p.as_str()).collect();
                let times = frozen["times"].as_i64().expect("times");
                let made: Vec<&Call> = calls.iter().filter(|(a, s, ..)| a == alert && *s == step as i64).collect();
                let rounds: HashSet<i64> = made.iter().map(|(_, _, round, _)| *round).collect();
                assert_eq!(rounds.len() as i64, times, "{backend:?}: {alert} step {step}: rounds made {rounds:?}");
                assert_eq!(made.len(), people.len() * times as usize, "{backend:?}: {alert} step {step}: {made:?}");
            }
            for (person, subscription) in subscriptions {
                let called = calls.iter().filter(|(a, .., p)| a == alert && p == person).count();
                let pushed = service
                    .received(&subscription.id)
                    .iter()
                    .filter(|r| r.payload["alert"].as_str() == Some(alert.as_str()))
                    .count();
                assert!(
                    pushed >= called && pushed <= called + KILLS,
                    "{backend:?}: {person} was called {called} times for {alert} and got {pushed} pushes"
                );
                if pushed > called {
                    eprintln!("{backend:?}: {person} got {} repeated pushes for {alert}", pushed - called);
                }
            }
        }
        eprintln!(
            "{backend:?}: {} escalations, {} calls, each made once across {KILLS} kills",
            chains.len(),
            calls.len()
        );
    }
}

/// A tmpfs of `megabytes` mounted on a new temporary folder, unmounted when dropped. `None` where this
/// process may not mount (not root): the disk-full test is then skipped, unless `ZHIBAN_REQUIRE_MOUNT=1`
/// (set by `.ci/run`) says it must run.
struct SmallDisk {
    folder: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<Self> {
        let folder = tempfile::tempdir().expect("folder");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(folder.path())
            .status()
            .is_ok_and(|s| s.success());
        if mounted {
            return Some(Self { folder });
        }
        assert!(std::env::var("ZHIBAN_REQUIRE_MOUNT").as_deref() != Ok("1"), "cannot mount a tmpfs (root is needed)");
        eprintln!("skipped: cannot mount a tmpfs here (root is needed)");
        None
    }

    fn path(&self) -> &std::path::Path {
        self.folder.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a server of a failed test may still hold files open.
        let _ = std::process::Command::new("umount").arg("-l").arg(self.folder.path()).status();
    }
}

/// Fills the rest of the disk with a file; returns its path.
fn fill(disk: &SmallDisk) -> std::path::PathBuf {
    use std::io::Write;
    let path = disk.path().join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let block = vec![0x5au8; 64 * 1024];
    while file.write_all(&block).and_then(|_| file.flush()).is_ok() {}
    path
}

/// The disk under the SQLite database fills up: the change that does not fit is refused with the reason,
/// stays on the phone, others still read; nothing stored is damaged; once space returns the change goes in.
#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_service_resumes_when_space_returns() {
    zhiban_tests::init_logging();
    let Some(disk) = SmallDisk::mount(24) else { return };
    let url = format!("sqlite://{}", disk.path().join("zhiban.db").display());
    let server = InProcessServer::start(&url).await.expect("server");
    let writer = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("writer");
    let reader = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("reader");
    let shared = writer.client.create_document(&json!({"title": "暴雨 首报"})).expect("create");
    writer.client.sync_once(Duration::from_secs(20)).await.expect("stored while there is space");

    let filler = fill(&disk);
    // Photos' worth of text until the server cannot store one (the WAL may hold a little free room first).
    let big = "灾".repeat(100_000);
    let mut refusal = None;
    for i in 0..100 {
        writer.client.set_path(shared, &format!("note{i}"), &json!(big)).expect("saved on the phone");
        match writer.client.sync_once(Duration::from_secs(20)).await {
            Ok(()) => continue,
            Err(e) => {
                refusal = Some(e.to_string());
                break;
            }
        }
    }
    let refusal = refusal.expect("the server stored 30 MB on a full 24 MB disk");
    assert!(refusal.contains("could not store") && refusal.contains("full"), "an unclear refusal: {refusal}");
    let waiting = writer.client.status().expect("status").pending_changes();
    assert!(waiting > 0, "the refused change is kept on the phone");

    // Others carry on: a phone fetching the document gets what was stored.
    reader.client.want(shared).expect("want");
    reader.client.sync_once(Duration::from_secs(20)).await.expect("reading works on a full disk");
    assert_eq!(reader.client.get_json(shared).expect("read")["title"], "暴雨 首报");
    let (status, health) = zhiban_tests::server::http_get(server.addr, "/health").await.expect("health");
    assert_eq!(status, 503, "{health}");
    assert!(health.contains("degraded") && health.contains("full"), "the health check names the problem: {health}");

    // Space returns: the phone's waiting change goes in, and the database is whole.
    std::fs::remove_file(filler).expect("free the space");
    writer.client.sync_once(Duration::from_secs(30)).await.expect("the waiting changes go through");
    // And the ones after: every connection of the server's pool is used again (one left believing it was in
    // a transaction once refused every write after space returned).
    for i in 0..30 {
        writer.client.set_path(shared, "after", &json!(i)).expect("saved on the phone");
        writer.client.sync_once(Duration::from_secs(30)).await.expect("stored once space returned");
    }
    assert_eq!(writer.client.status().expect("status").pending_changes(), 0);
    let (status, health) = zhiban_tests::server::http_get(server.addr, "/health").await.expect("health");
    assert_eq!(status, 200, "healthy again once a change is stored: {health}");
    server.stop().await.expect("stop");
    let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.expect("check");
    assert_eq!(check, "ok");
    pool.close().await;
    let store = zhiban_server::store::open(&url).await.expect("store");
    let stored = stored_hashes(&*store, shared).await;
    for head in writer.client.heads(shared).expect("heads") {
        assert!(stored.contains(&head), "the change made while the disk was full is stored");
    }
}

/// The app killed at random moments while it writes: each write is the real `zhiban` program saving one
/// value, killed after a random few milliseconds (before, during or after its write). Every write that
/// finished is on the phone when it opens again, the local store opens every time, and the outbox then
/// brings all of them to the server.
#[tokio::test]
async fn a_phone_killed_while_writing_keeps_every_saved_change_and_sends_them() {
    const WRITES: usize = 40;
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    let phone = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
    let report = phone.client.create_document(&json!({"title": "山体滑坡 首报", "figures": {}})).expect("create");
    phone.client.sync_once(Duration::from_secs(20)).await.expect("the report reaches the server");
    let Phone { client, folder } = phone;
    drop(client);

    // Offline from here: the writes wait in the outbox.
    let mut saved = Vec::new();
    let mut killed = 0;
    for i in 0..WRITES {
        let mut write = tokio::process::Command::new(zhiban_tests::server::program("test-zhiban"))
            .arg("--data")
            .arg(folder.path())
            .args(["doc", "set", &report.url(), &format!("figures.n{i}"), &i.to_string()])
            .env_remove("ZHIBAN_DATA")
            .env_remove("ZHIBAN_SERVER")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the app starts");
        let after = Duration::from_millis(rand::random_range(0..50));
        match tokio::time::timeout(after, write.wait()).await {
            Ok(status) if status.as_ref().is_ok_and(|s| s.success()) => saved.push(i),
            Ok(status) => {
                let mut why = String::new();
                if let Some(mut stderr) = write.stderr.take() {
                    tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut why).await.expect("stderr");
                }
                panic!("write {i} failed without being killed: {status:?}: {why}");
            }
            Err(_) => {
                write.start_kill().expect("SIGKILL");
                write.wait().await.expect("reaped");
                killed += 1;
            }
        }
    }
    assert!(killed > 0 && !saved.is_empty(), "{killed} killed, {} saved: the delays missed", saved.len());

    let client = zhiban_client_core::Client::open(folder.path(), Some(&server.http_url())).expect("the store opens");
    let figures = client.get_json(report).expect("read")["figures"].clone();
    for i in &saved {
        assert_eq!(figures[format!("n{i}")], json!(i), "write {i} was saved, and is gone after the kills");
    }
    client.sync_once(Duration::from_secs(20)).await.expect("the outbox goes out");
    assert_eq!(client.status().expect("status").pending_changes(), 0);
    let store = zhiban_server::store::open(&db.url).await.expect("store");
    let stored = stored_hashes(&*store, report).await;
    for head in client.heads(report).expect("heads") {
        assert!(stored.contains(&head), "a change the phone kept is not on the server");
    }
    eprintln!("{} writes saved, {killed} killed, all on the server", saved.len());
    server.stop().await.expect("stop");
}

/// PostgreSQL restarted under load (stopped at once, as in a crash, for a few seconds): the server says it is
/// degraded while the database is away, keeps every phone's socket open, stores the changes that arrived
/// meanwhile once it is back, and loses none it confirmed. On a PostgreSQL of the test's own, so the
/// restart disturbs no other test; run where `ZHIBAN_TEST_POSTGRES_URL` is set, as the other PostgreSQL tests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_under_load_degrades_health_keeps_sockets_and_loses_nothing() {
    use zhiban_client_core::ConnectionState;
    use zhiban_tests::private_postgres::PrivatePostgres;

    if !Backend::available().contains(&Backend::Postgres) {
        return;
    }
    zhiban_tests::init_logging();
    let pg = PrivatePostgres::start().expect("a PostgreSQL of the test's own").expect("PostgreSQL's programs");
    let server = InProcessServer::start(&pg.url()).await.expect("server");
    let health = || async { zhiban_tests::server::http_get(server.addr, "/health").await.map(|(s, _)| s).unwrap_or(0) };
    let mut phones = Vec::new();
    for _ in 0..6 {
        let phone = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
        let doc = phone.client.create_document(&json!({"n": 0})).expect("create");
        phone.client.sync_once(Duration::from_secs(20)).await.expect("first sync");
        phones.push((phone, doc));
    }
    let syncing: Vec<_> = phones.iter().map(|(p, _)| p.client.keep_syncing()).collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = phones
        .iter()
        .map(|(phone, doc)| {
            let (client, doc, stop) = (phone.client.clone(), *doc, stop.clone());
            tokio::spawn(async move {
                // What the phone saw confirmed: its heads whenever nothing was waiting.
                let mut confirmed = Vec::new();
                for i in 0..10_000 {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    if client.status().expect("status").pending_changes() == 0 {
                        confirmed = client.heads(doc).expect("heads");
                    }
                    client.set_path(doc, "n", &json!(i)).expect("saved on the phone");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                confirmed
            })
        })
        .collect();
    let online = |phones: &[(Phone, DocumentId)]| {
        phones.iter().filter(|(p, _)| p.client.status().is_ok_and(|s| s.connection == ConnectionState::Online)).count()
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(online(&phones), phones.len(), "every phone is online before the restart");

    pg.stop_immediately().expect("PostgreSQL stops");
    let down = tokio::time::Instant::now();
    let mut degraded = false;
    let mut fewest_online = phones.len();
    while down.elapsed() < Duration::from_secs(4) {
        degraded |= health().await == 503;
        fewest_online = fewest_online.min(online(&phones));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(degraded, "the health check says degraded while the database is away");
    assert_eq!(fewest_online, phones.len(), "the server kept every phone's socket while the database was away");
    pg.start_again().expect("PostgreSQL starts again");
    let back = tokio::time::Instant::now();
    while health().await != 200 {
        assert!(back.elapsed() < Duration::from_secs(30), "the server did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut confirmed = Vec::new();
    for writer in writers {
        confirmed.push(writer.await.expect("writer"));
    }
    drop(syncing);
    for (phone, _) in &phones {
        phone.client.sync_once(Duration::from_secs(30)).await.expect("everything goes in once the database is back");
    }
    let store = zhiban_server::store::open(&pg.url()).await.expect("store");
    for ((phone, doc), confirmed) in phones.iter().zip(&confirmed) {
        let stored = stored_hashes(&*store, *doc).await;
        for head in confirmed.iter().chain(&phone.client.heads(*doc).expect("heads")) {
            assert!(stored.contains(head), "a change confirmed or synced is not stored");
        }
    }
    eprintln!(
        "PostgreSQL was away {:.1} s; recovered in {:.1} s",
        (back - down).as_secs_f64(),
        back.elapsed().as_secs_f64()
    );
    server.stop().await.expect("stop");
}
