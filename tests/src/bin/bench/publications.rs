//! `zhiban-bench publications --units 200`: a year of a city's records for N units (directory, monthly
//! rosters, filing rounds for every holiday, incidents with their report chains, instructions, spot checks
//! on every holiday day, duty logs with zero reports and calls, an assessment record), stored and
//! projected as the server stores documents, then each publication generated several times: the medians
//! are what docs/performance.md quotes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use automerge::Automerge;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::assessment::{AdoptionLevel, Assessment, AssessmentItem, ItemKind};
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_model::documents::duty_log::{DutyLog, LogEntry, LogKind};
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::documents::incident::{Casualties, FirstReport, Incident, ReportDetails, ReportKind, Reporter};
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::roster::{LeaderEntry, RosterDocument, ShiftEntry, format_time};
use zhiban_model::documents::spot_check::{CheckResult, Method, Outcome, Session, SpotCheck, SpotChecks};
use zhiban_model::documents::time::format_instant;
use zhiban_model::rules::calendar::festival_zh;
use zhiban_model::rules::office_time_zone;
use zhiban_model::rules::reminders::{holidays_between, roster_filing_deadline};
use zhiban_server::homes::DocumentAudience;
use zhiban_server::office::{DutyRules, Office};
use zhiban_server::projection;
use zhiban_server::publications::{self, Publication};
use zhiban_server::store::{NewChunk, Store};

#[derive(clap::Args, Debug)]
pub struct PublicationArgs {
    /// Units besides the city desk.
    #[arg(long, default_value_t = 200)]
    units: usize,
    #[arg(long, default_value_t = 2026)]
    year: i32,
    /// Incidents per unit in the year, on average.
    #[arg(long, default_value_t = 12)]
    incidents_per_unit: usize,
    /// Times each publication is generated (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Database to fill (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    database: Option<String>,
}

const NATURES: [&str; 10] = [
    "山体滑坡",
    "道路交通事故",
    "森林火灾",
    "城市内涝",
    "建筑火灾",
    "暴雨",
    "溺水",
    "食物中毒",
    "危化品泄漏",
    "群体性聚集",
];

struct Batch {
    store: Arc<dyn Store>,
    office: Office,
    chunks: Vec<NewChunk>,
    documents: usize,
}

impl Batch {
    /// Stores a typed document as the server would (its projection and audience with it), 200 at a time.
    async fn save<T: autosurgeon::Reconcile>(&mut self, value: &T) -> anyhow::Result<DocumentId> {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        autosurgeon::reconcile(&mut tx, value)?;
        tx.commit();
        let mut typed = TypedDocument::read(&doc)?;
        if let Some(amended) = self.office.amend(&typed, chrono::Utc::now().with_timezone(&office_time_zone())).await? {
            let mut tx = doc.transaction();
            autosurgeon::reconcile(&mut tx, &amended)?;
            tx.commit();
            typed = TypedDocument::Instruction(amended);
        }
        let id = DocumentId::random();
        let projection = projection::projection_of(&typed, &self.office);
        if let Some(projection::Projection { rows: Err(problem), .. }) = &projection {
            anyhow::bail!("a generated document does not project: {problem}");
        }
        let audience = DocumentAudience::of(&Ok(typed.clone()));
        self.chunks.push(NewChunk { document_id: id, data: doc.save(), projection, receipts: Vec::new(), audience });
        if let TypedDocument::Directory(d) = typed {
            self.flush().await?;
            self.office.set_directory(d);
        }
        if self.chunks.len() >= 200 {
            self.flush().await?;
        }
        self.documents += 1;
        Ok(id)
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if !self.chunks.is_empty() {
            self.store.append(&std::mem::take(&mut self.chunks)).await?;
        }
        Ok(())
    }
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<FixedOffset> {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).expect("time"))
        .and_local_timezone(office_time_zone())
        .single()
        .expect("UTC+8")
}

