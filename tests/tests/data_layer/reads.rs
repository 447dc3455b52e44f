//! The data-access layer's reads for the API, the console, the oversight and the publications, on every
//! backend (see `main.rs`): each read with the filters its callers offer (by grade, stage, unit, period,
//! lateness, status, recipient, findings), the period bounds as the callers rely on them (the start
//! included, the end excluded; periods overlap when they start before the end and end after the start),
//! and its order. The rows are written the way the server writes them: typed documents through
//! `projection::project` (with their audience), and changes through the store.

use chrono::NaiveDateTime;
use zhiban_model::DocumentId;
use zhiban_model::documents::assessment::{AdoptionLevel, Assessment, AssessmentItem, ItemKind};
use zhiban_model::documents::directory::{Directory, DutyCategory, Unit};
use zhiban_model::documents::duty_log::{DutyLog, LogEntry, LogKind};
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::documents::incident::{
    Attachment, Degrees, FirstReport, Incident, Judgement, JudgementKind, Place, ReportDetails, ReportKind, Reporter,
};
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::roster::{LeaderEntry, RosterDocument, ShiftEntry};
use zhiban_model::documents::spot_check::{CheckResult, Method, Outcome, Session, SpotCheck, SpotChecks};
use zhiban_model::rules::grade::{Grade, GradeThresholds};
use zhiban_server::db::audiences::DocumentAudience;
use zhiban_server::db::change_log::ChangeReceipt;
use zhiban_server::db::oversight::{assessment, duty_logs, filing_rounds, spot_checks};
use zhiban_server::db::{self, Database, incidents, instructions, rosters};
use zhiban_server::office::{DutyRules, Office, TypedDocument};
use zhiban_server::store::{self, NewChunk};
use zhiban_tests::duty::{at, small_city};
use zhiban_tests::{Backend, TestDatabase};

use super::each_database;

/// Unix ms of an instant written with its offset.
fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

/// Unix ms of a local office time (`2026-10-01T08:00`), as rosters and rounds write them.
fn local_ms(text: &str) -> i64 {
    ms(&format!("{text}:00+08:00"))
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("a local time")
}

/// The small city with a street office under east: a sub-unit, which the unit filters leave out.
fn city() -> Directory {
    let mut city = small_city();
    let street = Unit {
        name: "东城区东华街道".into(),
        parent: Some("east".into()),
        category: DutyCategory::Three,
        duty_phone: "0000-street".into(),
    };
    city.units.insert("east-street".into(), street);
    city
}

/// The office on `database`, its directory projected as the server projects one.
async fn office(database: Database) -> Office {
    let office = Office::new(database, DutyRules::default());
    record(&office, TypedDocument::Directory(city())).await;
    office
}

/// Projects `typed` as a new document, with its audience, as the server does; its id.
async fn record(office: &Office, typed: TypedDocument) -> DocumentId {
    let id = DocumentId::random();
    let audience = DocumentAudience::of(&Ok(typed.clone())).expect("an office document has an audience");
    db::audiences::write(&office.database, id, &audience).await.expect("audience");
    zhiban_server::projection::project(office, id, &typed).await.expect("projected");
    id
}

fn reporter(person: &str, unit: &str) -> Reporter {
    Reporter { person: person.into(), unit: unit.into(), name: person.into(), ..Default::default() }
}

/// A first report of `title` in `unit`, received at `received` and sent at `sent`.
fn incident(title: &str, unit: &str, received: &str, sent: &str) -> Incident {
    incident_with(title, unit, received, sent, ReportDetails { account: title.into(), ..Default::default() })
}

fn incident_with(title: &str, unit: &str, received: &str, sent: &str, details: ReportDetails) -> Incident {
    let report = FirstReport {
        title: title.into(),
        unit: unit.into(),
        received_at: Some(at(received)),
        reporter: reporter("wang", "east"),
        details,
        ..Default::default()
    };
    Incident::file_first_report(report, "e1", at(sent), &city()).expect("a first report")
}

fn assessed(mut incident: Incident, grade: Grade, when: &str) -> Incident {
    incident.assess(grade, "核定", "desk", at(when), &GradeThresholds::default()).expect("assessed");
    incident
}

fn ids(rows: &[incidents::Incident]) -> Vec<&str> {
    rows.iter().map(|i| i.title.as_str()).collect()
}

