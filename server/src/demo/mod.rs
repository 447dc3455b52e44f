//! `zhiban-server demo`: a living city for a newcomer. Fourteen units in three duty categories with their
//! people; a month of rosters across the National Day holiday and a month around today; incidents of the
//! kinds an annual report mentions (a county forest fire, a coach rollover, a landslide, a slope collapse, a
//! flood response) with their report chains; leaders' instructions with acknowledgements; and the desk's
//! oversight (`oversight.rs`): filing rounds, spot checks, duty logs with zero reports, the assessment record.
//!
//! Every document goes through the same typed operations and checks as a phone's, is stored like any
//! other, and is projected, so the API shows it at once.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use automerge::Automerge;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use zhiban_model::DocumentId;
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_model::documents::incident::{
    Casualties, Degrees, FirstReport, Incident, Place, ReportDetails, ReportKind, Reporter, Stage,
};
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::roster::{LeaderEntry, RosterDocument, ShiftEntry, format_time};
use zhiban_model::rules::grade::Grade;
use zhiban_model::rules::office_time_zone;

use crate::accounts::{AccountPolicy, Accounts, NewUser};
use crate::office::{Office, TypedDocument};
use crate::projection;
use crate::store::{NewChunk, Store};

mod oversight;

/// What the demo loaded.
#[derive(Debug, Default)]
pub struct DemoSummary {
    pub directory: String,
    pub units: usize,
    pub people: usize,
    pub rosters: usize,
    pub incidents: Vec<(String, String)>,
    pub instructions: Vec<(String, String)>,
    /// Filing rounds, the spot-check plan, duty logs and the assessment record.
    pub filing_rounds: Vec<String>,
    pub spot_checks: String,
    pub duty_logs: usize,
    pub assessment: String,
    /// (username, password, roles) of the demo's logins.
    pub logins: Vec<(String, String, String)>,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "directory {} ({} units, {} people)", self.directory, self.units, self.people)?;
        writeln!(f, "{} rosters", self.rosters)?;
        for (url, title) in &self.incidents {
            writeln!(f, "incident {url}  {title}")?;
        }
        for (url, number) in &self.instructions {
            writeln!(f, "instruction {number} {url}")?;
        }
        for url in &self.filing_rounds {
            writeln!(f, "filing round {url}")?;
        }
        writeln!(f, "spot checks {}", self.spot_checks)?;
        writeln!(f, "{} duty logs; assessment record {}", self.duty_logs, self.assessment)?;
        writeln!(f, "logins (demo passwords; change them before real use):")?;
        for (username, password, roles) in &self.logins {
            writeln!(f, "  {username:<20} {password:<26} {roles}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("this database already holds a directory; the demo loads only into an empty database")]
    NotEmpty,
    #[error("the demo data does not hold together (a bug in the demo): {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Projection(#[from] projection::ProjectionError),
    #[error(transparent)]
    Ledger(#[from] crate::office::AmendError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Account(#[from] crate::accounts::AccountError),
}

struct UnitSpec {
    id: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    category: DutyCategory,
}

const UNITS: [UnitSpec; 14] = [
    UnitSpec { id: "city", name: "市人民政府总值班室", parent: None, category: DutyCategory::One },
    UnitSpec { id: "dongcheng", name: "东城区人民政府", parent: Some("city"), category: DutyCategory::One },
    UnitSpec { id: "xicheng", name: "西城区人民政府", parent: Some("city"), category: DutyCategory::One },
    UnitSpec { id: "nanshan", name: "南山县人民政府", parent: Some("city"), category: DutyCategory::One },
    UnitSpec { id: "beiling", name: "北岭县人民政府", parent: Some("city"), category: DutyCategory::One },
    UnitSpec { id: "emergency", name: "市应急管理局", parent: Some("city"), category: DutyCategory::One },
    UnitSpec { id: "police", name: "市公安局", parent: Some("city"), category: DutyCategory::One },
    UnitSpec { id: "fire", name: "市消防救援支队", parent: Some("city"), category: DutyCategory::One },
    UnitSpec { id: "water", name: "市水务局", parent: Some("city"), category: DutyCategory::Two },
    UnitSpec { id: "transport", name: "市交通运输局", parent: Some("city"), category: DutyCategory::Two },
    UnitSpec { id: "resources", name: "市自然资源局", parent: Some("city"), category: DutyCategory::Two },
    UnitSpec { id: "health", name: "市卫生健康委员会", parent: Some("city"), category: DutyCategory::Two },
    UnitSpec { id: "education", name: "市教育局", parent: Some("city"), category: DutyCategory::Three },
    UnitSpec { id: "tourism", name: "市文化和旅游局", parent: Some("city"), category: DutyCategory::Three },
];

const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"];
const GIVEN: [&str; 16] = [
    "建国", "海燕", "志强", "丽华", "文斌", "晓东", "雪梅", "国庆", "立新", "春生", "秀英", "卫东", "红霞", "明亮",
    "静", "磊",
];

/// Officers per unit on the 24-hour rotation (section level and below).
const OFFICERS: usize = 4;

fn zone() -> FixedOffset {
    office_time_zone()
}

fn directory() -> Directory {
    let mut d = Directory::default();
    let mut n = 0usize;
    for (u, spec) in UNITS.iter().enumerate() {
        d.units.insert(
            spec.id.into(),
            Unit {
                name: spec.name.into(),
                parent: spec.parent.map(Into::into),
                category: spec.category,
                duty_phone: format!("0371-6{:03}-{:04}", 100 + u, 1000 + u * 7),
            },
        );
        let mut person = |id: String, rank: Rank, roles: Vec<Role>| {
            let name = format!("{}{}", SURNAMES[n % SURNAMES.len()], GIVEN[(n * 7 + u) % GIVEN.len()]);
            d.people.insert(
                id,
                Person {
                    name,
                    unit: spec.id.into(),
                    rank,
                    phone: format!("139-{:04}-{:04}", 3000 + u, 1000 + n),
                    roles,
                },
            );
            n += 1;
        };
        let officer_role = if spec.id == "city" { Role::Desk } else { Role::UnitOfficer };
        person(format!("{}-chief", spec.id), Rank::Principal, vec![Role::Leader]);
        person(format!("{}-deputy-chief", spec.id), Rank::Division, vec![Role::Leader]);
        for i in 1..=OFFICERS {
            person(format!("{}-officer-{i}", spec.id), Rank::Section, vec![officer_role]);
        }
        person(format!("{}-field", spec.id), Rank::Section, vec![Role::Field]);
    }
    d.people.insert(
        "city-admin".into(),
        Person {
            name: "系统管理员".into(),
            unit: "city".into(),
            rank: Rank::Section,
            phone: "139-0000-0009".into(),
            roles: vec![Role::Admin],
        },
    );
    d.people.insert(
        "mayor".into(),
        Person {
            name: "高明远".into(),
            unit: "city".into(),
            rank: Rank::Principal,
            phone: "139-0000-0001".into(),
            roles: vec![Role::Leader],
        },
    );
    d
}

/// A roster of 24-hour shifts from 08:00 each day, with the principal leader on the first day of each
/// holiday and the division leader otherwise.
fn roster(unit: &str, first_day: NaiveDate, days: i64, directory: &Office) -> RosterDocument {
    let eight = NaiveTime::from_hms_opt(8, 0, 0).expect("valid");
    let start = first_day.and_time(eight);
    let end = start + Duration::days(days);
    let mut r = RosterDocument::new(unit, start, end);
    let calendar = &directory.rules.calendar;
    for day in 0..days {
        let from = start + Duration::days(day);
        let to = from + Duration::days(1);
        let main = (day as usize) % OFFICERS + 1;
        let deputy = (day as usize + 1) % OFFICERS + 1;
        r.shifts.insert(
            format!("d{day:02}"),
            ShiftEntry {
                start: format_time(from),
                end: format_time(to),
                main: Some(format!("{unit}-officer-{main}")),
                deputy: Some(format!("{unit}-officer-{deputy}")),
                on_post: true,
            },
        );
        // The period runs into the next morning, so it covers two calendar days.
        let first_day_of_holiday =
            |date: NaiveDate| is_holiday(calendar, date) && !is_holiday(calendar, date - Duration::days(1));
        let holiday_first_day = first_day_of_holiday(from.date()) || first_day_of_holiday(to.date());
        let leader = if holiday_first_day || day % 3 == 0 { "chief" } else { "deputy-chief" };
        r.leaders.insert(
            format!("d{day:02}"),
            LeaderEntry { start: format_time(from), end: format_time(to), leader: Some(format!("{unit}-{leader}")) },
        );
    }
    r
}

fn is_holiday(calendar: &zhiban_model::rules::calendar::HolidayCalendar, date: NaiveDate) -> bool {
    matches!(calendar.day_kind(date), Some(zhiban_model::rules::calendar::DayKind::Holiday { .. }))
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("demo times are well formed")
}

struct Loader {
    store: Arc<dyn Store>,
    office: Office,
    directory: Directory,
}

impl Loader {
    /// Today's city is built around now, by the office's clock.
    fn now(&self) -> DateTime<FixedOffset> {
        self.office.clock().office_now()
    }

    async fn save<T: autosurgeon::Reconcile>(&self, value: &T) -> Result<DocumentId, DemoError> {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        autosurgeon::reconcile(&mut tx, value).map_err(|e| DemoError::Invalid(e.to_string()))?;
        tx.commit();
        let mut typed = TypedDocument::read(&doc).map_err(|e| DemoError::Invalid(e.to_string()))?;
        // The server's own fields, as for a document a phone sends.
        if let Some(amended) = self.office.amend(&typed, self.now()).await? {
            let mut tx = doc.transaction();
            autosurgeon::reconcile(&mut tx, &amended).map_err(|e| DemoError::Invalid(e.to_string()))?;
            tx.commit();
            typed = TypedDocument::Instruction(amended);
        }
        let id = DocumentId::random();
        let projection = projection::projection_of(&typed, &self.office);
        let audience = crate::homes::DocumentAudience::of(&Ok(typed.clone()));
        let chunk = NewChunk { document_id: id, data: doc.save(), projection, receipts: Vec::new(), audience };
        self.store.append(&[chunk]).await?;
        if let TypedDocument::Directory(d) = typed {
            self.office.set_directory(d);
        }
        Ok(id)
    }

    fn reporter(&self, person: &str) -> Reporter {
        let p = &self.directory.people[person];
        Reporter {
            person: person.into(),
            unit: p.unit.clone(),
            name: p.name.clone(),
            title: match p.rank {
                Rank::Principal => "主要负责人".into(),
                Rank::Division => "处长".into(),
                Rank::Section => "值班员".into(),
            },
            phone: p.phone.clone(),
        }
    }
}

fn invalid<E: fmt::Debug>(e: E) -> DemoError {
    DemoError::Invalid(format!("{e:?}"))
}

/// Loads the city into an empty database.
pub async fn load(store: Arc<dyn Store>, office: Office) -> Result<DemoSummary, DemoError> {
    if crate::db::projection::directory::in_use(&office.database).await?.is_some() {
        return Err(DemoError::NotEmpty);
    }
    let directory = directory();
    let problems = directory.problems();
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let loader = Loader { store, office: office.clone(), directory: directory.clone() };
    let mut summary = DemoSummary {
        units: directory.units.len(),
        people: directory.people.len(),
        directory: loader.save(&directory).await?.url(),
        ..Default::default()
    };

    // Rosters: the month across National Day 2026, and the month around today.
    let today = loader.now().date_naive();
    let around_today = today - Duration::days(14);
    for spec in &UNITS {
        for (first_day, filing) in [(NaiveDate::from_ymd_opt(2026, 9, 20).expect("date"), true), (around_today, false)]
        {
            let mut r = roster(spec.id, first_day, 30, &office);
            let mut filed_at = local(&format!("{}T10:00", first_day - Duration::days(5)));
            if filing && spec.id == "tourism" {
                // Filed after the round's deadline (28 September): late, on record.
                filed_at = local("2026-09-29T10:00");
            }
            if filing || spec.id != "tourism" {
                r.file(&format!("{}-officer-1", spec.id), filed_at).map_err(invalid)?;
                if spec.id == "education" && filing {
                    r.return_with(
                        "city-officer-1",
                        filed_at + Duration::hours(3),
                        vec!["10月1日带班领导应为单位主要负责人".into()],
                    )
                    .map_err(invalid)?;
                    r.file("education-officer-1", filed_at + Duration::hours(20)).map_err(invalid)?;
                }
                r.accept("city-officer-2", filed_at + Duration::days(1)).map_err(invalid)?;
            }
            if spec.id == "tourism" && !filing {
                // A draft still being worked on: the desk sees what is missing.
                if let Some(shift) = r.shifts.get_mut("d20") {
                    shift.deputy = None;
                }
            }
            loader.save(&r).await?;
            summary.rosters += 1;
        }
    }
    let rounds = oversight::filing_rounds(&loader).await?;
    summary.filing_rounds = rounds.iter().map(DocumentId::url).collect();

    // Incidents over the last weeks, so deadlines and lateness read as in a working office.
    let now = loader.now();
    let base = (now - Duration::days(20)).with_hour(0).and_then(|t| t.with_minute(0)).unwrap_or(now);
    let at = |days: i64, hours: i64, minutes: i64| {
        base + Duration::days(days) + Duration::hours(hours) + Duration::minutes(minutes)
    };
    let mut incidents: BTreeMap<&str, DocumentId> = BTreeMap::new();
    for story in stories() {
        let received = at(story.day, story.hour, 0);
        let mut first = FirstReport {
            title: story.title.into(),
            unit: story.unit.into(),
            received_at: Some(received),
            sensitive: story.sensitive,
            reporter: loader.reporter(&format!("{}-field", story.unit)),
            recorded_by: None,
            details: story.first.clone(),
            pending: story.pending.iter().map(|s| s.to_string()).collect(),
        };
        first.details.occurred_at = Some(zhiban_model::documents::time::format_instant(
            received - Duration::minutes(story.occurred_before_minutes),
        ));
        let mut incident = Incident::file_first_report(
            first,
            "e01",
            received + Duration::minutes(story.first_report_after_minutes),
            &directory,
        )
        .map_err(invalid)?;
        let desk = "city-officer-1";
        for (n, (after_hours, kind, details)) in story.follow_ups.iter().enumerate() {
            let reporter = loader.reporter(&format!("{}-field", story.unit));
            incident
                .add_report(
                    &format!("e{:02}", n + 2),
                    *kind,
                    reporter,
                    details.clone(),
                    received + Duration::minutes((after_hours * 60.0) as i64),
                )
                .map_err(invalid)?;
        }
        if let Some((grade, reason)) = story.confirmed {
            incident
                .assess(grade, reason, desk, received + Duration::minutes(40), &office.rules.thresholds)
                .map_err(invalid)?;
        }
        for (stage, after_hours) in story.stages {
            incident.advance(*stage, desk, received + Duration::hours(*after_hours), "").map_err(invalid)?;
        }
        let id = loader.save(&incident).await?;
        summary.incidents.push((id.url(), story.title.to_owned()));
        incidents.insert(story.key, id);
    }

    // The mayor's instructions on two of them.
    let d = &directory;
    let mut on_coach = Instruction::issue(
        "mayor",
        at(12, 11, 0),
        "全力救治伤员，查明事故原因，举一反三开展道路运输安全隐患排查。",
        Some(incidents["coach"].url()),
        &["transport".into(), "beiling".into(), "health".into()],
        d,
    )
    .map_err(invalid)?;
    on_coach.relay("city-officer-2", at(12, 11, 3)).map_err(invalid)?;
    on_coach.acknowledge("transport", "transport-officer-2", "transport-phone-2", at(12, 11, 5), d).map_err(invalid)?;
    on_coach.acknowledge("beiling", "beiling-officer-1", "beiling-phone-1", at(12, 11, 6), d).map_err(invalid)?;
    on_coach.acknowledge("health", "health-officer-3", "health-phone-3", at(12, 11, 9), d).map_err(invalid)?;
    on_coach
        .add_progress("beiling-officer-1", "beiling", at(12, 18, 0), "伤员已全部转运至县人民医院，2人转市级医院。")
        .map_err(invalid)?;
    on_coach
        .give_feedback("transport-officer-2", at(14, 16, 0), "事故原因初步查明为车辆超速，已开展客运企业隐患排查。")
        .map_err(invalid)?;
    on_coach.close("city-officer-1", at(15, 9, 0), "").map_err(invalid)?;
    let mut on_landslide = Instruction::issue(
        "mayor",
        at(18, 9, 30),
        "加强监测预警，及时转移受威胁群众，严防次生灾害。",
        Some(incidents["landslide"].url()),
        &["xicheng".into(), "resources".into(), "emergency".into()],
        d,
    )
    .map_err(invalid)?;
    on_landslide.relay("city-officer-3", at(18, 9, 33)).map_err(invalid)?;
    on_landslide
        .acknowledge("resources", "resources-officer-1", "resources-phone-1", at(18, 9, 36), d)
        .map_err(invalid)?;
    on_landslide.acknowledge("xicheng", "xicheng-officer-4", "xicheng-phone-4", at(18, 9, 41), d).map_err(invalid)?;
    on_landslide
        .add_progress("xicheng-officer-4", "xicheng", at(18, 15, 0), "已转移受威胁群众46户132人。")
        .map_err(invalid)?;
    for instruction in [on_coach, on_landslide] {
        let id = loader.save(&instruction).await?;
        // Saved and projected just now, so a missing row is an error (the one a failed read gives).
        let projected = crate::db::instructions::one(&office.database, &id.to_string()).await?;
        let number = projected.ok_or(sqlx::Error::RowNotFound)?.number;
        summary.instructions.push((id.url(), number.unwrap_or_default()));
    }
    summary.spot_checks = oversight::spot_checks(&loader, rounds[0]).await?.url();
    summary.duty_logs = oversight::duty_logs(&loader).await?;
    summary.assessment = oversight::assessment(&loader, &incidents).await?.url();

    // A login for every role, tied to a person of the directory.
    let accounts = Accounts::new(office.database.clone(), office.clock().clone(), AccountPolicy::default());
    for username in ["city-officer-1", "mayor", "beiling-officer-1", "beiling-field", "city-admin"] {
        let person = &directory.people[username];
        let password = format!("demo-{username}");
        accounts
            .add_user(NewUser {
                username: username.to_owned(),
                display_name: person.name.clone(),
                unit: person.unit.clone(),
                roles: person.roles.clone(),
                password: password.clone(),
            })
            .await?;
        let roles = person.roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",");
        summary.logins.push((username.to_owned(), password, roles));
    }
    Ok(summary)
}

struct Story {
    key: &'static str,
    title: &'static str,
    unit: &'static str,
    sensitive: bool,
    day: i64,
    hour: i64,
    occurred_before_minutes: i64,
    first_report_after_minutes: i64,
    first: ReportDetails,
    pending: &'static [&'static str],
    follow_ups: Vec<(f64, ReportKind, ReportDetails)>,
    confirmed: Option<(Grade, &'static str)>,
    stages: &'static [(Stage, i64)],
}

fn place(text: &str, latitude: f64, longitude: f64) -> Option<Place> {
    Some(Place { text: text.into(), latitude: Some(Degrees(latitude)), longitude: Some(Degrees(longitude)) })
}

fn casualties(dead: i64, injured: i64, serious: i64, missing: i64, trapped: i64) -> Option<Casualties> {
    Some(Casualties { dead, injured, serious_injuries: serious, missing, trapped })
}

fn stories() -> Vec<Story> {
    let text = |s: &str| Some(s.to_owned());
    vec![
        Story {
            key: "fire",
            title: "南山县青龙镇林区火灾",
            unit: "nanshan",
            sensitive: false,
            day: 3,
            hour: 14,
            occurred_before_minutes: 50,
            first_report_after_minutes: 25,
            first: ReportDetails {
                account: "青龙镇后山林区发生火情，过火面积约30亩，县消防救援大队、森林消防队已赶赴现场扑救。".into(),
                place: place("南山县青龙镇后山林区", 34.61, 112.98),
                nature: text("森林火灾"),
                casualties: casualties(0, 0, 0, 0, 0),
                ..Default::default()
            },
            pending: &["cause", "direct_loss_cny"],
            follow_ups: vec![
                (
                    3.0,
                    ReportKind::FollowUp,
                    ReportDetails {
                        account: "明火已扑灭，正在清理余火，组织人员看守火场。".into(),
                        trend: text("火势已得到控制"),
                        ..Default::default()
                    },
                ),
                (
                    26.0,
                    ReportKind::Final,
                    ReportDetails {
                        account: "经调查，火灾系村民祭祀用火引发，过火面积42亩，无人员伤亡。".into(),
                        cause: text("祭祀用火"),
                        direct_loss_cny: Some(180_000),
                        ..Default::default()
                    },
                ),
            ],
            confirmed: Some((Grade::IV, "")),
            stages: &[(Stage::ReportedUp, 1), (Stage::Handling, 2), (Stage::Feedback, 24), (Stage::Archived, 48)],
        },
        Story {
            key: "coach",
            title: "北岭县G207国道大客车侧翻事故",
            unit: "beiling",
            sensitive: false,
            day: 12,
            hour: 9,
            occurred_before_minutes: 20,
            first_report_after_minutes: 45,
            first: ReportDetails {
                account: "一辆载有41人的旅游大客车在G207国道K312处侧翻，县政府已组织公安、交通、卫健等部门开展救援。"
                    .into(),
                place: place("北岭县G207国道K312处", 34.12, 113.45),
                nature: text("道路交通事故"),
                casualties: casualties(2, 23, 6, 0, 3),
                leaders_on_site: text("县长、分管副县长"),
                ..Default::default()
            },
            pending: &["cause", "direct_loss_cny"],
            follow_ups: vec![
                (
                    2.5,
                    ReportKind::FollowUp,
                    ReportDetails {
                        account: "被困人员已全部救出，1名重伤员经抢救无效死亡。".into(),
                        casualties: casualties(3, 23, 5, 0, 0),
                        measures: text("伤员分送县人民医院和市中心医院救治"),
                        ..Default::default()
                    },
                ),
                (
                    30.0,
                    ReportKind::FollowUp,
                    ReportDetails {
                        account: "事故原因初步查明为车辆超速行驶。".into(),
                        cause: text("超速行驶"),
                        direct_loss_cny: Some(2_600_000),
                        ..Default::default()
                    },
                ),
            ],
            confirmed: Some((Grade::III, "")),
            stages: &[(Stage::ReportedUp, 1), (Stage::Handling, 1)],
        },
        Story {
            key: "landslide",
            title: "西城区石门村山体滑坡",
            unit: "xicheng",
            sensitive: true,
            day: 18,
            hour: 6,
            occurred_before_minutes: 90,
            first_report_after_minutes: 20,
            first: ReportDetails {
                account: "受持续降雨影响，石门村后山发生山体滑坡，掩埋民房2间，1人失联。".into(),
                place: place("西城区石门镇石门村", 34.72, 112.55),
                nature: text("地质灾害"),
                casualties: casualties(0, 1, 0, 1, 0),
                ..Default::default()
            },
            pending: &["direct_loss_cny", "scope"],
            follow_ups: vec![(
                5.0,
                ReportKind::FollowUp,
                ReportDetails {
                    account: "失联人员已找到，轻伤送医；周边46户群众已转移。".into(),
                    casualties: casualties(0, 2, 0, 0, 0),
                    scope: text("受威胁群众46户132人"),
                    ..Default::default()
                },
            )],
            confirmed: Some((Grade::IV, "")),
            stages: &[(Stage::ReportedUp, 1)],
        },
        Story {
            key: "slope",
            title: "东城区建设路工地边坡垮塌",
            unit: "dongcheng",
            sensitive: false,
            day: 19,
            hour: 15,
            occurred_before_minutes: 30,
            // Reported long after its deadline: the desk sees it late.
            first_report_after_minutes: 420,
            first: ReportDetails {
                account: "建设路一在建工地基坑边坡垮塌，2名工人被埋，经救援已救出，1人重伤。".into(),
                place: place("东城区建设路与纬五路交叉口在建工地", 34.75, 113.66),
                nature: text("建筑施工事故"),
                casualties: casualties(0, 2, 1, 0, 0),
                ..Default::default()
            },
            pending: &["cause"],
            follow_ups: vec![],
            confirmed: None,
            stages: &[],
        },
        Story {
            key: "flood",
            title: "全市强降雨防汛应急响应",
            unit: "water",
            sensitive: false,
            day: 17,
            hour: 20,
            occurred_before_minutes: 60,
            first_report_after_minutes: 15,
            first: ReportDetails {
                account: "受强降雨影响，市防指启动防汛Ⅳ级应急响应，主要河道水位上涨，各水库运行正常。".into(),
                place: place("全市", 34.75, 113.62),
                nature: text("洪涝灾害"),
                trend: text("未来24小时仍有强降雨"),
                ..Default::default()
            },
            pending: &["casualties", "direct_loss_cny"],
            follow_ups: vec![(
                12.0,
                ReportKind::FollowUp,
                ReportDetails {
                    account: "全市转移群众1.2万人，无人员伤亡；部分农田受淹。".into(),
                    casualties: casualties(0, 0, 0, 0, 0),
                    direct_loss_cny: Some(8_500_000),
                    ..Default::default()
                },
            )],
            confirmed: Some((Grade::IV, "")),
            stages: &[(Stage::Handling, 1)],
        },
    ]
}