fn directory(units: usize) -> Directory {
    let mut d = Directory::default();
    let mut unit = |id: String, name: String, parent: Option<String>, category| {
        d.units.insert(id.clone(), Unit { name, parent, category, duty_phone: format!("0371-{:07}", d.units.len()) });
        let people = [("chief", Rank::Principal, Role::Leader), ("deputy-chief", Rank::Division, Role::Leader)]
            .into_iter()
            .map(|(p, r, role)| (format!("{id}-{p}"), r, role))
            .chain((1..=4).map(|i| {
                (format!("{id}-officer-{i}"), Rank::Section, if id == "city" { Role::Desk } else { Role::UnitOfficer })
            }))
            .chain(std::iter::once((format!("{id}-field"), Rank::Section, Role::Field)));
        for (person, rank, role) in people {
            d.people.insert(
                person.clone(),
                Person { name: person.clone(), unit: id.clone(), rank, phone: "139".into(), roles: vec![role] },
            );
        }
    };
    unit("city".into(), "市人民政府总值班室".into(), None, DutyCategory::One);
    for u in 0..units {
        let category = [DutyCategory::One, DutyCategory::Two, DutyCategory::Three][u % 3];
        let name = if u % 10 == 0 { format!("第{u}区人民政府") } else { format!("市第{u}局") };
        unit(format!("u{u:03}"), name, Some("city".into()), category);
    }
    d
}

fn roster(unit: &str, month_start: NaiveDate, next_month: NaiveDate) -> RosterDocument {
    let eight = NaiveTime::from_hms_opt(8, 0, 0).expect("08:00");
    let mut r = RosterDocument::new(unit, month_start.and_time(eight), next_month.and_time(eight));
    let mut day = month_start;
    let mut n = 0;
    while day < next_month {
        let (from, to) = (day.and_time(eight), (day + Duration::days(1)).and_time(eight));
        r.shifts.insert(
            format!("d{n:02}"),
            ShiftEntry {
                start: format_time(from),
                end: format_time(to),
                main: Some(format!("{unit}-officer-{}", n % 4 + 1)),
                deputy: Some(format!("{unit}-officer-{}", (n + 1) % 4 + 1)),
                on_post: true,
            },
        );
        r.leaders.insert(
            format!("d{n:02}"),
            LeaderEntry { start: format_time(from), end: format_time(to), leader: Some(format!("{unit}-chief")) },
        );
        day += Duration::days(1);
        n += 1;
    }
    r
}

