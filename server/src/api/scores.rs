//! Unit scores (考核) for a year or any period: the ranking, and each unit's lines, every one naming the
//! record that caused it.
//!
//! Scores are for the desk and leaders (every unit, every record) and for a unit's duty officers (the units
//! they oversee). A score is made of records in documents, so an officer's is made only of the records in
//! documents they may see, by the same rules as the documents themselves: a spot-check plan and the
//! assessment record are the desk's, and their lines are left out of what anyone else is shown (the ranking
//! is then among the units shown, from those records).

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiban_model::documents::directory::Role;
use zhiban_model::rules::scores::UnitScore;
use zhiban_model::rules::start_of_day;

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::time;
use crate::AppState;
use crate::oversight::scores;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorePeriod {
    /// The year scored (default: this year); or give `from` and `to`.
    pub year: Option<i32>,
    /// Start of the period (RFC 3339 or a date), with `to`.
    pub from: Option<String>,
    /// End of the period, excluded.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreSummary {
    pub unit: String,
    pub unit_name: String,
    pub rank: usize,
    pub total: f64,
    pub base: f64,
    pub gained: f64,
    pub deducted: f64,
    /// How many records the score is made of.
    pub lines: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreBoard {
    pub from: String,
    pub to: String,
    pub units: Vec<ScoreSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreLineView {
    /// The fact's code, `late_report`, `check_finding`, … and in words.
    pub fact: serde_json::Value,
    pub fact_zh: String,
    pub points: f64,
    pub at: String,
    /// The document holding the record, `automerge:…`, and the part of it.
    pub document: String,
    pub reference: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitScoreSheet {
    #[serde(flatten)]
    pub summary: ScoreSummary,
    pub from: String,
    pub to: String,
    pub lines: Vec<ScoreLineView>,
}

/// The period asked for, as unix ms; by default this year, by the office's clock.
fn period(state: &AppState, query: &ScorePeriod) -> Result<(i64, i64), ApiError> {
    match (&query.from, &query.to) {
        (Some(from), Some(to)) => Ok((time::parse("from", from)?, time::parse("to", to)?)),
        (None, None) => {
            let year = query.year.unwrap_or_else(|| state.hub.office_now().year());
            let start = |y| NaiveDate::from_ymd_opt(y, 1, 1).map(|d| start_of_day(d).timestamp_millis());
            match (start(year), start(year + 1)) {
                (Some(from), Some(to)) => Ok((from, to)),
                _ => Err(ApiError::bad_request(format!("year={year} is not a year the office keeps"))),
            }
        }
        _ => Err(ApiError::bad_request("give both from and to, or a year")),
    }
}

fn summary(state: &AppState, s: &zhiban_model::rules::scores::UnitScore) -> ScoreSummary {
    let directory = state.hub.office().directory();
    ScoreSummary {
        unit: s.unit.clone(),
        unit_name: directory.units.get(&s.unit).map(|u| u.name.clone()).unwrap_or_else(|| s.unit.clone()),
        rank: s.rank,
        total: s.total,
        base: s.base,
        gained: s.gained,
        deducted: s.deducted,
        lines: s.lines.len(),
    }
}

/// The scores `caller` may see over the period, best first: the units they may see scored, from the
/// records they may see.
async fn scores_for(caller: &Caller, state: &AppState, from: i64, to: i64) -> Result<Vec<UnitScore>, ApiError> {
    let office = state.hub.office();
    let units: Vec<String> =
        scores::scored_units(office).into_iter().filter(|unit| caller.sees_scores_of(state, unit)).collect();
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let mut evidence = scores::evidence(office, from, to, state.hub.now_millis()).await?;
    if let Some(visible) = caller.visible(state).await? {
        evidence.retain(|e| visible.contains(&e.document));
    }
    Ok(zhiban_model::rules::scores::score(&units, evidence, &office.rules.scores))
}

/// Scores are not for field reporters or administrators.
fn refuse_unless_scored(caller: &Caller) -> Result<(), ApiError> {
    if caller.viewer.sees_everything() || caller.viewer.has(Role::UnitOfficer) {
        Ok(())
    } else {
        Err(ApiError::forbidden("unit scores are for the desk, leaders and units' duty officers"))
    }
}

/// The ranking: every unit's score over the period, best first. The desk and leaders see every unit; a
/// unit's officers see the units they oversee, scored from the records they may see.
#[utoipa::path(get, path = "/api/v1/scores", params(ScorePeriod), tag = "scores",
    responses((status = 200, body = ScoreBoard), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn board(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<ScorePeriod>,
) -> ApiResult<ScoreBoard> {
    refuse_unless_scored(&caller)?;
    let (from, to) = period(&state, &query)?;
    let units = scores_for(&caller, &state, from, to).await?.iter().map(|s| summary(&state, s)).collect();
    Ok(Json(ScoreBoard { from: time::text(from), to: time::text(to), units }))
}

/// One unit's score sheet: every point and deduction with the record it comes from (for a unit's officers,
/// the records they may see).
#[utoipa::path(get, path = "/api/v1/scores/{unit}", params(("unit" = String, Path), ScorePeriod), tag = "scores",
    responses((status = 200, body = UnitScoreSheet), (status = 404, body = ErrorBody)))]
pub async fn sheet(
    caller: Caller,
    State(state): State<AppState>,
    Path(unit): Path<String>,
    Query(query): Query<ScorePeriod>,
) -> ApiResult<UnitScoreSheet> {
    let (from, to) = period(&state, &query)?;
    let not_found = || ApiError::not_found(format!("no scored unit {unit:?}"));
    if !caller.sees_scores_of(&state, &unit) {
        return Err(not_found());
    }
    let all = scores_for(&caller, &state, from, to).await?;
    let score = all.into_iter().find(|s| s.unit == unit).ok_or_else(not_found)?;
    let lines = score
        .lines
        .iter()
        .map(|l| ScoreLineView {
            fact: serde_json::to_value(l.evidence.fact).unwrap_or_default(),
            fact_zh: l.evidence.fact.label_zh().to_owned(),
            points: l.points,
            at: time::text(l.evidence.at.timestamp_millis()),
            document: super::url(&l.evidence.document),
            reference: l.evidence.reference.clone(),
            detail: l.evidence.detail.clone(),
        })
        .collect();
    Ok(Json(UnitScoreSheet { summary: summary(&state, &score), from: time::text(from), to: time::text(to), lines }))
}
