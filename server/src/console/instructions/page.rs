//! One instruction: its text and leader, the 5-minute relay clock while anyone is not yet relayed to,
//! each recipient's acknowledgement as it arrives (live), progress reports, the feedback deadline in
//! working days, and the desk's actions: relay, remind, record the feedback, close.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::directory::{Directory, Role};
use zhiban_model::documents::instruction::Instruction;

use super::super::failure::Failure;
use super::super::fields::{described_by, error, invalid};
use super::super::format::{self, clock};
use super::super::layout::page;
use super::super::now::instruction as detail_of;
use super::super::session::Desk;
use super::status;
use crate::AppState;
use crate::api::instructions::InstructionDetail;

/// A refusal to show by the form it concerns.
#[derive(Default)]
pub struct Problems {
    pub relay: Option<String>,
    pub remind: Option<String>,
    pub feedback: Option<String>,
    pub close: Option<String>,
}

/// The instruction document `id` as the desk may read it.
pub async fn instruction(state: &AppState, desk: &Desk, id: &str) -> Result<(DocumentId, Instruction), Failure> {
    let id = DocumentId::parse_url_or_id(id).map_err(|_| Failure::not_found("该批示"))?;
    match state.hub.read_as(&desk.principal.viewer(), id).await? {
        TypedDocument::Instruction(instruction) => Ok((id, instruction)),
        _ => Err(Failure::not_found("该批示")),
    }
}

pub async fn show(State(state): State<AppState>, desk: Desk, Path(id): Path<String>) -> Result<Response, Failure> {
    render(&state, &desk, &id, &Problems::default(), StatusCode::OK).await
}

pub async fn render(
    state: &AppState,
    desk: &Desk,
    id: &str,
    problems: &Problems,
    status_code: StatusCode,
) -> Result<Response, Failure> {
    let (document, instruction) = instruction(state, desk, id).await?;
    let detail = detail_of(state, desk, &document.to_string()).await?;
    let directory = state.hub.office().directory();
    let now = state.hub.now_millis();
    let number = instruction.number.clone().unwrap_or_else(|| "（待编号）".into());
    let path = format!("/instructions/{document}");
    let body = html! {
        p.breadcrumb { a href="/instructions" { "领导批示台账" } " › " (number) }
        section #instruction-state data-live { (state_of(&directory, &instruction, &detail, now)) }
        div.board {
            div.column {
                section #acknowledgements data-live { (acknowledgements(&directory, &detail)) }
                section #progress data-live { (progress(&directory, &instruction)) }
            }
            div.column { (actions(desk, &path, &instruction, problems)) }
        }
    };
    Ok((status_code, page(desk, "/instructions", &format!("批示 {number}"), now, body)).into_response())
}

fn state_of(directory: &Directory, instruction: &Instruction, detail: &InstructionDetail, now: i64) -> Markup {
    let s = &detail.summary;
    let unrelayed = detail.recipients.iter().filter(|r| r.relayed_at.is_none()).count();
    html! {
        h2 { "批示 " (s.number.as_deref().unwrap_or("（待编号）")) }
        blockquote.instruction-text { (instruction.text) }
        dl.facts {
            dt { "批示领导" } dd { (format::person(directory, &instruction.leader)) "，" (format::short_text(&instruction.issued_at)) }
            @if let Some(incident) = &instruction.incident {
                dt { "事件" } dd { a href=(format::document_path("incidents", incident)) { "查看事件" } }
            }
            dt { "状态" } dd.status { (status(&s.status)) }
            dt { "转达（5 分钟内）" }
            dd {
                @if unrelayed == 0 {
                    "已全部转达"
                } @else if let Some(due) = format::millis(&s.relay_due_at) {
                    (unrelayed) " 个接收方未转达，" (clock(due, now))
                }
            }
            dt { "签收" } dd { (s.acknowledged_count) " / " (s.recipient_count) }
            dt { "反馈时限（工作日）" }
            dd {
                @if let Some(fed) = &s.fed_back_at {
                    "已于 " (format::short_text(fed)) " 反馈"
                } @else if let Some(due) = format::millis(&s.feedback_due_at) {
                    (format::short_text(&s.feedback_due_at)) "，" (clock(due, now))
                    @if s.feedback_due_provisional { "（该年节假日未载入，暂定）" }
                }
            }
        }
    }
}

