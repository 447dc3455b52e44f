//! The holiday daily report (节假日每日值班信息专报) for one day: every unit's duty that day (leader, main and
//! deputy officer), whether it reported — an incident, or a zero report (零报告: the unit's explicit "nothing
//! to report"), or nothing at all (silence, which a zero report exists to rule out) — the day's incidents,
//! and what the spot checks found.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveTime};
use maud::html;
use zhiban_model::documents::spot_check::{Outcome, Session};
use zhiban_model::rules::calendar::{DayKind, festival_zh};

use super::page::page;
use super::sheet::{Cell, Sheet};
use super::{Progress, PublicationError, Rendered, day_start};
use crate::db;
use crate::office::Office;
use crate::projection::on_duty::on_duty;

/// How a unit stood on reporting that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reporting {
    /// It reported incidents (this many).
    Incidents(usize),
    /// It filed a zero report, at this time.
    ZeroReport(String),
    /// Neither: silence.
    Silent,
}

impl Reporting {
    pub fn label(&self) -> String {
        match self {
            Reporting::Incidents(n) => format!("报送事件{n}起"),
            Reporting::ZeroReport(at) => format!("零报告（{at}）"),
            Reporting::Silent => "未报告".to_owned(),
        }
    }
}

fn hh_mm(text: &str) -> String {
    text.get(11..16).unwrap_or(text).to_owned()
}

