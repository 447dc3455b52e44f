//! The server refuses a change that makes a typed document invalid or rewrites what was recorded, even
//! from a client that skips the local checks (here: plain JSON edits). Nothing of a refused change is
//! stored, the sender is told why, and other phones carry on.

use std::time::Duration;

use serde_json::json;
use zhiban_model::documents::incident::{FirstReport, Incident, ReportDetails, Reporter};
use zhiban_model::documents::instruction::Instruction;
use zhiban_tests::accounts::login;
use zhiban_tests::duty::{add_people, as_json, at, create, record_directory, small_city};
use zhiban_tests::server::http_get_as;
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

const SYNC: Duration = Duration::from_secs(20);

fn first_report() -> Incident {
    let report = FirstReport {
        title: "西城区山体滑坡".into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-01T08:00:00+08:00")),
        reporter: Reporter { person: "li".into(), unit: "east".into(), ..Default::default() },
        details: ReportDetails { account: "滑坡".into(), ..Default::default() },
        ..Default::default()
    };
    Incident::file_first_report(report, "e1", at("2026-10-01T08:10:00+08:00"), &small_city()).expect("valid")
}

/// The small city recorded by its administrator, with an account for each of its people; returns the
/// phone of `li`, a field reporter of the east district.
async fn city(server: &InProcessServer, db: &TestDatabase) -> Phone {
    record_directory(&server.http_url(), &small_city()).await.expect("directory");
    add_people(&db.url, &small_city()).await.expect("accounts");
    Phone::signed_in(&server.http_url(), "li").await.expect("li's phone")
}

#[tokio::test]
async fn the_server_refuses_invalid_and_forbidden_changes_and_stores_nothing_of_them() {
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let desk = city(&server, &db).await;
        let incident_id = create(&desk, &first_report());
        desk.client.sync_once(SYNC).await.expect("valid documents are stored");

        let cases: Vec<(&str, serde_json::Value, &str)> = vec![
            (
                "negative casualties",
                json!({"casualties": {"dead": -1, "injured": 0, "serious_injuries": 0, "missing": 0, "trapped": 0}}),
                "a count cannot be negative",
            ),
            ("impossible time", json!({"occurred_at": "2026-10-01T09:00:00+08:00"}), "after it was received"),
        ];
        for (what, details, reason) in cases {
            let rogue = Phone::signed_in(&server.http_url(), "li").await.expect("rogue phone");
            let mut incident = desk.client.get_json(incident_id).expect("read");
            let entry = &mut incident["entries"]["e1"]["details"];
            for (k, v) in details.as_object().expect("object") {
                entry[k] = v.clone();
            }
            let id = rogue.client.create_document(&incident).expect("create");
            let refused = rogue.client.sync_once(Duration::from_secs(5)).await.expect_err(what);
            assert!(refused.to_string().contains(reason), "{backend:?} {what}: {refused}");
            let token = login(&server.http_url(), "desk").await.expect("the desk's token");
            let (status, _) = http_get_as(server.addr, &format!("/api/v1/incidents/{id}"), &token).await.expect("api");
            assert_eq!(status, 404, "{what}: nothing of the refused document was stored");
        }

        // An unknown unit, and an instruction without recipients.
        let rogue = Phone::signed_in(&server.http_url(), "desk").await.expect("rogue phone");
        let mut elsewhere = desk.client.get_json(incident_id).expect("read");
        elsewhere["unit"] = json!("atlantis");
        rogue.client.create_document(&elsewhere).expect("create");
        let refused = rogue.client.sync_once(Duration::from_secs(5)).await.expect_err("unknown unit");
        assert!(refused.to_string().contains("unit \"atlantis\" is not in the directory"), "{refused}");

        let rogue = Phone::signed_in(&server.http_url(), "mayor").await.expect("rogue phone");
        let instruction = Instruction::issue(
            "mayor",
            at("2026-10-01T09:00:00+08:00"),
            "核实情况",
            None,
            &["east".into()],
            &small_city(),
        )
        .expect("valid");
        let mut without = as_json(&instruction);
        without["recipients"] = json!({});
        rogue.client.create_document(&without).expect("create");
        let refused = rogue.client.sync_once(Duration::from_secs(5)).await.expect_err("no recipients");
        assert!(refused.to_string().contains("needs at least one recipient"), "{refused}");

        // Rewriting a submitted report: refused, and the server keeps the original.
        let editor = Phone::signed_in(&server.http_url(), "li").await.expect("editor");
        editor.client.fetch(incident_id, SYNC).await.expect("fetch");
        editor.client.set_path(incident_id, "entries.e1.details.account", &json!("改写过的首报")).expect("local edit");
        let refused = editor.client.sync_once(Duration::from_secs(5)).await.expect_err("rewrite");
        assert!(refused.to_string().contains("cannot be changed or removed"), "{refused}");
        let fresh = Phone::signed_in(&server.http_url(), "desk").await.expect("another phone");
        fresh.client.fetch(incident_id, SYNC).await.expect("other phones carry on");
        assert_eq!(
            fresh.client.get_json(incident_id).expect("read")["entries"]["e1"]["details"]["account"],
            json!("滑坡")
        );
        server.stop().await.expect("stop");
    }
}

/// A refused change does not block the phone: its other documents keep syncing, the refused one waits for
/// the user with the server's reason, and discarding it brings back the server's copy.
#[tokio::test]
async fn a_refused_change_waits_for_the_user_and_the_phones_other_documents_keep_syncing() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    let desk = city(&server, &db).await;
    let incident_id = create(&desk, &first_report());
    desk.client.sync_once(SYNC).await.expect("stored");

    let phone = Phone::signed_in(&server.http_url(), "li").await.expect("phone");
    phone.client.fetch(incident_id, SYNC).await.expect("fetch");
    phone.client.set_path(incident_id, "entries.e1.details.account", &json!("改写")).expect("local edit");
    let mut second = first_report();
    second.title = "东城区道路塌陷".into();
    let note = create(&phone, &second);
    let refused = phone.client.sync_once(SYNC).await.expect_err("the rewrite is refused");
    assert!(matches!(&refused, zhiban_client_core::ClientError::ChangesRefused(docs) if docs.len() == 1), "{refused}");

    let status = phone.client.status().expect("status");
    assert_eq!(status.refused.len(), 1);
    assert_eq!(status.refused[0].id, incident_id);
    let refusal = &status.refused[0].refusals[0];
    assert_eq!(
        (refusal.rule.as_str(), refusal.part.as_deref()),
        ("document.history", Some("entries/e1")),
        "{refusal:?}"
    );
    assert!(refusal.reason.contains("cannot be changed or removed") && !refusal.reason_zh.is_empty(), "{refusal:?}");
    let other = Phone::signed_in(&server.http_url(), "desk").await.expect("another phone");
    other.client.fetch(note, SYNC).await.expect("the other document went through in the same session");

    // Still refused on the next sync (kept, not sent again), until the user gives it up.
    assert!(phone.client.sync_once(SYNC).await.is_err());
    assert_eq!(phone.client.get_json(incident_id).expect("kept")["entries"]["e1"]["details"]["account"], json!("改写"));
    phone.client.discard_local_changes(incident_id).expect("discard");
    phone.client.sync_once(SYNC).await.expect("nothing refused any more");
    assert_eq!(
        phone.client.get_json(incident_id).expect("server's copy")["entries"]["e1"]["details"]["account"],
        json!("滑坡")
    );
    assert!(phone.client.status().expect("status").refused.is_empty());
    server.stop().await.expect("stop");
}
