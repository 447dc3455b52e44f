//! One roster as a calendar grid: a row per day with the leader on duty and each shift's main and deputy
//! officers, every validation problem on the day and slot it concerns, the filing history with the desk's
//! reasons, and the desk's answer to a filed roster (accept, or return with reasons, one per line).

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveDateTime};
use maud::{Markup, html};
use serde::Deserialize;
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::directory::{Directory, Role};
use zhiban_model::documents::roster::{FilingStatus, RosterDocument};
use zhiban_model::rules::roster::{RosterProblem, Slot, validate_roster};

use super::super::edits::{Refused, answer, edit_document, not_a};
use super::super::failure::Failure;
use super::super::format::{self, office_time};
use super::super::layout::page;
use super::super::session::Desk;
use super::{filing_status, local};
use crate::AppState;
use crate::sync::EditError;
use zhiban_model::refusal::{Refusal, document_problems};

#[derive(Default)]
pub struct Problems {
    accept: Option<String>,
    reasons: Option<String>,
}

async fn roster(state: &AppState, desk: &Desk, id: &str) -> Result<(DocumentId, RosterDocument), Failure> {
    let id = DocumentId::parse_url_or_id(id).map_err(|_| Failure::not_found("该值班表"))?;
    match state.hub.read_as(&desk.principal.viewer(), id).await? {
        TypedDocument::Roster(roster) => Ok((id, roster)),
        _ => Err(Failure::not_found("该值班表")),
    }
}

pub async fn show(State(state): State<AppState>, desk: Desk, Path(id): Path<String>) -> Result<Response, Failure> {
    render(&state, &desk, &id, &Problems::default(), StatusCode::OK).await
}

/// When a problem begins: the day it is shown on.
fn starts(problem: &RosterProblem) -> Option<NaiveDateTime> {
    let slot_start = |slot: &Slot| match slot {
        Slot::Shift { start, .. } | Slot::Leader { start, .. } | Slot::Time { start, .. } => *start,
    };
    Some(match problem {
        RosterProblem::OfficersGap { start, .. } | RosterProblem::LeaderGap { start, .. } => *start,
        RosterProblem::Overlap { second, .. } => slot_start(second),
        RosterProblem::NoMain(s)
        | RosterProblem::NoDeputy(s)
        | RosterProblem::SameMainAndDeputy(s, _)
        | RosterProblem::NotOnPost(s)
        | RosterProblem::UnknownPerson(s, _)
        | RosterProblem::EndsBeforeStart(s) => slot_start(s),
        RosterProblem::NotPrincipalOnHolidayFirstDay { slot, .. } => slot_start(slot),
    })
}

async fn render(
    state: &AppState,
    desk: &Desk,
    id: &str,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, Failure> {
    let (document, roster) = roster(state, desk, id).await?;
    let office = state.hub.office();
    let directory = office.directory();
    let validation: Vec<RosterProblem> = match directory.units.get(&roster.unit).map(|u| roster.to_rules(u.category)) {
        Some(Ok(rules)) => validate_roster(&rules, &directory, &office.rules.calendar, office.rules.office_hours),
        _ => Vec::new(),
    };
    let mut by_day: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    for problem in &validation {
        if let Some(start) = starts(problem) {
            by_day.entry(start.date()).or_default().push(problem.to_zh());
        }
    }
    let now = state.hub.now_millis();
    let unit = format::unit(&directory, &roster.unit);
    let path = format!("/rosters/{document}");
    let body = html! {
        p.breadcrumb { a href="/rosters" { "值班表与报备" } " › " (unit) }
        section #roster-state data-live {
            h2 { (unit) " 值班表" }
            p.summary {
                (local(&roster.period_start)) " 至 " (local(&roster.period_end)) "；"
                (filing_status(match roster.filing_status() {
                    FilingStatus::Draft => "draft", FilingStatus::Filed => "filed",
                    FilingStatus::Accepted => "accepted", FilingStatus::Returned => "returned",
                }))
                "；"
                @if validation.is_empty() { "校验通过。" } @else { span.late { "校验发现 " (validation.len()) " 个问题，已标在对应日期。" } }
            }
        }
        div.board {
            div.column { section #roster-grid data-live { (grid(&directory, &roster, &by_day)) } }
            div.column {
                (review(desk, &path, &roster, problems))
                section #filing-history data-live { (history(&directory, &roster)) }
            }
        }
    };
    Ok((status, page(desk, "/rosters", &format!("{unit} 值班表"), now, body)).into_response())
}

fn day_of(text: &str) -> Option<NaiveDate> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok().map(|t| t.date())
}