#[tokio::test]
async fn incidents_are_listed_newest_first_by_each_filter_the_desk_offers() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        // On time, confirmed Ⅰ; late (sent the next day), still as received; sensitive and on time, in the
        // street office, received exactly at midnight.
        let fire = assessed(
            incident("东城区仓库火灾", "east", "2026-10-01T08:00:00+08:00", "2026-10-01T08:10:00+08:00"),
            Grade::I,
            "2026-10-01T08:20:00+08:00",
        );
        let flood = incident("城区道路积水", "water", "2026-10-02T08:00:00+08:00", "2026-10-03T08:00:00+08:00");
        let mut street =
            incident("街道燃气泄漏", "east-street", "2026-10-03T00:00:00+08:00", "2026-10-03T00:30:00+08:00");
        street.sensitive = true;
        let street = assessed(street, Grade::IV, "2026-10-03T01:00:00+08:00");
        for typed in [fire, flood, street] {
            record(&office, TypedDocument::Incident(typed)).await;
        }
        let listed = async |filter: incidents::Filter<'_>, limit: i64| {
            incidents::listed(d, &filter, limit).await.expect("listed")
        };
        let all = listed(incidents::Filter::default(), 100).await;
        assert_eq!(ids(&all), ["街道燃气泄漏", "城区道路积水", "东城区仓库火灾"], "{backend}: newest first");
        assert_eq!(ids(&listed(incidents::Filter::default(), 2).await), ["街道燃气泄漏", "城区道路积水"], "{backend}");

        let flood = &all[1];
        assert_eq!(flood.unit_id, "water", "{backend}");
        assert_eq!(flood.effective_grade, "IV", "{backend}");
        assert_eq!(flood.stage, "received", "{backend}");
        assert_eq!(flood.sensitive, 0, "{backend}");
        assert_eq!(flood.received_at, ms("2026-10-02T08:00:00+08:00"), "{backend}");
        assert_eq!(flood.written_due_at, ms("2026-10-02T14:00:00+08:00"), "{backend}: Ⅳ within six hours");
        assert_eq!(flood.late_by_seconds, Some(18 * 3600), "{backend}");
        assert_eq!((flood.report_count, flood.has_final_report), (1, 0), "{backend}");
        assert_eq!(all[2].confirmed_grade.as_deref(), Some("I"), "{backend}");
        assert_eq!(all[2].late_by_seconds, None, "{backend}");

        let grade = |g| incidents::Filter { grade: Some(g), ..Default::default() };
        assert_eq!(ids(&listed(grade("I"), 100).await), ["东城区仓库火灾"], "{backend}");
        assert_eq!(ids(&listed(grade("IV"), 100).await), ["街道燃气泄漏", "城区道路积水"], "{backend}");
        assert!(listed(grade("II"), 100).await.is_empty(), "{backend}");
        let stage = incidents::Filter { stage: Some("assessed"), ..Default::default() };
        assert_eq!(ids(&listed(stage, 100).await), ["街道燃气泄漏", "东城区仓库火灾"], "{backend}");
        // A unit's own incidents: its sub-units' are not among them.
        let east = incidents::Filter { unit: Some("east"), ..Default::default() };
        assert_eq!(ids(&listed(east, 100).await), ["东城区仓库火灾"], "{backend}");
        let midnight = ms("2026-10-03T00:00:00+08:00");
        let from = incidents::Filter { received_from: Some(midnight), ..Default::default() };
        assert_eq!(ids(&listed(from, 100).await), ["街道燃气泄漏"], "{backend}: the start is included");
        let before = incidents::Filter { received_before: Some(midnight), ..Default::default() };
        assert_eq!(ids(&listed(before, 100).await), ["城区道路积水", "东城区仓库火灾"], "{backend}: the end is not");
        let late = |l| incidents::Filter { late: Some(l), ..Default::default() };
        assert_eq!(ids(&listed(late(true), 100).await), ["城区道路积水"], "{backend}");
        assert_eq!(ids(&listed(late(false), 100).await), ["街道燃气泄漏", "东城区仓库火灾"], "{backend}");
        let sensitive = |s| incidents::Filter { sensitive: Some(s), ..Default::default() };
        assert_eq!(ids(&listed(sensitive(true), 100).await), ["街道燃气泄漏"], "{backend}");
        assert_eq!(ids(&listed(sensitive(false), 100).await), ["城区道路积水", "东城区仓库火灾"], "{backend}");
        let both = incidents::Filter { grade: Some("IV"), unit: Some("water"), late: Some(true), ..Default::default() };
        assert_eq!(ids(&listed(both, 100).await), ["城区道路积水"], "{backend}: filters combine");
    })
    .await;
}

#[tokio::test]
async fn an_incident_is_read_with_its_chain_and_steps_in_order() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let mut fire = incident("东城区仓库火灾", "east", "2026-10-01T08:00:00+08:00", "2026-10-01T08:10:00+08:00");
        let follow_up = ReportDetails { account: "明火已扑灭".into(), ..Default::default() };
        fire.add_report(
            "e2",
            ReportKind::FollowUp,
            reporter("zhao", "east"),
            follow_up,
            at("2026-10-01T09:00:00+08:00"),
        )
        .expect("a follow-up");
        let fire = assessed(fire, Grade::IV, "2026-10-01T09:30:00+08:00");
        let id = record(&office, TypedDocument::Incident(fire)).await;

        let detail = incidents::detail(&office.database, &id.to_string()).await.expect("read").expect("projected");
        assert_eq!(detail.incident.document_id, id.to_string(), "{backend}");
        let chain: Vec<_> =
            detail.chain.iter().map(|e| (e.position, e.entry_id.as_str(), e.label.as_str(), e.kind.as_str())).collect();
        assert_eq!(chain, [(0, "e1", "首报", "first"), (1, "e2", "续报一", "follow_up")], "{backend}");
        assert_eq!(detail.chain[1].reporter_person, "zhao", "{backend}");
        assert_eq!(detail.chain[1].submitted_at, ms("2026-10-01T09:00:00+08:00"), "{backend}");
        let steps: Vec<_> = detail.steps.iter().map(|s| (s.position, s.stage.as_str())).collect();
        assert_eq!(steps, [(0, "received"), (1, "assessed")], "{backend}");
        assert_eq!(detail.incident.report_count, 2, "{backend}");

        let unknown = DocumentId::random().to_string();
        assert_eq!(incidents::detail(&office.database, &unknown).await.expect("read"), None, "{backend}");
    })
    .await;
}

