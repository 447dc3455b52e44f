//! The duty office on phones, for real on loopback: reports filed offline and the desk's assessment both
//! survive sync, two offline acknowledgements both keep their device, device time and server receipt time,
//! bad input is refused on the phone with every reason, attachments upload (and resume) once online, and the
//! roster answers "my shifts" and "who is on duty now".

use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use zhiban_client_core::{ClientError, DocumentId, UploadOptions};
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_model::documents::incident::{Casualties, FirstReport, ReportDetails, Stage};
use zhiban_model::documents::roster::{LeaderEntry, RosterDocument, ShiftEntry};
use zhiban_model::rules::grade::{Grade, GradeThresholds};
use zhiban_tests::photos::{photo, sha256_hex};
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

const SYNC: Duration = Duration::from_secs(20);

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("time")
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("local time")
}

fn directory() -> Directory {
    let mut d = Directory::default();
    let unit = |name: &str, parent: Option<&str>, phone: &str| Unit {
        name: name.into(),
        parent: parent.map(str::to_owned),
        category: DutyCategory::One,
        duty_phone: phone.into(),
    };
    d.units.insert("city".into(), unit("市政府总值班室", None, "0571-12345"));
    d.units.insert("east".into(), unit("东城区政府值班室", Some("city"), "0571-22222"));
    let person = |name: &str, unit: &str, rank: Rank, phone: &str, role: Role| Person {
        name: name.into(),
        unit: unit.into(),
        rank,
        phone: phone.into(),
        roles: vec![role],
    };
    d.people.insert("desk1".into(), person("陈值班", "city", Rank::Section, "13900000001", Role::Desk));
    d.people.insert("li".into(), person("李四", "east", Rank::Section, "13900000002", Role::Field));
    d.people.insert("wang".into(), person("王五", "east", Rank::Section, "13900000003", Role::UnitOfficer));
    d.people.insert("zhao".into(), person("赵六", "east", Rank::Section, "13900000004", Role::UnitOfficer));
    d.people.insert("chief".into(), person("钱区长", "east", Rank::Principal, "13900000005", Role::Leader));
    d
}

/// A URL where no server listens: a phone pointed there is offline.
fn nowhere() -> String {
    format!("http://{}", zhiban_tests::server::free_port().expect("port"))
}

struct Office {
    _db: TestDatabase,
    server: InProcessServer,
    /// The city desk, online; it made the directory.
    desk: Phone,
    directory: DocumentId,
}

async fn office(backend: Backend) -> Office {
    let db = TestDatabase::new(backend).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    let directory =
        zhiban_tests::duty::record_directory(&server.http_url(), &self::directory()).await.expect("directory");
    zhiban_tests::duty::add_people(&db.url, &self::directory()).await.expect("accounts");
    let desk = Phone::signed_in(&server.http_url(), "desk1").await.expect("desk");
    desk.client.use_directory(directory).expect("desk uses the directory");
    desk.client.fetch(directory, SYNC).await.expect("directory on the desk");
    desk.client.set_identity("desk1", "desk-pc").expect("desk identity");
    Office { _db: db, server, desk, directory }
}

impl Office {
    /// A phone of `person` holding the directory (fetched while online).
    async fn phone(&self, person: &str, device: &str) -> Phone {
        let phone = Phone::signed_in(&self.server.http_url(), person).await.expect("phone");
        // The phone asks the server which document is the directory, as a new phone does.
        let directory = phone.client.directory_from_server(SYNC).await.expect("directory from the server");
        assert_eq!(directory, self.directory);
        phone.client.set_identity(person, device).expect("identity");
        phone
    }

    fn online(&self, phone: Phone) -> Phone {
        phone.restart(&self.server.http_url()).expect("restart online")
    }
}

fn offline(phone: Phone) -> Phone {
    phone.restart(&nowhere()).expect("restart offline")
}

