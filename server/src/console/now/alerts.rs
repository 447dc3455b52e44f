//! Alerts escalating on the board: every open alert with, for each recipient, who has been called along
//! the roster so far, when the next call is due, and whether the chain has run out with nobody answering.

use axum::extract::{Query, State};
use maud::{Markup, html};

use super::super::failure::Failure;
use super::super::format::{self, document_path};
use super::super::session::Desk;
use crate::AppState;
use crate::api::alerts::{AlertFilter, list};

/// The alert kinds as the desk calls them.
fn kind(code: &str) -> &'static str {
    match code {
        "instruction" => "批示待签收",
        "incident" => "较大以上事件",
        "report_due" => "续报催报",
        "feedback_due" => "批示反馈催办",
        "roster_filing" => "节假日值班表报备",
        "early_warning" => "事件预警",
        _ => "提醒",
    }
}

fn page_of(kind: &str) -> &'static str {
    match kind {
        "instruction" | "feedback_due" => "instructions",
        _ => "incidents",
    }
}

pub async fn section(state: &AppState, desk: &Desk, now: i64) -> Result<Markup, Failure> {
    let filter = AlertFilter { open: true, kind: None };
    let alerts = list(desk.caller(), State(state.clone()), Query(filter)).await?.0.alerts;
    let directory = state.hub.office().directory();
    Ok(html! {
        section #escalating-alerts data-live {
            h2 { "正在升级的提醒" span.count { "（" (alerts.len()) " 条）" } }
            @if alerts.is_empty() {
                p.summary { "没有未应答的提醒。" }
            } @else {
                table.alerts {
                    thead { tr {
                        th scope="col" { "提醒" } th scope="col" { "发起" } th scope="col" { "接收人与呼叫" }
                    } }
                    tbody {
                        @for alert in &alerts {
                            tr data-alert=(alert.alert) {
                                th scope="row" {
                                    @if let Some(document) = &alert.document {
                                        a href=(document_path(page_of(&alert.kind), document)) { (kind(&alert.kind)) }
                                    } @else {
                                        (kind(&alert.kind))
                                    }
                                }
                                td { (format::short_text(&alert.raised_at)) }
                                td {
                                    ul.calls {
                                        @for r in alert.recipients.iter().filter(|r| r.acknowledged_at.is_none()) {
                                            li.overdue[r.overdue] {
                                                (format::recipient(&directory, &r.recipient)) "："
                                                @if r.calls.is_empty() {
                                                    "尚未呼叫"
                                                } @else {
                                                    "已呼叫 "
                                                    @for (i, call) in r.calls.iter().enumerate() {
                                                        @if i > 0 { "、" }
                                                        (format::person(&directory, &call.person))
                                                        "（第 " (call.step + 1) " 级，" (format::short_text(&call.called_at)) "）"
                                                    }
                                                }
                                                @if r.overdue {
                                                    "；" strong { "呼叫链已用尽，无人应答" }
                                                } @else if let Some(next) = r.next_call_at.as_deref().and_then(format::millis) {
                                                    "；下次呼叫 " (format::minutes((next - now).max(0) / 60_000)) " 后"
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}
