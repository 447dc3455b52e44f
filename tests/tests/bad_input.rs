//! Bad input gets a clear `error` and a closed connection; nothing from it is stored, and everyone else
//! carries on.

use std::time::Duration;

use automerge::sync::{ChunkList, Message as SyncMessage, MessageVersion};
use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use ciborium::Value;
use serde_json::json;
use zhiban_model::{DocumentId, Message};
use zhiban_server::ServerConfig;
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::peer::Received;
use zhiban_tests::{Backend, InProcessServer, Phone, RawPeer, TestDatabase};

const LIMIT: usize = 64 * 1024;

struct Bench {
    server: InProcessServer,
    db: TestDatabase,
    /// A well-behaved phone that must keep working throughout.
    phone: Phone,
    doc: DocumentId,
}

async fn bench() -> Bench {
    zhiban_tests::init_logging();
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let config = ServerConfig { database_url: db.url.clone(), max_frame_bytes: LIMIT, ..ServerConfig::default() };
    let server = InProcessServer::start_with(config).await.expect("server");
    let phone = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
    let doc = phone.client.create_document(&json!({"n": 0})).expect("create");
    phone.client.sync_once(Duration::from_secs(10)).await.expect("sync");
    Bench { server, db, phone, doc }
}

impl Bench {
    /// The good phone still syncs, and the store holds only what it should.
    async fn others_carry_on(&self, not_stored: Option<DocumentId>) {
        let n = self.phone.client.get_json(self.doc).expect("read")["n"].as_i64().unwrap_or(0);
        self.phone.client.set_path(self.doc, "n", &json!(n + 1)).expect("edit");
        self.phone.client.sync_once(Duration::from_secs(10)).await.expect("the good phone still syncs");
        if let Some(id) = not_stored {
            let store = zhiban_server::store::open(&self.db.url).await.expect("store");
            assert!(store.load(id).await.expect("load").is_empty(), "nothing from the bad message is stored");
        }
    }
}

fn cbor(value: Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(&value, &mut out).expect("encode");
    out
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (Value::Text(k.into()), v)).collect())
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// A sync message carrying one change that sets `key`.
fn sync_with_change(key: &str) -> (Automerge, Vec<u8>) {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, key, 1).expect("put");
    tx.commit();
    let changes: Vec<Vec<u8>> = doc.get_changes(&[]).iter().map(|c| c.raw_bytes().to_vec()).collect();
    let message = SyncMessage {
        heads: doc.get_heads(),
        need: vec![],
        have: vec![],
        changes: ChunkList::from(changes),
        flags: None,
        version: MessageVersion::V1,
    };
    (doc, message.encode())
}

async fn expect_refused(peer: &mut RawPeer, contains: &str) {
    let error = peer.expect_error_then_close().await.expect("error then close");
    assert!(error.contains(contains), "error {error:?} should mention {contains:?}");
}

#[tokio::test]
async fn malformed_cbor() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    peer.send_frame(vec![0xbf, 0x61, 0x74, 0xff, 0x00, 0x13]).await.expect("send");
    expect_refused(&mut peer, "not valid CBOR").await;
    b.others_carry_on(None).await;
}

#[tokio::test]
async fn unknown_message_type() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    peer.send_frame(cbor(map(vec![("type", text("gossip")), ("senderId", text(&peer.peer_id.clone()))])))
        .await
        .expect("send");
    expect_refused(&mut peer, "unknown message type \"gossip\"").await;
    b.others_carry_on(None).await;
}

#[tokio::test]
async fn missing_fields() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    let id = peer.peer_id.clone();
    peer.send_frame(cbor(map(vec![("type", text("sync")), ("senderId", text(&id)), ("targetId", text("s"))])))
        .await
        .expect("send");
    expect_refused(&mut peer, "missing the field `documentId`").await;
    b.others_carry_on(None).await;
}

