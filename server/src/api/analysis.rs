//! The desk's situation picture (态势研判): early warnings, frequency, trend and compound risks over the
//! incidents of every unit, for the desk and leaders only (`oversight/analysis.rs` computes them).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::time;
use crate::AppState;
use crate::oversight::analysis::{self, CompoundReport, FrequencyReport, TrendReport, WarningReport};

/// How far back a range reaches when `from` is not given.
const DEFAULT_RANGE_DAYS: i64 = 90;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    /// The end of the window counted (RFC 3339 or a date); now if not given.
    pub at: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Incidents from this time (RFC 3339 or a date), inclusive; 90 days before `to` if not given.
    pub from: Option<String>,
    /// Up to this time, exclusive; now if not given.
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// Incidents from this time (RFC 3339 or a date), inclusive; 90 days before `to` if not given.
    pub from: Option<String>,
    /// Up to this time, exclusive; now if not given.
    pub to: Option<String>,
    /// The length of each window in days; 7 if not given.
    pub window_days: Option<i64>,
}

/// The analysis covers every unit's incidents: the desk and leaders only.
fn desk_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.viewer.sees_everything() {
        return Ok(());
    }
    Err(ApiError {
        status: StatusCode::FORBIDDEN,
        reason: "the incident analysis covers every unit's incidents, so only the desk and leaders may read it".into(),
    })
}

/// The range asked for, with its defaults: to = now (the office's clock), from = 90 days before.
fn range(state: &AppState, from: Option<&str>, to: Option<&str>) -> Result<(i64, i64), ApiError> {
    let to = match to {
        Some(to) => time::parse("to", to)?,
        None => state.hub.now_millis(),
    };
    let from = match from {
        Some(from) => time::parse("from", from)?,
        None => analysis::days_before(to, DEFAULT_RANGE_DAYS),
    };
    if from >= to {
        return Err(ApiError::bad_request("from must be before to"));
    }
    Ok((from, to))
}

/// Early warnings: each category and region whose count in the window ending at `at` would happen by chance
/// with a probability below the rules' threshold, given the baseline windows before it (Poisson), with the
/// numbers and the explanation in Chinese and English.
#[utoipa::path(get, path = "/api/v1/analysis/warnings", params(WarningQuery), tag = "analysis",
    responses((status = 200, body = WarningReport), (status = 403, body = ErrorBody)))]
pub async fn warnings(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<WarningQuery>,
) -> ApiResult<WarningReport> {
    desk_only(&caller)?;
    let at = match &query.at {
        Some(at) => time::parse("at", at)?,
        None => state.hub.now_millis(),
    };
    Ok(Json(analysis::warnings(state.hub.office(), at).await?))
}

/// How many incidents of each category each region had in the range, most frequent first.
#[utoipa::path(get, path = "/api/v1/analysis/frequency", params(RangeQuery), tag = "analysis",
    responses((status = 200, body = FrequencyReport), (status = 403, body = ErrorBody)))]
pub async fn frequency(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<RangeQuery>,
) -> ApiResult<FrequencyReport> {
    desk_only(&caller)?;
    let (from, to) = range(&state, query.from.as_deref(), query.to.as_deref())?;
    Ok(Json(analysis::frequency(state.hub.office(), from, to).await?))
}

/// Incidents per category in consecutive windows of the range: the series of a trend chart.
#[utoipa::path(get, path = "/api/v1/analysis/trend", params(TrendQuery), tag = "analysis",
    responses((status = 200, body = TrendReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn trend(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<TrendQuery>,
) -> ApiResult<TrendReport> {
    desk_only(&caller)?;
    let (from, to) = range(&state, query.from.as_deref(), query.to.as_deref())?;
    let window_days = query.window_days.unwrap_or(7);
    if let Some(problem) = analysis::trend_range_problem(from, to, window_days) {
        return Err(ApiError::bad_request(problem));
    }
    Ok(Json(analysis::trend(state.hub.office(), from, to, window_days).await?))
}

/// Compound risks: incidents of different categories close in time and place (暴雨 → 滑坡 → 交通事故).
#[utoipa::path(get, path = "/api/v1/analysis/compound", params(RangeQuery), tag = "analysis",
    responses((status = 200, body = CompoundReport), (status = 403, body = ErrorBody)))]
pub async fn compound(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<RangeQuery>,
) -> ApiResult<CompoundReport> {
    desk_only(&caller)?;
    let (from, to) = range(&state, query.from.as_deref(), query.to.as_deref())?;
    Ok(Json(analysis::compound(state.hub.office(), from, to).await?))
}
