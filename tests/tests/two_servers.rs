//! Two `zhiban-server` processes on one PostgreSQL database serve the same documents: a change written
//! through one reaches a phone connected to the other promptly. Runs when `ZHIBAN_TEST_POSTGRES_URL` is set.

use std::time::Duration;

use serde_json::{Value, json};
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::{Backend, InProcessServer, Phone, ServerProcess, TestDatabase};

async fn wait_for(phone: &Phone, id: zhiban_client_core::DocumentId, key: &str, value: Value) -> bool {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if phone.client.get_json(id).is_ok_and(|doc| doc[key] == value) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_change_through_one_server_reaches_a_phone_on_the_other() {
    if !Backend::available().contains(&Backend::Postgres) {
        eprintln!("skipped: set ZHIBAN_TEST_POSTGRES_URL to run the two-server test");
        return;
    }
    zhiban_tests::init_logging();
    let db = TestDatabase::new(Backend::Postgres).await.expect("database");
    let one = ServerProcess::start(&db.url).await.expect("server one");
    let two = InProcessServer::start(&db.url).await.expect("server two");
    let a = Phone::signed_in(&one.http_url(), TEST_ADMIN).await.expect("phone on server one");
    let b = Phone::signed_in(&two.http_url(), TEST_ADMIN).await.expect("phone on server two");

    let id = a.client.create_document(&json!({"leader": "张三"})).expect("create");
    a.client.sync_once(Duration::from_secs(10)).await.expect("upload through one");
    b.client.fetch(id, Duration::from_secs(10)).await.expect("fetch through two");
    assert_eq!(b.client.get_json(id).expect("read")["leader"], json!("张三"));

    let _a_live = a.client.keep_syncing();
    let _b_live = b.client.keep_syncing();
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.client.set_path(id, "leader", &json!("李四")).expect("edit on a");
    assert!(wait_for(&b, id, "leader", json!("李四")).await, "a's change never reached b through the other server");
    b.client.set_path(id, "deputy", &json!("王五")).expect("edit on b");
    assert!(wait_for(&a, id, "deputy", json!("王五")).await, "b's change never reached a through the other server");
    one.kill().await.expect("stop one");
    two.stop().await.expect("stop two");
}

/// A field reporter's connection to one server holds an incident; the desk, through the other server, takes
/// them off it. Their connection hears that access ended and is dropped, as when both are on one server.
#[tokio::test]
async fn a_peer_who_loses_access_through_the_other_server_is_dropped() {
    use zhiban_model::documents::incident::Incident;
    use zhiban_tests::duty::{add_people, at, create, east_warehouse_fire, put, read, record_directory, small_city};
    use zhiban_tests::peer::Received;
    if !Backend::available().contains(&Backend::Postgres) {
        eprintln!("skipped: set ZHIBAN_TEST_POSTGRES_URL to run the two-server test");
        return;
    }
    let sync = Duration::from_secs(20);
    let db = TestDatabase::new(Backend::Postgres).await.expect("database");
    let one = InProcessServer::start(&db.url).await.expect("server one");
    let two = InProcessServer::start(&db.url).await.expect("server two");
    record_directory(&one.http_url(), &small_city()).await.expect("directory");
    add_people(&db.url, &small_city()).await.expect("accounts");

    // Wang files a report; the desk sends li to the scene, through server one.
    let wang = Phone::signed_in(&one.http_url(), "wang").await.expect("wang");
    let incident = east_warehouse_fire();
    let id = create(&wang, &incident);
    wang.client.sync_once(sync).await.expect("filed");
    let desk = Phone::signed_in(&one.http_url(), "desk").await.expect("desk");
    desk.client.fetch(id, sync).await.expect("the desk sees it");
    let mut assigned: Incident = read(&desk, id);
    assigned.assign("li", "desk", at("2026-10-01T08:30:00+08:00")).expect("assign");
    put(&desk, id, &assigned).expect("write");
    desk.client.sync_once(sync).await.expect("li is sent");

    // Li's connection to server two holds the incident.
    let mut li = zhiban_tests::RawPeer::join(&two.sync_url_as("li").await.expect("token")).await.expect("join");
    let asking = {
        use automerge::sync::SyncDoc;
        automerge::Automerge::new().generate_sync_message(&mut automerge::sync::State::new()).expect("a request")
    };
    li.send(&zhiban_model::Message::Request {
        sender_id: li.peer_id.clone(),
        target_id: li.server_id.clone(),
        document_id: id,
        data: asking.encode(),
    })
    .await
    .expect("li asks for the incident");
    match li.recv(Duration::from_secs(10)).await {
        Received::Message(zhiban_model::Message::Sync { document_id, .. }) => assert_eq!(document_id, id),
        other => panic!("li should be given the incident: {other:?}"),
    }

    // The desk takes li off it, through server one.
    let mut taken_off: Incident = read(&desk, id);
    taken_off.assignees.remove("li");
    put(&desk, id, &taken_off).expect("write");
    desk.client.sync_once(sync).await.expect("li is taken off");

    let mut told = false;
    for _ in 0..40 {
        match li.recv(Duration::from_secs(1)).await {
            Received::Message(zhiban_model::Message::Error { message, document_id, .. }) => {
                assert_eq!(document_id, Some(id));
                assert!(message.contains("access"), "{message}");
                told = true;
                break;
            }
            Received::Message(zhiban_model::Message::Sync { .. }) => {}
            Received::Closed => break,
            _ => {}
        }
    }
    assert!(told, "li's connection to server two heard that access ended");
    one.stop().await.expect("stop one");
    two.stop().await.expect("stop two");
}
