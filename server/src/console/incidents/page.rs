//! One incident's page: what is known now, the report chain and the desk's steps as one timeline, the
//! figures and their history (the latest set is the one sent up), photos and other attachments, the
//! desk's actions with any refusal shown by its field, and every stored change of the document.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use zhiban_model::documents::directory::{Directory, Role};
use zhiban_model::documents::incident::{Incident, JudgementKind, Stage};

use super::super::failure::Failure;
use super::super::format;
use super::super::layout::page;
use super::super::session::Desk;
use super::incident;
use crate::AppState;
use crate::api::history::{ChangeRecord, history};
use crate::api::incidents::{IncidentDetail, one};
use crate::attachments::sniff::Raster;

/// A refusal to show by the form field it concerns.
#[derive(Default)]
pub struct Problems {
    pub assess: Option<String>,
    pub advance: Option<String>,
    pub judge: Option<String>,
}

pub async fn show(State(state): State<AppState>, desk: Desk, Path(id): Path<String>) -> Result<Response, Failure> {
    render(&state, &desk, &id, &Problems::default(), StatusCode::OK).await
}

/// The page, with `problems` by their fields (the status says whether an action was refused).
pub async fn render(
    state: &AppState,
    desk: &Desk,
    id: &str,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, Failure> {
    let (document, incident) = incident(state, desk, id).await?;
    let detail = one(desk.caller(), State(state.clone()), Path(document.to_string())).await?.0;
    // A document written without the sync path (the demo, an import) has no change log: shown as empty.
    let changes = match history(desk.caller(), State(state.clone()), Path(document.to_string())).await {
        Ok(found) => found.0.changes,
        Err(e) if e.status == StatusCode::NOT_FOUND => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let directory = state.hub.office().directory();
    let now = state.hub.now_millis();
    let path = format!("/incidents/{document}");
    let body = html! {
        p.breadcrumb { a href="/incidents" { "突发事件" } " › " (incident.title) }
        div #incident-summary data-live { (summary(&directory, &incident, &detail)) }
        div.board {
            div.column {
                section #timeline data-live { (timeline(&directory, &incident, &detail)) }
                section #figures data-live { (figures(&directory, &incident)) }
                section #attachments data-live { (attachments(&path, &incident)) }
            }
            div.column {
                (actions(desk, &directory, &path, &incident, problems))
                section #audit-history data-live { (audit(&directory, &changes)) }
            }
        }
    };
    Ok((status, page(desk, "/incidents", &incident.title, now, body)).into_response())
}

fn summary(directory: &Directory, incident: &Incident, detail: &IncidentDetail) -> Markup {
    let s = &detail.summary;
    let current = incident.current_details();
    html! {
        h2 { (incident.title) @if incident.sensitive { " " span.tag { "敏感" } } }
        dl.facts {
            dt { "报告单位" } dd { (format::unit(directory, &incident.unit)) }
            dt { "接报时间" } dd { (format::short_text(&incident.received_at)) }
            dt { "发生地点" } dd { (current.place.as_ref().map(|p| p.text.as_str()).unwrap_or("待报")) }
            dt { "事件性质" } dd { (current.nature.as_deref().unwrap_or("待报")) }
            dt { "等级" }
            dd {
                (format::grade(&s.effective_grade))
                @match &s.confirmed_grade {
                    Some(_) => { "（已研判确认" @if let Some(r) = s.grade_reason.as_deref().filter(|r| !r.is_empty()) { "：" (r) } "）" }
                    None => { "（按规则建议，待研判）" }
                }
            }
            dt { "阶段" } dd.stage { (format::stage(&s.stage)) }
            dt { "首报" }
            dd {
                @match s.late_by_seconds {
                    Some(late) => span.late { "迟报 " (format::minutes(late / 60)) },
                    None => "按时",
                }
                "（书面报告时限 " (format::short_text(&s.written_due_at)) "）"
            }
            @if !s.pending_fields.is_empty() {
                dt { "待补报" } dd { (s.pending_fields.join("、")) }
            }
        }
    }
}

/// One moment in the timeline: when (for ordering), a label, who, and what.
struct Moment {
    at: String,
    label: String,
    who: String,
    text: String,
    class: &'static str,
}

fn timeline(directory: &Directory, incident: &Incident, detail: &IncidentDetail) -> Markup {
    let mut moments: Vec<Moment> = Vec::new();
    for entry in &detail.chain {
        moments.push(Moment {
            at: entry.submitted_at.clone(),
            label: entry.label.clone(),
            who: format!("{}（{}）", entry.reporter_name, format::unit(directory, &entry.reporter_unit)),
            text: entry.account.clone(),
            class: "report",
        });
    }
    for step in &incident.lifecycle {
        moments.push(Moment {
            at: step.at.clone(),
            label: step.stage.label_zh().to_owned(),
            who: format::person(directory, &step.by),
            text: step.note.clone(),
            class: "step",
        });
    }
    for confirmation in &incident.grade_confirmations {
        moments.push(Moment {
            at: confirmation.at.clone(),
            label: format!("定级 {}", format::grade(&confirmation.grade)),
            who: format::person(directory, &confirmation.by),
            text: confirmation.reason.clone(),
            class: "step",
        });
    }
    for judgement in &incident.judgements {
        moments.push(Moment {
            at: judgement.at.clone(),
            label: format!("认定{}", judgement_label(judgement.kind)),
            who: format::person(directory, &judgement.by),
            text: format!("{}：{}", format::unit(directory, &judgement.unit), judgement.reason),
            class: "judgement",
        });
    }
    moments.sort_by_key(|m| format::millis(&m.at).unwrap_or(i64::MAX));
    html! {
        h2 { "时间线" }
        ol.timeline {
            @for m in &moments {
                li class=(m.class) {
                    time datetime=(m.at) { (format::short_text(&m.at)) }
                    " " strong { (m.label) } " " span.who { (m.who) }
                    @if !m.text.is_empty() { p { (m.text) } }
                }
            }
        }
    }
}

pub fn judgement_label(kind: JudgementKind) -> &'static str {
    match kind {
        JudgementKind::Late => "迟报",
        JudgementKind::Omitted => "漏报",
        JudgementKind::Concealed => "瞒报",
        JudgementKind::False => "谎报",
    }
}

fn figures(directory: &Directory, incident: &Incident) -> Markup {
    html! {
        h2 { "伤亡与损失（最新一组为上报口径）" }
        @if incident.figures.is_empty() {
            p.summary { "尚无数据。" }
        } @else {
            table.figures {
                thead { tr {
                    th scope="col" { "时间" } th scope="col" { "死亡" } th scope="col" { "受伤（重伤）" }
                    th scope="col" { "失踪" } th scope="col" { "被困" } th scope="col" { "直接损失（元）" }
                    th scope="col" { "来源" }
                } }
                tbody {
                    @for (i, f) in incident.figures.iter().enumerate().rev() {
                        tr.current[i + 1 == incident.figures.len()] {
                            td { (format::short_text(&f.set_at)) }
                            td { (f.casualties.dead) }
                            td { (f.casualties.injured) "（" (f.casualties.serious_injuries) "）" }
                            td { (f.casualties.missing) }
                            td { (f.casualties.trapped) }
                            td { (f.direct_loss_cny) }
                            td {
                                (format::person(directory, &f.set_by))
                                @if f.from_entry.is_none() { "（值班室修正）" }
                                @if !f.note.is_empty() { "：" (f.note) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn attachments(path: &str, incident: &Incident) -> Markup {
    html! {
        h2 { "附件" }
        @if incident.attachments.is_empty() {
            p.summary { "没有附件。" }
        } @else {
            ul.attachments {
                @for a in incident.attachments.values() {
                    @let href = format!("{path}/attachments/{}", a.sha256);
                    li {
                        // A guess from the declared type: the server shows inline only what its bytes say is
                        // a raster image, and anything else downloads.
                        @if Raster::declared(&a.media_type).is_some() {
                            a href=(href) target="_blank" rel="noopener" {
                                img src=(href) alt=(a.file_name) loading="lazy" width="160";
                            }
                        } @else {
                            a href=(href) download=(a.file_name) { (a.file_name) }
                        }
                        br; span.clock { (a.file_name) "，" (a.size / 1024) " KB" }
                    }
                }
            }
        }
    }
}

/// The desk's actions, each a form with the session's token; refusals by their fields.
fn actions(desk: &Desk, directory: &Directory, path: &str, incident: &Incident, problems: &Problems) -> Markup {
    let stage = incident.stage();
    let next: Vec<Stage> = [Stage::ReportedUp, Stage::Handling, Stage::Feedback, Stage::Archived]
        .into_iter()
        .filter(|s| *s > stage)
        .collect();
    let may_act = desk.principal.roles.iter().any(|r| matches!(r, Role::Desk | Role::Admin));
    html! {
        section #actions {
            h2 { "办理" }
            @if !may_act {
                p.summary { "带班领导可查看；研判、上报等由值班室办理。" }
            } @else {
                form.action method="post" action=(format!("{path}/assess")) {
                    input type="hidden" name="csrf" value=(desk.csrf_token);
                    h3 { "研判定级" }
                    label for="grade" { "确认等级" }
                    select #grade name="grade" {
                        @for g in ["I", "II", "III", "IV"] { option value=(g) { (format::grade(g)) } }
                    }
                    label for="grade-reason" { "理由（与建议等级不同时必填）" }
                    textarea #grade-reason name="reason" rows="2"
                        aria-invalid=[problems.assess.as_ref().map(|_| "true")]
                        aria-describedby=[problems.assess.as_ref().map(|_| "grade-reason-error")] {}
                    @if let Some(p) = &problems.assess { p #grade-reason-error .field-error role="alert" { (p) } }
                    button type="submit" { "确认等级" }
                }
                @if !next.is_empty() {
                    form.action method="post" action=(format!("{path}/advance")) {
                        input type="hidden" name="csrf" value=(desk.csrf_token);
                        h3 { "推进办理" }
                        label for="next-stage" { "下一步" }
                        select #next-stage name="stage"
                            aria-invalid=[problems.advance.as_ref().map(|_| "true")]
                            aria-describedby=[problems.advance.as_ref().map(|_| "next-stage-error")] {
                            @for s in &next { option value=(s.as_str()) { (s.label_zh()) } }
                        }
                        @if let Some(p) = &problems.advance { p #next-stage-error .field-error role="alert" { (p) } }
                        label for="step-note" { "说明" }
                        textarea #step-note name="note" rows="2" {}
                        button type="submit" { "确认" }
                    }
                }
                form.action method="post" action=(format!("{path}/judge")) {
                    input type="hidden" name="csrf" value=(desk.csrf_token);
                    h3 { "认定报告问题" }
                    label for="judgement" { "认定" }
                    select #judgement name="kind" {
                        option value="late" { "迟报" } option value="omitted" { "漏报" }
                        option value="concealed" { "瞒报" } option value="false" { "谎报" }
                    }
                    label for="judged-unit" { "单位" }
                    select #judged-unit name="unit" {
                        @for (id, unit) in &directory.units {
                            option value=(id) selected[*id == incident.unit] { (unit.name) }
                        }
                    }
                    label for="judgement-reason" { "核实情况（必填）" }
                    textarea #judgement-reason name="reason" rows="2"
                        aria-invalid=[problems.judge.as_ref().map(|_| "true")]
                        aria-describedby=[problems.judge.as_ref().map(|_| "judgement-reason-error")] {}
                    @if let Some(p) = &problems.judge { p #judgement-reason-error .field-error role="alert" { (p) } }
                    button type="submit" { "记录认定" }
                }
                p { a.button href=(format!("/instructions/new?incident={}", incident_id(path))) { "就此事件录入领导批示" } }
            }
        }
    }
}

fn incident_id(path: &str) -> &str {
    path.trim_start_matches("/incidents/")
}

fn audit(directory: &Directory, changes: &[ChangeRecord]) -> Markup {
    html! {
        h2 { "修改记录" }
        @if changes.is_empty() { p.summary { "服务器没有该文档的修改记录（由演示数据或导入写入）。" } }
        table.audit {
            thead { tr { th scope="col" { "服务器收到" } th scope="col" { "人员" } th scope="col" { "设备" } th scope="col" { "内容" } } }
            tbody {
                @for c in changes.iter().rev() {
                    tr {
                        td { (format::short_text(&c.received_at)) }
                        td {
                            @match c.username.as_deref() {
                                Some("server") | None => "服务器",
                                Some(user) => (format::person(directory, user)),
                            }
                        }
                        td.clock { (c.device_id.as_deref().unwrap_or("—")) }
                        td.clock { (c.touched.join("，")) }
                    }
                }
            }
        }
    }
}