/// Fills the database with the year; returns how many documents were stored.
async fn generate(batch: &mut Batch, args: &PublicationArgs, rng: &mut StdRng) -> anyhow::Result<()> {
    let year = args.year;
    let d = directory(args.units);
    batch.save(&d).await?;
    let units: Vec<String> = d.units.keys().filter(|u| *u != "city").cloned().collect();
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).expect("year");
    let month = |m: u32| {
        if m > 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, m, 1) }
            .expect("month")
    };
    // Rosters, filed ten days ahead (a few late) and accepted.
    for unit in &units {
        for m in 1..=12 {
            let mut r = roster(unit, month(m), month(m + 1));
            let late = rng.random_bool(0.03);
            let filed = (month(m) - Duration::days(if late { 1 } else { 10 })).and_time(NaiveTime::MIN);
            r.file(&format!("{unit}-officer-1"), filed + Duration::hours(10))?;
            r.accept("city-officer-1", filed + Duration::hours(30))?;
            batch.save(&r).await?;
        }
    }
    // Filing rounds and spot checks for every holiday of the year.
    let rules = DutyRules::default();
    let holidays = holidays_between(&rules.calendar, jan1, month(13) - Duration::days(1));
    for holiday in &holidays {
        let deadline = roster_filing_deadline(&rules.calendar, holiday, &rules.reminders).naive_local();
        let title = format!("{year}年{}假期值班表报备", festival_zh(&holiday.festival));
        let round = FilingRound::new(
            &title,
            Occasion::Holiday,
            (
                holiday.first_day.and_time(NaiveTime::MIN),
                (holiday.last_day + Duration::days(1)).and_time(NaiveTime::MIN),
            ),
            deadline,
            units.clone(),
            "city-officer-1",
            deadline - Duration::days(14),
        );
        let round_id = batch.save(&round).await?;
        let mut plan =
            SpotChecks::new(&format!("{year}年{}假期值班抽查", festival_zh(&holiday.festival)), Some(round_id.url()));
        let mut day = holiday.first_day;
        while day <= holiday.last_day {
            for (s, session) in Session::ALL.into_iter().enumerate() {
                for slot in 0..3 {
                    let unit = units[rng.random_range(0..units.len())].clone();
                    let outcome =
                        if rng.random_bool(0.08) { Outcome::ALL[rng.random_range(1..6)] } else { Outcome::Proper };
                    plan.checks.insert(
                        format!("c{}{s}{slot}", day.format("%m%d")),
                        SpotCheck {
                            unit,
                            date: day.to_string(),
                            session,
                            planned_by: "city-officer-1".into(),
                            result: Some(CheckResult {
                                outcome,
                                ring_seconds: Some(rng.random_range(3..90)),
                                method: Method::Phone,
                                answered_by: String::new(),
                                checked_by: "city-officer-2".into(),
                                checked_at: format_instant(at(day, [9, 15, 21][s], slot * 5)),
                                note: String::new(),
                            }),
                        },
                    );
                }
            }
            day += Duration::days(1);
        }
        batch.save(&plan).await?;
    }
    // Duty logs: zero reports on holiday days (a few units silent), and calls through the month.
    let holiday_days: Vec<NaiveDate> =
        holidays.iter().flat_map(|h| h.first_day.iter_days().take_while(|d| *d <= h.last_day)).collect();
    for unit in &units {
        for m in 1..=12 {
            let mut log = DutyLog::new(unit, &month(m).format("%Y-%m").to_string());
            for (i, day) in holiday_days.iter().filter(|d| d.month() == m).enumerate() {
                if rng.random_bool(0.02) {
                    continue;
                }
                log.entries.insert(
                    format!("z{i:02}"),
                    LogEntry {
                        kind: LogKind::ZeroReport,
                        at: format_instant(at(*day, 16, 30)),
                        by: format!("{unit}-officer-1"),
                        counterpart: String::new(),
                        summary: "今日无突发事件信息报告".into(),
                        handling: String::new(),
                        instruction: None,
                        for_date: Some(day.to_string()),
                    },
                );
            }
            for c in 0..5 {
                let kind = [LogKind::Call, LogKind::Call, LogKind::Visit, LogKind::Fax, LogKind::Notice][c];
                log.entries.insert(
                    format!("l{c}"),
                    LogEntry {
                        kind,
                        at: format_instant(at(month(m) + Duration::days(c as i64 * 5), 10, 0)),
                        by: format!("{unit}-officer-2"),
                        counterpart: "来电群众".into(),
                        summary: "咨询".into(),
                        handling: "已答复".into(),
                        instruction: None,
                        for_date: None,
                    },
                );
            }
            batch.save(&log).await?;
        }
    }
    // Incidents through the year, with report chains; some late.
    let mut incidents = Vec::new();
    for n in 0..args.units * args.incidents_per_unit {
        let unit = &units[rng.random_range(0..units.len())];
        let day = jan1 + Duration::days(rng.random_range(0..365));
        let received = at(day, rng.random_range(0..24), rng.random_range(0..60));
        let dead = if rng.random_bool(0.05) { rng.random_range(1..5) } else { 0 };
        let reporter = Reporter {
            person: format!("{unit}-field"),
            unit: unit.clone(),
            name: "现场人员".into(),
            title: "值班员".into(),
            phone: "139".into(),
        };
        let first = FirstReport {
            title: format!("事件{n}"),
            unit: unit.clone(),
            received_at: Some(received),
            sensitive: false,
            reporter: reporter.clone(),
            recorded_by: None,
            details: ReportDetails {
                account: "现场情况".into(),
                nature: Some(NATURES[rng.random_range(0..NATURES.len())].into()),
                casualties: Some(Casualties { dead, injured: rng.random_range(0..5), ..Default::default() }),
                ..Default::default()
            },
            pending: Vec::new(),
        };
        let after = if rng.random_bool(0.05) { 400 } else { rng.random_range(5..50) };
        let mut incident = Incident::file_first_report(first, "e01", received + Duration::minutes(after), &d)
            .map_err(|p| anyhow::anyhow!("generated incident refused: {p:?}"))?;
        for f in 0..rng.random_range(0..3) {
            let kind = if f == 1 { ReportKind::Final } else { ReportKind::FollowUp };
            incident
                .add_report(
                    &format!("e{:02}", f + 2),
                    kind,
                    reporter.clone(),
                    ReportDetails { account: "续报".into(), ..Default::default() },
                    received + Duration::hours(2 + f as i64 * 6),
                )
                .map_err(|p| anyhow::anyhow!("generated report refused: {p:?}"))?;
        }
        incidents.push((batch.save(&incident).await?, received));
    }
    // Instructions on some of them, relayed, acknowledged and fed back.
    for (id, received) in incidents.iter().step_by(12) {
        let recipients: Vec<String> = (0..3).map(|_| units[rng.random_range(0..units.len())].clone()).collect();
        let mut recipients_unique = recipients.clone();
        recipients_unique.sort();
        recipients_unique.dedup();
        let issued = *received + Duration::hours(1);
        let mut i = Instruction::issue(
            "city-chief",
            issued,
            "全力处置，及时报告进展。",
            Some(id.url()),
            &recipients_unique,
            &d,
        )
        .map_err(|p| anyhow::anyhow!("generated instruction refused: {p:?}"))?;
        i.relay("city-officer-1", issued + Duration::minutes(3))?;
        for unit in &recipients_unique {
            i.acknowledge(unit, &format!("{unit}-officer-1"), "phone", issued + Duration::minutes(6), &d)?;
        }
        i.give_feedback(&format!("{}-officer-1", recipients_unique[0]), issued + Duration::days(2), "已处置完毕。")?;
        batch.save(&i).await?;
    }
    // The assessment record.
    let mut record = Assessment::new(i64::from(year));
    for n in 0..100 {
        let (id, received) = incidents[rng.random_range(0..incidents.len())];
        let kind = ItemKind::ALL[n % 3];
        record.items.insert(
            format!("i{n:03}"),
            AssessmentItem {
                kind,
                unit: units[rng.random_range(0..units.len())].clone(),
                level: (kind == ItemKind::Adoption).then_some(AdoptionLevel::ALL[n % 3]),
                publication: "《值班要情》".into(),
                incident: Some(id.url()),
                entry: Some("e01".into()),
                reason: "报送要素不全".into(),
                by: "city-officer-1".into(),
                at: format_instant(received + Duration::days(1)),
            },
        );
    }
    batch.save(&record).await?;
    batch.flush().await
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

