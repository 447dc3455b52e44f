//! 刊物与评分: generate and open the daily report, the monthly digest, the quarterly bulletin and the yearly
//! figures (printable pages, or their rows as CSV); the units' ranking for the year, each unit's points
//! traceable to the records that earned or cost them. The incident analysis is its own page (`analysis.rs`).
//!
//! - `GET /publications`: the forms and the ranking
//! - `GET /publications/open?kind=&period=`: the publication itself (as the API renders it)
//! - `GET /scores/{unit}`: one unit's score sheet, every line naming its record
//!
//! As the API: publications for the desk and leaders only; the ranking and sheets of the units whose rosters
//! the person may see (everyone's for the desk and leaders).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Datelike;
use maud::html;
use serde::Deserialize;

use super::failure::Failure;
use super::format::{self, office_time};
use super::layout::page;
use super::session::Desk;
use crate::AppState;
use crate::api::reports::{ReportFormat, report};
use crate::api::scores::{ScorePeriod, board, sheet};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/publications", get(overview))
        .route("/publications/open", super::csp::on_route(get(open), super::csp::publication()))
        .route("/scores/{unit}", get(unit_sheet))
}

async fn overview(State(state): State<AppState>, desk: Desk) -> Result<Response, Failure> {
    let now = state.hub.now_millis();
    let today = office_time(now).date_naive();
    let quarter = (today.month() - 1) / 3 + 1;
    let kinds = [
        ("daily", "值班日报", today.format("%Y-%m-%d").to_string(), "2026-10-01"),
        ("monthly", "月度值班信息汇总", today.format("%Y-%m").to_string(), "2026-10"),
        ("quarterly", "季度通报", format!("{}-Q{quarter}", today.year()), "2026-Q4"),
        ("yearly", "年度统计", today.year().to_string(), "2026"),
    ];
    let year = ScorePeriod { year: Some(today.year()), from: None, to: None };
    // The ranking as the API answers this person: none at all for an administrator.
    let ranking = match board(desk.caller(), State(state.clone()), Query(year)).await {
        Ok(board) => Some(board.0),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => None,
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        h2 { "刊物与评分" }
        div.board {
            div.column {
                @if !desk.sees_everything() {
                    p.summary { "值班日报、月度汇总、季度通报和年度统计由值班室编制，仅供值班室人员和带班领导查看。" }
                } @else {
                    section #publications {
                        h3 { "生成刊物" }
                        @for (kind, name, period, example) in &kinds {
                            form.action.inline method="get" action="/publications/open" {
                                input type="hidden" name="kind" value=(kind);
                                label for=(format!("period-{kind}")) { (name) }
                                input id=(format!("period-{kind}")) type="text" name="period" value=(period) placeholder=(example) required;
                                button type="submit" name="format" value="html" { "生成并打开" }
                                button type="submit" name="format" value="csv" { "导出表格（CSV）" }
                            }
                        }
                    }
                    p.summary { "事件趋势、高发事件、复合风险与预警见" a href="/analysis" { "事件分析" } "。" }
                }
            }
            div.column {
                section #scores data-live {
                    h3 { (today.year()) " 年度单位考核排名" }
                    @if let Some(ranking) = &ranking {
                    table.scores {
                        thead { tr { th scope="col" { "名次" } th scope="col" { "单位" } th scope="col" { "得分" } th scope="col" { "加分" } th scope="col" { "扣分" } } }
                        tbody {
                            @for u in &ranking.units {
                                tr data-unit=(u.unit) {
                                    td { (u.rank) }
                                    th scope="row" { a href=(format!("/scores/{}", u.unit)) { (u.unit_name) } }
                                    td { (format!("{:.1}", u.total)) }
                                    td { (format!("{:+.1}", u.gained)) }
                                    td { (format!("{:.1}", -u.deducted.abs())) }
                                }
                            }
                        }
                    }
                    } @else {
                        p.summary { "单位考核仅供值班室、带班领导和各单位值班人员查看。" }
                    }
                }
            }
        }
    };
    Ok(page(&desk, "/publications", "刊物与评分", now, body).into_response())
}

#[derive(Deserialize)]
pub struct Wanted {
    kind: String,
    period: String,
    format: Option<String>,
}

/// The publication as the API renders it, for the signed-in desk: a mistyped period comes back to the form.
async fn open(State(state): State<AppState>, desk: Desk, Query(wanted): Query<Wanted>) -> Result<Response, Failure> {
    // The API refuses anyone else too (403); said here in the office's words.
    desk.desk_and_leaders_only("刊物由值班室编制，")?;
    let format = ReportFormat { format: wanted.format };
    match report(desk.caller(), State(state), Path((wanted.kind, wanted.period.trim().to_owned())), Query(format)).await
    {
        Ok(page) => Ok(page),
        Err(e) if e.status.is_client_error() => {
            Err(Failure { status: e.status, reason: format!("无法生成：{}", e.reason) })
        }
        Err(e) => Err(e.into()),
    }
}

async fn unit_sheet(State(state): State<AppState>, desk: Desk, Path(unit): Path<String>) -> Result<Response, Failure> {
    let now = state.hub.now_millis();
    let year = office_time(now).year();
    let period = ScorePeriod { year: Some(year), from: None, to: None };
    let scored = match sheet(desk.caller(), State(state.clone()), Path(unit), Query(period)).await {
        Ok(sheet) => sheet.0,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {
            return Ok(Redirect::to("/publications").into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        p.breadcrumb { a href="/publications" { "刊物与评分" } " › " (scored.summary.unit_name) }
        h2 { (scored.summary.unit_name) " " (year) " 年度考核：" (format!("{:.1}", scored.summary.total)) " 分，第 " (scored.summary.rank) " 名" }
        table.score-lines {
            thead { tr { th scope="col" { "时间" } th scope="col" { "事项" } th scope="col" { "分值" } th scope="col" { "依据" } } }
            tbody {
                @for line in &scored.lines {
                    tr {
                        td { (format::short_text(&line.at)) }
                        td { (line.fact_zh) @if !line.detail.is_empty() { "：" (line.detail) } }
                        td.late[line.points < 0.0] { (format!("{:+.1}", line.points)) }
                        td { (line.reference) }
                    }
                }
            }
        }
    };
    Ok(page(&desk, "/publications", "单位考核", now, body).into_response())
}