fn grid(directory: &Directory, roster: &RosterDocument, by_day: &BTreeMap<NaiveDate, Vec<String>>) -> Markup {
    let mut days: Vec<NaiveDate> = roster
        .shifts
        .values()
        .map(|s| s.start.as_str())
        .chain(roster.leaders.values().map(|l| l.start.as_str()))
        .filter_map(day_of)
        .chain(by_day.keys().copied())
        .collect();
    if let (Some(first), Some(last)) = (day_of(&roster.period_start), day_of(&roster.period_end)) {
        days.extend(first.iter_days().take_while(|d| *d < last));
    }
    days.sort();
    days.dedup();
    let name = |p: &Option<String>| p.as_deref().map(|p| format::person(directory, p));
    html! {
        table.roster-grid {
            thead { tr { th scope="col" { "日期" } th scope="col" { "带班领导" } th scope="col" { "班次（主班 / 副班）" } th scope="col" { "问题" } } }
            tbody {
                @for day in &days {
                    @let problems = by_day.get(day);
                    tr data-day=(day) class=[problems.map(|_| "has-problem")] {
                        th scope="row" { (day.format("%-m月%-d日")) }
                        td {
                            @for l in roster.leaders.values().filter(|l| day_of(&l.start) == Some(*day)) {
                                @match name(&l.leader) { Some(n) => { (n) }, None => span.late { "空缺" } }
                                span.clock { " " (local(&l.start)) "起" } br;
                            }
                        }
                        td {
                            @for s in roster.shifts.values().filter(|s| day_of(&s.start) == Some(*day)) {
                                span.clock { (local(&s.start)) "–" (local(&s.end)) " " }
                                @match name(&s.main) { Some(n) => { (n) }, None => span.late { "主班空缺" } }
                                " / "
                                @match name(&s.deputy) { Some(n) => { (n) }, None => span.late { "副班空缺" } }
                                @if !s.on_post { " " span.tag { "电话值班" } }
                                br;
                            }
                        }
                        td.gap[problems.is_some()] {
                            @if let Some(problems) = problems { @for p in problems { (p) br; } }
                        }
                    }
                }
            }
        }
    }
}

fn review(desk: &Desk, path: &str, roster: &RosterDocument, problems: &Problems) -> Markup {
    let may_answer = desk.principal.roles.iter().any(|r| matches!(r, Role::Desk | Role::Admin));
    html! {
        section #answer {
            h2 { "审核" }
            @if roster.filing_status() != FilingStatus::Filed {
                p.summary { "只有已报备待审的值班表可以接收或退回。" }
            } @else if !may_answer {
                p.summary { "值班表由值班室审核。" }
            } @else {
                form.action method="post" action=(format!("{path}/accept")) {
                    input type="hidden" name="csrf" value=(desk.csrf_token);
                    @if let Some(p) = &problems.accept { p.field-error role="alert" { (p) } }
                    button type="submit" { "接收" }
                }
                form.action method="post" action=(format!("{path}/return")) {
                    input type="hidden" name="csrf" value=(desk.csrf_token);
                    label for="return-reasons" { "退回理由（每行一条）" }
                    textarea #return-reasons name="reasons" rows="3"
                        aria-invalid=[problems.reasons.as_ref().map(|_| "true")]
                        aria-describedby=[problems.reasons.as_ref().map(|_| "return-reasons-error")] {}
                    @if let Some(p) = &problems.reasons { p #return-reasons-error .field-error role="alert" { (p) } }
                    button type="submit" { "退回" }
                }
            }
        }
    }
}

fn history(directory: &Directory, roster: &RosterDocument) -> Markup {
    html! {
        h2 { "报备记录" }
        @if roster.filing.is_empty() { p.summary { "尚未报备。" } }
        ol.timeline {
            @for step in &roster.filing {
                li {
                    (local(&step.at)) " " strong { (filing_status(match step.status {
                        FilingStatus::Draft => "draft", FilingStatus::Filed => "filed",
                        FilingStatus::Accepted => "accepted", FilingStatus::Returned => "returned",
                    })) } " " (format::person(directory, &step.by))
                    @if !step.reasons.is_empty() { ul { @for r in &step.reasons { li { (r) } } } }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Answer {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reasons: String,
}

pub async fn accept(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Answer>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let at = office_time(state.hub.now_millis()).naive_local();
    let by = desk.principal.username.clone();
    let outcome = edit(&state, &desk, &id, |r| r.accept(&by, at).map_err(|e| document_problems([e]))).await;
    finish(&state, &desk, &id, outcome, |p| Problems { accept: Some(p), ..Default::default() }).await
}

pub async fn give_back(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Answer>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let reasons: Vec<String> =
        form.reasons.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    if reasons.is_empty() {
        let problems = Problems { reasons: Some("退回须写明理由，每行一条".into()), ..Default::default() };
        return render(&state, &desk, &id, &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let at = office_time(state.hub.now_millis()).naive_local();
    let by = desk.principal.username.clone();
    let outcome =
        edit(&state, &desk, &id, |r| r.return_with(&by, at, reasons).map_err(|e| document_problems([e]))).await;
    finish(&state, &desk, &id, outcome, |p| Problems { reasons: Some(p), ..Default::default() }).await
}

async fn edit(
    state: &AppState,
    desk: &Desk,
    id: &str,
    operation: impl FnOnce(&mut RosterDocument) -> Result<(), Vec<Refusal>>,
) -> Result<(), EditError> {
    edit_document(state, desk, id, |typed| match typed {
        TypedDocument::Roster(r) => operation(r),
        _ => Err(not_a("a roster", "值班表")),
    })
    .await
}

async fn finish(
    state: &AppState,
    desk: &Desk,
    id: &str,
    outcome: Result<(), EditError>,
    by_form: impl FnOnce(String) -> Problems,
) -> Result<Response, Failure> {
    let page = format!("/rosters/{id}");
    answer(outcome, &page, |why: Refused| async move {
        let problems = by_form(why.all());
        render(state, desk, id, &problems, StatusCode::UNPROCESSABLE_ENTITY).await
    })
    .await
}