#[tokio::test]
async fn frame_over_the_size_limit() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    let target = DocumentId::random();
    let message = Message::Sync {
        sender_id: peer.peer_id.clone(),
        target_id: peer.server_id.clone(),
        document_id: target,
        data: vec![0u8; LIMIT + 1],
    };
    peer.send(&message).await.expect("send");
    expect_refused(&mut peer, "over the limit").await;
    b.others_carry_on(Some(target)).await;
}

#[tokio::test]
async fn sync_payload_that_does_not_decode() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    let target = DocumentId::random();
    let message = Message::Sync {
        sender_id: peer.peer_id.clone(),
        target_id: peer.server_id.clone(),
        document_id: target,
        data: b"definitely not a sync message".to_vec(),
    };
    peer.send(&message).await.expect("send");
    expect_refused(&mut peer, "does not decode").await;
    b.others_carry_on(Some(target)).await;
}

#[tokio::test]
async fn change_that_does_not_apply() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    let target = DocumentId::random();
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, "k", 1).expect("put");
    tx.commit();
    let mut change = doc.get_changes(&[])[0].raw_bytes().to_vec();
    let last = change.len() - 1;
    change[last] ^= 0xff; // the checksum no longer matches the change
    let message = SyncMessage {
        heads: doc.get_heads(),
        need: vec![],
        have: vec![],
        changes: ChunkList::from(vec![change]),
        flags: None,
        version: MessageVersion::V1,
    };
    peer.send_sync(target, message.encode()).await.expect("send");
    expect_refused(&mut peer, "does not apply").await;
    b.others_carry_on(Some(target)).await;
}

#[tokio::test]
async fn invalid_document_id() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    let id = peer.peer_id.clone();
    peer.send_frame(cbor(map(vec![
        ("type", text("request")),
        ("senderId", text(&id)),
        ("targetId", text("server")),
        ("documentId", text("not-a-document")),
        ("data", Value::Bytes(vec![])),
    ])))
    .await
    .expect("send");
    expect_refused(&mut peer, "invalid documentId").await;
    b.others_carry_on(None).await;
}

#[tokio::test]
async fn messages_before_the_handshake() {
    let b = bench().await;
    let mut peer = RawPeer::connect(&b.server.sync_url()).await.expect("connect");
    let (_, data) = sync_with_change("early");
    let target = DocumentId::random();
    peer.send(&Message::Sync {
        sender_id: peer.peer_id.clone(),
        target_id: "server".into(),
        document_id: target,
        data,
    })
    .await
    .expect("send");
    expect_refused(&mut peer, "expected `join` first").await;
    b.others_carry_on(Some(target)).await;
}

#[tokio::test]
async fn text_frames_and_impersonation() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    peer.send_text("{\"type\":\"join\"}").await.expect("send");
    expect_refused(&mut peer, "binary CBOR").await;

    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    let (_, data) = sync_with_change("spoof");
    let target = DocumentId::random();
    peer.send(&Message::Sync {
        sender_id: "someone-else".into(),
        target_id: peer.server_id.clone(),
        document_id: target,
        data,
    })
    .await
    .expect("send");
    expect_refused(&mut peer, "is not the peer that joined").await;
    b.others_carry_on(Some(target)).await;
}

#[tokio::test]
async fn unsupported_protocol_version() {
    let b = bench().await;
    let mut peer = RawPeer::connect(&b.server.sync_url()).await.expect("connect");
    peer.send(&Message::Join {
        sender_id: peer.peer_id.clone(),
        supported_protocol_versions: vec!["2".into()],
        peer_metadata: None,
    })
    .await
    .expect("send");
    expect_refused(&mut peer, "unsupported protocol versions").await;
    b.others_carry_on(None).await;
}

