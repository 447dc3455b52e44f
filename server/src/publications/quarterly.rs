//! The quarterly duty bulletin (值班通报): late and missing reports and roster filings, spot-check findings
//! by unit, criticisms, and the units' ranking for the year so far. Every line comes from the evidence the
//! scores are made of (`oversight::scores`), so the bulletin and the score sheets agree.

use std::collections::BTreeMap;

use maud::html;
use zhiban_model::rules::scores::{Evidence, ScoreFact, score};

use super::charts::horizontal_bars;
use super::page::{figure, page};
use super::sheet::{Cell, Sheet};
use super::{Progress, PublicationError, Rendered, day_start, month_start};
use crate::db;
use crate::office::Office;
use crate::oversight::scores::{evidence, scored_units};

const QUARTER_ZH: [&str; 4] = ["一", "二", "三", "四"];

fn is_reporting_failure(fact: ScoreFact) -> bool {
    matches!(
        fact,
        ScoreFact::LateReport
            | ScoreFact::OmittedReport
            | ScoreFact::ConcealedReport
            | ScoreFact::FalseReport
            | ScoreFact::NonStandardReport
    )
}

pub async fn generate(
    office: &Office,
    year: i32,
    quarter: u32,
    now: i64,
    progress: Progress<'_>,
) -> Result<Rendered, PublicationError> {
    let steps = 3;
    let from = day_start(month_start(year, quarter * 3 - 2)?);
    let to = day_start(month_start(year, quarter * 3 + 1)?);
    let year_start = day_start(month_start(year, 1)?);
    progress(1, steps, "汇总本季度报送、报备、抽查和通报记录");
    let quarter_evidence = evidence(office, from, to, now).await?;
    let checks_made = db::oversight::spot_checks::made_between(&office.database, from, to).await?.checks;
    progress(2, steps, "计算年度累计考核得分");
    let year_evidence = evidence(office, year_start, to, now).await?;
    let units = scored_units(office);
    let ranking = score(&units, year_evidence, &office.rules.scores);

    progress(3, steps, "生成通报");
    let directory = office.directory();
    let unit_name = |id: &str| directory.units.get(id).map(|u| u.name.clone()).unwrap_or_else(|| id.to_owned());
    let of = |keep: fn(ScoreFact) -> bool| -> Vec<&Evidence> {
        let mut rows: Vec<&Evidence> = quarter_evidence.iter().filter(|e| keep(e.fact)).collect();
        rows.sort_by(|a, b| (&a.unit, a.at).cmp(&(&b.unit, b.at)));
        rows
    };
    let table = |rows: &[&Evidence]| {
        let mut sheet = Sheet::new(&["单位", "问题", "时间", "情况"]);
        for e in rows {
            sheet.push(vec![
                unit_name(&e.unit).into(),
                Cell::Bad(e.fact.label_zh().into()),
                e.at.format("%m月%d日 %H:%M").to_string().into(),
                e.detail.clone().into(),
            ]);
        }
        sheet
    };
    let reporting = of(is_reporting_failure);
    let filing = of(|f| matches!(f, ScoreFact::LateFiling | ScoreFact::MissingFiling));
    let findings = of(|f| matches!(f, ScoreFact::CheckFinding(_)));
    let criticisms = of(|f| f == ScoreFact::Criticism);

    let mut per_unit: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for (i, rows) in [&reporting, &filing, &findings, &criticisms].into_iter().enumerate() {
        for e in rows {
            per_unit.entry(e.unit.as_str()).or_default()[i] += 1;
        }
    }
    let mut csv =
        Sheet::new(&["排名", "单位", "报送问题", "报备问题", "抽查发现", "通报批评", "年度累计得分", "加分", "扣分"]);
    let mut ranking_table = Sheet::new(&["排名", "单位", "年度累计得分", "加分", "扣分", "本季度问题"]);
    for s in &ranking {
        let counts = per_unit.get(s.unit.as_str()).copied().unwrap_or_default();
        let problems: usize = counts.iter().sum();
        csv.push(vec![
            s.rank.into(),
            unit_name(&s.unit).into(),
            counts[0].into(),
            counts[1].into(),
            counts[2].into(),
            counts[3].into(),
            s.total.into(),
            s.gained.into(),
            s.deducted.into(),
        ]);
        ranking_table.push(vec![
            s.rank.into(),
            unit_name(&s.unit).into(),
            s.total.into(),
            s.gained.into(),
            s.deducted.into(),
            if problems > 0 { Cell::Bad(problems.to_string()) } else { Cell::Quiet("0".into()) },
        ]);
    }
    let chart_rows: Vec<(String, f64)> = ranking.iter().map(|s| (unit_name(&s.unit), s.total)).collect();
    let chart =
        horizontal_bars("各单位年度累计考核得分", &chart_rows, None, "#0f766e", &|v| format!("{v:.1}"));
    let q = QUARTER_ZH[(quarter as usize - 1).min(3)];
    let lead = format!(
        "{year}年第{q}季度，市政府总值班室开展值班抽查{checks_made}次，发现问题{}个；\
         信息报送问题{}个，值班表报备问题{}个，通报批评{}次。现将有关情况通报如下。",
        findings.len(),
        reporting.len(),
        filing.len(),
        criticisms.len(),
    );
    let body = html! {
        h2 { "一、总体情况" }
        p.lead { (lead) }
        h2 { "二、信息报送情况（迟报、漏报、瞒报、谎报、报送不规范）" }
        (table(&reporting).html())
        h2 { "三、值班表报备情况" }
        (table(&filing).html())
        h2 { "四、值班抽查发现的问题" }
        (table(&findings).html())
        h2 { "五、通报批评" }
        (table(&criticisms).html())
        h2 { "六、考核排名（年度累计）" }
        (ranking_table.html())
        (figure(chart, "图 各单位年度累计考核得分"))
    };
    let title = "值班通报";
    let html = page(
        title,
        &format!("{year}年第{q}季度"),
        "市人民政府总值班室",
        body,
        "本通报由值班系统根据信息报送、报备、抽查和考核记录生成；每一项扣分均可在考核明细中查到所依据的记录。",
    );
    Ok(Rendered { title: format!("{title} {year}年第{q}季度"), html, csv: csv.csv() })
}
