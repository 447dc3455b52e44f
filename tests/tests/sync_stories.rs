//! Phones and the server, for real on loopback: offline edits merge, live edits flow, the outbox keeps
//! what the server has not confirmed, and idle documents leave the server's memory without loss.

use std::time::Duration;

use serde_json::json;
use zhiban_client_core::{ClientError, DocumentId};
use zhiban_server::ServerConfig;
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::server::{health_shows, http_get};
use zhiban_tests::{Backend, InProcessServer, Phone, ServerProcess, TestDatabase};

const SYNC: Duration = Duration::from_secs(20);

#[tokio::test]
async fn two_phones_edit_offline_then_both_hold_both_edits() {
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let a = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone a");
        let b = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone b");

        let id = a.client.create_document(&json!({"title": "暴雨", "shifts": []})).expect("create");
        a.client.sync_once(SYNC).await.expect("a uploads");
        b.client.fetch(id, SYNC).await.expect("b fetches");

        // Both offline now: each edits without a server.
        a.client.set_path(id, "title", &json!("暴雨 续报一")).expect("a edits title");
        a.client.set_path(id, "shifts.-", &json!({"main": "张三"})).expect("a adds a shift");
        b.client.set_path(id, "deputy", &json!("李四")).expect("b sets deputy");
        b.client.set_path(id, "shifts.-", &json!({"main": "王五"})).expect("b adds a shift");
        assert_eq!(a.client.status().expect("status").pending_changes(), 2);

        a.client.sync_once(SYNC).await.expect("a syncs");
        b.client.sync_once(SYNC).await.expect("b syncs");
        a.client.sync_once(SYNC).await.expect("a syncs again");

        assert_eq!(a.client.heads(id).expect("heads"), b.client.heads(id).expect("heads"), "{backend:?}");
        let doc = a.client.get_json(id).expect("read");
        assert_eq!(doc, b.client.get_json(id).expect("read"));
        assert_eq!(doc["title"], json!("暴雨 续报一"));
        assert_eq!(doc["deputy"], json!("李四"));
        let mains: Vec<&str> =
            doc["shifts"].as_array().expect("list").iter().filter_map(|s| s["main"].as_str()).collect();
        assert_eq!(mains.len(), 2, "both shifts kept: {mains:?}");
        assert!(mains.contains(&"张三") && mains.contains(&"王五"));
        assert_eq!(a.client.status().expect("status").pending_changes(), 0);
        assert_eq!(b.client.status().expect("status").pending_changes(), 0);
        server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn live_edits_reach_the_other_phone_without_asking() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let a = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone a");
        let b = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone b");
        let id = a.client.create_document(&json!({"count": 0})).expect("create");
        a.client.sync_once(SYNC).await.expect("upload");
        b.client.fetch(id, SYNC).await.expect("fetch");

        let _a_sync = a.client.keep_syncing();
        let _b_sync = b.client.keep_syncing();
        let mut b_changes = b.client.subscribe();
        a.client.set_path(id, "count", &json!(1)).expect("edit");
        let seen = tokio::time::timeout(SYNC, async {
            loop {
                let changed = b_changes.recv().await.expect("subscription open");
                if changed == id && b.client.get_json(id).expect("read")["count"] == json!(1) {
                    return;
                }
            }
        })
        .await;
        assert!(seen.is_ok(), "b never saw a's edit");
        // And a's outbox empties once the server confirmed.
        tokio::time::timeout(SYNC, async {
            while a.client.status().expect("status").pending_changes() > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("a's change confirmed");
    }
}

/// A phone logged in while the server at `addr` was up, which is now gone.
async fn signed_in_then_offline(addr: std::net::SocketAddr, database_url: &str) -> Phone {
    let server = ServerProcess::start_on(addr, database_url).await.expect("server for the login");
    let phone = Phone::signed_in(&format!("http://{addr}"), TEST_ADMIN).await.expect("phone");
    server.kill().await.expect("server stops");
    phone
}

#[tokio::test]
async fn without_a_server_changes_wait_in_the_outbox_and_survive_a_restart() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let addr = zhiban_tests::server::free_port().expect("port");
        let url = format!("http://{addr}");
        let phone = signed_in_then_offline(addr, &db.url).await;
        let id = phone.client.create_document(&json!({"report": "首报"})).expect("create offline");
        phone.client.set_path(id, "report", &json!("首报 待补充")).expect("edit offline");

        let err = phone.client.sync_once(SYNC).await.expect_err("nobody is listening");
        assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
        assert_eq!(phone.client.status().expect("status").pending_changes(), 2);

        // The app is killed and started again; then the server comes up on that address.
        let phone = phone.restart(&url).expect("restart");
        assert_eq!(phone.client.status().expect("status").pending_changes(), 2, "outbox survived");
        let config = ServerConfig { database_url: db.url.clone(), ..ServerConfig::default() };
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(zhiban_server::launch_with_tcp_listener(listener, config, async move {
            let _ = stopped.await;
        }));
        zhiban_tests::server::wait_healthy(addr).await.expect("healthy");
        phone.client.sync_once(SYNC).await.expect("sync");
        assert_eq!(phone.client.status().expect("status").pending_changes(), 0);

        let other = Phone::signed_in(&url, TEST_ADMIN).await.expect("other phone");
        other.client.fetch(id, SYNC).await.expect("fetch");
        assert_eq!(other.client.get_json(id).expect("read")["report"], json!("首报 待补充"));
        let _ = stop.send(());
        let _ = task.await;
    }
}