fn acknowledgements(directory: &Directory, detail: &InstructionDetail) -> Markup {
    html! {
        h2 { "转达与签收" }
        table.recipients {
            thead { tr { th scope="col" { "接收方" } th scope="col" { "转达" } th scope="col" { "签收" } } }
            tbody {
                @for r in &detail.recipients {
                    tr data-recipient=(r.recipient) {
                        th scope="row" { (format::recipient(directory, &r.recipient)) }
                        td { @match &r.relayed_at { Some(at) => (format::short_text(at)), None => span.late { "未转达" } } }
                        td {
                            @if r.acknowledgements.is_empty() {
                                span.late { "未签收" }
                            }
                            @for ack in &r.acknowledgements {
                                span.signed {
                                    "✓ " (format::person(directory, &ack.person)) " 于 " (format::short_text(&ack.acknowledged_at)) " 签收"
                                }
                                @if let Some(received) = &ack.server_received_at {
                                    span.clock { "（服务器 " (format::short_text(received)) " 收到）" }
                                }
                                br;
                            }
                        }
                    }
                }
            }
        }
    }
}

fn progress(directory: &Directory, instruction: &Instruction) -> Markup {
    html! {
        h2 { "办理进展" }
        @if instruction.progress.is_empty() && instruction.feedback.is_none() {
            p.summary { "尚无进展报告。" }
        }
        ol.timeline {
            @for p in &instruction.progress {
                li { time datetime=(p.at) { (format::short_text(&p.at)) } " " strong { (format::unit(directory, &p.unit)) } " " (format::person(directory, &p.by)) p { (p.text) } }
            }
            @if let Some(f) = &instruction.feedback {
                li.step { time datetime=(f.at) { (format::short_text(&f.at)) } " " strong { "综合反馈" } " " (format::person(directory, &f.by)) p { (f.text) } }
            }
            @if let Some(c) = &instruction.closure {
                li.step { time datetime=(c.at) { (format::short_text(&c.at)) } " " strong { "办结" } " " (format::person(directory, &c.by)) @if !c.text.is_empty() { p { (c.text) } } }
            }
        }
    }
}

fn actions(desk: &Desk, path: &str, instruction: &Instruction, problems: &Problems) -> Markup {
    let may_act = desk.principal.roles.iter().any(|r| matches!(r, Role::Desk | Role::Admin));
    let closed = instruction.closure.is_some();
    html! {
        section #actions {
            h2 { "办理" }
            @if closed {
                p.summary { "该批示已办结。" }
            } @else if !may_act {
                p.summary { "带班领导可查看；转达、催办、办结由值班室办理。" }
            } @else {
                @if instruction.recipients.values().any(|r| r.relayed_at.is_none()) {
                    form.action method="post" action=(format!("{path}/relay")) {
                        input type="hidden" name="csrf" value=(desk.csrf_token);
                        h3 { "转达" }
                        p.summary { "已通过电话、传真或系统转达全部接收方后确认。" }
                        (error(&problems.relay, "relay"))
                        button type="submit" { "确认已转达" }
                    }
                }
                @if zhiban_model::access::may_remind(&desk.principal.viewer(), instruction).is_ok() {
                    form.action method="post" action=(format!("{path}/remind")) {
                        input type="hidden" name="csrf" value=(desk.csrf_token);
                        h3 { "催办" }
                        p.summary { "向未签收或未反馈的接收单位当班人员推送提醒，无人应答时沿值班表逐级升级。" }
                        (error(&problems.remind, "remind"))
                        button type="submit" { "催办" }
                    }
                }
                @if instruction.feedback.is_none() {
                    form.action method="post" action=(format!("{path}/feedback")) {
                        input type="hidden" name="csrf" value=(desk.csrf_token);
                        h3 { "综合反馈" }
                        label for="feedback-text" { "反馈内容" }
                        textarea #feedback-text name="text" rows="3"
                            aria-invalid=[invalid(&problems.feedback)] aria-describedby=[described_by(&problems.feedback, "feedback")] {}
                        (error(&problems.feedback, "feedback"))
                        button type="submit" { "录入反馈" }
                    }
                }
                form.action method="post" action=(format!("{path}/close")) {
                    input type="hidden" name="csrf" value=(desk.csrf_token);
                    h3 { "办结" }
                    label for="close-note" { "办结说明" }
                    textarea #close-note name="note" rows="2"
                        aria-invalid=[invalid(&problems.close)] aria-describedby=[described_by(&problems.close, "close")] {}
                    (error(&problems.close, "close"))
                    button type="submit" { "办结" }
                }
            }
        }
    }
}