pub async fn run(args: PublicationArgs) -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let url = args.database.clone().unwrap_or_else(|| format!("sqlite://{}/year.db", folder.path().display()));
    let store = zhiban_server::store::open(&url).await?;
    let office = Office::new(store.database(), DutyRules::default());
    let mut batch = Batch { store: store.clone(), office: office.clone(), chunks: Vec::new(), documents: 0 };
    let mut rng = StdRng::seed_from_u64(2026);
    let started = Instant::now();
    generate(&mut batch, &args, &mut rng).await?;
    println!(
        "stored {} documents for {} units (a year: {} incidents) in {:.1} s",
        batch.documents,
        args.units,
        args.units * args.incidents_per_unit,
        started.elapsed().as_secs_f64()
    );
    let now = chrono::Utc::now().timestamp_millis();
    let mut figures = BTreeMap::new();
    for (kind, period) in [
        ("daily", format!("{}-10-02", args.year)),
        ("monthly", format!("{}-10", args.year)),
        ("quarterly", format!("{}-Q4", args.year)),
        ("yearly", args.year.to_string()),
    ] {
        let publication = Publication::parse(kind, &period)?;
        let mut times = Vec::new();
        let mut size = (0, 0);
        for _ in 0..args.runs {
            let t = Instant::now();
            let rendered = publications::generate(&office, publication, now, &|_, _, _| {}).await?;
            times.push(t.elapsed().as_secs_f64());
            size = (rendered.html.len(), rendered.csv.lines().count().saturating_sub(1));
        }
        let (min, max) = (times.iter().copied().fold(f64::MAX, f64::min), times.iter().copied().fold(0.0, f64::max));
        println!(
            "{kind:<9} {period:<10} median {:.3} s (min {min:.3}, max {max:.3}) over {} runs; HTML {} KB, {} CSV rows",
            median(times.clone()),
            args.runs,
            size.0 / 1024,
            size.1
        );
        figures.insert(kind, median(times));
    }
    Ok(())
}
