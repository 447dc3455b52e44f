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
use crate::on_database;

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

type CheckRecord = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

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
    let from = filter.from.as_deref().map(|t| time::parse("from", t)).transpose()?.unwrap_or(i64::MIN);
    let to = filter.to.as_deref().map(|t| time::parse("to", t)).transpose()?.unwrap_or(i64::MAX);
    let unit = filter.unit.clone().unwrap_or_default();
    let findings = filter.findings.unwrap_or(false);
    let rows: Vec<CheckRecord> = on_database!(&state.hub.office().database, pool => {
        sqlx::query_as(
            "SELECT document_id, check_id, plan_title, unit_id, day, session, outcome, ring_seconds, method, answered_by, checked_by, \
             checked_at_text, note FROM spot_checks WHERE day_start >= $1 AND day_start < $2 \
             AND ($3 = '' OR unit_id = $3) AND ($4 = 0 OR (outcome IS NOT NULL AND outcome <> 'proper')) \
             ORDER BY day_start, CASE session WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1 ELSE 2 END, unit_id, check_id",
        )
        .bind(from).bind(to).bind(&unit).bind(i64::from(findings))
        .fetch_all(pool)
        .await?
    });
    let checks = rows
        .into_iter()
        .map(
            |(
                document,
                check,
                plan,
                unit,
                day,
                session,
                outcome,
                ring_seconds,
                method,
                answered_by,
                checked_by,
                checked_at,
                note,
            )| {
                CheckView {
                    document: super::url(&document),
                    check,
                    plan,
                    unit,
                    day,
                    session_zh: Session::parse(&session).map(Session::label_zh).unwrap_or_default().to_owned(),
                    session,
                    outcome_zh: outcome.as_deref().and_then(Outcome::parse).map(|o| o.label_zh().to_owned()),
                    outcome,
                    ring_seconds,
                    method,
                    answered_by,
                    checked_by,
                    checked_at,
                    note,
                }
            },
        )
        .collect();
    Ok(Json(CheckList { checks }))
}
