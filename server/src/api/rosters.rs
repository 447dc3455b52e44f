//! The directory, rosters and who is on duty: what a duty officer asks the desk for most.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::time;
use crate::AppState;
use crate::db;
use crate::db::projection::rosters::OnDutyRecord;

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryDocument {
    /// The directory document, `automerge:…`: phones fetch and keep it for "who do I call" offline.
    pub document: String,
}

/// Which document is the directory.
#[utoipa::path(get, path = "/api/v1/directory", tag = "rosters",
    responses((status = 200, body = DirectoryDocument), (status = 404, body = ErrorBody)))]
pub async fn directory(_caller: Caller, State(state): State<AppState>) -> ApiResult<DirectoryDocument> {
    let id = db::projection::directory::in_use(&state.hub.office().database).await?;
    let id =
        id.ok_or_else(|| ApiError::not_found("no directory has been stored yet; load one (or `zhiban-server demo`)"))?;
    Ok(Json(DirectoryDocument { document: super::url(&id) }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub unit_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// Duty category: 1, 2 or 3.
    pub category: String,
    pub duty_phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub units: Vec<UnitView>,
}

/// Every unit with its duty category and duty phone.
#[utoipa::path(get, path = "/api/v1/units", tag = "rosters", responses((status = 200, body = UnitList)))]
pub async fn units(_caller: Caller, State(state): State<AppState>) -> ApiResult<UnitList> {
    let units = db::directory::units(&state.hub.office().database).await?;
    let units = units
        .into_iter()
        .map(|u| UnitView {
            unit_id: u.unit_id,
            name: u.name,
            parent_id: u.parent_id,
            category: u.category,
            duty_phone: u.duty_phone,
        })
        .collect();
    Ok(Json(UnitList { units }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterFilter {
    pub unit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RosterView {
    pub document: String,
    pub unit: String,
    /// Local office time, `2026-10-01T08:00`.
    pub period_start: String,
    pub period_end: String,
    /// draft, filed, accepted or returned.
    pub filing_status: String,
    /// What makes the roster invalid, in the duty officer's words.
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RosterList {
    pub rosters: Vec<RosterView>,
}

impl From<db::rosters::Roster> for RosterView {
    fn from(r: db::rosters::Roster) -> Self {
        Self {
            document: super::url(&r.document_id),
            unit: r.unit_id,
            period_start: r.period_start_text,
            period_end: r.period_end_text,
            filing_status: r.filing_status,
            problems: serde_json::from_str(&r.problems).unwrap_or_default(),
        }
    }
}

/// Roster documents, optionally of one unit, by period.
#[utoipa::path(get, path = "/api/v1/rosters", params(RosterFilter), tag = "rosters",
    responses((status = 200, body = RosterList)))]
pub async fn rosters(
    caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<RosterFilter>,
) -> ApiResult<RosterList> {
    let records = db::rosters::listed(&state.hub.office().database, filter.unit.as_deref()).await?;
    let visible = caller.visible(&state).await?;
    let rosters = records
        .into_iter()
        .filter(|r| visible.as_ref().is_none_or(|v| v.contains(&r.document_id)))
        .map(Into::into)
        .collect();
    Ok(Json(RosterList { rosters }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodFilter {
    /// From (RFC 3339 or a date); default: now.
    pub from: Option<String>,
    /// To (RFC 3339 or a date); default: seven days after `from`.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftView {
    pub document: String,
    pub shift_id: String,
    /// shift (main and deputy) or leader (leader on duty).
    pub kind: String,
    /// Local office time.
    pub starts: String,
    pub ends: String,
    pub main: Option<String>,
    pub deputy: Option<String>,
    pub leader: Option<String>,
    pub on_post: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRoster {
    pub unit: String,
    pub rosters: Vec<RosterView>,
    pub shifts: Vec<ShiftView>,
}

/// A unit's roster for a period: every shift and leader period overlapping it.
#[utoipa::path(get, path = "/api/v1/units/{unit}/roster", params(("unit" = String, Path), PeriodFilter), tag = "rosters",
    responses((status = 200, body = UnitRoster), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unit_roster(
    caller: Caller,
    State(state): State<AppState>,
    Path(unit): Path<String>,
    Query(period): Query<PeriodFilter>,
) -> ApiResult<UnitRoster> {
    let from =
        period.from.as_deref().map(|v| time::parse("from", v)).transpose()?.unwrap_or_else(|| state.hub.now_millis());
    let to = period.to.as_deref().map(|v| time::parse("to", v)).transpose()?.unwrap_or(from + 7 * 86_400_000);
    if to <= from {
        return Err(ApiError::bad_request("to must be after from"));
    }
    if !caller.sees_rosters_of(&state, &unit) {
        return Err(ApiError::not_found(format!("no roster of unit {unit:?} that you may see")));
    }
    let database = &state.hub.office().database;
    let known = db::directory::unit(database, &unit).await?;
    let rosters = db::rosters::of_unit_overlapping(database, &unit, from, to).await?;
    let shifts = db::rosters::shifts_of_unit_overlapping(database, &unit, from, to).await?;
    if known.is_none() {
        return Err(ApiError::not_found(format!("unit {unit:?} is not in the directory")));
    }
    Ok(Json(UnitRoster {
        unit,
        rosters: rosters.into_iter().map(Into::into).collect(),
        shifts: shifts
            .into_iter()
            .map(|s| ShiftView {
                document: super::url(&s.document_id),
                shift_id: s.shift_id,
                kind: s.kind,
                starts: s.starts_text,
                ends: s.ends_text,
                main: s.main,
                deputy: s.deputy,
                leader: s.leader,
                on_post: s.on_post != 0,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtFilter {
    /// When (RFC 3339 or a date); default: now.
    pub at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOnDuty {
    pub person: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Local office time the shift or leader period runs.
    pub from: String,
    pub until: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnDuty {
    pub unit: String,
    pub unit_name: String,
    /// The phone that must always be answered.
    pub duty_phone: String,
    pub at: String,
    pub main: Option<PersonOnDuty>,
    pub deputy: Option<PersonOnDuty>,
    pub leader: Option<PersonOnDuty>,
}

/// Who is on duty in a unit now (or at `at`): main and deputy officer, and the leader on duty.
#[utoipa::path(get, path = "/api/v1/units/{unit}/on-duty", params(("unit" = String, Path), AtFilter), tag = "rosters",
    responses((status = 200, body = OnDuty), (status = 404, body = ErrorBody)))]
pub async fn on_duty(
    caller: Caller,
    State(state): State<AppState>,
    Path(unit): Path<String>,
    Query(at): Query<AtFilter>,
) -> ApiResult<OnDuty> {
    let at = at.at.as_deref().map(|v| time::parse("at", v)).transpose()?.unwrap_or_else(|| state.hub.now_millis());
    if !caller.sees_rosters_of(&state, &unit) {
        return Err(ApiError::not_found(format!("no roster of unit {unit:?} that you may see")));
    }
    let database = &state.hub.office().database;
    let records = db::projection::rosters::covering(database, &unit, at).await?;
    let found = db::directory::unit(database, &unit)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("unit {unit:?} is not in the directory")))?;
    let people = db::directory::people_on_rosters_of(database, &unit).await?;
    let person = |id: &Option<String>, r: &OnDutyRecord| {
        id.as_ref().map(|id| {
            let known = people.iter().find(|p| &p.person_id == id);
            PersonOnDuty {
                person: id.clone(),
                name: known.map(|p| p.name.clone()),
                phone: known.map(|p| p.phone.clone()),
                from: r.starts_text.clone(),
                until: r.ends_text.clone(),
            }
        })
    };
    let shift = records.iter().find(|r| r.kind == "shift");
    let leader = records.iter().find(|r| r.kind == "leader");
    Ok(Json(OnDuty {
        at: time::text(at),
        main: shift.and_then(|r| person(&r.main, r)),
        deputy: shift.and_then(|r| person(&r.deputy, r)),
        leader: leader.and_then(|r| person(&r.leader, r)),
        unit,
        unit_name: found.name,
        duty_phone: found.duty_phone,
    }))
}
