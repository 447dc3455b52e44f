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