#[tokio::test]
async fn incidents_of_a_period_by_when_received_and_by_when_they_happened() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        // Happened late on the 30th, received after midnight; with coordinates.
        let night = ReportDetails {
            account: "夜间山体滑坡".into(),
            occurred_at: Some("2026-09-30T23:00:00+08:00".into()),
            place: Some(Place {
                text: "东山".into(), latitude: Some(Degrees(30.5)), longitude: Some(Degrees(120.25))
            }),
            ..Default::default()
        };
        let slide =
            incident_with("夜间山体滑坡", "east", "2026-10-01T00:30:00+08:00", "2026-10-01T00:40:00+08:00", night);
        let fire = incident("东城区仓库火灾", "east", "2026-10-01T08:00:00+08:00", "2026-10-01T08:10:00+08:00");
        let late = incident("城区道路积水", "water", "2026-10-02T00:00:00+08:00", "2026-10-02T09:00:00+08:00");
        for typed in [late, fire, slide] {
            record(&office, TypedDocument::Incident(typed)).await;
        }
        let (first, second, third) =
            (ms("2026-10-01T00:00:00+08:00"), ms("2026-10-02T00:00:00+08:00"), ms("2026-10-03T00:00:00+08:00"));

        let received = incidents::received_between(d, first, second).await.expect("read");
        assert_eq!(ids(&received), ["夜间山体滑坡", "东城区仓库火灾"], "{backend}: in the order received");
        let received = incidents::received_between(d, second, third).await.expect("read");
        assert_eq!(ids(&received), ["城区道路积水"], "{backend}: received at the start, so in");

        // The slide happened before the first: it counts on the 30th, though received on the first.
        let happened = incidents::happened_between(d, first, second).await.expect("read");
        assert_eq!(ids(&happened), ["东城区仓库火灾"], "{backend}");
        let slide = incidents::happened_between(d, ms("2026-09-30T00:00:00+08:00"), first).await.expect("read");
        assert_eq!(ids(&slide), ["夜间山体滑坡"], "{backend}");
        assert_eq!(slide[0].happened_at(), ms("2026-09-30T23:00:00+08:00"), "{backend}");
        assert_eq!((slide[0].latitude, slide[0].longitude), (Some(30.5), Some(120.25)), "{backend}");
        assert_eq!(slide[0].place.as_deref(), Some("东山"), "{backend}");

        // Only the first reports after their deadline.
        let late = incidents::late_received_between(d, first, third).await.expect("read");
        assert_eq!(ids(&late), ["城区道路积水"], "{backend}");
        assert_eq!(late[0].late_by_seconds, Some(3 * 3600), "{backend}");
        assert!(incidents::late_received_between(d, first, second).await.expect("read").is_empty(), "{backend}");
    })
    .await;
}

const PHOTO: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const VIDEO: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[tokio::test]
async fn reports_attachments_and_judgements_of_a_period_name_their_incident_and_unit() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        let mut fire = incident("东城区仓库火灾", "east", "2026-10-01T08:00:00+08:00", "2026-10-01T08:10:00+08:00");
        let follow_up = ReportDetails { account: "续报".into(), ..Default::default() };
        fire.add_report(
            "e2",
            ReportKind::FollowUp,
            reporter("qian", "water"),
            follow_up,
            at("2026-10-02T00:00:00+08:00"),
        )
        .expect("a follow-up");
        let attach = |sha256: &str, media_type: &str, entry: Option<&str>, when: &str| Attachment {
            sha256: sha256.into(),
            size: 10,
            media_type: media_type.into(),
            file_name: "f".into(),
            entry: entry.map(Into::into),
            added_by: "wang".into(),
            added_at: when.into(),
        };
        // The photo goes with water's follow-up, so it counts for water; the video with no entry, for east.
        fire.attach(attach(PHOTO, "image/jpeg", Some("e2"), "2026-10-01T09:00:00+08:00")).expect("photo");
        fire.attach(attach(VIDEO, "video/mp4", None, "2026-10-02T00:00:00+08:00")).expect("video");
        let judge = |kind, when: &str| Judgement {
            kind,
            unit: "east".into(),
            reason: "未按时报送".into(),
            by: "desk".into(),
            at: when.into(),
        };
        fire.judge(judge(JudgementKind::Omitted, "2026-10-01T12:00:00+08:00")).expect("judged");
        fire.judge(judge(JudgementKind::Late, "2026-10-02T00:00:00+08:00")).expect("judged");
        let id = record(&office, TypedDocument::Incident(fire)).await.to_string();
        let (first, second) = (ms("2026-10-01T00:00:00+08:00"), ms("2026-10-02T00:00:00+08:00"));

        let sent = incidents::reports_sent_between(d, first, second).await.expect("read");
        assert_eq!(
            sent,
            [incidents::ReportSent {
                document_id: id.clone(),
                entry_id: "e1".into(),
                reporter_unit: "east".into(),
                submitted_at: ms("2026-10-01T08:10:00+08:00"),
                label: "首报".into(),
                title: "东城区仓库火灾".into(),
            }],
            "{backend}: the follow-up, sent at the end, is not in"
        );
        let attachments = incidents::attachments_added_between(d, first, second).await.expect("read");
        assert_eq!(
            attachments,
            [incidents::AttachmentAdded {
                document_id: id.clone(),
                sha256: PHOTO.into(),
                unit_id: "water".into(),
                added_at: ms("2026-10-01T09:00:00+08:00"),
                media_type: "image/jpeg".into(),
                title: "东城区仓库火灾".into(),
            }],
            "{backend}"
        );
        let video = incidents::attachments_added_between(d, second, second + 1).await.expect("read");
        assert_eq!(video.iter().map(|a| a.unit_id.as_str()).collect::<Vec<_>>(), ["east"], "{backend}");
        let judgements = incidents::judgements_between(d, first, second).await.expect("read");
        assert_eq!(
            judgements,
            [incidents::JudgementMade {
                document_id: id.clone(),
                position: 0,
                kind: "omitted".into(),
                unit_id: "east".into(),
                reason: "未按时报送".into(),
                at: ms("2026-10-01T12:00:00+08:00"),
                title: "东城区仓库火灾".into(),
                late_by_seconds: None,
            }],
            "{backend}"
        );
        let counted = incidents::sent_between(d, first, second + 1).await.expect("read");
        assert_eq!(counted, incidents::Sent { reports: 2, attachments: 2 }, "{backend}");
        let counted = incidents::sent_between(d, first, second).await.expect("read");
        assert_eq!(counted, incidents::Sent { reports: 1, attachments: 1 }, "{backend}");
    })
    .await;
}

/// An instruction of the mayor's issued at `issued` to `recipients`, numbered `number`.
fn instruction(number: &str, issued: &str, recipients: &[&str], incident: Option<String>) -> Instruction {
    let recipients: Vec<String> = recipients.iter().map(|r| (*r).to_owned()).collect();
    let mut i = Instruction::issue("mayor", at(issued), &format!("批示{number}"), incident, &recipients, &city())
        .expect("an instruction");
    i.number = Some(number.into());
    i
}

