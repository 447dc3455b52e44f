//! The desk's actions on an incident: confirm the grade (研判定级, a reason needed when it differs from
//! the rules' suggestion), move it forward (上报, 处置, 反馈, 归档), and record a reporting failure found
//! on checking (迟报, 漏报, 瞒报, 谎报). Each is a change to the incident in the desk officer's own name,
//! through the same gate as a phone's; a refusal is shown by the field it concerns.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::incident::{Judgement, JudgementKind, Stage, parse_grade};
use zhiban_model::refusal::{Refusal, document_problems};

use super::super::edits::{Refused, answer, edit_document, not_a};
use super::super::failure::Failure;
use super::super::session::Desk;
use super::page::{Problems, render};
use crate::AppState;
use crate::sync::EditError;

#[derive(Deserialize)]
pub struct Assess {
    #[serde(default)]
    csrf: String,
    grade: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
pub struct Advance {
    #[serde(default)]
    csrf: String,
    stage: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
pub struct Judge {
    #[serde(default)]
    csrf: String,
    kind: String,
    unit: String,
    #[serde(default)]
    reason: String,
}

fn office_now(state: &AppState) -> chrono::DateTime<chrono::FixedOffset> {
    super::super::format::office_time(state.hub.now_millis())
}

pub async fn assess(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Assess>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let Some(grade) = parse_grade(&form.grade) else {
        return refused(&state, &desk, &id, Problems { assess: Some("请选择Ⅰ至Ⅳ级之一".into()), ..Default::default() })
            .await;
    };
    let thresholds = state.hub.office().rules.thresholds;
    let at = office_now(&state);
    let by = desk.principal.username.clone();
    let outcome = edit(&state, &desk, &id, |incident| {
        incident.assess(grade, &form.reason, &by, at, &thresholds).map_err(|p| document_problems([p]))
    })
    .await;
    finish(&state, &desk, &id, outcome, |why| Problems { assess: Some(why.all()), ..Default::default() }).await
}

pub async fn advance(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Advance>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let Some(stage) = Stage::parse(&form.stage) else {
        return refused(&state, &desk, &id, Problems { advance: Some("请选择下一步".into()), ..Default::default() })
            .await;
    };
    let at = office_now(&state);
    let by = desk.principal.username.clone();
    let outcome = edit(&state, &desk, &id, |incident| {
        incident.advance(stage, &by, at, &form.note).map_err(|p| document_problems([p]))
    })
    .await;
    finish(&state, &desk, &id, outcome, |why| Problems { advance: Some(why.all()), ..Default::default() }).await
}

pub async fn judge(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Judge>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let kind = match form.kind.as_str() {
        "late" => JudgementKind::Late,
        "omitted" => JudgementKind::Omitted,
        "concealed" => JudgementKind::Concealed,
        "false" => JudgementKind::False,
        _ => {
            return refused(
                &state,
                &desk,
                &id,
                Problems { judge: Some("请选择认定类型".into()), ..Default::default() },
            )
            .await;
        }
    };
    let judgement = Judgement {
        kind,
        unit: form.unit.clone(),
        reason: form.reason.trim().to_owned(),
        by: desk.principal.username.clone(),
        at: zhiban_model::documents::time::format_instant(office_now(&state)),
    };
    let outcome =
        edit(&state, &desk, &id, |incident| incident.judge(judgement).map_err(|p| document_problems([p]))).await;
    finish(&state, &desk, &id, outcome, |why| Problems { judge: Some(why.all()), ..Default::default() }).await
}

/// Applies `operation` to the incident as the desk officer.
async fn edit(
    state: &AppState,
    desk: &Desk,
    id: &str,
    operation: impl FnOnce(&mut zhiban_model::documents::incident::Incident) -> Result<(), Vec<Refusal>>,
) -> Result<(), EditError> {
    edit_document(state, desk, id, |typed| match typed {
        TypedDocument::Incident(incident) => operation(incident),
        _ => Err(not_a("an incident", "突发事件")),
    })
    .await
}

async fn finish(
    state: &AppState,
    desk: &Desk,
    id: &str,
    outcome: Result<(), EditError>,
    by_field: impl FnOnce(Refused) -> Problems,
) -> Result<Response, Failure> {
    answer(outcome, &format!("/incidents/{id}"), |why| refused(state, desk, id, by_field(why))).await
}

async fn refused(state: &AppState, desk: &Desk, id: &str, problems: Problems) -> Result<Response, Failure> {
    render(state, desk, id, &problems, StatusCode::UNPROCESSABLE_ENTITY).await
}
