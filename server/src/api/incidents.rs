//! Incidents for the desk: the list with filters, and one incident with its report chain and steps.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiban_model::DocumentId;

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::{document_key, time};
use crate::AppState;
use crate::db::incidents::{self, Incident};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentFilter {
    /// The grade deadlines count against (confirmed, else suggested): I, II, III or IV.
    pub grade: Option<String>,
    /// received, assessed, reported_up, handling, feedback or archived.
    pub stage: Option<String>,
    /// The responsible unit's id.
    pub unit: Option<String>,
    /// Received at or after (RFC 3339 or a date).
    pub from: Option<String>,
    /// Received before (RFC 3339 or a date).
    pub to: Option<String>,
    /// Only incidents whose first report came after its written deadline (`true`), or only on time (`false`).
    pub late: Option<bool>,
    pub sensitive: Option<bool>,
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasualtyFigures {
    pub dead: i64,
    pub injured: i64,
    pub serious_injuries: i64,
    pub missing: i64,
    pub trapped: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentSummary {
    /// The incident's document, `automerge:…`.
    pub document: String,
    pub title: String,
    pub unit: String,
    pub nature: Option<String>,
    pub place: Option<String>,
    /// When the unit received the information; deadlines count from here.
    pub received_at: String,
    pub occurred_at: Option<String>,
    pub sensitive: bool,
    pub stage: String,
    pub suggested_grade: String,
    pub confirmed_grade: Option<String>,
    pub grade_reason: Option<String>,
    pub effective_grade: String,
    /// The one current set of figures.
    pub casualties: CasualtyFigures,
    pub direct_loss_cny: i64,
    pub first_reported_at: Option<String>,
    pub verbal_due_at: Option<String>,
    pub written_due_at: String,
    /// The first report came after the written deadline.
    pub late: bool,
    pub late_by_seconds: Option<i64>,
    pub report_count: i64,
    pub has_final_report: bool,
    /// Fields the reports have left pending so far.
    pub pending_fields: Vec<String>,
    pub last_report_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<IncidentSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainEntry {
    pub entry_id: String,
    /// 首报, 续报一, …, 终报.
    pub label: String,
    /// first, follow_up or final.
    pub kind: String,
    pub submitted_at: String,
    pub reporter: String,
    pub reporter_name: String,
    pub reporter_unit: String,
    pub account: String,
    /// The entry's fields (only those it reported).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LifecycleStep {
    pub stage: String,
    pub by: String,
    pub at: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub summary: IncidentSummary,
    pub chain: Vec<ChainEntry>,
    pub steps: Vec<LifecycleStep>,
}

impl From<Incident> for IncidentSummary {
    fn from(r: Incident) -> Self {
        Self {
            document: super::url(&r.document_id),
            title: r.title,
            unit: r.unit_id,
            nature: r.nature,
            place: r.place,
            received_at: r.received_at_text,
            occurred_at: time::optional_text(r.occurred_at),
            sensitive: r.sensitive != 0,
            stage: r.stage,
            suggested_grade: r.suggested_grade,
            confirmed_grade: r.confirmed_grade,
            grade_reason: r.grade_reason,
            effective_grade: r.effective_grade,
            casualties: CasualtyFigures {
                dead: r.dead,
                injured: r.injured,
                serious_injuries: r.serious_injuries,
                missing: r.missing,
                trapped: r.trapped,
            },
            direct_loss_cny: r.direct_loss_cny,
            first_reported_at: time::optional_text(r.first_reported_at),
            verbal_due_at: time::optional_text(r.verbal_due_at),
            written_due_at: time::text(r.written_due_at),
            late: r.late_by_seconds.is_some(),
            late_by_seconds: r.late_by_seconds,
            report_count: r.report_count,
            has_final_report: r.has_final_report != 0,
            pending_fields: r.pending_fields.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect(),
            last_report_at: time::optional_text(r.last_report_at),
        }
    }
}

const GRADES: [&str; 4] = ["I", "II", "III", "IV"];

/// Incidents, newest first, filtered.
#[utoipa::path(get, path = "/api/v1/incidents", params(IncidentFilter), tag = "incidents",
    responses((status = 200, body = IncidentList), (status = 400, body = ErrorBody)))]
pub async fn list(
    caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<IncidentFilter>,
) -> ApiResult<IncidentList> {
    if let Some(g) = &filter.grade
        && !GRADES.contains(&g.as_str())
    {
        return Err(ApiError::bad_request(format!("grade={g:?} is not one of I, II, III, IV")));
    }
    if let Some(s) = &filter.stage
        && zhiban_model::documents::incident::Stage::parse(s).is_none()
    {
        return Err(ApiError::bad_request(format!(
            "stage={s:?} is not one of received, assessed, reported_up, handling, feedback, archived"
        )));
    }
    let from = filter.from.as_deref().map(|v| time::parse("from", v)).transpose()?;
    let to = filter.to.as_deref().map(|v| time::parse("to", v)).transpose()?;
    let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
    // Everyone but the desk and leaders sees some incidents only: those are picked after the query.
    let visible = caller.visible(&state).await?;
    let query_limit = if visible.is_some() { i64::MAX } else { limit };
    let selected = incidents::Filter {
        grade: filter.grade.as_deref(),
        stage: filter.stage.as_deref(),
        unit: filter.unit.as_deref(),
        received_from: from,
        received_before: to,
        late: filter.late,
        sensitive: filter.sensitive,
    };
    let records = incidents::listed(&state.hub.office().database, &selected, query_limit).await?;
    let incidents = records
        .into_iter()
        .filter(|r| visible.as_ref().is_none_or(|v| v.contains(&r.document_id)))
        .take(limit as usize)
        .map(Into::into)
        .collect();
    Ok(Json(IncidentList { incidents }))
}

/// One incident with its report chain (in order, labelled) and the desk's steps.
#[utoipa::path(get, path = "/api/v1/incidents/{document}", tag = "incidents",
    params(("document" = String, Path, description = "the incident's document id or automerge: URL")),
    responses((status = 200, body = IncidentDetail), (status = 404, body = ErrorBody)))]
pub async fn one(
    caller: Caller,
    State(state): State<AppState>,
    Path(document): Path<String>,
) -> ApiResult<IncidentDetail> {
    let id: DocumentId = document_key(&document)?;
    caller.check(&state, id, "incident").await?;
    let detail = incidents::detail(&state.hub.office().database, &id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no incident {}", id.url())))?;
    Ok(Json(IncidentDetail {
        summary: detail.incident.into(),
        chain: detail
            .chain
            .into_iter()
            .map(|e| ChainEntry {
                entry_id: e.entry_id,
                label: e.label,
                kind: e.kind,
                submitted_at: e.submitted_at_text,
                reporter: e.reporter_person,
                reporter_name: e.reporter_name,
                reporter_unit: e.reporter_unit,
                account: e.account,
                details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
        steps: detail
            .steps
            .into_iter()
            .map(|s| LifecycleStep { stage: s.stage, by: s.by_person, at: s.at_text, note: s.note })
            .collect(),
    }))
}
