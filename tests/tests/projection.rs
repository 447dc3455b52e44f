//! Projections equal the documents after every sync, on SQLite and PostgreSQL: each check reads the rows
//! the server wrote and compares them with what the model says of the document the phone holds (an
//! independent reading, not the projection code run twice). Rebuilding gives the same rows.

use std::time::Duration;

use zhiban_client_core::DocumentId;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::incident::{Casualties, FirstReport, Incident, ReportDetails, ReportKind, Reporter};
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::roster::{LeaderEntry, RosterDocument, ShiftEntry};
use zhiban_model::rules::grade::{Grade, GradeThresholds};
use zhiban_server::db::Database;
use zhiban_server::on_database;
use zhiban_tests::duty::{add_people, at, create, put, read, record_directory, small_city};
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

const SYNC: Duration = Duration::from_secs(20);

/// (title, stage, effective grade, report count, dead, pending fields)
type IncidentRow = (String, String, String, i64, i64, String);
/// (entry id, label), in chain order.
type ChainRows = Vec<(String, String)>;
/// (recipient, person, device, server receipt time)
type AcknowledgementRow = (String, String, String, Option<i64>);
/// (shift id, main, deputy, leader)
type ShiftRow = (String, Option<String>, Option<String>, Option<String>);

async fn database(url: &str) -> Database {
    zhiban_server::store::open(url).await.expect("open the store").database()
}

/// (title, stage, effective grade, report count, dead, pending fields) and the chain's labels in order.
async fn incident_rows(db: &Database, id: DocumentId) -> (IncidentRow, ChainRows) {
    let key = id.to_string();
    on_database!(db, pool => {(
        sqlx::query_as("SELECT title, stage, effective_grade, report_count, dead, pending_fields FROM incidents WHERE document_id = $1")
            .bind(&key).fetch_one(pool).await.expect("incident row"),
        sqlx::query_as("SELECT entry_id, label FROM report_entries WHERE document_id = $1 ORDER BY position")
            .bind(&key).fetch_all(pool).await.expect("entry rows"),
    )})
}

fn expected_incident(i: &Incident) -> (IncidentRow, ChainRows) {
    let grade = i.effective_grade(&GradeThresholds::default()).grade;
    (
        (
            i.title.clone(),
            i.stage().as_str().to_owned(),
            zhiban_model::documents::incident::grade_code(grade).to_owned(),
            i.entries.len() as i64,
            i.current_figures().map(|f| f.casualties.dead).unwrap_or(0),
            i.still_pending().join(","),
        ),
        i.chain().into_iter().map(|(id, label, _)| (id, label.to_zh())).collect(),
    )
}

async fn check_incident(db: &Database, phone: &Phone, id: DocumentId) {
    let incident: Incident = read(phone, id);
    assert_eq!(incident_rows(db, id).await, expected_incident(&incident));
}

/// (number, status, acknowledged count) and each acknowledgement (recipient, person, device, stamped?).
async fn check_instruction(db: &Database, phone: &Phone, id: DocumentId) -> Instruction {
    let instruction: Instruction = read(phone, id);
    let key = id.to_string();
    let (row, acks): ((Option<String>, String, i64), Vec<AcknowledgementRow>) = on_database!(db, pool => {(
        sqlx::query_as("SELECT number, status, acknowledged_count FROM instructions WHERE document_id = $1")
            .bind(&key).fetch_one(pool).await.expect("instruction row"),
        sqlx::query_as("SELECT recipient_id, person_id, device, server_received_at FROM acknowledgements WHERE document_id = $1 ORDER BY recipient_id, person_id")
            .bind(&key).fetch_all(pool).await.expect("acknowledgement rows"),
    )});
    let acknowledged =
        instruction.recipients.keys().filter(|r| instruction.acknowledged_by_recipient(r)).count() as i64;
    assert_eq!(row, (instruction.number.clone(), instruction.status().as_str().to_owned(), acknowledged));
    let expected: Vec<_> = instruction
        .acknowledgements
        .values()
        .map(|a| (a.recipient.clone(), a.person.clone(), a.device.clone(), a.server_received_at.is_some()))
        .collect();
    let found: Vec<_> = acks.into_iter().map(|(r, p, d, s)| (r, p, d, s.is_some())).collect();
    assert_eq!(found, expected);
    instruction
}

