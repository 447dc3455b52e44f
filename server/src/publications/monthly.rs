//! The monthly duty digest (值班要情): the month's incidents by grade and category, each with its report
//! chain and the leaders' instructions on it, and how timely each unit's first reports were.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use maud::html;
use zhiban_model::rules::analysis::UNCLASSIFIED;

use super::charts::{GRADE_COLORS, Series, horizontal_bars, stacked_bars};
use super::daily::grade_zh;
use super::page::{figure, page};
use super::sheet::{Cell, Sheet};
use super::{Progress, PublicationError, Rendered, day_start, month_start};
use crate::db;
use crate::db::incidents::Incident;
use crate::office::Office;

pub const GRADES: [&str; 4] = ["I", "II", "III", "IV"];

/// The category's name, from the office's taxonomy.
pub fn category_of(office: &Office, incident: &Incident) -> String {
    let taxonomy = &office.rules.taxonomy;
    let code = taxonomy
        .classify(incident.nature.as_deref(), &incident.title)
        .map(|c| c.code.clone())
        .unwrap_or_else(|| UNCLASSIFIED.to_owned());
    taxonomy.label_zh(&code)
}

/// Incidents per week (Monday-based, clipped to the period) by grade, as a stacked bar chart.
pub fn weekly_chart(title: &str, first: NaiveDate, last: NaiveDate, incidents: &[Incident]) -> String {
    let mut weeks: Vec<NaiveDate> = Vec::new();
    let mut day = first;
    while day <= last {
        weeks.push(day);
        day = day + Duration::days(7 - i64::from(day.weekday().num_days_from_monday()));
    }
    let mut counts = vec![[0f64; 4]; weeks.len()];
    for incident in incidents {
        let millis = incident.received_at;
        let Some(w) = weeks.iter().rposition(|start| day_start(*start) <= millis) else { continue };
        let g = GRADES.iter().position(|g| *g == incident.effective_grade).unwrap_or(3);
        counts[w][g] += 1.0;
    }
    let labels: Vec<String> = weeks.iter().map(|d| format!("{}/{}", d.month(), d.day())).collect();
    let series: Vec<Series> = GRADES
        .iter()
        .enumerate()
        .map(|(g, code)| {
            Series::new(format!("{}级", grade_zh(code)), GRADE_COLORS[g], counts.iter().map(|c| c[g]).collect())
        })
        .collect();
    stacked_bars(title, &labels, &series, "起")
}