fn relay_to(instruction: &mut Instruction, recipient: &str, when: &str) {
    let r = instruction.recipients.get_mut(recipient).expect("a recipient");
    r.relayed_at = Some(when.into());
    r.relayed_by = Some("desk".into());
}

#[tokio::test]
async fn instructions_are_listed_by_status_and_recipient_with_their_late_relays() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        let fire = record(
            &office,
            TypedDocument::Incident(incident(
                "东城区仓库火灾",
                "east",
                "2026-10-01T08:00:00+08:00",
                "2026-10-01T08:10:00+08:00",
            )),
        )
        .await;
        let earlier = record(
            &office,
            TypedDocument::Incident(incident(
                "城区道路积水",
                "water",
                "2026-09-30T08:00:00+08:00",
                "2026-09-30T08:10:00+08:00",
            )),
        )
        .await;

        // Relayed to east in time (within five minutes), to water late, to li never; east acknowledged.
        let mut first =
            instruction("2026-001", "2026-10-01T09:00:00+08:00", &["east", "water", "li"], Some(fire.url()));
        relay_to(&mut first, "east", "2026-10-01T09:04:00+08:00");
        relay_to(&mut first, "water", "2026-10-01T09:30:00+08:00");
        first.acknowledge("east", "zhao", "phone-zhao", at("2026-10-01T09:20:00+08:00"), &city()).expect("ack");
        first.acknowledge("east", "wang", "phone-wang", at("2026-10-01T09:10:00+08:00"), &city()).expect("ack");
        // Relayed to every recipient in time, and fed back in time.
        let mut second = instruction("2026-002", "2026-10-02T09:00:00+08:00", &["water"], Some(earlier.url()));
        second.relay("desk", at("2026-10-02T09:01:00+08:00")).expect("relayed");
        second.give_feedback("qian", at("2026-10-02T12:00:00+08:00"), "已处置").expect("fed back");
        let third = instruction("2026-003", "2026-10-03T09:00:00+08:00", &["east"], None);
        let first_id = record(&office, TypedDocument::Instruction(first)).await.to_string();
        record(&office, TypedDocument::Instruction(second)).await;
        record(&office, TypedDocument::Instruction(third)).await;

        let numbers = |rows: &[instructions::Instruction]| -> Vec<String> {
            rows.iter().map(|i| i.number.clone().unwrap_or_default()).collect()
        };
        let all = instructions::listed(d, &instructions::Filter::default()).await.expect("listed");
        assert_eq!(numbers(&all), ["2026-003", "2026-002", "2026-001"], "{backend}: newest first");
        let late: Vec<_> = all.iter().map(|i| i.late_relays).collect();
        assert_eq!(late, [1, 0, 2], "{backend}: not relayed at all, or after the relay deadline");
        assert_eq!(all[2].relay_due_at, ms("2026-10-01T09:05:00+08:00"), "{backend}");
        assert_eq!((all[2].recipient_count, all[2].acknowledged_count), (3, 1), "{backend}");
        assert_eq!(all[1].status, "fed_back", "{backend}");
        assert_eq!(all[1].fed_back_at, Some(ms("2026-10-02T12:00:00+08:00")), "{backend}");

        let status = instructions::Filter { status: Some("fed_back"), ..Default::default() };
        assert_eq!(numbers(&instructions::listed(d, &status).await.expect("listed")), ["2026-002"], "{backend}");
        let to = |r| instructions::Filter { recipient: Some(r), ..Default::default() };
        let east = instructions::listed(d, &to("east")).await.expect("listed");
        assert_eq!(numbers(&east), ["2026-003", "2026-001"], "{backend}");
        let li = instructions::listed(d, &to("li")).await.expect("listed");
        assert_eq!(numbers(&li), ["2026-001"], "{backend}: a person among the recipients");
        assert!(instructions::listed(d, &to("wang")).await.expect("listed").is_empty(), "{backend}");

        let detail = instructions::detail(d, &first_id).await.expect("read").expect("projected");
        assert_eq!(detail.instruction, all[2], "{backend}: the same row as the list's");
        let recipients: Vec<_> =
            detail.recipients.iter().map(|r| (r.recipient_id.as_str(), r.kind.as_str(), r.acknowledged)).collect();
        assert_eq!(recipients, [("east", "unit", 1), ("li", "person", 0), ("water", "unit", 0)], "{backend}");
        let signed: Vec<_> = detail.acknowledgements.iter().map(|a| a.person_id.as_str()).collect();
        assert_eq!(signed, ["wang", "zhao"], "{backend}: in the order signed");
        assert_eq!(instructions::one(d, &first_id).await.expect("read").as_ref(), Some(&all[2]), "{backend}");
        let unknown = DocumentId::random().to_string();
        assert_eq!(instructions::detail(d, &unknown).await.expect("read"), None, "{backend}");
        assert_eq!(instructions::one(d, &unknown).await.expect("read"), None, "{backend}");

        // The instructions on the incidents received on the first: the fire's, not the earlier flood's.
        let (first_day, second_day) = (ms("2026-10-01T00:00:00+08:00"), ms("2026-10-02T00:00:00+08:00"));
        let on = instructions::on_incidents_received_between(d, first_day, second_day).await.expect("read");
        assert_eq!(numbers(&on), ["2026-001"], "{backend}");
        assert_eq!(on[0].incident.as_deref(), Some(fire.url().as_str()), "{backend}");

        let year = (ms("2026-01-01T00:00:00+08:00"), ms("2027-01-01T00:00:00+08:00"));
        let figures = instructions::figures_issued_between(d, year.0, year.1).await.expect("read");
        assert_eq!(
            figures,
            instructions::Figures {
                issued: 3,
                relayed_in_time: 1,
                fully_acknowledged: 0,
                fed_back: 1,
                fed_back_in_time: 1
            },
            "{backend}"
        );
        let figures = instructions::figures_issued_between(d, first_day, second_day).await.expect("read");
        assert_eq!(figures.issued, 1, "{backend}");

        // Units sent an instruction, once each; the person is not a unit.
        let mut units: Vec<_> = instructions::sent_to_units_between(d, first_day, second_day + 1)
            .await
            .expect("read")
            .into_iter()
            .map(|s| (s.number.unwrap_or_default(), s.recipient_id))
            .collect();
        units.sort();
        let expected = [("2026-001", "east"), ("2026-001", "water")].map(|(n, u)| (n.to_owned(), u.to_owned()));
        assert_eq!(units, expected, "{backend}: the second, issued after the end, is not in");
    })
    .await;
}

