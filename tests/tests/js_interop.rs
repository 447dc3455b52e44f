//! The official JavaScript automerge-repo client (npm, 2.x) against our server and our Rust client.

use std::time::Duration;

use serde_json::json;
use zhiban_client_core::DocumentId;
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::js::JsPeer;
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

const SYNC: Duration = Duration::from_secs(30);

#[tokio::test]
async fn documents_cross_between_javascript_and_rust_both_ways() {
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let mut js = JsPeer::start(&server.sync_url()).await.expect("js peer");

        // JavaScript creates; Rust reads.
        let created = js
            .call(json!({"cmd": "create", "doc": {"title": "山体滑坡 首报", "dead": 0, "tags": ["降雨"]}}))
            .await
            .expect("create");
        let url = created["url"].as_str().expect("url").to_owned();
        let id = DocumentId::parse_url_or_id(&url).expect("JS ids are ours");
        let phone = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
        phone.client.fetch(id, SYNC).await.expect("Rust fetches the JS document");
        assert_eq!(
            phone.client.get_json(id).expect("read"),
            json!({"title": "山体滑坡 首报", "dead": 0, "tags": ["降雨"]})
        );

        // Rust creates; JavaScript reads.
        let rust_id = phone
            .client
            .create_document(&json!({"instruction": "立即核实", "recipients": ["区应急局"]}))
            .expect("create");
        phone.client.sync_once(SYNC).await.expect("upload");
        let found = js.call(json!({"cmd": "find", "url": rust_id.url()})).await.expect("JS finds the Rust document");
        assert_eq!(found["doc"], json!({"instruction": "立即核实", "recipients": ["区应急局"]}));
        js.quit().await.expect("quit");
        server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn live_edits_flow_both_ways() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    let mut js = JsPeer::start(&server.sync_url()).await.expect("js peer");
    let phone = Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone");
    let id = phone.client.create_document(&json!({"status": "received"})).expect("create");
    phone.client.sync_once(SYNC).await.expect("upload");
    js.call(json!({"cmd": "find", "url": id.url()})).await.expect("find");
    let _live = phone.client.keep_syncing();

    // Rust → JavaScript, live.
    phone.client.set_path(id, "status", &json!("assessed")).expect("edit");
    js.call(json!({"cmd": "wait", "url": id.url(), "key": "status", "value": "assessed", "timeout_ms": 15000}))
        .await
        .expect("JS sees the Rust edit");

    // JavaScript → Rust, live.
    let mut changes = phone.client.subscribe();
    js.call(json!({"cmd": "set", "url": id.url(), "key": "grade", "value": 3})).await.expect("JS edits");
    tokio::time::timeout(SYNC, async {
        loop {
            if phone.client.get_json(id).expect("read")["grade"] == json!(3) {
                return;
            }
            let _ = changes.recv().await;
        }
    })
    .await
    .expect("Rust sees the JS edit");
    js.quit().await.expect("quit");
}

#[tokio::test]
async fn ephemeral_messages_are_relayed_to_the_other_peers() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    let mut a = JsPeer::start(&server.sync_url()).await.expect("js a");
    let mut b = JsPeer::start(&server.sync_url()).await.expect("js b");
    let url = a.call(json!({"cmd": "create", "doc": {"room": "值班室"}})).await.expect("create")["url"]
        .as_str()
        .expect("url")
        .to_owned();
    b.call(json!({"cmd": "find", "url": url})).await.expect("b finds");
    let a_id = a.call(json!({"cmd": "peer"})).await.expect("peer")["peerId"].clone();

    a.call(json!({"cmd": "broadcast", "url": url, "message": {"typing": "张三"}})).await.expect("broadcast");
    let got = b.call(json!({"cmd": "ephemeral", "url": url, "timeout_ms": 10000})).await.expect("b receives");
    assert_eq!(got["message"], json!({"typing": "张三"}));
    assert_eq!(got["senderId"], a_id, "the original sender is kept");
    // The sender does not get its own message back.
    let echo = a.try_call(json!({"cmd": "ephemeral", "url": url, "timeout_ms": 500})).await.expect("call");
    assert!(echo.get("error").is_some(), "sender got an echo: {echo}");
    a.quit().await.expect("quit");
    b.quit().await.expect("quit");
}

#[tokio::test]
async fn javascript_is_told_when_a_document_does_not_exist() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    let mut js = JsPeer::start(&server.sync_url()).await.expect("js peer");
    let started = std::time::Instant::now();
    let answer = js.try_call(json!({"cmd": "find", "url": DocumentId::random().url()})).await.expect("call");
    let error = answer["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("unavailable"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(10), "answered by doc-unavailable, not by a timeout");
    js.quit().await.expect("quit");
}

