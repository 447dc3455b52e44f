//! Who may see and change what, against the real server: a table of role × document type × operation,
//! each row a real phone of a real user whose change is written as raw document edits (so the phone's own
//! checks are skipped and the server alone decides); then home documents, and access ending mid-session.
//! On SQLite, and on PostgreSQL when one is named.

use std::time::Duration;

use serde_json::json;
use zhiban_client_core::{ClientError, DocumentId};
use zhiban_model::documents::directory::{Directory, Person, Rank, Role};
use zhiban_model::documents::incident::{FirstReport, Incident, ReportDetails, ReportKind, Reporter};
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::roster::{RosterDocument, ShiftEntry};
use zhiban_model::rules::grade::{Grade, GradeThresholds};
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::duty::{add_people, at, create, put, read, record_directory, small_city};
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

const SYNC: Duration = Duration::from_secs(20);

/// The small city, with a duty officer at the city who oversees every district, and an administrator.
fn city() -> Directory {
    let mut d = small_city();
    d.people.insert(
        "city-officer".into(),
        Person {
            name: "市值班室干事".into(),
            unit: "city".into(),
            rank: Rank::Section,
            phone: "139-co".into(),
            roles: vec![Role::UnitOfficer],
        },
    );
    d.people.insert(
        "admin".into(),
        Person {
            name: "管理员".into(),
            unit: "city".into(),
            rank: Rank::Section,
            phone: "139-ad".into(),
            roles: vec![Role::Admin],
        },
    );
    d
}

fn reporter(person: &str) -> Reporter {
    let unit = city().people[person].unit.clone();
    Reporter { person: person.into(), unit, name: person.into(), ..Default::default() }
}

fn report(title: &str, by: &str, sensitive: bool) -> Incident {
    let report = FirstReport {
        title: title.into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-01T08:00:00+08:00")),
        sensitive,
        reporter: reporter(by),
        details: ReportDetails { account: "现场情况".into(), ..Default::default() },
        ..Default::default()
    };
    Incident::file_first_report(report, "e1", at("2026-10-01T08:10:00+08:00"), &city()).expect("valid report")
}

fn east_roster() -> RosterDocument {
    let day =
        |d: u32, h: u32| chrono::NaiveDate::from_ymd_opt(2026, 10, d).expect("d").and_hms_opt(h, 0, 0).expect("t");
    let mut roster = RosterDocument::new("east", day(1, 8), day(2, 8));
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
    roster
}

fn instruction_to_east() -> Instruction {
    Instruction::issue("mayor", at("2026-10-01T09:00:00+08:00"), "全力处置", None, &["east".into()], &city())
        .expect("valid instruction")
}

struct Office {
    server: InProcessServer,
    _db: TestDatabase,
    directory: DocumentId,
    incident: DocumentId,
    sensitive: DocumentId,
    roster: DocumentId,
    instruction: DocumentId,
}

impl Office {
    async fn open(backend: Backend) -> Office {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let directory = record_directory(&server.http_url(), &city()).await.expect("directory");
        add_people(&db.url, &city()).await.expect("accounts");
        let li = signed_in(&server, "li").await;
        let incident = create(&li, &report("东城区仓库火灾", "li", false));
        li.client.sync_once(SYNC).await.expect("li files a report");
        let wang = signed_in(&server, "wang").await;
        let sensitive = create(&wang, &report("东城区群体性事件", "wang", true));
        let roster = create(&wang, &east_roster());
        wang.client.sync_once(SYNC).await.expect("wang files a sensitive report and draws up the roster");
        let mayor = signed_in(&server, "mayor").await;
        let instruction = create(&mayor, &instruction_to_east());
        mayor.client.sync_once(SYNC).await.expect("the mayor instructs east");
        Office { server, _db: db, directory, incident, sensitive, roster, instruction }
    }

    async fn phone(&self, user: &str) -> Phone {
        signed_in(&self.server, user).await
    }
}

async fn signed_in(server: &InProcessServer, user: &str) -> Phone {
    Phone::signed_in(&server.http_url(), user).await.unwrap_or_else(|e| panic!("{user} logs in: {e}"))
}

