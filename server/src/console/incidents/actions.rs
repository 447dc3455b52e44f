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
use zhiban_model::documents::incident::{IncidentProblem, Judgement, JudgementKind, Stage, parse_grade};

use super::super::edits::{answer, edit_document};
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
        incident.assess(grade, &form.reason, &by, at, &thresholds).map_err(|p| vec![in_chinese(&p)])
    })
    .await;
    finish(&state, &desk, &id, outcome, |reason| Problems { assess: Some(reason), ..Default::default() }).await
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
        incident.advance(stage, &by, at, &form.note).map_err(|p| vec![in_chinese(&p)])
    })
    .await;
    finish(&state, &desk, &id, outcome, |reason| Problems { advance: Some(reason), ..Default::default() }).await
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
        edit(&state, &desk, &id, |incident| incident.judge(judgement).map_err(|p| vec![in_chinese(&p)])).await;
    finish(&state, &desk, &id, outcome, |reason| Problems { judge: Some(reason), ..Default::default() }).await
}

/// Applies `operation` to the incident as the desk officer.
async fn edit(
    state: &AppState,
    desk: &Desk,
    id: &str,
    operation: impl FnOnce(&mut zhiban_model::documents::incident::Incident) -> Result<(), Vec<String>>,
) -> Result<(), EditError> {
    edit_document(state, desk, id, |typed| match typed {
        TypedDocument::Incident(incident) => operation(incident),
        _ => Err(vec!["该文档不是突发事件".into()]),
    })
    .await
}

async fn finish(
    state: &AppState,
    desk: &Desk,
    id: &str,
    outcome: Result<(), EditError>,
    by_field: impl FnOnce(String) -> Problems,
) -> Result<Response, Failure> {
    answer(outcome, &format!("/incidents/{id}"), |reason| refused(state, desk, id, by_field(reason))).await
}

async fn refused(state: &AppState, desk: &Desk, id: &str, problems: Problems) -> Result<Response, Failure> {
    render(state, desk, id, &problems, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A refusal in the desk's words.
pub fn in_chinese(problem: &IncidentProblem) -> String {
    match problem {
        IncidentProblem::OverrideWithoutReason { confirmed, suggested } => format!(
            "所定等级（{}）与按规则建议的等级（{}）不同，请填写理由",
            confirmed.label_zh(),
            suggested.label_zh()
        ),
        IncidentProblem::StageBackwards { current, wanted } => {
            format!("事件已处于「{}」阶段，不能再办理「{}」", current.label_zh(), wanted.label_zh())
        }
        IncidentProblem::AssessWithoutGrade => "请先研判定级，再上报或处置".into(),
        IncidentProblem::ArchiveWithoutFinalReport => "收到终报后才能归档".into(),
        IncidentProblem::Empty(_) => "此项必填".into(),
        other => other.to_string(),
    }
}