pub async fn generate(office: &Office, day: NaiveDate, progress: Progress<'_>) -> Result<Rendered, PublicationError> {
    let steps = 4;
    let database = &office.database;
    let (from, to) = (day_start(day), day_start(day + Duration::days(1)));
    let directory = office.directory();
    let desk = directory.desk_unit().map(str::to_owned);
    let name_of = |person: &Option<String>| {
        person.as_ref().map(|p| directory.people.get(p).map(|x| x.name.clone()).unwrap_or_else(|| p.clone()))
    };

    progress(1, steps, "读取零报告和当日事件");
    let day_text = day.to_string();
    let zero_reports = db::oversight::duty_logs::zero_reports_for(database, &day_text).await?;
    let incidents = db::incidents::received_between(database, from, to).await?;
    let checks = db::oversight::spot_checks::on_day(database, &day_text).await?;
    let zero: BTreeMap<String, String> = zero_reports.into_iter().map(|z| (z.unit_id, z.at_text)).collect();
    let mut incident_count: BTreeMap<&str, usize> = BTreeMap::new();
    for incident in &incidents {
        *incident_count.entry(incident.unit_id.as_str()).or_default() += 1;
    }
    let mut findings_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for check in &checks {
        if let Some(o) = check.outcome.as_deref().and_then(Outcome::parse).filter(|o| o.is_finding()) {
            findings_of.entry(check.unit_id.as_str()).or_default().push(o.label_zh().to_owned());
        }
    }

    progress(2, steps, "读取各单位当日值班人员");
    // Who is on duty after the morning handover.
    let nine = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"));
    let at = crate::oversight::local_millis(nine);
    let mut units: Vec<(&String, &zhiban_model::documents::directory::Unit)> =
        directory.units.iter().filter(|(id, _)| Some(*id) != desk.as_ref()).collect();
    units.sort_by_key(|(id, u)| (crate::projection::rows::category_code(u.category), (*id).clone()));
    let mut sheet = Sheet::new(&["单位", "类别", "带班领导", "主班", "副班", "报告情况", "抽查发现"]);
    let (mut zero_count, mut incident_units, mut silent) = (0, 0, Vec::new());
    for (id, unit) in &units {
        let duty = on_duty(database, id, at).await?;
        let reporting = match (incident_count.get(id.as_str()), zero.get(*id)) {
            (Some(n), _) => Reporting::Incidents(*n),
            (None, Some(at)) => Reporting::ZeroReport(hh_mm(at)),
            (None, None) => Reporting::Silent,
        };
        match reporting {
            Reporting::Incidents(_) => incident_units += 1,
            Reporting::ZeroReport(_) => zero_count += 1,
            Reporting::Silent => silent.push(unit.name.clone()),
        }
        let missing = || Cell::Bad("未排班".into());
        let person = |p: Option<String>| p.map(Cell::Text).unwrap_or_else(missing);
        let findings = findings_of.get(id.as_str()).map(|f| f.join("、")).unwrap_or_default();
        sheet.push(vec![
            unit.name.clone().into(),
            format!("{}类", category_zh(unit.category)).into(),
            person(name_of(&duty.leader)),
            person(name_of(&duty.main)),
            person(name_of(&duty.deputy)),
            if reporting == Reporting::Silent { Cell::Bad(reporting.label()) } else { Cell::Text(reporting.label()) },
            if findings.is_empty() { Cell::Quiet("—".into()) } else { Cell::Bad(findings) },
        ]);
    }

    progress(3, steps, "整理事件和抽查情况");
    let unit_name = |id: &str| directory.units.get(id).map(|u| u.name.clone()).unwrap_or_else(|| id.to_owned());
    let mut incident_sheet = Sheet::new(&["接报时间", "事件", "责任单位", "等级", "死亡", "受伤", "失联", "报送"]);
    for incident in &incidents {
        let timeliness = match incident.late_by_seconds {
            Some(s) if s > 0 => Cell::Bad(format!("迟报{}分钟", s / 60)),
            _ => Cell::text("按时"),
        };
        incident_sheet.push(vec![
            hh_mm(&incident.received_at_text).into(),
            incident.title.clone().into(),
            unit_name(&incident.unit_id).into(),
            format!("{}级", grade_zh(&incident.effective_grade)).into(),
            incident.dead.into(),
            incident.injured.into(),
            incident.missing.into(),
            timeliness,
        ]);
    }
    let mut check_sheet = Sheet::new(&["时段", "被抽查单位", "结果", "响铃(秒)", "抽查人"]);
    for check in &checks {
        let outcome = check.outcome.as_deref().and_then(Outcome::parse);
        let label = outcome.map(Outcome::label_zh).unwrap_or("待抽查").to_owned();
        check_sheet.push(vec![
            Session::parse(&check.session).map(Session::label_zh).unwrap_or_default().into(),
            unit_name(&check.unit_id).into(),
            if outcome.is_some_and(Outcome::is_finding) { Cell::Bad(label) } else { Cell::Text(label) },
            check.ring_seconds.map(Cell::from).unwrap_or(Cell::Quiet("—".into())),
            name_of(&check.checked_by).unwrap_or_default().into(),
        ]);
    }
    let checked = checks.iter().filter(|c| c.outcome.is_some()).count();
    let found: usize = findings_of.values().map(Vec::len).sum();

    progress(4, steps, "生成专报");
    let festival = match office.rules.calendar.day_kind(day) {
        Some(DayKind::Holiday(name)) => format!("（{}）", festival_zh(name)),
        _ => String::new(),
    };
    let date_zh = format!("{}年{}月{}日", day.format("%Y"), day.format("%-m"), day.format("%-d"));
    let lead = format!(
        "{date_zh}，全市{}个值班单位中，{}个单位报送突发事件信息，{}个单位零报告，{}个单位未报告{}。\
         当日接报突发事件{}起；开展值班抽查{}次，发现问题{}个。",
        units.len(),
        incident_units,
        zero_count,
        silent.len(),
        if silent.is_empty() { String::new() } else { format!("（{}）", silent.join("、")) },
        incidents.len(),
        checked,
        found,
    );
    let body = html! {
        h2 { "一、总体情况" }
        p.lead { (lead) }
        h2 { "二、各单位值班和报告情况" }
        p.lead.quiet { "“零报告”为单位明确报告当日无突发事件；“未报告”为单位既未报送事件也未零报告。" }
        (sheet.html())
        h2 { "三、突发事件信息" }
        (incident_sheet.html())
        h2 { "四、值班抽查情况" }
        (check_sheet.html())
    };
    let title = "节假日每日值班信息专报";
    let html = page(
        title,
        &format!("{date_zh}{festival}"),
        "市人民政府总值班室",
        body,
        "本专报由值班系统根据各单位报送和抽查记录生成；CSV附表为各单位值班和报告情况。",
    );
    Ok(Rendered { title: format!("{title} {date_zh}"), html, csv: sheet.csv() })
}

pub(crate) fn category_zh(category: zhiban_model::documents::directory::DutyCategory) -> &'static str {
    use zhiban_model::documents::directory::DutyCategory::*;
    match category {
        One => "一",
        Two => "二",
        Three => "三",
    }
}

pub(crate) fn grade_zh(code: &str) -> &'static str {
    match code {
        "I" => "Ⅰ",
        "II" => "Ⅱ",
        "III" => "Ⅲ",
        _ => "Ⅳ",
    }
}