const EVERYONE: [&str; 10] =
    ["desk", "mayor", "east-chief", "wang", "zhao", "li", "qian", "city-officer", "admin", TEST_ADMIN];

#[tokio::test]
async fn each_role_sees_exactly_what_it_may() {
    for backend in Backend::available() {
        let office = Office::open(backend).await;
        // (document, who may see it); everyone else is told it does not exist.
        let table: [(&str, DocumentId, &[&str]); 5] = [
            ("directory", office.directory, &EVERYONE),
            ("incident", office.incident, &["desk", "mayor", "east-chief", "wang", "zhao", "li", "city-officer"]),
            ("sensitive incident", office.sensitive, &["desk", "mayor", "east-chief", "wang", "zhao"]),
            ("roster", office.roster, &["desk", "mayor", "east-chief", "wang", "zhao", "li", "city-officer"]),
            ("instruction to east", office.instruction, &["desk", "mayor", "east-chief", "wang", "zhao", "li"]),
        ];
        for user in EVERYONE {
            let phone = office.phone(user).await;
            for (what, id, readers) in &table {
                let fetched = phone.client.fetch(*id, SYNC).await;
                if readers.contains(&user) {
                    fetched.unwrap_or_else(|e| panic!("{backend:?}: {user} should see the {what}: {e}"));
                } else {
                    assert!(
                        matches!(fetched, Err(ClientError::Unavailable(_))),
                        "{backend:?}: {user} must not see the {what}: {fetched:?}"
                    );
                }
            }
            // The home document lists exactly what the user may see.
            let home = phone.client.home_document().expect("home").expect("logged in");
            phone.client.fetch(home, SYNC).await.expect("the home document");
            let listed = phone.client.get_json(home).expect("home")["documents"].clone();
            for (what, id, readers) in &table {
                assert_eq!(
                    listed.get(id.to_string()).is_some(),
                    readers.contains(&user),
                    "{backend:?}: {user}'s home and the {what}: {listed}"
                );
            }
        }
        office.server.stop().await.expect("stop");
    }
}

/// One change: who makes it, to which document, how, and whether the server takes it (with the rule that
/// refuses it otherwise).
struct Case {
    what: &'static str,
    user: &'static str,
    expect: Result<(), &'static str>,
}

