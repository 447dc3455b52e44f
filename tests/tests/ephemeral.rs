//! Ephemeral messages (presence, "who is looking at this report") are relayed only from peers that may
//! read the document, small, and at a bounded rate per connection.

use std::time::{Duration, Instant};

use zhiban_model::{DocumentId, Message};
use zhiban_server::sync::ephemeral::{EPHEMERAL_BURST, EPHEMERAL_PER_SECOND, MAX_EPHEMERAL_BYTES};
use zhiban_tests::duty::{add_people, create, east_warehouse_fire, record_directory, small_city};
use zhiban_tests::peer::Received;
use zhiban_tests::{Backend, InProcessServer, Phone, RawPeer, TestDatabase};

fn presence(peer: &RawPeer, document_id: DocumentId, count: u64, data: Vec<u8>) -> Message {
    Message::Ephemeral {
        sender_id: peer.peer_id.clone(),
        target_id: peer.server_id.clone(),
        document_id,
        session_id: format!("{}-session", peer.peer_id),
        count,
        data,
    }
}

/// Ephemeral messages `peer` receives within `wait`.
async fn heard(peer: &mut RawPeer, wait: Duration) -> Vec<Message> {
    let deadline = Instant::now() + wait;
    let mut heard = Vec::new();
    loop {
        match peer.recv(deadline.saturating_duration_since(Instant::now())).await {
            Received::Message(message @ Message::Ephemeral { .. }) => heard.push(message),
            Received::Message(_) => {}
            Received::Nothing | Received::Closed => return heard,
            Received::Other(other) => panic!("unexpected frame: {other}"),
        }
    }
}

#[tokio::test]
async fn presence_is_relayed_only_from_readers_small_and_at_a_bounded_rate() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    record_directory(&server.http_url(), &small_city()).await.expect("directory");
    add_people(&db.url, &small_city()).await.expect("accounts");

    // East's officer files a report: the desk and east's officers may read it; li, a field reporter of east
    // who was not sent to it, may not.
    let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
    let incident = east_warehouse_fire();
    let id = create(&wang, &incident);
    wang.client.sync_once(Duration::from_secs(10)).await.expect("filed");

    let mut desk = RawPeer::join(&server.sync_url_as("desk").await.expect("desk")).await.expect("desk joins");
    assert!(desk.fetch(id).await.expect("fetch").is_some(), "the desk reads the report");
    let mut officer = RawPeer::join(&server.sync_url_as("zhao").await.expect("zhao")).await.expect("zhao joins");
    assert!(officer.fetch(id).await.expect("fetch").is_some(), "east's officer reads the report");
    let mut li = RawPeer::join(&server.sync_url_as("li").await.expect("li")).await.expect("li joins");
    assert!(li.fetch(id).await.expect("fetch").is_none(), "li is told the report is not there");

    // Li's presence for it reaches nobody; the officer's does.
    li.send(&presence(&li, id, 1, b"li is looking".to_vec())).await.expect("send");
    assert!(heard(&mut desk, Duration::from_millis(700)).await.is_empty(), "relayed from a peer who may not read it");
    officer.send(&presence(&officer, id, 1, b"zhao is looking".to_vec())).await.expect("send");
    let got = heard(&mut desk, Duration::from_millis(700)).await;
    assert!(
        matches!(got.as_slice(), [Message::Ephemeral { data, .. }] if data == b"zhao is looking"),
        "the reader's presence reaches the desk: {got:?}"
    );

    // A flood: past the burst, what is over the rate is dropped.
    let started = Instant::now();
    for count in 2..202 {
        officer.send(&presence(&officer, id, count, b"still looking".to_vec())).await.expect("send");
    }
    let sending = started.elapsed().as_secs_f64();
    let got = heard(&mut desk, Duration::from_secs(1)).await.len();
    let allowed = EPHEMERAL_BURST + (sending + 0.1) * EPHEMERAL_PER_SECOND;
    assert!(got as f64 <= allowed.ceil(), "{got} relayed of 200 sent in {sending:.2} s; at most {allowed:.0}");
    assert!(got >= EPHEMERAL_BURST as usize - 1, "the burst goes through: {got}");

    // Too large: the connection is closed with the reason, and nothing is relayed.
    let mut officer = RawPeer::join(&server.sync_url_as("zhao").await.expect("zhao")).await.expect("zhao joins");
    assert!(officer.fetch(id).await.expect("fetch").is_some());
    officer.send(&presence(&officer, id, 1, vec![7; MAX_EPHEMERAL_BYTES + 1])).await.expect("send");
    let reason = officer.expect_error_then_close().await.expect("refused");
    assert!(reason.contains("64 KiB"), "{reason}");
    assert!(heard(&mut desk, Duration::from_millis(500)).await.is_empty());
    server.stop().await.expect("stop");
}