fn roster(unit: &str, start: &str, end: &str) -> RosterDocument {
    RosterDocument::new(unit, local(start), local(end))
}

fn shift(start: &str, end: &str, main: &str, deputy: &str) -> ShiftEntry {
    ShiftEntry {
        start: start.into(),
        end: end.into(),
        main: Some(main.into()),
        deputy: Some(deputy.into()),
        on_post: true,
    }
}

#[tokio::test]
async fn rosters_and_shifts_overlapping_a_period_and_the_units_and_people_on_them() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        let mut october = roster("east", "2026-10-01T08:00", "2026-10-08T08:00");
        october.shifts.insert("s1".into(), shift("2026-10-01T08:00", "2026-10-02T08:00", "wang", "zhao"));
        october.shifts.insert("s2".into(), shift("2026-10-02T08:00", "2026-10-03T08:00", "zhao", "wang"));
        october.leaders.insert(
            "l1".into(),
            LeaderEntry {
                start: "2026-10-01T08:00".into(),
                end: "2026-10-08T08:00".into(),
                leader: Some("east-chief".into()),
            },
        );
        october.file("wang", local("2026-09-25T10:00")).expect("filed");
        october.return_with("desk", local("2026-09-26T10:00"), vec!["缺少带班领导电话".into()]).expect("returned");
        october.file("wang", local("2026-09-27T10:00")).expect("filed again");
        let next = roster("east", "2026-10-08T08:00", "2026-10-15T08:00");
        let mut water = roster("water", "2026-10-01T08:00", "2026-10-08T08:00");
        water.shifts.insert("w1".into(), shift("2026-10-01T08:00", "2026-10-02T08:00", "qian", "qian"));
        water.file("qian", local("2026-09-30T10:00")).expect("filed");
        let october_id = record(&office, TypedDocument::Roster(october)).await.to_string();
        let next_id = record(&office, TypedDocument::Roster(next)).await.to_string();
        let water_id = record(&office, TypedDocument::Roster(water)).await.to_string();

        let units_of = |rows: &[rosters::Roster]| -> Vec<(String, String)> {
            rows.iter().map(|r| (r.unit_id.clone(), r.period_start_text.clone())).collect()
        };
        let all = rosters::listed(d, None).await.expect("listed");
        let expected = [("east", "2026-10-01T08:00"), ("east", "2026-10-08T08:00"), ("water", "2026-10-01T08:00")];
        assert_eq!(
            units_of(&all),
            expected.map(|(u, s)| (u.to_owned(), s.to_owned())),
            "{backend}: by unit, then period"
        );
        assert_eq!(all[0].filing_status, "filed", "{backend}");
        assert_eq!(all[0].period_end, local_ms("2026-10-08T08:00"), "{backend}");
        let water = rosters::listed(d, Some("water")).await.expect("listed");
        assert_eq!(water.iter().map(|r| r.document_id.as_str()).collect::<Vec<_>>(), [water_id.as_str()], "{backend}");
        assert!(rosters::listed(d, Some("east-street")).await.expect("listed").is_empty(), "{backend}");

        // A period ending where another starts does not overlap it.
        let week = (local_ms("2026-10-08T08:00"), local_ms("2026-10-15T08:00"));
        let overlapping = rosters::of_unit_overlapping(d, "east", week.0, week.1).await.expect("read");
        assert_eq!(
            overlapping.iter().map(|r| r.document_id.as_str()).collect::<Vec<_>>(),
            [next_id.as_str()],
            "{backend}"
        );
        let both = rosters::of_unit_overlapping(d, "east", week.0 - 1, week.1).await.expect("read");
        let both: Vec<_> = both.iter().map(|r| r.document_id.as_str()).collect();
        assert_eq!(both, [october_id.as_str(), next_id.as_str()], "{backend}: by period");

        let day = (local_ms("2026-10-02T08:00"), local_ms("2026-10-03T08:00"));
        let shifts = rosters::shifts_of_unit_overlapping(d, "east", day.0, day.1).await.expect("read");
        let shifts: Vec<_> = shifts.iter().map(|s| (s.shift_id.as_str(), s.kind.as_str(), s.main.as_deref())).collect();
        assert_eq!(shifts, [("leader:l1", "leader", None), ("s2", "shift", Some("zhao"))], "{backend}: by start, kind");
        let morning = rosters::shifts_of_unit_overlapping(d, "east", day.0 - 1, day.0).await.expect("read");
        assert_eq!(morning.iter().map(|s| s.shift_id.as_str()).collect::<Vec<_>>(), ["leader:l1", "s1"], "{backend}");

        // Every unit's rosters overlapping the holiday, and their filing steps in order.
        let holiday = (local_ms("2026-10-01T08:00"), local_ms("2026-10-08T08:00"));
        let filings = rosters::filings_overlapping(d, holiday.0, holiday.1).await.expect("read");
        let mut expected = vec![october_id.clone(), water_id.clone()];
        expected.sort();
        let mut overlapping: Vec<_> = filings.rosters.iter().map(|r| r.document_id.clone()).collect();
        overlapping.sort();
        assert_eq!(overlapping, expected, "{backend}");
        let steps: Vec<_> = filings
            .steps
            .iter()
            .filter(|s| s.document_id == october_id)
            .map(|s| (s.position, s.status.as_str(), s.reasons.as_str()))
            .collect();
        assert_eq!(
            steps,
            [(0, "filed", "[]"), (1, "returned", "[\"缺少带班领导电话\"]"), (2, "filed", "[]")],
            "{backend}"
        );
        let september = (local_ms("2026-09-01T00:00"), local_ms("2026-09-30T10:00"));
        assert_eq!(rosters::filed_between(d, september.0, september.1).await.expect("read"), 2, "{backend}");
        assert_eq!(rosters::filed_between(d, september.0, september.1 + 1).await.expect("read"), 3, "{backend}");

        // The directory's units, and the people the rosters of a unit put on duty.
        let units = db::directory::units(d).await.expect("units");
        let ids: Vec<_> = units.iter().map(|u| u.unit_id.as_str()).collect();
        assert_eq!(ids, ["city", "east", "east-street", "water"], "{backend}");
        let street = db::directory::unit(d, "east-street").await.expect("unit").expect("listed");
        assert_eq!((street.parent_id.as_deref(), street.category.as_str()), (Some("east"), "3"), "{backend}");
        assert_eq!(street.duty_phone, "0000-street", "{backend}");
        assert_eq!(db::directory::unit(d, "nowhere").await.expect("unit"), None, "{backend}");
        let mut people: Vec<_> = db::directory::people_on_rosters_of(d, "east")
            .await
            .expect("people")
            .into_iter()
            .map(|p| (p.person_id, p.name, p.phone))
            .collect();
        people.sort();
        let expected = [("east-chief", "东城区长"), ("wang", "王五"), ("zhao", "赵六")]
            .map(|(id, name)| (id.to_owned(), name.to_owned(), format!("139-{id}")));
        assert_eq!(people, expected, "{backend}");
    })
    .await;
}