async fn check_roster(db: &Database, phone: &Phone, id: DocumentId) {
    let roster: RosterDocument = read(phone, id);
    let key = id.to_string();
    let (status, shifts): (String, Vec<ShiftRow>) = on_database!(db, pool => {(
        sqlx::query_scalar("SELECT filing_status FROM rosters WHERE document_id = $1").bind(&key).fetch_one(pool).await.expect("roster row"),
        sqlx::query_as("SELECT shift_id, main, deputy, leader FROM shifts WHERE document_id = $1 ORDER BY shift_id")
            .bind(&key).fetch_all(pool).await.expect("shift rows"),
    )});
    assert_eq!(status, format!("{:?}", roster.filing_status()).to_lowercase());
    let mut expected: Vec<_> =
        roster.shifts.iter().map(|(id, s)| (id.clone(), s.main.clone(), s.deputy.clone(), None)).collect();
    expected.extend(roster.leaders.iter().map(|(id, l)| (format!("leader:{id}"), None, None, l.leader.clone())));
    expected.sort();
    assert_eq!(shifts, expected);
}

fn reporter() -> Reporter {
    Reporter {
        person: "li".into(),
        unit: "east".into(),
        name: "李四".into(),
        title: "科员".into(),
        phone: "139-li".into(),
    }
}