/// The JavaScript client writes strings as text and numbers its own way; a typed document it writes is read,
/// checked and projected all the same, and an invalid one is refused.
#[tokio::test]
async fn a_typed_incident_written_by_javascript_is_checked_and_projected() {
    use zhiban_model::documents::incident::{Casualties, FirstReport, Incident, ReportDetails, Reporter};
    use zhiban_tests::duty::{add_people, as_json, at, record_directory, small_city};
    use zhiban_tests::server::http_get_as;

    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    record_directory(&server.http_url(), &small_city()).await.expect("directory");
    add_people(&db.url, &small_city()).await.expect("accounts");

    let report = FirstReport {
        title: "东城区燃气泄漏".into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-02T09:00:00+08:00")),
        reporter: Reporter { person: "li".into(), unit: "east".into(), ..Default::default() },
        details: ReportDetails {
            account: "小区燃气管道泄漏，已疏散居民".into(),
            casualties: Some(Casualties { injured: 2, ..Default::default() }),
            ..Default::default()
        },
        ..Default::default()
    };
    let incident =
        Incident::file_first_report(report, "e1", at("2026-10-02T09:05:00+08:00"), &small_city()).expect("valid");
    // The JavaScript client logs in as li, a field reporter of the east district, with a token in the URL.
    let as_li = server.sync_url_as("li").await.expect("li's token");
    let mut js = JsPeer::start(&as_li).await.expect("js peer");
    let created = js.call(json!({"cmd": "create", "doc": as_json(&incident)})).await.expect("JS files a first report");
    let url = created["url"].as_str().expect("url").to_owned();
    let desk = zhiban_tests::accounts::login(&server.http_url(), "desk").await.expect("the desk's token");
    let (status, body) = http_get_as(server.addr, &format!("/api/v1/incidents/{url}"), &desk).await.expect("api");
    assert_eq!(status, 200, "{body}");
    let detail: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(detail["title"], "东城区燃气泄漏");
    assert_eq!(detail["casualties"]["injured"], 2);
    assert_eq!(detail["chain"][0]["label"], "首报");
    js.quit().await.expect("quit");

    // The same with a negative count: the server refuses it and stores nothing.
    let mut bad = as_json(&incident);
    bad["title"] = json!("伪造的报告");
    bad["entries"]["e1"]["details"]["casualties"]["dead"] = json!(-3);
    let mut js = JsPeer::start(&as_li).await.expect("js peer");
    let refused = js.try_call(json!({"cmd": "create", "doc": bad, "timeout_ms": 2000})).await.expect("answer");
    assert!(refused.get("error").is_some(), "JavaScript is not told the change was stored: {refused}");
    let (_, list) = http_get_as(server.addr, "/api/v1/incidents", &desk).await.expect("api");
    assert!(!list.contains("伪造的报告"), "{list}");
    let _ = js.quit().await;

    // A leader's instruction to east, signed for from JavaScript by wang, east's duty officer: the server
    // takes it as wang's and stamps its receipt time; signing in someone else's name is refused.
    let mayor = Phone::signed_in(&server.http_url(), "mayor").await.expect("the mayor's phone");
    mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
    let instruction = mayor
        .client
        .issue_instruction("mayor", at("2026-10-02T09:10:00+08:00"), "立即核查燃气管网", None, &["east".into()])
        .expect("issued");
    mayor.client.sync_once(SYNC).await.expect("to the server");
    let ack = |person: &str| {
        json!({format!("east/{person}"): {"recipient": "east", "person": person, "device": "js",
               "acknowledged_at": "2026-10-02T09:12:00+08:00", "server_received_at": null}})
    };
    let as_wang = server.sync_url_as("wang").await.expect("wang's token");
    let mut js = JsPeer::start(&as_wang).await.expect("js peer");
    js.call(json!({"cmd": "find", "url": instruction.url()})).await.expect("wang sees the instruction");
    let forged = js
        .try_call(json!({"cmd": "set", "url": instruction.url(), "key": "acknowledgements", "value": ack("zhao"),
                         "timeout_ms": 2000}))
        .await
        .expect("answer");
    assert!(forged.get("error").is_some(), "signing for zhao is not stored: {forged}");
    let _ = js.quit().await;
    let mut js = JsPeer::start(&as_wang).await.expect("js peer");
    js.call(json!({"cmd": "find", "url": instruction.url()})).await.expect("find");
    js.call(json!({"cmd": "set", "url": instruction.url(), "key": "acknowledgements", "value": ack("wang")}))
        .await
        .expect("wang signs for east");
    let (_, detail) =
        http_get_as(server.addr, &format!("/api/v1/instructions/{}", instruction.url()), &desk).await.expect("api");
    let detail: serde_json::Value = serde_json::from_str(&detail).expect("json");
    let acks = &detail["recipients"][0]["acknowledgements"];
    assert_eq!(acks[0]["person"], "wang", "{detail}");
    assert!(acks[0]["server_received_at"].is_string(), "stamped by the server: {detail}");
    let _ = js.quit().await;
    server.stop().await.expect("stop");
}
