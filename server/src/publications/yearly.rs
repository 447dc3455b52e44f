//! The yearly figures an annual summary quotes: incidents by class and grade, instructions relayed and fed
//! back, spot checks made, notices relayed, calls, visits and faxes handled, zero reports, rosters filed.

use std::collections::BTreeMap;

use chrono::Duration;
use maud::html;

use super::charts::horizontal_bars;
use super::daily::grade_zh;
use super::monthly::{GRADES, weekly_chart};
use super::page::{figure, page};
use super::sheet::{Cell, Sheet};
use super::{Progress, PublicationError, Rendered, day_start, month_start};
use crate::db;
use crate::office::Office;

pub async fn generate(office: &Office, year: i32, progress: Progress<'_>) -> Result<Rendered, PublicationError> {
    let steps = 4;
    let first = month_start(year, 1)?;
    let next = month_start(year + 1, 1)?;
    let (from, to) = (day_start(first), day_start(next));
    progress(1, steps, "读取全年突发事件");
    let database = &office.database;
    let incidents = db::incidents::received_between(database, from, to).await?;

    progress(2, steps, "统计批示、抽查、值班日志和报备");
    let instructions = db::instructions::figures_issued_between(database, from, to).await?;
    let checks = db::oversight::spot_checks::made_between(database, from, to).await?;
    let log_counts = db::oversight::duty_logs::counts_by_kind_between(database, from, to).await?;
    let sent = db::incidents::sent_between(database, from, to).await?;
    let rounds_due = db::oversight::filing_rounds::due_between(database, from, to).await?;
    let rosters_filed = db::rosters::filed_between(database, from, to).await?;
    let logged: BTreeMap<String, i64> = log_counts.into_iter().collect();
    let log = |kind: &str| logged.get(kind).copied().unwrap_or(0);

    progress(3, steps, "按类别和等级汇总");
    let taxonomy = &office.rules.taxonomy;
    let mut by_class: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for i in &incidents {
        let class = taxonomy
            .classify(i.nature.as_deref(), &i.title)
            .map(|c| c.class.label_zh().to_owned())
            .unwrap_or_else(|| "未分类".to_owned());
        let g = GRADES.iter().position(|g| *g == i.effective_grade).unwrap_or(3);
        by_class.entry(class).or_default()[g] += 1;
    }
    let late = incidents.iter().filter(|i| i.late_by_seconds.is_some_and(|s| s > 0)).count();
    let dead: i64 = incidents.iter().map(|i| i.dead).sum();

    progress(4, steps, "生成年度数据");
    let mut class_sheet = Sheet::new(&["类别", "Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级", "合计"]);
    for (class, by_grade) in &by_class {
        let mut row: Vec<Cell> = vec![class.clone().into()];
        row.extend(by_grade.iter().map(|n| Cell::from(*n)));
        row.push(by_grade.iter().sum::<usize>().into());
        class_sheet.push(row);
    }
    let db::instructions::Figures { issued, relayed_in_time, fully_acknowledged, fed_back, fed_back_in_time } =
        instructions;
    let mut figures = Sheet::new(&["项目", "数量"]);
    let rows: Vec<(String, i64)> = vec![
        ("接报突发事件（起）".into(), incidents.len() as i64),
        ("其中首报迟报（起）".into(), late as i64),
        ("死亡（人）".into(), dead),
        ("报送信息（条次，含首报、续报、终报）".into(), sent.reports),
        ("报送图片和音视频（个）".into(), sent.attachments),
        ("领导批示（件）".into(), issued),
        ("批示按时转办（件）".into(), relayed_in_time),
        ("批示全部签收（件）".into(), fully_acknowledged),
        ("批示办理反馈（件）".into(), fed_back),
        ("批示按时反馈（件）".into(), fed_back_in_time),
        ("值班抽查（次）".into(), checks.checks),
        ("抽查发现问题（个）".into(), checks.findings),
        ("转达会议通知（次）".into(), log("notice")),
        ("接听来电（次）".into(), log("call")),
        ("接待来访（次）".into(), log("visit")),
        ("收发传真（份）".into(), log("fax")),
        ("零报告（次）".into(), log("zero_report")),
        ("报备轮次（次）".into(), rounds_due),
        ("值班表报备（次）".into(), rosters_filed),
    ];
    for (name, value) in &rows {
        figures.push(vec![name.clone().into(), (*value).into()]);
    }
    for (class, by_grade) in &by_class {
        for (g, code) in GRADES.iter().enumerate() {
            figures.push(vec![format!("{class}{}级事件（起）", grade_zh(code)).into(), by_grade[g].into()]);
        }
    }
    let weekly = weekly_chart("全年各周突发事件（按等级）", first, next - Duration::days(1), &incidents);
    let class_rows: Vec<(String, f64)> =
        by_class.iter().map(|(c, g)| (c.clone(), g.iter().sum::<usize>() as f64)).collect();
    let class_chart =
        horizontal_bars("全年突发事件（按类别）", &class_rows, None, "#b45309", &|v| format!("{v:.0}起"));
    let lead = format!(
        "{year}年，全市共接报各类突发事件{}起，死亡{dead}人；办理领导批示{issued}件，按时反馈{fed_back_in_time}件；\
         开展值班抽查{}次，发现问题{}个；转达会议通知{}次，接听来电{}次，接待来访{}次。",
        incidents.len(),
        checks.checks,
        checks.findings,
        log("notice"),
        log("call"),
        log("visit"),
    );
    let body = html! {
        h2 { "一、总体情况" }
        p.lead { (lead) }
        h2 { "二、突发事件分类分级" }
        (class_sheet.html())
        (figure(class_chart, "图1 全年突发事件（按类别）"))
        (figure(weekly, "图2 全年各周突发事件（按等级）"))
        h2 { "三、主要数据" }
        (figures.html())
    };
    let title = "年度值班工作数据";
    let html = page(
        title,
        &format!("{year}年度"),
        "市人民政府总值班室",
        body,
        "本数据由值班系统根据全年记录生成，可供年度工作总结引用；CSV附表为各项数据。",
    );
    Ok(Rendered { title: format!("{title} {year}"), html, csv: figures.csv() })
}