#[tokio::test]
async fn projection_equals_the_document_after_every_sync() {
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let sql = database(&db.url).await;
        let directory: Directory = small_city();
        let directory_id = record_directory(&server.http_url(), &directory).await.expect("directory stored");
        add_people(&db.url, &directory).await.expect("accounts");
        let desk = Phone::signed_in(&server.http_url(), "desk").await.expect("desk");
        let field = Phone::signed_in(&server.http_url(), "li").await.expect("field phone");
        let officer = Phone::signed_in(&server.http_url(), "wang").await.expect("east's duty officer");
        let units: i64 = on_database!(&sql, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(pool).await.expect("count")
        });
        assert_eq!(units, 3, "{backend:?}: the directory is projected");

        // A first report from the field, then a follow-up, then the desk assesses.
        let report = FirstReport {
            title: "东城区仓库火灾".into(),
            unit: "east".into(),
            received_at: Some(at("2026-10-01T08:00:00+08:00")),
            reporter: reporter(),
            details: ReportDetails {
                account: "仓库起火".into(),
                casualties: Some(Casualties { dead: 1, injured: 3, ..Default::default() }),
                ..Default::default()
            },
            pending: vec!["cause".into()],
            ..Default::default()
        };
        let incident =
            Incident::file_first_report(report, "e1", at("2026-10-01T08:20:00+08:00"), &directory).expect("valid");
        let incident_id = create(&field, &incident);
        field.client.sync_once(SYNC).await.expect("first report");
        check_incident(&sql, &field, incident_id).await;

        let mut incident: Incident = read(&field, incident_id);
        let details = ReportDetails {
            cause: Some("电气线路老化".into()),
            casualties: Some(Casualties { dead: 3, injured: 5, ..Default::default() }),
            ..Default::default()
        };
        incident
            .add_report("e2", ReportKind::FollowUp, reporter(), details, at("2026-10-01T10:00:00+08:00"))
            .expect("follow-up");
        put(&field, incident_id, &incident).expect("write");
        field.client.sync_once(SYNC).await.expect("follow-up");
        check_incident(&sql, &field, incident_id).await;

        desk.client.fetch(incident_id, SYNC).await.expect("desk fetches");
        let mut on_desk: Incident = read(&desk, incident_id);
        assert_eq!(on_desk.suggested_grade(&GradeThresholds::default()).grade, Grade::III, "three dead");
        on_desk
            .assess(Grade::III, "", "desk", at("2026-10-01T10:30:00+08:00"), &GradeThresholds::default())
            .expect("assess");
        put(&desk, incident_id, &on_desk).expect("write");
        desk.client.sync_once(SYNC).await.expect("assessed");
        check_incident(&sql, &desk, incident_id).await;
        let (row, labels) = incident_rows(&sql, incident_id).await;
        assert_eq!((row.1.as_str(), row.2.as_str(), row.4), ("assessed", "III", 3));
        assert_eq!(labels.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>(), vec!["首报", "续报一"]);

        // An instruction: numbered by the server, acknowledged, stamped.
        let instruction = Instruction::issue(
            "mayor",
            at("2026-10-01T11:00:00+08:00"),
            "全力扑救，查明原因",
            Some(incident_id.url()),
            &["east".into()],
            &directory,
        )
        .expect("valid");
        let instruction_id = create(&desk, &instruction);
        desk.client.sync_once(SYNC).await.expect("instruction");
        desk.client.sync_once(SYNC).await.expect("the server's number comes back");
        let numbered = check_instruction(&sql, &desk, instruction_id).await;
        assert_eq!(numbered.number.as_deref(), Some("2026-001"), "{backend:?}: first of the year");
        field.client.fetch(instruction_id, SYNC).await.expect("fetch");
        let mut on_field: Instruction = read(&field, instruction_id);
        on_field.acknowledge("east", "li", "field-phone", at("2026-10-01T11:04:00+08:00"), &directory).expect("ack");
        put(&field, instruction_id, &on_field).expect("write");
        field.client.sync_once(SYNC).await.expect("ack");
        field.client.sync_once(SYNC).await.expect("the stamp comes back");
        let acknowledged = check_instruction(&sql, &field, instruction_id).await;
        assert!(acknowledged.acknowledgements["east/li"].server_received_at.is_some(), "stamped by the server");

        // A roster, edited and filed.
        let mut roster = RosterDocument::new(
            "east",
            chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("d").and_hms_opt(8, 0, 0).expect("t"),
            chrono::NaiveDate::from_ymd_opt(2026, 10, 2).expect("d").and_hms_opt(8, 0, 0).expect("t"),
        );
        roster.shifts.insert(
            "s1".into(),
            ShiftEntry {
                start: "2026-10-01T08:00".into(),
                end: "2026-10-02T08:00".into(),
                main: Some("wang".into()),
                deputy: Some("zhao".into()),
                on_post: true,
            },
        );
        roster.leaders.insert(
            "l1".into(),
            LeaderEntry {
                start: "2026-10-01T08:00".into(),
                end: "2026-10-02T08:00".into(),
                leader: Some("east-chief".into()),
            },
        );
        let roster_id = create(&officer, &roster);
        officer.client.sync_once(SYNC).await.expect("roster");
        check_roster(&sql, &officer, roster_id).await;
        let mut roster: RosterDocument = read(&officer, roster_id);
        roster
            .file("wang", chrono::NaiveDate::from_ymd_opt(2026, 9, 28).expect("d").and_hms_opt(9, 0, 0).expect("t"))
            .expect("file");
        put(&officer, roster_id, &roster).expect("write");
        officer.client.sync_once(SYNC).await.expect("filed");
        check_roster(&sql, &officer, roster_id).await;

        // Rebuilding from the documents gives the same rows.
        server.stop().await.expect("stop");
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let office = zhiban_server::office::Office::new(store.database(), Default::default());
        let report = zhiban_server::projection::reproject_all(&*store, &office).await.expect("reproject");
        assert_eq!(report.projected, 4, "{backend:?}: {report:?}");
        check_incident(&sql, &desk, incident_id).await;
        check_instruction(&sql, &field, instruction_id).await;
        check_roster(&sql, &officer, roster_id).await;
        let _ = directory_id;
    }
}