#[tokio::test]
async fn each_role_changes_exactly_what_it_may() {
    let thresholds = GradeThresholds::default();
    for backend in Backend::available() {
        let office = Office::open(backend).await;
        type Edit = Box<dyn Fn(&Phone, &Office) -> DocumentId>;
        let follow_up = |by: &'static str, as_reporter: &'static str| -> Edit {
            Box::new(move |phone, office| {
                let mut i: Incident = read(phone, office.incident);
                let details = ReportDetails { measures: Some(format!("{by} 续报")), ..Default::default() };
                i.add_report(
                    &format!("f-{by}-{as_reporter}"),
                    ReportKind::FollowUp,
                    reporter(as_reporter),
                    details,
                    at("2026-10-01T09:00:00+08:00"),
                )
                .expect("follow-up");
                put(phone, office.incident, &i).expect("write");
                office.incident
            })
        };
        let assess = |by: &'static str| -> Edit {
            Box::new(move |phone, office| {
                let mut i: Incident = read(phone, office.incident);
                i.assess(Grade::IV, "", by, at("2026-10-01T09:30:00+08:00"), &thresholds).expect("assess");
                put(phone, office.incident, &i).expect("write");
                office.incident
            })
        };
        let new_incident = |by: &'static str| -> Edit {
            Box::new(move |phone, _| create(phone, &report(&format!("{by} 的首报"), by, false)))
        };
        let new_instruction = |leader: &'static str| -> Edit {
            Box::new(move |phone, _| {
                let mut i = instruction_to_east();
                i.leader = leader.into();
                create(phone, &i)
            })
        };
        let acknowledge = |person: &'static str| -> Edit {
            Box::new(move |phone, office| {
                let mut i: Instruction = read(phone, office.instruction);
                i.acknowledge("east", person, "phone", at("2026-10-01T09:03:00+08:00"), &city()).expect("ack");
                put(phone, office.instruction, &i).expect("write");
                office.instruction
            })
        };
        let edit_text = |text: &'static str| -> Edit {
            Box::new(move |phone, office| {
                let mut i: Instruction = read(phone, office.instruction);
                i.text = text.into();
                put(phone, office.instruction, &i).expect("write");
                office.instruction
            })
        };
        let edit_roster: Edit = Box::new(|phone, office| {
            let mut r: RosterDocument = read(phone, office.roster);
            r.shifts.get_mut("s1").expect("shift").deputy = Some("li".into());
            put(phone, office.roster, &r).expect("write");
            office.roster
        });
        let accept_roster = |by: &'static str| -> Edit {
            Box::new(move |phone, office| {
                let mut r: RosterDocument = read(phone, office.roster);
                let when = chrono::NaiveDate::from_ymd_opt(2026, 9, 29).expect("d").and_hms_opt(9, 0, 0).expect("t");
                r.file("wang", when).expect("file");
                r.accept(by, when).expect("accept");
                put(phone, office.roster, &r).expect("write");
                office.roster
            })
        };
        let rename_unit: Edit = Box::new(|phone, office| {
            phone.client.set_path(office.directory, "units.east.name", &json!("东城区人民政府值班室")).expect("edit");
            office.directory
        });
        let plain: Edit =
            Box::new(|phone, _| phone.client.create_document(&json!({"note": "随手记"})).expect("create"));
        let rewrite_entry: Edit = Box::new(|phone, office| {
            phone.client.set_path(office.incident, "entries.e1.details.account", &json!("改写")).expect("edit");
            office.incident
        });

        let cases: Vec<(Case, Edit)> = vec![
            (Case { what: "file a report for their own unit", user: "li", expect: Ok(()) }, new_incident("li")),
            (
                Case { what: "file a report for a unit they oversee", user: "wang", expect: Ok(()) },
                new_incident("wang"),
            ),
            (
                Case { what: "file a report for another unit", user: "qian", expect: Err("incident.create") },
                new_incident("qian"),
            ),
            (
                Case { what: "a leader files a report", user: "mayor", expect: Err("incident.create") },
                new_incident("mayor"),
            ),
            (Case { what: "follow up their own report", user: "li", expect: Ok(()) }, follow_up("li", "li")),
            (
                Case { what: "follow up in someone else's name", user: "li", expect: Err("incident.report.author") },
                follow_up("li", "wang"),
            ),
            (Case { what: "a unit officer follows up", user: "wang", expect: Ok(()) }, follow_up("wang", "wang")),
            (Case { what: "rewrite a submitted report", user: "desk", expect: Err("document.history") }, rewrite_entry),
            (Case { what: "the desk assesses", user: "desk", expect: Ok(()) }, assess("desk")),
            (Case { what: "a unit officer assesses", user: "wang", expect: Err("incident.grade") }, assess("wang")),
            (Case { what: "a leader issues an instruction", user: "mayor", expect: Ok(()) }, new_instruction("mayor")),
            (
                Case { what: "the desk records a leader's instruction", user: "desk", expect: Ok(()) },
                new_instruction("mayor"),
            ),
            (
                Case { what: "a unit officer issues an instruction", user: "wang", expect: Err("instruction.create") },
                new_instruction("mayor"),
            ),
            (
                Case {
                    what: "a leader issues in another's name",
                    user: "east-chief",
                    expect: Err("instruction.create"),
                },
                new_instruction("mayor"),
            ),
            (
                Case { what: "the leader corrects the text before it goes out", user: "mayor", expect: Ok(()) },
                edit_text("全力处置，注意安全"),
            ),
            (
                Case { what: "a unit officer edits the text", user: "wang", expect: Err("instruction.text") },
                edit_text("改了"),
            ),
            (Case { what: "acknowledge for themself", user: "wang", expect: Ok(()) }, acknowledge("wang")),
            (
                Case {
                    what: "the desk edits the text after it was signed for",
                    user: "desk",
                    expect: Err("document.history"),
                },
                edit_text("事后改写"),
            ),
            (
                Case { what: "acknowledge for someone else", user: "li", expect: Err("instruction.acknowledge") },
                acknowledge("zhao"),
            ),
            (Case { what: "the unit's officer edits its draft roster", user: "wang", expect: Ok(()) }, edit_roster),
            (
                Case { what: "a field reporter edits the roster", user: "li", expect: Err("roster.edit") },
                Box::new(|phone, office| {
                    let mut r: RosterDocument = read(phone, office.roster);
                    r.shifts.get_mut("s1").expect("shift").main = Some("li".into());
                    put(phone, office.roster, &r).expect("write");
                    office.roster
                }),
            ),
            (
                Case { what: "a unit officer accepts their own roster", user: "wang", expect: Err("roster.filing") },
                accept_roster("wang"),
            ),
            (Case { what: "an administrator changes the directory", user: "admin", expect: Ok(()) }, rename_unit),
            (
                Case { what: "the desk changes the directory", user: "desk", expect: Err("directory.admin") },
                Box::new(|phone, office| {
                    phone.client.set_path(office.directory, "units.east.duty_phone", &json!("110")).expect("edit");
                    office.directory
                }),
            ),
            (
                Case { what: "an administrator writes a plain document", user: "admin", expect: Ok(()) },
                Box::new(|phone, _| phone.client.create_document(&json!({"note": "导入"})).expect("create")),
            ),
            (Case { what: "a reporter writes a plain document", user: "li", expect: Err("typed") }, plain),
            (
                Case { what: "a reporter rewrites their own home", user: "li", expect: Err("home.server") },
                Box::new(|phone, _| {
                    let home = phone.client.home_document().expect("home").expect("logged in");
                    phone.client.set_path(home, "person", &json!("wang")).ok();
                    home
                }),
            ),
            (
                Case { what: "a reporter acknowledges an alert in their own home", user: "li", expect: Ok(()) },
                Box::new(|phone, _| {
                    let home = phone.client.home_document().expect("home").expect("logged in");
                    let now = zhiban_client_core::duty::office_now();
                    phone.client.acknowledge_alert("al_0123456789abcdef01234567", now).expect("acknowledged");
                    home
                }),
            ),
        ];
        for (case, edit) in cases {
            let phone = office.phone(case.user).await;
            for id in [office.directory, office.incident, office.roster, office.instruction] {
                let _ = phone.client.fetch(id, SYNC).await;
            }
            if case.what.contains("own home") {
                let home = phone.client.home_document().expect("home").expect("logged in");
                phone.client.fetch(home, SYNC).await.expect("home");
            }
            let id = edit(&phone, &office);
            let outcome = phone.client.sync_once(SYNC).await;
            match (case.expect, outcome) {
                (Ok(()), Ok(())) => {}
                (Err(rule), Err(ClientError::ChangesRefused(refused))) => {
                    let rules: Vec<&str> = refused
                        .iter()
                        .filter(|d| d.id == id)
                        .flat_map(|d| d.refusals.iter().map(|r| r.rule.as_str()))
                        .collect();
                    assert!(
                        rules.contains(&rule),
                        "{backend:?}: {} ({}): refused, but not by {rule}: {refused:?}",
                        case.what,
                        case.user
                    );
                }
                (expect, outcome) => {
                    panic!("{backend:?}: {} ({}): expected {expect:?}, got {outcome:?}", case.what, case.user)
                }
            }
        }
        office.server.stop().await.expect("stop");
    }
}

