//! Spot checks (抽查) for the desk: every planned check and what it found, from the plans' projection.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiban_model::documents::spot_check::{Outcome, Session};

use super::caller::Caller;
use super::error::{ApiError, ApiResult};
use super::time;
use crate::AppState;
use crate::db::oversight::spot_checks;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckFilter {
    pub unit: Option<String>,
    /// Days from (a date, inclusive) and to (exclusive).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only checks that found something.
    pub findings: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    /// The plan holding it, `automerge:…`, and the check's id in it.
    pub document: String,
    pub check: String,
    pub plan: String,
    pub unit: String,
    pub day: String,
    pub session: String,
    pub session_zh: String,
    /// `None` until checked: proper, unanswered, empty_post, off_post, stand_in, report_not_timely.
    pub outcome: Option<String>,
    pub outcome_zh: Option<String>,
    pub ring_seconds: Option<i64>,
    pub method: Option<String>,
    /// Who answered, as they gave their name.
    pub answered_by: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckList {
    pub checks: Vec<CheckView>,
}

/// Spot checks by day, with what each found. For the desk and leaders.
#[utoipa::path(get, path = "/api/v1/spot-checks", params(CheckFilter), tag = "spot checks",
    responses((status = 200, body = CheckList)))]
pub async fn list(
    caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<CheckFilter>,
) -> ApiResult<CheckList> {
    if !caller.viewer.sees_everything() {
        return Err(ApiError { status: StatusCode::FORBIDDEN, reason: "spot checks are the desk's records".into() });
    }
    let from = filter.from.as_deref().map(|t| time::parse("from", t)).transpose()?;
    let to = filter.to.as_deref().map(|t| time::parse("to", t)).transpose()?;
    let selected = spot_checks::Filter {
        unit: filter.unit.as_deref(),
        days_from: from,
        days_before: to,
        findings_only: filter.findings.unwrap_or(false),
    };
    let rows = spot_checks::listed(&state.hub.office().database, &selected).await?;
    let checks = rows
        .into_iter()
        .map(|c| CheckView {
            document: super::url(&c.document_id),
            session_zh: Session::parse(&c.session).map(Session::label_zh).unwrap_or_default().to_owned(),
            outcome_zh: c.outcome.as_deref().and_then(Outcome::parse).map(|o| o.label_zh().to_owned()),
            check: c.check_id,
            plan: c.plan_title,
            unit: c.unit_id,
            day: c.day,
            session: c.session,
            outcome: c.outcome,
            ring_seconds: c.ring_seconds,
            method: c.method,
            answered_by: c.answered_by,
            checked_by: c.checked_by,
            checked_at: c.checked_at_text,
            note: c.note,
        })
        .collect();
    Ok(Json(CheckList { checks }))
}
