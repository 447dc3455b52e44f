//! Leaders' instructions for the desk: who has acknowledged, and which deadlines are near or missed.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::{document_key, time};
use crate::AppState;
use crate::on_database;

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

#[derive(sqlx::FromRow)]
struct InstructionRecord {
    document_id: String,
    number: Option<String>,
    leader: String,
    issued_at_text: String,
    text: String,
    incident: Option<String>,
    status: String,
    relay_due_at: i64,
    feedback_due_at: i64,
    feedback_due_provisional: i64,
    recipient_count: i64,
    acknowledged_count: i64,
    fed_back_at: Option<i64>,
    closed_at: Option<i64>,
    /// Recipients not relayed to by the relay deadline (or at all).
    late_relays: i64,
}

impl InstructionRecord {
    fn summary(self, now: i64) -> InstructionSummary {
        let open = self.closed_at.is_none();
        InstructionSummary {
            document: super::url(&self.document_id),
            number: self.number,
            leader: self.leader,
            issued_at: self.issued_at_text,
            text: self.text,
            incident: self.incident,
            status: self.status,
            relay_due_at: time::text(self.relay_due_at),
            feedback_due_at: time::text(self.feedback_due_at),
            feedback_due_provisional: self.feedback_due_provisional != 0,
            recipient_count: self.recipient_count,
            acknowledged_count: self.acknowledged_count,
            relay_overdue: open && self.late_relays > 0 && now > self.relay_due_at,
            feedback_overdue: open && self.fed_back_at.is_none() && now > self.feedback_due_at,
            fed_back_at: time::optional_text(self.fed_back_at),
            closed_at: time::optional_text(self.closed_at),
        }
    }
}

const SELECT: &str = "SELECT i.*, (SELECT COUNT(*) FROM instruction_recipients r WHERE r.document_id = i.document_id \
     AND (r.relayed_at IS NULL OR r.relayed_at > i.relay_due_at)) AS late_relays FROM instructions i";

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
    let database = &state.hub.office().database;
    let records: Vec<InstructionRecord> = on_database!(database, pool => {
        let mut q = sqlx::QueryBuilder::new(SELECT);
        q.push(" WHERE 1 = 1");
        if let Some(s) = &filter.status {
            q.push(" AND i.status = ").push_bind(s.clone());
        }
        if let Some(r) = &filter.recipient {
            q.push(" AND EXISTS (SELECT 1 FROM instruction_recipients r WHERE r.document_id = i.document_id AND r.recipient_id = ")
                .push_bind(r.clone())
                .push(")");
        }
        q.push(" ORDER BY i.issued_at DESC, i.document_id LIMIT 1000");
        q.build_query_as().fetch_all(pool).await?
    });
    let visible = caller.visible(&state).await?;
    let mut instructions: Vec<InstructionSummary> = records
        .into_iter()
        .filter(|r| visible.as_ref().is_none_or(|v| v.contains(&r.document_id)))
        .map(|r| r.summary(now))
        .collect();
    if let Some(overdue) = filter.overdue {
        instructions.retain(|i| (i.relay_overdue || i.feedback_overdue) == overdue);
    }
    Ok(Json(InstructionList { instructions }))
}

#[derive(sqlx::FromRow)]
struct RecipientRecord {
    recipient_id: String,
    kind: String,
    relayed_at: Option<i64>,
    acknowledged: i64,
}

#[derive(sqlx::FromRow)]
struct AcknowledgementRecord {
    recipient_id: String,
    person_id: String,
    device: String,
    acknowledged_at_text: String,
    server_received_at: Option<i64>,
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
    let key = id.to_string();
    let database = &state.hub.office().database;
    let (record, recipients, acks): (Option<InstructionRecord>, Vec<RecipientRecord>, Vec<AcknowledgementRecord>) = on_database!(database, pool => {(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE i.document_id = $1"))).bind(&key).fetch_optional(pool).await?,
        sqlx::query_as("SELECT * FROM instruction_recipients WHERE document_id = $1 ORDER BY recipient_id").bind(&key).fetch_all(pool).await?,
        sqlx::query_as("SELECT * FROM acknowledgements WHERE document_id = $1 ORDER BY acknowledged_at").bind(&key).fetch_all(pool).await?,
    )});
    let record = record.ok_or_else(|| ApiError::not_found(format!("no instruction {}", id.url())))?;
    let recipients = recipients
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
    Ok(Json(InstructionDetail { summary: record.summary(state.hub.now_millis()), recipients }))
}
