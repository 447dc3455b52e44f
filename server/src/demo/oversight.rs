//! The desk's oversight in the demo city: the National Day filing round (one unit late), a special
//! protection period's round still open, the holiday's spot checks with three findings, duty logs with
//! zero reports (two units stay silent one day each), calls and faxes at the desk, and the year's
//! assessment record.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use zhiban_model::DocumentId;
use zhiban_model::documents::assessment::{AdoptionLevel, Assessment, AssessmentItem, ItemKind};
use zhiban_model::documents::duty_log::{DutyLog, LogEntry, LogKind};
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::documents::spot_check::{CheckResult, Method, Outcome, Session, SpotCheck, SpotChecks};
use zhiban_model::documents::time::format_instant;

use super::{DemoError, Loader, UNITS, local, zone};

/// The units that stay silent (no zero report) on a National Day holiday day: the daily report shows them
/// apart from those that reported nothing to report.
const SILENT: [(&str, u32); 2] = [("tourism", 2), ("beiling", 5)];

/// The spot checks of National Day that found something: (unit, day of October, session, outcome, ring).
const FINDINGS: [(&str, u32, Session, Outcome, Option<i64>); 3] = [
    ("nanshan", 2, Session::Evening, Outcome::Unanswered, Some(65)),
    ("water", 4, Session::Morning, Outcome::EmptyPost, None),
    ("tourism", 6, Session::Afternoon, Outcome::StandIn, None),
];

fn october(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, day).expect("a day of October 2026")
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> String {
    let time = NaiveTime::from_hms_opt(hour, minute, 0).expect("a time of day");
    format_instant(day.and_time(time).and_local_timezone(zone()).single().expect("UTC+8 has no gaps"))
}

fn units_but_desk() -> Vec<String> {
    UNITS.iter().filter(|u| u.id != "city").map(|u| u.id.to_owned()).collect()
}

/// The filing rounds: National Day (rosters are made in `load`) and a special protection period ahead.
pub async fn filing_rounds(loader: &Loader) -> Result<Vec<DocumentId>, DemoError> {
    let national_day = FilingRound::new(
        "2026年国庆节假期值班表报备",
        Occasion::Holiday,
        (local("2026-10-01T00:00"), local("2026-10-08T08:00")),
        local("2026-09-28T23:59"),
        units_but_desk(),
        "city-officer-1",
        local("2026-09-10T09:00"),
    );
    let today = loader.now().date_naive();
    let noon = |d: NaiveDate| d.and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon"));
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    let special = FilingRound::new(
        "年末岁初安全生产特护期值班表报备",
        Occasion::SpecialPeriod,
        (midnight(today + Duration::days(7)), noon(today + Duration::days(14))),
        local(&format!("{}T17:30", today + Duration::days(3))),
        units_but_desk(),
        "city-officer-1",
        noon(today - Duration::days(2)),
    );
    Ok(vec![loader.save(&national_day).await?, loader.save(&special).await?])
}

/// National Day's spot checks: two units each morning, afternoon and evening, by rotation, with the
/// findings above in place of the rotation's unit.
pub async fn spot_checks(loader: &Loader, round: DocumentId) -> Result<DocumentId, DemoError> {
    let mut plan = SpotChecks::new("2026年国庆节假期值班抽查", Some(round.url()));
    let units = units_but_desk();
    let mut n = 0usize;
    for day in 1..=7 {
        for (s, session) in Session::ALL.into_iter().enumerate() {
            for slot in 0..2 {
                let finding = FINDINGS.iter().find(|f| f.1 == day && f.2 == session).filter(|_| slot == 0);
                let unit = finding.map(|f| f.0.to_owned()).unwrap_or_else(|| units[n % units.len()].clone());
                n += 1;
                let officer = format!("city-officer-{}", (n % 4) + 1);
                let (hour, minute) = [(9, 10), (15, 20), (21, 5)][s];
                let (outcome, ring) = finding.map(|f| (f.3, f.4)).unwrap_or((Outcome::Proper, Some(8)));
                let result = CheckResult {
                    outcome,
                    ring_seconds: ring,
                    method: if slot == 1 { Method::Video } else { Method::Phone },
                    answered_by: if outcome == Outcome::Unanswered { String::new() } else { "值班员".into() },
                    checked_by: officer.clone(),
                    checked_at: at(october(day), hour, minute + slot as u32 * 6),
                    note: match outcome {
                        Outcome::EmptyPost => "值班室无人，电话转接至个人手机".into(),
                        Outcome::StandIn => "值班表所列人员未在岗，由他人替班".into(),
                        _ => String::new(),
                    },
                };
                plan.checks.insert(
                    format!("c{day:02}{s}{slot}"),
                    SpotCheck {
                        unit,
                        date: october(day).to_string(),
                        session,
                        planned_by: "city-officer-1".into(),
                        result: Some(result),
                    },
                );
            }
        }
    }
    loader.save(&plan).await
}

