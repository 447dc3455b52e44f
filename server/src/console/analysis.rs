//! 事件分析: the desk's situation picture over every unit's incidents — the trend per category as a line
//! chart, how often each category struck each region, compound risks (incidents of different kinds close in
//! time and place), and the early warnings (counts beyond what chance explains), each with its reasoning.
//!
//! - `GET /analysis?from=&to=&window_days=`: all four for the range (the last 90 days by default)

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::failure::Failure;
use super::format::{self, document_path, office_time};
use super::layout::page;
use super::session::Desk;
use crate::AppState;
use crate::api::analysis::RangeQuery;
use crate::api::analysis::{TrendQuery, WarningQuery, compound, frequency, trend, warnings};
use crate::oversight::analysis::{CompoundReport, FrequencyReport, TrendReport, WarningReport};
use crate::publications::charts::{Series, lines};

pub fn routes() -> Router<AppState> {
    Router::new().route("/analysis", get(overview))
}

/// Line colours for the categories, apart in hue and lightness; a ninth category and on are drawn gray.
const LINE_COLORS: [&str; 8] = ["#b91c1c", "#2563eb", "#15803d", "#ca8a04", "#7c3aed", "#0e7490", "#be185d", "#57534e"];

/// Window lengths the form offers, in days.
const WINDOWS: [(i64, &str); 3] = [(1, "按日"), (7, "按周"), (30, "按月（30 天）")];

#[derive(Deserialize, Default)]
pub struct Wanted {
    from: Option<String>,
    to: Option<String>,
    window_days: Option<i64>,
}

async fn overview(
    State(state): State<AppState>,
    desk: Desk,
    Query(wanted): Query<Wanted>,
) -> Result<Response, Failure> {
    // The API's own rule for the analysis (it answers 403 to anyone else), said in the office's words.
    desk.desk_and_leaders_only("事件分析涵盖各单位的突发事件，")?;
    let now = state.hub.now_millis();
    let today = office_time(now).date_naive();
    let day =
        |text: &Option<String>| text.as_deref().and_then(|t| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok());
    // `to` as the form shows it is the last day counted; the API's `to` is exclusive.
    let last = day(&wanted.to).unwrap_or(today);
    let first = day(&wanted.from).unwrap_or(last - Duration::days(89));
    let window_days = wanted.window_days.filter(|w| WINDOWS.iter().any(|(d, _)| d == w)).unwrap_or(7);
    let (from, to) = (Some(first.to_string()), Some((last + Duration::days(1)).to_string()));
    let caller = || desk.caller();
    let trends = trend(
        caller(),
        State(state.clone()),
        Query(TrendQuery { from: from.clone(), to: to.clone(), window_days: Some(window_days) }),
    )
    .await;
    // A range the trend cannot be cut into (backwards, too many windows) is said on the page, not as an error
    // page: the form is right there to fix it.
    let (trends, problem) = match trends {
        Ok(t) => (Some(t.0), None),
        Err(e) if e.status == StatusCode::BAD_REQUEST => (None, Some(e.reason)),
        Err(e) => return Err(e.into()),
    };
    let range = || RangeQuery { from: from.clone(), to: to.clone() };
    let (often, risks) = if problem.is_none() {
        let often = frequency(caller(), State(state.clone()), Query(range())).await?.0;
        let risks = compound(caller(), State(state.clone()), Query(range())).await?.0;
        (Some(often), Some(risks))
    } else {
        (None, None)
    };
    let early = warnings(caller(), State(state.clone()), Query(WarningQuery { at: None })).await?.0;
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = html! {
        h2 { "事件分析" }
        form.action.inline method="get" action="/analysis" {
            label for="analysis-from" { "自" }
            input #analysis-from type="date" name="from" value=(first.to_string())
                aria-invalid=[problem.as_ref().map(|_| "true")] aria-describedby=[problem.as_ref().map(|_| "analysis-error")];
            label for="analysis-to" { "至" }
            input #analysis-to type="date" name="to" value=(last.to_string());
            label for="analysis-window" { "统计周期" }
            select #analysis-window name="window_days" {
                @for (days, name) in WINDOWS { option value=(days) selected[days == window_days] { (name) } }
            }
            button type="submit" { "分析" }
        }
        @if let Some(p) = &problem { p #analysis-error .field-error role="alert" { (p) } }
        div.board {
            div.column {
                @if let Some(t) = &trends { (trend_chart(t)) }
                @if let Some(f) = &often { (frequency_table(f)) }
            }
            div.column {
                (warnings_list(&early))
                @if let Some(r) = &risks { (compound_list(r)) }
            }
        }
    };
    Ok((status, page(&desk, "/analysis", "事件分析", now, body)).into_response())
}

fn trend_chart(report: &TrendReport) -> Markup {
    let labels: Vec<String> = report.windows.iter().map(|w| format::day_text(&w.start)).collect();
    let series: Vec<Series> = report
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values = report.windows.iter().map(|w| w.counts.get(&c.code).copied().unwrap_or(0) as f64).collect();
            Series::new(c.name.clone(), LINE_COLORS.get(i).copied().unwrap_or("gray"), values)
        })
        .collect();
    let total: u64 = report.windows.iter().map(|w| w.total).sum();
    html! {
        section #trend data-live {
            h3 { "事件趋势" }
            p.summary { "共 " (total) " 起，每 " (report.window_days) " 天一个统计点。" }
            figure.chart { (PreEscaped(lines("各类事件数量趋势", &labels, &series, "起"))) }
        }
    }
}

fn frequency_table(report: &FrequencyReport) -> Markup {
    html! {
        section #frequency data-live {
            h3 { "高发事件（类别 × 地区）" }
            @if report.rows.is_empty() {
                p.summary { "该时段没有事件。" }
            } @else {
                table.frequency {
                    thead { tr { th scope="col" { "类别" } th scope="col" { "地区" } th scope="col" { "起数" } } }
                    tbody {
                        @for r in &report.rows {
                            tr { td { (r.category_name) } td { (r.region_name) } td { (r.count) } }
                        }
                    }
                }
            }
        }
    }
}

fn warnings_list(report: &WarningReport) -> Markup {
    html! {
        section #warnings data-live {
            h3 { "事件预警" }
            @if report.warnings.is_empty() {
                p.summary { "截至目前没有超出常态的事件聚集（近 " (report.window_days) " 天）。" }
            } @else {
                ul.warnings {
                    @for w in &report.warnings {
                        li.late {
                            (w.explanation_zh)
                            @if !w.incidents.is_empty() {
                                ul { @for i in &w.incidents { li { a href=(document_path("incidents", &i.document)) { (i.title) } } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn compound_list(report: &CompoundReport) -> Markup {
    html! {
        section #compound data-live {
            h3 { "复合风险" }
            p.summary { "相距 " (report.distance_km) " 公里、" (report.hours) " 小时以内的不同类别事件。" }
            @if report.risks.is_empty() {
                p.summary { "该时段没有发现。" }
            } @else {
                ul.warnings {
                    @for r in &report.risks {
                        li {
                            (r.explanation_zh)
                            ul { @for i in &r.incidents { li { a href=(document_path("incidents", &i.document)) { (i.title) } " " (format::short_text(&i.at)) } } }
                        }
                    }
                }
            }
        }
    }
}
