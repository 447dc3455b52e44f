//! Roster filing rounds (报备) for the desk: each round's terms and where every unit stands in it.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiban_model::documents::roster::format_time;
use zhiban_model::rules::filing::{UnitFiling, UnitFilingState};

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::{document_key, time};
use crate::AppState;
use crate::oversight::filings::{self, RoundStatus};
use crate::oversight::local_time;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilingQuery {
    /// Judge the deadline at this time instead of now (RFC 3339 or a date).
    pub at: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FilingCounts {
    pub pending: usize,
    pub missing: usize,
    pub filed: usize,
    pub accepted: usize,
    pub returned: usize,
    /// Of those that filed, how many after the deadline.
    pub late: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundSummary {
    pub document: String,
    pub title: String,
    /// holiday or special_period.
    pub occasion: String,
    /// Local office time, `2026-10-01T00:00`.
    pub period_start: String,
    pub period_end: String,
    pub deadline: String,
    pub opened_by: String,
    pub closed: bool,
    /// Counts over the units the caller may see.
    pub counts: FilingCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundList {
    pub rounds: Vec<RoundSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitFilingView {
    pub unit: String,
    pub unit_name: String,
    /// pending, missing, filed, accepted or returned.
    pub state: String,
    /// 待报备, 逾期未报, 已报备待审, 已接收, 已退回.
    pub state_zh: String,
    /// The roster the state is read from.
    pub roster: Option<String>,
    /// When the unit first filed for this period (local office time).
    pub first_filed_at: Option<String>,
    /// Minutes after the deadline, when it filed late.
    pub late_by_minutes: Option<i64>,
    /// The desk's reasons, when returned.
    pub reasons: Vec<String>,
    /// What validation by duty category found in the roster.
    pub problems: Vec<String>,
    /// False when the roster leaves part of the period uncovered.
    pub covers_period: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundDetail {
    #[serde(flatten)]
    pub round: RoundSummary,
    pub units: Vec<UnitFilingView>,
}

fn judged_at(state: &AppState, query: &FilingQuery) -> Result<chrono::NaiveDateTime, ApiError> {
    let millis = match &query.at {
        Some(at) => time::parse("at", at)?,
        None => state.hub.now_millis(),
    };
    Ok(local_time(millis))
}

fn counts<'a>(units: impl Iterator<Item = &'a UnitFiling>) -> FilingCounts {
    let mut c = FilingCounts::default();
    for u in units {
        match u.state {
            UnitFilingState::Pending => c.pending += 1,
            UnitFilingState::Missing => c.missing += 1,
            UnitFilingState::Filed => c.filed += 1,
            UnitFilingState::Accepted => c.accepted += 1,
            UnitFilingState::Returned => c.returned += 1,
        }
        c.late += usize::from(u.late_by.is_some());
    }
    c
}

fn summary(status: &RoundStatus, visible: &[&String]) -> RoundSummary {
    let r = &status.round;
    RoundSummary {
        document: super::url(&r.document_id),
        title: r.title.clone(),
        occasion: r.occasion.clone(),
        period_start: r.period_start_text.clone(),
        period_end: r.period_end_text.clone(),
        deadline: r.deadline_text.clone(),
        opened_by: r.opened_by.clone(),
        closed: r.closed_at.is_some(),
        counts: counts(visible.iter().filter_map(|u| status.units.get(*u))),
    }
}

/// The units of a round this caller may see: all for the desk and leaders, else those they oversee.
fn visible_units<'a>(caller: &Caller, state: &AppState, status: &'a RoundStatus) -> Vec<&'a String> {
    status.units.keys().filter(|u| caller.sees_rosters_of(state, u)).collect()
}

/// Filing rounds, newest period first, with counts of where their units stand.
#[utoipa::path(get, path = "/api/v1/filings", params(FilingQuery), tag = "filings",
    responses((status = 200, body = RoundList)))]
pub async fn list(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<FilingQuery>,
) -> ApiResult<RoundList> {
    let now = judged_at(&state, &query)?;
    let database = &state.hub.office().database;
    let visible = caller.visible(&state).await?;
    let mut rounds = Vec::new();
    for round in filings::rounds(database).await? {
        if visible.as_ref().is_some_and(|v| !v.contains(&round.document_id)) {
            continue;
        }
        if let Some(status) = filings::status_of(database, round, now).await? {
            rounds.push(summary(&status, &visible_units(&caller, &state, &status)));
        }
    }
    Ok(Json(RoundList { rounds }))
}

/// One round: its terms, and each unit's state, roster, first filing time, lateness, the desk's reasons
/// and the roster's validation problems.
#[utoipa::path(get, path = "/api/v1/filings/{round}", params(("round" = String, Path), FilingQuery), tag = "filings",
    responses((status = 200, body = RoundDetail), (status = 404, body = ErrorBody)))]
pub async fn one(
    caller: Caller,
    State(state): State<AppState>,
    Path(round): Path<String>,
    Query(query): Query<FilingQuery>,
) -> ApiResult<RoundDetail> {
    let id = document_key(&round)?;
    caller.check(&state, id, "filing round").await?;
    let now = judged_at(&state, &query)?;
    let database = &state.hub.office().database;
    let status = filings::status(database, &id.to_string(), now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no filing round {}", id.url())))?;
    let visible = visible_units(&caller, &state, &status);
    let directory = state.hub.office().directory();
    let units = visible
        .iter()
        .filter_map(|unit| status.units.get(*unit).map(|f| (*unit, f)))
        .map(|(unit, f)| UnitFilingView {
            unit: unit.clone(),
            unit_name: directory.units.get(unit).map(|u| u.name.clone()).unwrap_or_else(|| unit.clone()),
            state: f.state.code().to_owned(),
            state_zh: f.state.label_zh().to_owned(),
            roster: f.roster.as_deref().map(super::url),
            first_filed_at: f.first_filed_at.map(format_time),
            late_by_minutes: f.late_by.map(|d| d.num_minutes()),
            reasons: f.reasons.clone(),
            problems: f.problems.clone(),
            covers_period: f.covers_period,
        })
        .collect();
    Ok(Json(RoundDetail { round: summary(&status, &visible), units }))
}