/// October's duty logs: every unit's zero report on each holiday day but the silent ones, and the desk's
/// calls, visit, fax and handovers.
pub async fn duty_logs(loader: &Loader) -> Result<usize, DemoError> {
    let mut logs: BTreeMap<&str, DutyLog> = BTreeMap::new();
    let entry =
        |kind, at: String, by: String, counterpart: &str, summary: &str, for_date: Option<NaiveDate>| LogEntry {
            kind,
            at,
            by,
            counterpart: counterpart.into(),
            summary: summary.into(),
            handling: String::new(),
            instruction: None,
            for_date: for_date.map(|d| d.to_string()),
        };
    for spec in UNITS.iter().filter(|u| u.id != "city") {
        let log = logs.entry(spec.id).or_insert_with(|| DutyLog::new(spec.id, "2026-10"));
        for day in 1..=7 {
            if SILENT.contains(&(spec.id, day)) {
                continue;
            }
            let by = format!("{}-officer-{}", spec.id, (day as usize % 4) + 1);
            log.entries.insert(
                format!("z{day:02}"),
                entry(
                    LogKind::ZeroReport,
                    at(october(day), 16, 30),
                    by,
                    "",
                    "今日无突发事件信息报告",
                    Some(october(day)),
                ),
            );
        }
    }
    let desk = logs.entry("city").or_insert_with(|| DutyLog::new("city", "2026-10"));
    let desk_entries = [
        (LogKind::Call, 1, 10, "市民张先生", "反映西城区某小区停水，已转市水务局处理"),
        (LogKind::Call, 2, 22, "北岭县值班室", "询问节日期间信息报送口径"),
        (LogKind::Visit, 3, 9, "市应急管理局", "送交节日期间安全检查情况"),
        (LogKind::Fax, 3, 14, "省政府总值班室", "关于做好节日期间值班工作的通知（传真）"),
        (LogKind::Handover, 4, 8, "city-officer-3", "交接：北岭县停电事件续报待收"),
        (LogKind::Call, 6, 19, "南山县值班室", "报告景区游客滞留情况，已疏导"),
    ];
    for (i, (kind, day, hour, counterpart, summary)) in desk_entries.into_iter().enumerate() {
        let by = format!("city-officer-{}", (i % 4) + 1);
        desk.entries.insert(format!("d{i:02}"), entry(kind, at(october(day), hour, 0), by, counterpart, summary, None));
    }
    for log in logs.values() {
        loader.save(log).await?;
    }
    Ok(logs.len())
}

/// The year's assessment record: an adoption by the province, a non-standard report and a criticism.
pub async fn assessment(loader: &Loader, incidents: &BTreeMap<&str, DocumentId>) -> Result<DocumentId, DemoError> {
    let now: NaiveDateTime = loader.now().naive_local();
    let when = |days_ago: i64| {
        format_instant((now - Duration::days(days_ago)).and_local_timezone(zone()).single().expect("UTC+8"))
    };
    let mut record = Assessment::new(2026);
    let item =
        |kind, unit: &str, level, publication: &str, incident: Option<&str>, reason: &str, days_ago| AssessmentItem {
            kind,
            unit: unit.into(),
            level,
            publication: publication.into(),
            incident: incident.and_then(|k| incidents.get(k)).map(|id| id.url()),
            entry: incident.map(|_| "e01".into()),
            reason: reason.into(),
            by: "city-officer-1".into(),
            at: when(days_ago),
        };
    record.items.insert(
        "a1".into(),
        item(
            ItemKind::Adoption,
            "beiling",
            Some(AdoptionLevel::Province),
            "《省政府值班信息》第118期",
            Some("coach"),
            "",
            5,
        ),
    );
    record.items.insert(
        "n1".into(),
        item(
            ItemKind::NonStandardReport,
            "xicheng",
            None,
            "",
            Some("landslide"),
            "首报缺少人员伤亡和受威胁群众情况",
            2,
        ),
    );
    record.items.insert(
        "c1".into(),
        item(ItemKind::Criticism, "nanshan", None, "《值班通报》2026年第3期", None, "国庆假期抽查长时间无人接听", 30),
    );
    loader.save(&record).await
}
