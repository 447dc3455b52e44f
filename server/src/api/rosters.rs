//! The directory, rosters and who is on duty: what a duty officer asks the desk for most.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::time;
use crate::AppState;
use crate::on_database;
use crate::projection::on_duty::OnDutyRecord;

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryDocument {
    /// The directory document, `automerge:…`: phones fetch and keep it for "who do I call" offline.
    pub document: String,
}

/// Which document is the directory.
#[utoipa::path(get, path = "/api/v1/directory", tag = "rosters",
    responses((status = 200, body = DirectoryDocument), (status = 404, body = ErrorBody)))]
pub async fn directory(_caller: Caller, State(state): State<AppState>) -> ApiResult<DirectoryDocument> {
    let database = &state.hub.office().database;
    let id: Option<String> = on_database!(database, pool => {
        sqlx::query_scalar("SELECT document_id FROM projected_documents WHERE kind = 'directory' ORDER BY projected_at DESC LIMIT 1")
            .fetch_optional(pool)
            .await?
    });
    let id =
        id.ok_or_else(|| ApiError::not_found("no directory has been stored yet; load one (or `zhiban-server demo`)"))?;
    Ok(Json(DirectoryDocument { document: super::url(&id) }))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
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
    let database = &state.hub.office().database;
    let units: Vec<UnitView> = on_database!(database, pool => {
        sqlx::query_as("SELECT unit_id, name, parent_id, category, duty_phone FROM units ORDER BY unit_id").fetch_all(pool).await?
    });
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

#[derive(sqlx::FromRow)]
struct RosterRecord {
    document_id: String,
    unit_id: String,
    period_start_text: String,
    period_end_text: String,
    filing_status: String,
    problems: String,
}

impl From<RosterRecord> for RosterView {
    fn from(r: RosterRecord) -> Self {
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
    let database = &state.hub.office().database;
    let records: Vec<RosterRecord> = on_database!(database, pool => {
        let mut q = sqlx::QueryBuilder::new("SELECT * FROM rosters");
        if let Some(unit) = &filter.unit {
            q.push(" WHERE unit_id = ").push_bind(unit.clone());
        }
        q.push(" ORDER BY unit_id, period_start");
        q.build_query_as().fetch_all(pool).await?
    });
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

#[derive(sqlx::FromRow)]
struct ShiftRecord {
    document_id: String,
    shift_id: String,
    kind: String,
    starts_text: String,
    ends_text: String,
    main: Option<String>,
    deputy: Option<String>,
    leader: Option<String>,
    on_post: i64,
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
    let (known, rosters, shifts): (Option<String>, Vec<RosterRecord>, Vec<ShiftRecord>) = on_database!(database, pool => {(
        sqlx::query_scalar("SELECT unit_id FROM units WHERE unit_id = $1").bind(&unit).fetch_optional(pool).await?,
        sqlx::query_as("SELECT * FROM rosters WHERE unit_id = $1 AND period_start < $2 AND period_end > $3 ORDER BY period_start")
            .bind(&unit).bind(to).bind(from).fetch_all(pool).await?,
        sqlx::query_as("SELECT * FROM shifts WHERE unit_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at, kind, shift_id")
            .bind(&unit).bind(to).bind(from).fetch_all(pool).await?,
    )});
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

/// (person id, name, phone)
type PersonRecord = (String, String, String);

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
    let records = crate::projection::on_duty::covering(database, &unit, at).await?;
    let (found, people): (Option<(String, String)>, Vec<PersonRecord>) = on_database!(database, pool => {(
        sqlx::query_as("SELECT name, duty_phone FROM units WHERE unit_id = $1").bind(&unit).fetch_optional(pool).await?,
        sqlx::query_as("SELECT person_id, name, phone FROM people WHERE person_id IN \
                        (SELECT main FROM shifts WHERE unit_id = $1 UNION SELECT deputy FROM shifts WHERE unit_id = $1 \
                         UNION SELECT leader FROM shifts WHERE unit_id = $1)")
            .bind(&unit).fetch_all(pool).await?,
    )});
    let (unit_name, duty_phone) =
        found.ok_or_else(|| ApiError::not_found(format!("unit {unit:?} is not in the directory")))?;
    let person = |id: &Option<String>, r: &OnDutyRecord| {
        id.as_ref().map(|id| {
            let known = people.iter().find(|(p, _, _)| p == id);
            PersonOnDuty {
                person: id.clone(),
                name: known.map(|(_, n, _)| n.clone()),
                phone: known.map(|(_, _, p)| p.clone()),
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
        unit_name,
        duty_phone,
    }))
}
