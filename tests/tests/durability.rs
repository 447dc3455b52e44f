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
    use zhiban_tests::alerting::{SYNC, east_roster, office_with_push, phone_with_push};
    use zhiban_tests::duty::{at, small_city};
    use zhiban_tests::fast_clock::{FAST_CLOCK_ENV, FastClock};

    const KILLS: usize = 3;
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let start = "2026-10-01T10:00:00+08:00";
        let (db, _, first, service) = office_with_push(backend, &small_city(), start).await;
        let (wang, wang_push) = phone_with_push(&first, &service, "wang").await;
        wang.client.create_roster(&east_roster()).expect("roster");
        wang.client.sync_once(SYNC).await.expect("roster to the server");
        let (_zhao, zhao_push) = phone_with_push(&first, &service, "zhao").await;
        let (_chief, chief_push) = phone_with_push(&first, &service, "east-chief").await;
        let mayor = Phone::signed_in(&first.http_url(), "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
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