/// A field reporter sent to an incident, and later taken off it: the server closes their connection, their
/// phone removes the incident at the next sync — but a follow-up they wrote offline and never sent stays
/// on the phone, shown as kept aside, not silently dropped.
#[tokio::test]
async fn access_ending_mid_session_purges_the_phone_but_keeps_unsent_work() {
    use zhiban_tests::peer::Received;
    for backend in Backend::available() {
        let office = Office::open(backend).await;
        let desk = office.phone("desk").await;
        desk.client.fetch(office.sensitive, SYNC).await.expect("desk sees it");
        let mut incident: Incident = read(&desk, office.sensitive);
        incident.assign("li", "desk", at("2026-10-01T08:30:00+08:00")).expect("assign");
        put(&desk, office.sensitive, &incident).expect("write");
        desk.client.sync_once(SYNC).await.expect("li is sent to the scene");

        // Li's phone gets the incident from its home; a raw connection of li's holds it open.
        let li = office.phone("li").await;
        li.client.sync_once(SYNC).await.expect("li syncs the home and what it lists");
        assert!(li.client.holds(office.sensitive).expect("holds"), "the home listed the assigned incident");
        let mut raw =
            zhiban_tests::RawPeer::join(&office.server.sync_url_as("li").await.expect("token")).await.expect("join");
        let asking = {
            use automerge::sync::SyncDoc;
            automerge::Automerge::new().generate_sync_message(&mut automerge::sync::State::new()).expect("a request")
        };
        raw.send(&zhiban_model::Message::Request {
            sender_id: raw.peer_id.clone(),
            target_id: raw.server_id.clone(),
            document_id: office.sensitive,
            data: asking.encode(),
        })
        .await
        .expect("li's connection asks for the incident");
        // Li writes a follow-up, offline (the phone is not syncing).
        li.client
            .add_follow_up(
                office.sensitive,
                ReportDetails { measures: Some("疏散群众".into()), ..Default::default() },
                at("2026-10-01T09:00:00+08:00"),
            )
            .expect("follow-up offline");

        // The desk takes li off the incident.
        let mut incident: Incident = read(&desk, office.sensitive);
        incident.assignees.remove("li");
        put(&desk, office.sensitive, &incident).expect("write");
        desk.client.sync_once(SYNC).await.expect("li is taken off");

        // The open connection is told and closed.
        let mut told = false;
        for _ in 0..20 {
            match raw.recv(Duration::from_secs(5)).await {
                Received::Message(zhiban_model::Message::Error { message, document_id, .. }) => {
                    assert_eq!(document_id, Some(office.sensitive));
                    assert!(message.contains("access"), "{message}");
                    told = true;
                }
                Received::Closed | Received::Nothing => break,
                _ => {}
            }
        }
        assert!(told, "{backend:?}: the connection heard that access ended");

        // The phone syncs: the incident is kept aside with the unsent follow-up, and shown.
        let outcome = li.client.sync_once(SYNC).await;
        assert!(matches!(outcome, Err(ClientError::ChangesRefused(_))), "{backend:?}: {outcome:?}");
        let status = li.client.status().expect("status");
        assert_eq!(status.refused.len(), 1, "{status:?}");
        assert_eq!(status.refused[0].id, office.sensitive);
        assert_eq!(status.refused[0].refusals[0].rule, "read", "{:?}", status.refused[0]);
        assert!(status.refused[0].reason.contains("kept on this phone"), "{}", status.refused[0].reason);
        let kept: Incident = read(&li, office.sensitive);
        assert_eq!(kept.entries.len(), 2, "the unsent follow-up is still here");

        // Given up, it goes; nothing comes back from the server.
        li.client.discard_local_changes(office.sensitive).expect("discard");
        let _ = li.client.sync_once(SYNC).await;
        assert!(!li.client.holds(office.sensitive).expect("holds"), "{backend:?}: removed once given up");

        assert!(li.client.holds(office.incident).expect("holds"), "her own report stays");

        // Without unsent work the copy simply goes: the city's officer oversees east, until the desk flags
        // the report sensitive (then only east itself, the desk and leaders see it).
        let officer = office.phone("city-officer").await;
        officer.client.sync_once(SYNC).await.expect("the officer's documents");
        assert!(officer.client.holds(office.incident).expect("holds"));
        let mut incident: Incident = read(&desk, office.incident);
        incident.sensitive = true;
        put(&desk, office.incident, &incident).expect("write");
        desk.client.sync_once(SYNC).await.expect("flagged sensitive");
        officer.client.sync_once(SYNC).await.expect("the officer syncs");
        assert!(
            !officer.client.holds(office.incident).expect("holds"),
            "{backend:?}: removed from the officer's phone"
        );
        assert!(officer.client.status().expect("status").refused.is_empty(), "nothing was kept aside");
        office.server.stop().await.expect("stop");
    }
}