#[tokio::test]
async fn filing_rounds_open_due_and_their_units() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        let round = |title: &str, start: &str, deadline: &str| {
            FilingRound::new(
                title,
                Occasion::Holiday,
                (local(start), local(start) + chrono::Duration::days(7)),
                local(deadline),
                vec!["water".into(), "east".into()],
                "desk",
                local("2026-09-01T09:00"),
            )
        };
        let national = round("国庆节值班表报备", "2026-10-01T08:00", "2026-09-28T17:00");
        let mut spring = round("春节值班表报备", "2026-02-15T08:00", "2026-02-10T17:00");
        spring.close("desk", local("2026-02-20T09:00"), "已结束");
        let national_id = record(&office, TypedDocument::FilingRound(national)).await.to_string();
        let spring_id = record(&office, TypedDocument::FilingRound(spring)).await.to_string();

        let all = filing_rounds::all(d).await.expect("rounds");
        let all_ids: Vec<_> = all.iter().map(|r| r.document_id.as_str()).collect();
        assert_eq!(all_ids, [national_id.as_str(), spring_id.as_str()], "{backend}: newest period first");
        assert_eq!(all[0].deadline_text, "2026-09-28T17:00", "{backend}");
        assert_eq!(all[0].closed_at, None, "{backend}");
        assert_eq!(all[1].closed_at, Some(local_ms("2026-02-20T09:00")), "{backend}");
        assert_eq!(filing_rounds::one(d, &national_id).await.expect("round").as_ref(), Some(&all[0]), "{backend}");
        assert_eq!(filing_rounds::one(d, "nothing").await.expect("round"), None, "{backend}");
        assert_eq!(filing_rounds::units_of(d, &national_id).await.expect("units"), ["east", "water"], "{backend}");

        // Open rounds whose period starts after `from` and whose deadline comes before `until`.
        let open = async |from: &str, until: &str| {
            let rounds = filing_rounds::open_between(d, local_ms(from), local_ms(until)).await.expect("open");
            rounds.into_iter().map(|r| r.title).collect::<Vec<_>>()
        };
        assert_eq!(open("2026-09-27T17:00", "2026-09-28T17:01").await, ["国庆节值班表报备"], "{backend}");
        assert!(open("2026-09-27T17:00", "2026-09-28T17:00").await.is_empty(), "{backend}: deadline not before");
        assert!(open("2026-10-01T08:00", "2026-12-31T00:00").await.is_empty(), "{backend}: period started");
        assert!(open("2026-01-01T00:00", "2026-02-11T00:00").await.is_empty(), "{backend}: closed rounds are not open");

        let due = filing_rounds::due_between(d, local_ms("2026-09-28T17:00"), local_ms("2026-09-28T17:01")).await;
        assert_eq!(due.expect("due"), 1, "{backend}");
        let due = filing_rounds::due_between(d, local_ms("2026-01-01T00:00"), local_ms("2026-09-28T17:00")).await;
        assert_eq!(due.expect("due"), 1, "{backend}: the spring round only");
    })
    .await;
}

fn check(unit: &str, date: &str, session: Session, result: Option<(Outcome, &str)>) -> SpotCheck {
    SpotCheck {
        unit: unit.into(),
        date: date.into(),
        session,
        planned_by: "desk".into(),
        result: result.map(|(outcome, checked_at)| CheckResult {
            outcome,
            ring_seconds: (outcome == Outcome::Unanswered).then_some(60),
            method: Method::Phone,
            answered_by: "值班员".into(),
            checked_by: "desk".into(),
            checked_at: checked_at.into(),
            note: String::new(),
        }),
    }
}