/// Both sync message formats: V1 (a list of changes) and V2 (a whole compressed document).
#[tokio::test]
async fn both_sync_message_versions_are_accepted() {
    let b = bench().await;
    let store = zhiban_server::store::open(&b.db.url).await.expect("store");
    for version in [MessageVersion::V1, MessageVersion::V2] {
        let label = format!("{version:?}");
        let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
        let target = DocumentId::random();
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "version", label.as_str()).expect("put");
        tx.commit();
        let changes = match version {
            MessageVersion::V1 => {
                ChunkList::from(doc.get_changes(&[]).iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>())
            }
            MessageVersion::V2 => ChunkList::from(doc.save()),
        };
        let message = SyncMessage { heads: doc.get_heads(), need: vec![], have: vec![], changes, flags: None, version };
        peer.send_sync(target, message.encode()).await.expect("send");
        // The server answers with its heads, which now include the change.
        let answered = loop {
            match peer.recv(Duration::from_secs(5)).await {
                Received::Message(Message::Sync { data, .. }) => {
                    let reply = SyncMessage::decode(&data).expect("reply decodes");
                    if reply.heads == doc.get_heads() {
                        break true;
                    }
                }
                Received::Message(_) => continue,
                _ => break false,
            }
        };
        assert!(answered, "{label}: server heads never included the change");
        let mut stored = Automerge::new();
        for chunk in store.load(target).await.expect("load") {
            stored.load_incremental(&chunk.data).expect("loads");
        }
        assert_eq!(stored.get_heads(), doc.get_heads(), "{label} stored");
        assert!(stored.get(automerge::ROOT, "version").expect("read").is_some());
    }
    b.others_carry_on(None).await;
}

/// A phone that vanishes without closing (its network gone) is dropped after three silent keepalive
/// intervals; a phone that answers pings stays.
#[tokio::test]
async fn a_silent_peer_is_dropped_and_a_live_one_stays() {
    zhiban_tests::init_logging();
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let config =
        ServerConfig { database_url: db.url.clone(), keepalive: Duration::from_millis(200), ..ServerConfig::default() };
    let server = InProcessServer::start_with(config).await.expect("server");
    let live = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
    let id = live.client.create_document(&json!({"n": 0})).expect("create");
    let _syncing = live.client.keep_syncing();
    let mut silent = RawPeer::join(&server.sync_url()).await.expect("join");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Only now does the silent peer read. The server has closed: the socket answers with the close (the
    // error frame before it may be lost, since answering the queued pings fails on the closed socket).
    loop {
        match silent.recv(Duration::from_secs(5)).await {
            Received::Closed => break,
            Received::Nothing => panic!("the silent peer was not dropped"),
            _ => {}
        }
    }
    live.client.set_path(id, "n", &json!(1)).expect("edit");
    let confirmed = tokio::time::timeout(Duration::from_secs(10), async {
        while live.client.status().expect("status").pending_changes() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(confirmed.is_ok(), "the live phone kept its connection and synced");
    assert_eq!(live.client.status().expect("status").connection, zhiban_client_core::ConnectionState::Online);
}

/// Asking for document after document that nobody has fills memory; past a thousand the peer is refused.
#[tokio::test]
async fn too_many_requests_for_missing_documents() {
    let b = bench().await;
    let mut peer = RawPeer::join(&b.server.sync_url()).await.expect("join");
    let empty = {
        let doc = Automerge::new();
        let mut state = automerge::sync::State::new();
        automerge::sync::SyncDoc::generate_sync_message(&doc, &mut state).expect("first message").encode()
    };
    for _ in 0..1001 {
        let request = Message::Request {
            sender_id: peer.peer_id.clone(),
            target_id: peer.server_id.clone(),
            document_id: DocumentId::random(),
            data: empty.clone(),
        };
        peer.send(&request).await.expect("send");
    }
    let mut unavailable = 0;
    let reason = loop {
        match peer.recv(Duration::from_secs(10)).await {
            Received::Message(Message::DocUnavailable { .. }) => unavailable += 1,
            Received::Message(Message::Error { message, .. }) => break message,
            other => panic!("expected doc-unavailable answers then an error, got {other:?}"),
        }
    };
    assert_eq!(unavailable, 1001);
    assert!(reason.contains("requests for documents that do not exist"), "{reason}");
    b.others_carry_on(None).await;
}
