//! Instructions awaiting acknowledgement (签收) on the board: for each, the leader and text, the 5-minute
//! relay clock while the desk has not relayed it, and every recipient with who has signed and when, or
//! not yet.

use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use zhiban_model::documents::directory::Directory;

use super::super::failure::Failure;
use super::super::format::{self, clock, document_path};
use super::super::session::Desk;
use crate::AppState;
use crate::api::instructions::{InstructionDetail, InstructionFilter, InstructionSummary, list, one};
use crate::api::time;

/// Every instruction not closed, newest first, with deadlines judged at `now`.
pub async fn open_instructions(state: &AppState, desk: &Desk, now: i64) -> Result<Vec<InstructionSummary>, Failure> {
    let filter = InstructionFilter { status: None, overdue: None, recipient: None, at: Some(time::text(now)) };
    let found = list(desk.caller(), State(state.clone()), Query(filter)).await?.0;
    Ok(found.instructions.into_iter().filter(|i| i.closed_at.is_none()).collect())
}

/// One instruction with its recipients' relays and acknowledgements.
pub async fn instruction(state: &AppState, desk: &Desk, document: &str) -> Result<InstructionDetail, Failure> {
    Ok(one(desk.caller(), State(state.clone()), Path(document.to_owned())).await?.0)
}

pub async fn section(state: &AppState, desk: &Desk, now: i64) -> Result<Markup, Failure> {
    let waiting: Vec<InstructionSummary> = open_instructions(state, desk, now)
        .await?
        .into_iter()
        .filter(|i| i.acknowledged_count < i.recipient_count)
        .collect();
    let mut details = Vec::with_capacity(waiting.len());
    for summary in &waiting {
        details.push(instruction(state, desk, &summary.document).await?);
    }
    let directory = state.hub.office().directory();
    Ok(html! {
        section #awaiting-acknowledgement data-live {
            h2 { "待签收的领导批示" span.count { "（" (details.len()) " 件）" } }
            @if details.is_empty() {
                p.summary { "所有批示均已签收。" }
            } @else {
                table.instructions {
                    thead { tr {
                        th scope="col" { "编号" } th scope="col" { "批示" } th scope="col" { "转达" }
                        th scope="col" { "签收情况" }
                    } }
                    tbody {
                        @for detail in &details { (row(&directory, detail, now)) }
                    }
                }
            }
        }
    })
}

fn row(directory: &Directory, detail: &InstructionDetail, now: i64) -> Markup {
    let summary = &detail.summary;
    let unrelayed = detail.recipients.iter().any(|r| r.relayed_at.is_none());
    html! {
        tr data-document=(summary.document) {
            th scope="row" {
                a href=(document_path("instructions", &summary.document)) {
                    (summary.number.as_deref().unwrap_or("（待编号）"))
                }
            }
            td {
                (format::person(directory, &summary.leader)) "（" (format::short_text(&summary.issued_at)) "）："
                (excerpt(&summary.text))
            }
            td {
                @if unrelayed {
                    @if let Some(due) = format::millis(&summary.relay_due_at) { "未转达，" (clock(due, now)) }
                } @else {
                    "已转达"
                }
            }
            td {
                ul.acks {
                    @for r in &detail.recipients {
                        @if let Some(ack) = r.acknowledgements.first() {
                            li.signed data-recipient=(r.recipient) {
                                "✓ " (format::recipient(directory, &r.recipient)) "："
                                (format::person(directory, &ack.person)) " 于 " (format::short_text(&ack.acknowledged_at)) " 签收"
                            }
                        } @else {
                            li.unsigned data-recipient=(r.recipient) {
                                "✗ " (format::recipient(directory, &r.recipient)) "：未签收"
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The start of a long text, for a table cell.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