/// The desk's API answers by the same rules: without a token nothing; with one, only what that person may
/// see, and a document they may not see is "not found", as one that does not exist.
#[tokio::test]
async fn the_api_answers_each_caller_with_what_they_may_see() {
    use zhiban_tests::server::{http_get, http_get_as};
    let office = Office::open(Backend::Sqlite).await;
    let addr = office.server.addr;
    let (status, body) = http_get(addr, "/api/v1/incidents").await.expect("GET");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("log in first"), "{body}");
    let titles = |body: &str| -> Vec<String> {
        let list: serde_json::Value = serde_json::from_str(body).expect("JSON");
        list["incidents"]
            .as_array()
            .expect("list")
            .iter()
            .map(|i| i["title"].as_str().expect("title").to_owned())
            .collect()
    };
    for (user, sees_sensitive) in [("desk", true), ("zhao", true), ("li", false), ("city-officer", false)] {
        let token = zhiban_tests::accounts::login(&office.server.http_url(), user).await.expect("login");
        let (status, body) = http_get_as(addr, "/api/v1/incidents", &token).await.expect("GET");
        assert_eq!(status, 200, "{body}");
        assert!(titles(&body).contains(&"东城区仓库火灾".to_owned()), "{user}: {body}");
        assert_eq!(titles(&body).contains(&"东城区群体性事件".to_owned()), sees_sensitive, "{user}: {body}");
        let (status, _) =
            http_get_as(addr, &format!("/api/v1/incidents/{}", office.sensitive), &token).await.expect("GET");
        assert_eq!(status, if sees_sensitive { 200 } else { 404 }, "{user}");
        let (status, _) =
            http_get_as(addr, &format!("/api/v1/docs/{}/history", office.sensitive), &token).await.expect("GET");
        assert_eq!(status, if sees_sensitive { 200 } else { 404 }, "{user}: the history too");
    }
    let qian = zhiban_tests::accounts::login(&office.server.http_url(), "qian").await.expect("login");
    let (status, _) = http_get_as(addr, "/api/v1/units/east/on-duty", &qian).await.expect("GET");
    assert_eq!(status, 404, "the water bureau's officer does not see east's roster");
    let (status, _) = http_get_as(addr, "/api/v1/units/water/on-duty", &qian).await.expect("GET");
    assert_eq!(status, 200, "but their own unit's");
    office.server.stop().await.expect("stop");
}

/// The phone refuses, before saving anything, what the server would refuse: the same rules, in the model.
#[tokio::test]
async fn the_phone_refuses_locally_what_the_server_would_refuse() {
    let office = Office::open(Backend::Sqlite).await;
    let li = office.phone("li").await;
    li.client.sync_once(SYNC).await.expect("li's documents");
    let held = li.client.status().expect("status").documents_held;
    let err = li
        .client
        .assess_incident(office.incident, Grade::IV, "", at("2026-10-01T09:30:00+08:00"), &GradeThresholds::default())
        .expect_err("only the desk assesses");
    assert!(err.to_string().contains("incident.grade"), "{err}");
    let err = li
        .client
        .issue_instruction("mayor", at("2026-10-01T09:00:00+08:00"), "核实", None, &["east".into()])
        .expect_err("a reporter does not issue instructions");
    assert!(err.to_string().contains("instruction.create"), "{err}");
    let status = li.client.status().expect("status");
    assert!(status.pending.is_empty() && status.documents_held == held, "nothing was saved: {status:?}");
    office.server.stop().await.expect("stop");
}