fn fire_report() -> FirstReport {
    FirstReport {
        title: "东城区仓库火灾".into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-01T08:00:00+08:00")),
        details: ReportDetails {
            account: "仓库起火，消防已到场".into(),
            occurred_at: Some("2026-10-01T07:50:00+08:00".into()),
            casualties: Some(Casualties { dead: 1, injured: 4, serious_injuries: 2, ..Default::default() }),
            ..Default::default()
        },
        pending: vec!["direct_loss_cny".into(), "cause".into()],
        ..Default::default()
    }
}

#[tokio::test]
async fn a_report_filed_offline_and_the_desks_assessment_both_survive_sync() {
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        let office = office(backend).await;
        let field = offline(office.phone("li", "li-phone").await);

        // In the field, with no network: the first report is saved on the phone.
        let filed = field.client.file_first_report(fire_report(), at("2026-10-01T08:10:00+08:00")).expect("file");
        assert_eq!(filed.pending, vec!["cause".to_string(), "direct_loss_cny".to_string()]);
        let err = field.client.sync_once(SYNC).await.expect_err("offline");
        assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
        let field = office.online(field);
        field.client.sync_once(SYNC).await.expect("first report reaches the server");
        office.desk.client.fetch(filed.incident, SYNC).await.expect("desk fetches");

        // Offline again, the reporter adds a follow-up while the desk, online, assesses the incident.
        let field = offline(field);
        let follow_up = field
            .client
            .add_follow_up(
                filed.incident,
                ReportDetails {
                    account: "损失初步核定".into(),
                    direct_loss_cny: Some(3_000_000),
                    ..Default::default()
                },
                at("2026-10-01T08:40:00+08:00"),
            )
            .expect("follow-up offline");
        let thresholds = GradeThresholds::default();
        office
            .desk
            .client
            .assess_incident(
                filed.incident,
                Grade::III,
                "化工仓库，次生风险大",
                at("2026-10-01T08:30:00+08:00"),
                &thresholds,
            )
            .expect("assess");
        office.desk.client.sync_once(SYNC).await.expect("desk syncs");

        let field = office.online(field);
        field.client.sync_once(SYNC).await.expect("field syncs");
        office.desk.client.sync_once(SYNC).await.expect("desk syncs again");

        let reader = Phone::signed_in(&office.server.http_url(), "desk1").await.expect("fresh phone");
        reader.client.fetch(filed.incident, SYNC).await.expect("fetch from the server");
        for (who, phone) in [("field", &field), ("desk", &office.desk), ("server", &reader)] {
            let view = phone.client.show_incident(filed.incident, &thresholds).expect("show");
            let labels: Vec<&str> = view.chain.iter().map(|(_, label, _)| label.as_str()).collect();
            assert_eq!(labels, vec!["首报", "续报一"], "{who} on {backend:?}");
            assert_eq!(view.chain[0].0, filed.entry, "{who}");
            assert_eq!(view.chain[1].0, follow_up, "{who}");
            assert_eq!(view.chain[0].2.reporter.name, "李四", "{who}: reporter from the directory");
            assert_eq!(view.stage, Stage::Assessed, "{who} on {backend:?}");
            assert_eq!(view.confirmed_grade, Some(Grade::III), "{who}");
            assert_eq!(view.pending, vec!["cause".to_string()], "{who}");
            let figures = view.figures.expect("figures");
            assert_eq!((figures.casualties.dead, figures.direct_loss_cny), (1, 3_000_000), "{who}");
        }
        assert_eq!(field.client.status().expect("status").pending_changes(), 0);
        office.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn two_offline_acknowledgements_both_survive_with_device_times_and_server_receipt_times() {
    for backend in Backend::available() {
        let office = office(backend).await;
        let instruction = office
            .desk
            .client
            .issue_instruction(
                "chief",
                at("2026-10-01T09:00:00+08:00"),
                "请东城区全力救治伤员，查明起火原因",
                None,
                &["east".to_string()],
            )
            .expect("issue");
        office.desk.client.sync_once(SYNC).await.expect("to the server");

        let wang = office.phone("wang", "wang-phone").await;
        let zhao = office.phone("zhao", "zhao-phone").await;
        for phone in [&wang, &zhao] {
            phone.client.fetch(instruction, SYNC).await.expect("fetch instruction");
            let pending = phone.client.pending_acknowledgements().expect("pending");
            assert_eq!(pending.len(), 1);
            assert_eq!(pending[0].instruction, instruction);
            assert_eq!(pending[0].recipients, vec!["east".to_string()]);
        }
        let (wang, zhao) = (offline(wang), offline(zhao));
        let recipient = wang.client.acknowledge(instruction, None, at("2026-10-01T09:02:00+08:00")).expect("wang acks");
        assert_eq!(recipient, "east");
        zhao.client.acknowledge(instruction, Some("east"), at("2026-10-01T09:03:30+08:00")).expect("zhao acks");
        assert!(wang.client.pending_acknowledgements().expect("pending").is_empty());
        wang.client.add_progress(instruction, "伤员已送医", at("2026-10-01T09:10:00+08:00")).expect("progress");

        let (wang, zhao) = (office.online(wang), office.online(zhao));
        wang.client.sync_once(SYNC).await.expect("wang syncs");
        zhao.client.sync_once(SYNC).await.expect("zhao syncs");
        wang.client.sync_once(SYNC).await.expect("wang syncs again");
        office.desk.client.sync_once(SYNC).await.expect("desk syncs");

        for (who, phone) in [("wang", &wang), ("zhao", &zhao), ("desk", &office.desk)] {
            let read = phone.client.instruction(instruction).expect("read");
            let acks = &read.acknowledgements;
            assert_eq!(acks.len(), 2, "{who} on {backend:?}: {acks:?}");
            let w = &acks["east/wang"];
            let z = &acks["east/zhao"];
            assert_eq!((w.device.as_str(), w.acknowledged_at.as_str()), ("wang-phone", "2026-10-01T09:02:00+08:00"));
            assert_eq!((z.device.as_str(), z.acknowledged_at.as_str()), ("zhao-phone", "2026-10-01T09:03:30+08:00"));
            for ack in [w, z] {
                let stamp = ack.server_received_at.as_deref().unwrap_or_else(|| panic!("{who}: no receipt time"));
                zhiban_model::documents::time::parse_instant("server_received_at", stamp).expect("a time");
            }
            assert!(read.number.is_some(), "{who}: the server numbered it");
            assert_eq!(read.progress.len(), 1, "{who}");
        }
        office.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn bad_input_is_refused_on_the_phone_with_every_reason() {
    let phone = Phone::new(&nowhere()).expect("phone");
    // Nothing set up yet: the phone says what to do.
    let err = phone.client.file_first_report(fire_report(), at("2026-10-01T08:10:00+08:00")).expect_err("no identity");
    assert!(matches!(&err, ClientError::NotSetUp(reason) if reason == zhiban_client_core::NO_IDENTITY), "{err}");
    phone.client.create_directory(&directory()).expect("directory");
    phone.client.set_identity("li", "li-phone").expect("identity");
    let held = phone.client.documents().expect("documents").len();

    let mut report = fire_report();
    report.unit = "nowhere".into();
    report.details.occurred_at = Some("2026-10-01T09:00:00+08:00".into());
    report.details.casualties = Some(Casualties { dead: -1, injured: 2, ..Default::default() });
    let err = phone.client.file_first_report(report, at("2026-10-01T08:10:00+08:00")).expect_err("refused");
    let ClientError::Refused { refusals, .. } = &err else { panic!("not a refusal: {err}") };
    let text = err.to_string();
    assert!(text.starts_with("cannot file this first report:"), "{text}");
    assert!(refusals.iter().all(|r| r.rule == "document.problem" && !r.reason_zh.is_empty()), "{refusals:?}");
    let reasons: Vec<&str> = refusals.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons.contains(&"unit \"nowhere\" is not in the directory"), "{reasons:?}");
    assert!(reasons.contains(&"casualties.dead is -1; a count cannot be negative"), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("the incident happened at 2026-10-01T09:00:00+08:00, after it was received")),
        "{reasons:?}"
    );

    let err = phone
        .client
        .issue_instruction("chief", at("2026-10-01T09:00:00+08:00"), "请核实", None, &[])
        .expect_err("no recipients");
    assert!(err.to_string().contains("an instruction needs at least one recipient"), "{err}");

    // A follow-up with a negative count is refused too, and the incident keeps only its first report.
    let filed = phone.client.file_first_report(fire_report(), at("2026-10-01T08:10:00+08:00")).expect("valid");
    let err = phone
        .client
        .add_follow_up(
            filed.incident,
            ReportDetails { direct_loss_cny: Some(-5), ..Default::default() },
            at("2026-10-01T08:20:00+08:00"),
        )
        .expect_err("negative loss");
    assert!(err.to_string().contains("direct_loss_cny is -5; a count cannot be negative"), "{err}");
    assert_eq!(phone.client.incident(filed.incident).expect("read").entries.len(), 1);
    assert_eq!(phone.client.documents().expect("documents").len(), held + 1, "only the valid report was stored");
}

#[tokio::test]
async fn a_photo_attached_offline_uploads_once_online_and_resumes_after_an_interruption() {
    for backend in Backend::available() {
        let office = office(backend).await;
        let base = office.server.http_url();
        let field = offline(office.phone("li", "li-phone").await);
        let filed = field.client.file_first_report(fire_report(), at("2026-10-01T08:10:00+08:00")).expect("file");
        let bytes = photo(3 * 1024 * 1024 + 100, 0);
        let sha = field
            .client
            .attach(
                filed.incident,
                "现场.jpg",
                "image/jpeg",
                &bytes,
                Some(&filed.entry),
                at("2026-10-01T08:12:00+08:00"),
            )
            .expect("attach offline");
        assert_eq!(sha, sha256_hex(&bytes));
        let recorded = &field.client.incident(filed.incident).expect("read").attachments[&sha];
        assert_eq!((recorded.size, recorded.entry.as_deref()), (bytes.len() as i64, Some(filed.entry.as_str())));
        let err = field.client.upload_attachments(UploadOptions::default()).await.expect_err("offline");
        assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");

        let field = office.online(field);
        field.client.sync_once(SYNC).await.expect("incident to the server");
        // The connection drops after the first chunk.
        let options = UploadOptions { chunk_bytes: 1024 * 1024, max_chunks: Some(1) };
        let first = field.client.upload_attachments(options).await.expect("first chunk");
        assert_eq!((first.attachments[0].sent, first.attachments[0].complete), (1024 * 1024, false));
        let token = zhiban_tests::accounts::login(&base, "desk1").await.expect("the desk's token");
        let status = status_of(&base, &sha, &token).await;
        assert_eq!((status["received"].as_i64(), status["complete"].as_bool()), (Some(1024 * 1024), Some(false)));
        assert_eq!(field.client.attachments_to_upload().expect("to upload").len(), 1);

        // Next time it continues from the server's offset and sends only the rest.
        let rest = field.client.upload_attachments(UploadOptions::default()).await.expect("the rest");
        let upload = &rest.attachments[0];
        assert_eq!(
            (upload.resumed_from, upload.sent, upload.complete),
            (1024 * 1024, bytes.len() as i64 - 1024 * 1024, true)
        );
        assert!(field.client.attachments_to_upload().expect("to upload").is_empty());

        // The desk reads the incident and downloads the bytes, which hash to what the incident records.
        office.desk.client.fetch(filed.incident, SYNC).await.expect("desk fetches");
        let on_desk = office.desk.client.incident(filed.incident).expect("read");
        let downloaded = reqwest::Client::new()
            .get(format!("{base}/api/v1/attachments/{sha}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(downloaded.status(), 200);
        let downloaded = downloaded.bytes().await.expect("bytes");
        assert_eq!(sha256_hex(&downloaded), on_desk.attachments[&sha].sha256, "{backend:?}");
        assert_eq!(downloaded.len() as i64, on_desk.attachments[&sha].size);
        office.server.stop().await.expect("stop");
    }
}

async fn status_of(base: &str, sha: &str, token: &str) -> serde_json::Value {
    let response = reqwest::Client::new()
        .get(format!("{base}/api/v1/attachments/{sha}/status"))
        .bearer_auth(token)
        .send()
        .await
        .expect("status");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn my_shifts_and_who_is_on_duty_now_come_from_the_rosters_on_the_phone() {
    for backend in Backend::available() {
        let office = office(backend).await;
        let mut roster = RosterDocument::new("east", local("2026-10-01T08:00"), local("2026-10-03T08:00"));
        let shift = |start: &str, end: &str, main: &str, deputy: &str| ShiftEntry {
            start: start.into(),
            end: end.into(),
            main: Some(main.into()),
            deputy: Some(deputy.into()),
            on_post: true,
        };
        roster.shifts.insert("s1".into(), shift("2026-10-01T08:00", "2026-10-02T08:00", "wang", "zhao"));
        roster.shifts.insert("s2".into(), shift("2026-10-02T08:00", "2026-10-03T08:00", "zhao", "wang"));
        roster.leaders.insert(
            "l1".into(),
            LeaderEntry {
                start: "2026-10-01T08:00".into(),
                end: "2026-10-03T08:00".into(),
                leader: Some("chief".into()),
            },
        );
        let roster_id = office.desk.client.create_roster(&roster).expect("roster");
        office.desk.client.sync_once(SYNC).await.expect("roster to the server");

        let zhao = office.phone("zhao", "zhao-phone").await;
        let rosters = zhao.client.rosters_from_server("east", SYNC).await.expect("the unit's rosters");
        assert_eq!(rosters, vec![roster_id], "{backend:?}: the server lists the unit's roster");
        assert!(zhao.client.rosters_from_server("west", SYNC).await.expect("none").is_empty());
        let zhao = offline(zhao);
        let mine = zhao.client.my_shifts().expect("my shifts");
        let summary: Vec<(&str, &str, &str)> =
            mine.iter().map(|s| (s.shift.as_str(), s.post, s.start.as_str())).collect();
        assert_eq!(
            summary,
            vec![("s1", "deputy", "2026-10-01T08:00"), ("s2", "main", "2026-10-02T08:00")],
            "{backend:?}"
        );

        let evening = zhao.client.on_duty("east", local("2026-10-01T20:00")).expect("on duty");
        assert_eq!(evening.duty_phone, "0571-22222");
        let main = evening.main.expect("main");
        assert_eq!((main.person.as_str(), main.name.as_str(), main.phone.as_str()), ("wang", "王五", "13900000003"));
        assert_eq!(evening.deputy.expect("deputy").name, "赵六");
        assert_eq!(evening.leader.expect("leader").name, "钱区长");
        let next_morning = zhao.client.on_duty("east", local("2026-10-02T08:00")).expect("on duty");
        assert_eq!(next_morning.main.expect("main").person, "zhao", "the shift that starts at 08:00 holds 08:00");
        let after = zhao.client.on_duty("east", local("2026-10-03T08:00")).expect("on duty");
        assert!(after.main.is_none() && after.leader.is_none(), "nobody is rostered after the period");
        let err = zhao.client.on_duty("west", local("2026-10-01T20:00")).expect_err("unknown unit");
        assert!(err.to_string().contains("unit \"west\" is not in the directory"), "{err}");
        office.server.stop().await.expect("stop");
    }
}