/// On-time first reports per unit, in percent, as horizontal bars (units with incidents only).
pub fn timeliness_chart(title: &str, office: &Office, incidents: &[Incident]) -> String {
    let mut per_unit: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for i in incidents {
        let entry = per_unit.entry(i.unit_id.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(i.late_by_seconds.is_none_or(|s| s <= 0));
    }
    let directory = office.directory();
    let rows: Vec<(String, f64)> = per_unit
        .into_iter()
        .map(|(unit, (all, on_time))| {
            let name = directory.units.get(unit).map(|u| u.name.clone()).unwrap_or_else(|| unit.to_owned());
            (name, 100.0 * on_time as f64 / all as f64)
        })
        .collect();
    horizontal_bars(title, &rows, Some(100.0), "#2563eb", &|v| format!("{v:.0}%"))
}

pub async fn generate(
    office: &Office,
    year: i32,
    month: u32,
    progress: Progress<'_>,
) -> Result<Rendered, PublicationError> {
    let steps = 3;
    let first = month_start(year, month)?;
    let next = month_start(year, month + 1)?;
    progress(1, steps, "读取本月事件和批示");
    let (from, to) = (day_start(first), day_start(next));
    let incidents = db::incidents::received_between(&office.database, from, to).await?;
    // Only the instructions written on this month's incidents (instructions hold the incident's URL).
    let instructions = db::instructions::on_incidents_received_between(&office.database, from, to).await?;
    let directory = office.directory();
    let unit_name = |id: &str| directory.units.get(id).map(|u| u.name.clone()).unwrap_or_else(|| id.to_owned());
    let person = |id: &str| directory.people.get(id).map(|p| p.name.clone()).unwrap_or_else(|| id.to_owned());

    progress(2, steps, "按等级和类别统计");
    let mut by_category: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for i in &incidents {
        let g = GRADES.iter().position(|g| *g == i.effective_grade).unwrap_or(3);
        by_category.entry(category_of(office, i)).or_default()[g] += 1;
    }
    let mut counts = Sheet::new(&["类别", "Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级", "合计"]);
    let mut totals = [0usize; 4];
    for (category, by_grade) in &by_category {
        let mut row: Vec<Cell> = vec![category.clone().into()];
        row.extend(by_grade.iter().map(|n| Cell::from(*n)));
        row.push(by_grade.iter().sum::<usize>().into());
        counts.push(row);
        for g in 0..4 {
            totals[g] += by_grade[g];
        }
    }
    let mut total_row: Vec<Cell> = vec!["合计".into()];
    total_row.extend(totals.iter().map(|n| Cell::from(*n)));
    total_row.push(incidents.len().into());
    counts.push(total_row);

    let mut list = Sheet::new(&[
        "接报时间",
        "事件",
        "类别",
        "等级",
        "责任单位",
        "死亡",
        "受伤",
        "失联",
        "报送",
        "续报/终报",
        "所处环节",
        "批示",
    ]);
    let mut on_time = 0usize;
    for i in &incidents {
        let url = format!("automerge:{}", i.document_id);
        let notes: Vec<String> = instructions
            .iter()
            .filter(|instruction| instruction.incident.as_deref() == Some(url.as_str()))
            .map(|instruction| {
                let text: String = instruction.text.chars().take(24).collect();
                format!(
                    "{}{}：{}",
                    instruction.number.as_deref().map(|n| format!("[{n}]")).unwrap_or_default(),
                    person(&instruction.leader),
                    text
                )
            })
            .collect();
        let timely = match i.late_by_seconds {
            Some(s) if s > 0 => Cell::Bad(format!("迟报{}分钟", s / 60)),
            _ => {
                on_time += 1;
                Cell::text("按时")
            }
        };
        let chain = format!("共{}次{}", i.report_count, if i.has_final_report != 0 { "，已终报" } else { "" });
        let stage = zhiban_model::documents::incident::Stage::parse(&i.stage).map(|s| s.label_zh()).unwrap_or("");
        list.push(vec![
            i.received_at_text.get(..16).unwrap_or(&i.received_at_text).replace('T', " ").into(),
            i.title.clone().into(),
            category_of(office, i).into(),
            format!("{}级", grade_zh(&i.effective_grade)).into(),
            unit_name(&i.unit_id).into(),
            i.dead.into(),
            i.injured.into(),
            i.missing.into(),
            timely,
            chain.into(),
            stage.into(),
            notes.join("；").into(),
        ]);
    }

    progress(3, steps, "生成要情");
    let last = next - Duration::days(1);
    let weekly = weekly_chart("本月各周突发事件（按等级）", first, last, &incidents);
    let timeliness = timeliness_chart("各单位首报及时率", office, &incidents);
    let rate = if incidents.is_empty() { 100.0 } else { 100.0 * on_time as f64 / incidents.len() as f64 };
    let lead = format!(
        "{year}年{month}月，全市共接报突发事件{}起，其中Ⅰ级{}起、Ⅱ级{}起、Ⅲ级{}起、Ⅳ级{}起；\
         首报按时{}起，及时率{rate:.1}%；领导批示{}件次。",
        incidents.len(),
        totals[0],
        totals[1],
        totals[2],
        totals[3],
        on_time,
        instructions.len(),
    );
    let body = html! {
        h2 { "一、总体情况" }
        p.lead { (lead) }
        h2 { "二、分类分级统计" }
        (counts.html())
        (figure(weekly, "图1 本月各周突发事件数（按等级）"))
        h2 { "三、突发事件及处置情况" }
        (list.html())
        h2 { "四、信息报送及时性" }
        (figure(timeliness, "图2 各单位首报及时率"))
    };
    let title = "值班要情";
    let html = page(
        title,
        &format!("{year}年第{month}期"),
        "市人民政府总值班室 编",
        body,
        "本期要情由值班系统根据各单位报送的突发事件信息生成；CSV附表为本月突发事件清单。",
    );
    Ok(Rendered { title: format!("{title} {year}年{month}月"), html, csv: list.csv() })
}