#[tokio::test]
async fn spot_checks_by_day_unit_and_finding() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        let mut holiday = SpotChecks::new("2026年国庆节值班抽查", None);
        holiday.checks.insert(
            "c1".into(),
            check("water", "2026-10-01", Session::Evening, Some((Outcome::Unanswered, "2026-10-01T20:00:00+08:00"))),
        );
        holiday.checks.insert(
            "c2".into(),
            check("east", "2026-10-01", Session::Morning, Some((Outcome::Proper, "2026-10-01T09:00:00+08:00"))),
        );
        holiday.checks.insert(
            "c3".into(),
            check("east", "2026-10-01", Session::Afternoon, Some((Outcome::OffPost, "2026-10-01T15:00:00+08:00"))),
        );
        holiday.checks.insert("c4".into(), check("east", "2026-10-02", Session::Morning, None));
        let holiday_id = record(&office, TypedDocument::SpotChecks(holiday)).await.to_string();
        let mut october = SpotChecks::new("2026年10月值班抽查", None);
        october.checks.insert(
            "m1".into(),
            check("water", "2026-10-09", Session::Morning, Some((Outcome::EmptyPost, "2026-10-09T09:00:00+08:00"))),
        );
        let october_id = record(&office, TypedDocument::SpotChecks(october)).await.to_string();

        let listed = async |filter: spot_checks::Filter<'_>| -> Vec<String> {
            spot_checks::listed(d, &filter).await.expect("listed").into_iter().map(|c| c.check_id).collect()
        };
        assert_eq!(listed(Default::default()).await, ["c2", "c3", "c1", "c4", "m1"], "{backend}: by day, then session");
        let east = spot_checks::Filter { unit: Some("east"), ..Default::default() };
        assert_eq!(listed(east).await, ["c2", "c3", "c4"], "{backend}");
        let (first, second) = (ms("2026-10-01T00:00:00+08:00"), ms("2026-10-02T00:00:00+08:00"));
        let days = spot_checks::Filter {
            days_from: Some(second),
            days_before: Some(ms("2026-10-09T00:00:00+08:00")),
            ..Default::default()
        };
        assert_eq!(listed(days).await, ["c4"], "{backend}: from included, to excluded");
        let findings = spot_checks::Filter { findings_only: true, ..Default::default() };
        assert_eq!(listed(findings).await, ["c3", "c1", "m1"], "{backend}: made and not proper");
        let both = spot_checks::Filter {
            unit: Some("water"),
            days_before: Some(second),
            findings_only: true,
            ..Default::default()
        };
        assert_eq!(listed(both).await, ["c1"], "{backend}");
        let c1 = spot_checks::listed(
            d,
            &spot_checks::Filter { unit: Some("water"), days_before: Some(second), ..Default::default() },
        )
        .await
        .expect("listed");
        assert_eq!(c1[0].document_id, holiday_id, "{backend}");
        assert_eq!(c1[0].plan_title, "2026年国庆节值班抽查", "{backend}");
        assert_eq!((c1[0].outcome.as_deref(), c1[0].ring_seconds), (Some("unanswered"), Some(60)), "{backend}");
        assert_eq!(c1[0].checked_at, Some(ms("2026-10-01T20:00:00+08:00")), "{backend}");
        assert_eq!(c1[0].day_start, first, "{backend}");

        let day: Vec<_> =
            spot_checks::on_day(d, "2026-10-01").await.expect("day").into_iter().map(|c| c.check_id).collect();
        assert_eq!(day, ["c2", "c3", "c1"], "{backend}: in the order of the day");

        let made = spot_checks::findings_between(d, first, ms("2026-10-01T20:00:00+08:00")).await.expect("findings");
        assert_eq!(made.into_iter().map(|c| c.check_id).collect::<Vec<_>>(), ["c3"], "{backend}: checked at the end");
        let counts = spot_checks::made_between(d, first, ms("2026-10-01T20:00:00+08:00") + 1).await.expect("made");
        assert_eq!(counts, spot_checks::Made { checks: 3, findings: 2 }, "{backend}: the check not yet made is not");
        let mut per_unit = spot_checks::findings_per_unit(d).await.expect("findings");
        per_unit.sort();
        assert_eq!(per_unit, [("east".to_owned(), 1), ("water".to_owned(), 2)], "{backend}");

        // A check of the day goes to the plan holding that day's checks, else to the plan of that title.
        let plan = spot_checks::plan_for(d, "2026-10-02", "2026年10月值班抽查").await.expect("plan");
        assert_eq!(plan.as_deref(), Some(holiday_id.as_str()), "{backend}");
        let plan = spot_checks::plan_for(d, "2026-10-20", "2026年10月值班抽查").await.expect("plan");
        assert_eq!(plan.as_deref(), Some(october_id.as_str()), "{backend}");
        assert_eq!(spot_checks::plan_for(d, "2026-10-20", "其他").await.expect("plan"), None, "{backend}");
    })
    .await;
}

fn entry(kind: LogKind, when: &str, summary: &str, for_date: Option<&str>) -> LogEntry {
    LogEntry {
        kind,
        at: when.into(),
        by: "wang".into(),
        counterpart: "zhao".into(),
        summary: summary.into(),
        handling: "已办".into(),
        instruction: None,
        for_date: for_date.map(Into::into),
    }
}

