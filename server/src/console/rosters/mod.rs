//! 值班表与报备: the units' rosters and the desk's filing rounds.
//!
//! - `GET /rosters`: every roster with its filing state, and the filing rounds with each unit's state
//! - `GET /rosters/{id}`: one roster as a calendar grid, problems on the slots they concern, and the desk's
//!   answer to a filed roster: accept, or return with reasons (`grid.rs`)
//! - `GET /rounds/new`, `POST /rounds`: open a filing round, prefilled for the next statutory holiday
//!   (`rounds.rs`)

mod grid;
mod rounds;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::html;

use super::failure::Failure;
use super::format::{self, document_path};
use super::layout::page;
use super::session::Desk;
use crate::AppState;
use crate::api::filings::{FilingQuery, list as rounds_list};
use crate::api::rosters::{RosterFilter, rosters};
use crate::api::time;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rosters", get(overview))
        .route("/rosters/{id}", get(grid::show))
        .route("/rosters/{id}/accept", post(grid::accept))
        .route("/rosters/{id}/return", post(grid::give_back))
        .route("/rounds", post(rounds::open))
        .route("/rounds/new", get(rounds::form))
}

/// 草稿, 已报备, … from a roster's filing status.
pub fn filing_status(code: &str) -> &'static str {
    match code {
        "draft" => "草稿（未报备）",
        "filed" => "已报备，待审",
        "accepted" => "已接收",
        "returned" => "已退回",
        _ => "未知",
    }
}

/// `2026-10-01T08:00` (local office time, as rosters carry it) as `10月1日 08:00`.
pub fn local(text: &str) -> String {
    match chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M") {
        Ok(t) => t.format("%-m月%-d日 %H:%M").to_string(),
        Err(_) => text.to_owned(),
    }
}

async fn overview(State(state): State<AppState>, desk: Desk) -> Result<Response, Failure> {
    let now = state.hub.now_millis();
    let all = rosters(desk.caller(), State(state.clone()), Query(RosterFilter { unit: None })).await?.0.rosters;
    let rounds = rounds_list(desk.caller(), State(state.clone()), Query(FilingQuery { at: Some(time::text(now)) }))
        .await?
        .0
        .rounds;
    let directory = state.hub.office().directory();
    let body = html! {
        h2 { "值班表与报备" }
        p { a.button href="/rounds/new" { "发起报备" } }
        section #filing-rounds data-live {
            h3 { "报备轮次" }
            @if rounds.is_empty() { p.summary { "尚未发起报备。" } }
            table.rounds {
                thead { tr {
                    th scope="col" { "轮次" } th scope="col" { "值班时段" } th scope="col" { "报备截止" }
                    th scope="col" { "待报" } th scope="col" { "逾期未报" } th scope="col" { "待审" }
                    th scope="col" { "已接收" } th scope="col" { "已退回" }
                } }
                tbody {
                    @for r in &rounds {
                        tr {
                            th scope="row" { (r.title) @if r.closed { "（已结束）" } }
                            td { (local(&r.period_start)) " 至 " (local(&r.period_end)) }
                            td { (local(&r.deadline)) }
                            td { (r.counts.pending) }
                            td.late[r.counts.missing > 0] { (r.counts.missing) }
                            td { (r.counts.filed) }
                            td { (r.counts.accepted) }
                            td { (r.counts.returned) }
                        }
                    }
                }
            }
        }
        section #rosters data-live {
            h3 { "各单位值班表" }
            table.rosters {
                thead { tr {
                    th scope="col" { "单位" } th scope="col" { "时段" } th scope="col" { "报备状态" } th scope="col" { "校验" }
                } }
                tbody {
                    @for r in &all {
                        tr data-document=(r.document) {
                            th scope="row" { a href=(document_path("rosters", &r.document)) { (format::unit(&directory, &r.unit)) } }
                            td { (local(&r.period_start)) " 至 " (local(&r.period_end)) }
                            td { (filing_status(&r.filing_status)) }
                            td {
                                @if r.problems.is_empty() { "通过" } @else { span.late { (r.problems.len()) " 个问题" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&desk, "/rosters", "值班表与报备", now, body).into_response())
}
