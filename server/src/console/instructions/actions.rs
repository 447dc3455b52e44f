//! The desk's actions on an instruction, each a change in the desk officer's own name through the same
//! gate as a phone's (relay, feedback, close), or an alert (remind): refusals are shown by their form.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::instruction::{Instruction, InstructionProblem};
use zhiban_model::refusal::document_problems;

use super::super::edits::{Refused, answer, edit_document, not_a};
use super::super::failure::Failure;
use super::super::format::office_time;
use super::super::session::Desk;
use super::page::{Problems, instruction, render};
use crate::AppState;
use crate::alerts::{self, AlertRecipient, NewAlert};
use crate::sync::EditError;
use zhiban_model::rules::escalation::ChainFor;

#[derive(Deserialize)]
pub struct Token {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub struct Text {
    #[serde(default)]
    csrf: String,
    #[serde(default, alias = "note")]
    text: String,
}

pub async fn relay(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Token>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let (at, by) = (office_time(state.hub.now_millis()), desk.principal.username.clone());
    let outcome = edit(&state, &desk, &id, |i| i.relay(&by, at)).await;
    finish(&state, &desk, &id, outcome, |p| Problems { relay: Some(p), ..Default::default() }).await
}

pub async fn feedback(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Text>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let (at, by) = (office_time(state.hub.now_millis()), desk.principal.username.clone());
    let outcome = edit(&state, &desk, &id, |i| i.give_feedback(&by, at, &form.text)).await;
    finish(&state, &desk, &id, outcome, |p| Problems { feedback: Some(p), ..Default::default() }).await
}

pub async fn close(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Text>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let (at, by) = (office_time(state.hub.now_millis()), desk.principal.username.clone());
    let outcome = edit(&state, &desk, &id, |i| i.close(&by, at, &form.text)).await;
    finish(&state, &desk, &id, outcome, |p| Problems { close: Some(p), ..Default::default() }).await
}

/// 催办: an alert to the recipients still owing something — their acknowledgement, else the feedback —
/// escalating along their units' rosters like any other. It ends when the feedback is given.
pub async fn remind(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    Form(form): Form<Token>,
) -> Result<Response, Failure> {
    desk.check_form(&form.csrf)?;
    let (document, instruction) = instruction(&state, &desk, &id).await?;
    if let Err(refusal) = zhiban_model::access::may_remind(&desk.principal.viewer(), &instruction) {
        return Err(Failure { status: StatusCode::FORBIDDEN, reason: format!("无权催办：{refusal}") });
    }
    let office = state.hub.office();
    let owing: Vec<&String> = if instruction.closure.is_some() || instruction.feedback.is_some() {
        Vec::new()
    } else {
        let unsigned: Vec<&String> =
            instruction.recipients.keys().filter(|r| !instruction.acknowledged_by_recipient(r)).collect();
        if unsigned.is_empty() { instruction.recipients.keys().collect() } else { unsigned }
    };
    if owing.is_empty() {
        let problems =
            Problems { remind: Some("该批示已反馈或办结，无需催办".into()), ..Default::default() };
        return render(&state, &desk, &id, &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let now = state.hub.now_millis();
    let recipients = owing
        .into_iter()
        .map(|r| match instruction.recipients[r].kind {
            zhiban_model::documents::instruction::RecipientKind::Person => AlertRecipient::person(office, r),
            zhiban_model::documents::instruction::RecipientKind::Unit => AlertRecipient::unit(r, ChainFor::FeedbackDue),
        })
        .collect();
    let alert = NewAlert {
        key: format!("feedback:{document}:reminded:{now}"),
        kind: "feedback_due",
        document: Some(document),
        title_class: "值班室催办批示".into(),
        urgency: "high",
        recipients,
    };
    alerts::raise(office, alert, now)
        .await
        .map_err(|e| Failure {
            status: StatusCode::SERVICE_UNAVAILABLE, reason: format!("催办未能发出：{e}")
        })?;
    Ok(Redirect::to(&format!("/instructions/{id}")).into_response())
}

/// Applies `operation` to the instruction as the desk officer.
async fn edit(
    state: &AppState,
    desk: &Desk,
    id: &str,
    operation: impl FnOnce(&mut Instruction) -> Result<(), InstructionProblem>,
) -> Result<(), EditError> {
    edit_document(state, desk, id, |typed| match typed {
        TypedDocument::Instruction(i) => operation(i).map_err(|p| document_problems([p])),
        _ => Err(not_a("an instruction", "批示")),
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
    let page = format!("/instructions/{id}");
    answer(outcome, &page, |why: Refused| async move {
        let problems = by_form(why.all());
        render(state, desk, id, &problems, StatusCode::UNPROCESSABLE_ENTITY).await
    })
    .await
}
