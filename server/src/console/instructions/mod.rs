//! 领导批示: the instruction ledger. The desk records a leader's instruction (on an incident or not) with
//! its recipients, relays it within 5 minutes, watches each recipient acknowledge (签收) live, reminds
//! (催办), records the comprehensive feedback and closes it (办结).
//!
//! - `GET /instructions`: the ledger, newest first
//! - `GET /instructions/new`, `POST /instructions`: record one (`new.rs`)
//! - `GET /instructions/{id}`: one, with every recipient's relay and acknowledgement (`page.rs`)
//! - `POST /instructions/{id}/relay|remind|feedback|close`: the desk's actions (`actions.rs`)

mod actions;
mod new;
mod page;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::html;

use super::failure::Failure;
use super::format::{self, clock, document_path};
use super::layout::page;
use super::session::Desk;
use crate::AppState;
use crate::api::instructions::{InstructionFilter, list};
use crate::api::time;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/instructions", get(ledger).post(new::create))
        .route("/instructions/new", get(new::form))
        .route("/instructions/{id}", get(page::show))
        .route("/instructions/{id}/relay", post(actions::relay))
        .route("/instructions/{id}/remind", post(actions::remind))
        .route("/instructions/{id}/feedback", post(actions::feedback))
        .route("/instructions/{id}/close", post(actions::close))
}

/// 待转达, 待签收, … from the API's status.
pub fn status(code: &str) -> &'static str {
    match code {
        "issued" => "待转达",
        "relayed" => "待签收",
        "acknowledged" => "已签收，待反馈",
        "fed_back" => "已反馈，待办结",
        "closed" => "已办结",
        _ => "未知",
    }
}

async fn ledger(State(state): State<AppState>, desk: Desk) -> Result<Response, Failure> {
    let now = state.hub.now_millis();
    let filter = InstructionFilter { status: None, overdue: None, recipient: None, at: Some(time::text(now)) };
    let instructions = list(desk.caller(), State(state.clone()), Query(filter)).await?.0.instructions;
    let directory = state.hub.office().directory();
    let body = html! {
        h2 { "领导批示台账" }
        p { a.button href="/instructions/new" { "录入领导批示" } }
        section #ledger data-live {
            table.instructions {
                thead { tr {
                    th scope="col" { "编号" } th scope="col" { "领导与时间" } th scope="col" { "批示" }
                    th scope="col" { "状态" } th scope="col" { "签收" } th scope="col" { "反馈时限" }
                } }
                tbody {
                    @for i in &instructions {
                        tr data-document=(i.document) {
                            th scope="row" { a href=(document_path("instructions", &i.document)) { (i.number.as_deref().unwrap_or("（待编号）")) } }
                            td { (format::person(&directory, &i.leader)) br; span.clock { (format::short_text(&i.issued_at)) } }
                            td { (super::now::excerpt(&i.text)) }
                            td { (status(&i.status)) @if i.relay_overdue { "，" span.late { "转达超时" } } }
                            td { (i.acknowledged_count) " / " (i.recipient_count) }
                            td {
                                @if i.closed_at.is_some() || i.fed_back_at.is_some() {
                                    "已反馈"
                                } @else if let Some(due) = format::millis(&i.feedback_due_at) {
                                    (clock(due, now))
                                    @if i.feedback_due_provisional { span.clock { "（节假日未载入，暂定）" } }
                                }
                            }
                        }
                    }
                }
            }
            @if instructions.is_empty() { p.summary { "台账中还没有批示。" } }
        }
    };
    Ok(page(&desk, "/instructions", "领导批示台账", now, body).into_response())
}