#[tokio::test]
async fn asking_for_a_document_nobody_has_says_so() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let phone = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
        let missing = DocumentId::random();
        let err = phone.client.fetch(missing, SYNC).await.expect_err("unavailable");
        assert!(matches!(err, ClientError::Unavailable(id) if id == missing), "{err}");
        assert!(!phone.client.holds(missing).expect("holds"));
        // Nothing was created on the server by asking: it holds only the phone's home document.
        let (_, body) = http_get(server.addr, "/health").await.expect("health");
        assert!(body.contains("\"documents_stored\":1"), "{body}");
    }
}

#[tokio::test]
async fn idle_documents_leave_memory_and_come_back_whole() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let mut config = ServerConfig { database_url: db.url.clone(), ..ServerConfig::default() };
        config.hub.idle_eviction = Duration::from_millis(0);
        config.hub.compact_after_chunks = 4;
        let server = InProcessServer::start_with(config).await.expect("server");
        let a = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
        let id = a.client.create_document(&json!({"n": 0})).expect("create");
        for n in 1..=10 {
            a.client.set_path(id, "n", &json!(n)).expect("edit");
            a.client.sync_once(SYNC).await.expect("sync");
        }
        // Disconnected and idle: evicted within the eviction tick.
        assert!(health_shows(server.addr, "\"documents_loaded\":0").await, "document stayed in memory");
        let b = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone b");
        b.client.fetch(id, SYNC).await.expect("fetch from store");
        assert_eq!(b.client.get_json(id).expect("read")["n"], json!(10));
        assert_eq!(b.client.heads(id).expect("heads"), a.client.heads(id).expect("heads"));

        // Compaction kept the chunk count down.
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let chunks = store.load(id).await.expect("load");
        assert!(chunks.len() < 6, "compaction should have replaced chunks, found {}", chunks.len());
    }
}

#[tokio::test]
async fn a_phone_that_only_reads_catches_up_with_another_phones_edit() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let writer = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("writer");
        let reader = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("reader");
        let id = writer.client.create_document(&json!({"log": []})).expect("create");
        writer.client.sync_once(SYNC).await.expect("upload");
        reader.client.fetch(id, SYNC).await.expect("fetch");
        writer.client.set_path(id, "log.-", &json!("续报一")).expect("edit");
        writer.client.sync_once(SYNC).await.expect("writer syncs");
        reader.client.sync_once(SYNC).await.expect("reader syncs");
        assert_eq!(reader.client.get_json(id).expect("read")["log"], json!(["续报一"]));
    }
}

#[tokio::test]
async fn the_cap_on_loaded_documents_holds() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let mut config = ServerConfig { database_url: db.url.clone(), ..ServerConfig::default() };
        config.hub.idle_eviction = Duration::from_secs(3600);
        config.hub.max_loaded_documents = 2;
        let server = InProcessServer::start_with(config).await.expect("server");
        let phone = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
        let ids: Vec<DocumentId> =
            (0..5).map(|n| phone.client.create_document(&json!({"n": n})).expect("create")).collect();
        phone.client.sync_once(SYNC).await.expect("sync");
        assert!(health_shows(server.addr, "\"documents_loaded\":2").await, "more than 2 documents stayed loaded");
        let other = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("other");
        for (n, id) in ids.iter().enumerate() {
            other.client.fetch(*id, SYNC).await.expect("evicted documents load again");
            assert_eq!(other.client.get_json(*id).expect("read")["n"], json!(n));
        }
    }
}

#[tokio::test]
async fn live_sync_waits_out_a_missing_server_and_catches_up_when_it_comes() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let addr = zhiban_tests::server::free_port().expect("port");
        let url = format!("http://{addr}");
        let phone = signed_in_then_offline(addr, &db.url).await;
        let id = phone.client.create_document(&json!({"status": "首报"})).expect("create");
        let _live = phone.client.keep_syncing();
        let offline = tokio::time::timeout(SYNC, async {
            loop {
                if let zhiban_client_core::ConnectionState::Offline { reason } =
                    phone.client.status().expect("status").connection
                {
                    return reason;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("reports offline");
        assert!(offline.contains("cannot reach the server"), "{offline}");

        let server = ServerProcess::start_on(addr, &db.url).await.expect("server comes up");
        tokio::time::timeout(Duration::from_secs(40), async {
            while phone.client.status().expect("status").pending_changes() > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("the reconnect loop delivered the change");
        assert_eq!(phone.client.status().expect("status").connection, zhiban_client_core::ConnectionState::Online);
        let desk = Phone::signed_in(&url, TEST_ADMIN).await.expect("desk");
        desk.client.fetch(id, SYNC).await.expect("fetch");
        assert_eq!(desk.client.get_json(id).expect("read")["status"], json!("首报"));
        server.kill().await.expect("kill");
    }
}

#[tokio::test]
async fn an_empty_document_exists_for_other_phones() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let a = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("a");
        let id = a.client.create_document(&json!({})).expect("create empty");
        a.client.sync_once(SYNC).await.expect("upload");
        let b = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("b");
        b.client.fetch(id, SYNC).await.expect("an empty document is still a document");
        assert_eq!(b.client.get_json(id).expect("read"), json!({}));
    }
}