#[tokio::test]
async fn duty_logs_by_unit_period_and_kind() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        let mut east = DutyLog::new("east", "2026-10");
        east.entries.insert("a".into(), entry(LogKind::Call, "2026-10-01T09:00:00+08:00", "来电", None));
        east.entries.insert("b".into(), entry(LogKind::Handover, "2026-10-01T08:00:00+08:00", "交班一", None));
        east.entries.insert("c".into(), entry(LogKind::Handover, "2026-10-02T08:00:00+08:00", "交班二", None));
        let zero = |when| entry(LogKind::ZeroReport, when, "无突发事件", Some("2026-10-01"));
        east.entries.insert("z2".into(), zero("2026-10-01T18:00:00+08:00"));
        east.entries.insert("z1".into(), zero("2026-10-01T17:00:00+08:00"));
        let september = DutyLog::new("east", "2026-09");
        let mut water = DutyLog::new("water", "2026-10");
        water.entries.insert("w".into(), entry(LogKind::Call, "2026-10-01T10:00:00+08:00", "来电", None));
        let east_id = record(&office, TypedDocument::DutyLog(east)).await.to_string();
        let september_id = record(&office, TypedDocument::DutyLog(september)).await.to_string();
        record(&office, TypedDocument::DutyLog(water)).await;

        let (first, second) = (ms("2026-10-01T00:00:00+08:00"), ms("2026-10-02T00:00:00+08:00"));
        let entries: Vec<_> = duty_logs::entries_of(d, "east", first, second)
            .await
            .expect("entries")
            .into_iter()
            .map(|e| e.entry_id)
            .collect();
        assert_eq!(entries, ["z2", "z1", "a", "b"], "{backend}: newest first, the next day's not in");
        let at_start = duty_logs::entries_of(d, "east", ms("2026-10-02T08:00:00+08:00"), i64::MAX).await;
        assert_eq!(at_start.expect("entries").len(), 1, "{backend}: the start is included");
        let handover = duty_logs::latest_handover(d, "east").await.expect("handover").expect("one");
        assert_eq!((handover.summary.as_str(), handover.counterpart.as_str()), ("交班二", "zhao"), "{backend}");
        assert_eq!(handover.document_id, east_id, "{backend}");
        assert_eq!(duty_logs::latest_handover(d, "water").await.expect("handover"), None, "{backend}");

        let zero = duty_logs::zero_reports_for(d, "2026-10-01").await.expect("zero reports");
        let expected = duty_logs::ZeroReport { unit_id: "east".into(), at_text: "2026-10-01T17:00:00+08:00".into() };
        assert_eq!(zero, [expected], "{backend}: the first of the unit's");
        assert!(duty_logs::zero_reports_for(d, "2026-10-02").await.expect("zero reports").is_empty(), "{backend}");

        let counts = duty_logs::counts_by_kind_between(d, first, second).await.expect("counts");
        let expected = [("call", 2), ("handover", 1), ("zero_report", 2)].map(|(k, n)| (k.to_owned(), n));
        assert_eq!(counts, expected, "{backend}");

        // The unit's logs, the one with entries in the month first.
        let october = (first, ms("2026-11-01T00:00:00+08:00"));
        let logs = duty_logs::logs_of(d, "east", october.0, october.1).await.expect("logs");
        assert_eq!(logs, [east_id.clone(), september_id.clone()], "{backend}");
        let september_range = (ms("2026-09-01T00:00:00+08:00"), first);
        let mut logs = duty_logs::logs_of(d, "east", september_range.0, september_range.1).await.expect("logs");
        logs.sort();
        let mut both = vec![east_id, september_id];
        both.sort();
        assert_eq!(logs, both, "{backend}: with no entries in the month, both");
        assert!(duty_logs::logs_of(d, "city", october.0, october.1).await.expect("logs").is_empty(), "{backend}");
    })
    .await;
}

#[tokio::test]
async fn assessment_items_of_a_period() {
    each_database(async |backend, database| {
        let office = office(database).await;
        let d = &office.database;
        let mut record_2026 = Assessment::new(2026);
        let item = |kind, unit: &str, level, when: &str| AssessmentItem {
            kind,
            unit: unit.into(),
            level,
            publication: "《值班要情》2026年第10期".into(),
            incident: None,
            entry: None,
            reason: "信息详实".into(),
            by: "desk".into(),
            at: when.into(),
        };
        record_2026.items.insert(
            "i1".into(),
            item(ItemKind::Adoption, "east", Some(AdoptionLevel::Province), "2026-10-01T00:00:00+08:00"),
        );
        record_2026.items.insert("i2".into(), item(ItemKind::Criticism, "water", None, "2026-10-02T00:00:00+08:00"));
        let id = record(&office, TypedDocument::Assessment(record_2026)).await.to_string();

        let items =
            assessment::items_between(d, ms("2026-10-01T00:00:00+08:00"), ms("2026-10-02T00:00:00+08:00")).await;
        let items = items.expect("items");
        assert_eq!(items.len(), 1, "{backend}: the start included, the end not");
        let i1 = &items[0];
        assert_eq!((i1.document_id.as_str(), i1.item_id.as_str(), i1.year), (id.as_str(), "i1", 2026), "{backend}");
        assert_eq!(
            (i1.kind.as_str(), i1.unit_id.as_str(), i1.level.as_deref()),
            ("adoption", "east", Some("province")),
            "{backend}"
        );
        assert_eq!(i1.at, ms("2026-10-01T00:00:00+08:00"), "{backend}");
    })
    .await;
}

fn receipt(hash: &str, actor: &str, seq: i64, claimed_at: i64, received_at: i64, touched: &str) -> ChangeReceipt {
    ChangeReceipt {
        change_hash: hash.into(),
        actor: actor.into(),
        seq,
        claimed_at,
        received_at,
        username: Some("wang".into()),
        device_id: Some("phone-wang".into()),
        touched: touched.into(),
    }
}

#[tokio::test]
async fn a_documents_history_is_read_in_the_order_the_server_received_it() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("test database");
        let store = store::open(&db.url).await.expect("store opens");
        let id = DocumentId::random();
        let chunk = |receipts| NewChunk { document_id: id, data: vec![1], projection: None, receipts, audience: None };
        // Two chunks: within each, by actor and then sequence.
        store
            .append(&[chunk(vec![receipt("h2", "actor-b", 1, 5, 100, "a"), receipt("h1", "actor-a", 2, 0, 100, "")])])
            .await
            .expect("append");
        store.append(&[chunk(vec![receipt("h3", "actor-a", 1, 7, 200, "entries/e2,figures")])]).await.expect("append");

        let history = db::history::of_document(&store.database(), &id.to_string()).await.expect("history");
        let order: Vec<_> = history.iter().map(|c| (c.change_hash.as_str(), c.actor.as_str(), c.seq)).collect();
        assert_eq!(order, [("h1", "actor-a", 2), ("h2", "actor-b", 1), ("h3", "actor-a", 1)], "{backend:?}");
        let last = &history[2];
        assert_eq!(
            (last.claimed_at, last.received_at, last.touched.as_str()),
            (7, 200, "entries/e2,figures"),
            "{backend:?}"
        );
        assert_eq!(
            (last.username.as_deref(), last.device_id.as_deref()),
            (Some("wang"), Some("phone-wang")),
            "{backend:?}"
        );
        let unknown = DocumentId::random().to_string();
        assert!(
            db::history::of_document(&store.database(), &unknown).await.expect("history").is_empty(),
            "{backend:?}"
        );
    }
}
