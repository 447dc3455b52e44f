//! Leaders' instructions for the desk: who has acknowledged, and which deadlines are near or missed.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::{document_key, time};
use crate::AppState;
use crate::db::instructions::{self, Instruction};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstructionFilter {
    /// issued, relayed, acknowledged, fed_back or closed.
    pub status: Option<String>,
    /// Only instructions past a deadline (relay or feedback) that is not met.
    pub overdue: Option<bool>,
    /// Only instructions sent to this unit or person.
    pub recipient: Option<String>,
    /// Judge deadlines at this time instead of now (RFC 3339 or a date).
    pub at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstructionSummary {
    pub document: String,
    /// `2027-014`, once the server has given it its place in the ledger.
    pub number: Option<String>,
    pub leader: String,
    pub issued_at: String,
    pub text: String,
    /// The incident it was written on.
    pub incident: Option<String>,
    pub status: String,
    pub relay_due_at: String,
    pub feedback_due_at: String,
    /// The feedback deadline falls in a year whose holiday calendar is not loaded.
    pub feedback_due_provisional: bool,
    pub recipient_count: i64,
    pub acknowledged_count: i64,
    /// Some recipient was not relayed to by the relay deadline.
    pub relay_overdue: bool,
    /// No feedback yet and the feedback deadline has passed.
    pub feedback_overdue: bool,
    pub fed_back_at: Option<String>,
    pub closed_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstructionList {
    pub instructions: Vec<InstructionSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Acknowledgement {
    pub person: String,
    pub device: String,
    /// By the phone's clock.
    pub acknowledged_at: String,
    /// When the server stored it.
    pub server_received_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientState {
    pub recipient: String,
    /// unit or person.
    pub kind: String,
    pub relayed_at: Option<String>,
    pub acknowledged: bool,
    pub acknowledgements: Vec<Acknowledgement>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstructionDetail {
    #[serde(flatten)]
    pub summary: InstructionSummary,
    pub recipients: Vec<RecipientState>,
}

/// An instruction as the desk's list shows it, its deadlines judged at `now`.
fn summary(record: Instruction, now: i64) -> InstructionSummary {
    let open = record.closed_at.is_none();
    InstructionSummary {
        document: super::url(&record.document_id),
        number: record.number,
        leader: record.leader,
        issued_at: record.issued_at_text,
        text: record.text,
        incident: record.incident,
        status: record.status,
        relay_due_at: time::text(record.relay_due_at),
        feedback_due_at: time::text(record.feedback_due_at),
        feedback_due_provisional: record.feedback_due_provisional != 0,
        recipient_count: record.recipient_count,
        acknowledged_count: record.acknowledged_count,
        relay_overdue: open && record.late_relays > 0 && now > record.relay_due_at,
        feedback_overdue: open && record.fed_back_at.is_none() && now > record.feedback_due_at,
        fed_back_at: time::optional_text(record.fed_back_at),
        closed_at: time::optional_text(record.closed_at),
    }
}

const STATUSES: [&str; 5] = ["issued", "relayed", "acknowledged", "fed_back", "closed"];

/// Instructions, newest first, with acknowledgement counts and deadlines.
#[utoipa::path(get, path = "/api/v1/instructions", params(InstructionFilter), tag = "instructions",
    responses((status = 200, body = InstructionList), (status = 400, body = ErrorBody)))]
pub async fn list(
    caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<InstructionFilter>,
) -> ApiResult<InstructionList> {
    if let Some(s) = &filter.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::bad_request(format!("status={s:?} is not one of {}", STATUSES.join(", "))));
    }
    let now = filter.at.as_deref().map(|v| time::parse("at", v)).transpose()?.unwrap_or_else(|| state.hub.now_millis());
    let selected = instructions::Filter { status: filter.status.as_deref(), recipient: filter.recipient.as_deref() };
    let records = instructions::listed(&state.hub.office().database, &selected).await?;
    let visible = caller.visible(&state).await?;
    let mut instructions: Vec<InstructionSummary> = records
        .into_iter()
        .filter(|r| visible.as_ref().is_none_or(|v| v.contains(&r.document_id)))
        .map(|r| summary(r, now))
        .collect();
    if let Some(overdue) = filter.overdue {
        instructions.retain(|i| (i.relay_overdue || i.feedback_overdue) == overdue);
    }
    Ok(Json(InstructionList { instructions }))
}

/// One instruction with each recipient's relay and acknowledgements.
#[utoipa::path(get, path = "/api/v1/instructions/{document}", tag = "instructions",
    params(("document" = String, Path, description = "the instruction's document id or automerge: URL")),
    responses((status = 200, body = InstructionDetail), (status = 404, body = ErrorBody)))]
pub async fn one(
    caller: Caller,
    State(state): State<AppState>,
    Path(document): Path<String>,
) -> ApiResult<InstructionDetail> {
    let id = document_key(&document)?;
    caller.check(&state, id, "instruction").await?;
    let detail = instructions::detail(&state.hub.office().database, &id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no instruction {}", id.url())))?;
    let acks = &detail.acknowledgements;
    let recipients = detail
        .recipients
        .into_iter()
        .map(|r| RecipientState {
            acknowledgements: acks
                .iter()
                .filter(|a| a.recipient_id == r.recipient_id)
                .map(|a| Acknowledgement {
                    person: a.person_id.clone(),
                    device: a.device.clone(),
                    acknowledged_at: a.acknowledged_at_text.clone(),
                    server_received_at: time::optional_text(a.server_received_at),
                })
                .collect(),
            recipient: r.recipient_id,
            kind: r.kind,
            relayed_at: time::optional_text(r.relayed_at),
            acknowledged: r.acknowledged != 0,
        })
        .collect();
    Ok(Json(InstructionDetail { summary: summary(detail.instruction, state.hub.now_millis()), recipients }))
}
