//! Spot checks (`spot_checks`: one row per planned check, with what it found once made). A finding is a
//! check made whose outcome is not `proper`.

use crate::db::Database;
use crate::on_conn;

/// A spot check's row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SpotCheck {
    /// The plan holding it.
    pub document_id: String,
    pub check_id: String,
    pub plan_title: String,
    pub round_id: Option<String>,
    pub unit_id: String,
    /// `2026-10-01`.
    pub day: String,
    /// The day's start (unix ms).
    pub day_start: i64,
    /// morning, afternoon or evening.
    pub session: String,
    pub planned_by: String,
    /// `None` until checked: proper, unanswered, empty_post, off_post, stand_in, report_not_timely.
    pub outcome: Option<String>,
    pub ring_seconds: Option<i64>,
    /// phone or video.
    pub method: Option<String>,
    pub answered_by: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<i64>,
    pub checked_at_text: Option<String>,
    pub note: Option<String>,
}

/// What the desk's list filters checks by.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub unit: Option<&'a str>,
    /// Days starting at or after (unix ms).
    pub days_from: Option<i64>,
    /// Days starting before (unix ms).
    pub days_before: Option<i64>,
    /// Only checks that found something.
    pub findings_only: bool,
}

/// The checks `filter` lets through, by day, session (in the order of the day), unit and id.
pub async fn listed(database: &Database, filter: &Filter<'_>) -> Result<Vec<SpotCheck>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM spot_checks WHERE day_start >= $1 AND day_start < $2 \
             AND ($3 = '' OR unit_id = $3) AND ($4 = 0 OR (outcome IS NOT NULL AND outcome <> 'proper')) \
             ORDER BY day_start, CASE session WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1 ELSE 2 END, unit_id, check_id",
        )
        .bind(filter.days_from.unwrap_or(i64::MIN))
        .bind(filter.days_before.unwrap_or(i64::MAX))
        .bind(filter.unit.unwrap_or_default())
        .bind(i64::from(filter.findings_only))
        .fetch_all(c)
        .await
    })
}

/// The checks planned for `day` (`2026-10-01`), by session, unit and id.
pub async fn on_day(database: &Database, day: &str) -> Result<Vec<SpotCheck>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM spot_checks WHERE day = $1 \
             ORDER BY CASE session WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1 ELSE 2 END, unit_id, check_id",
        )
        .bind(day)
        .fetch_all(c)
        .await
    })
}

/// The checks made with `from ≤ checked_at < to` (unix ms) that found something.
pub async fn findings_between(database: &Database, from: i64, to: i64) -> Result<Vec<SpotCheck>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM spot_checks WHERE outcome IS NOT NULL AND outcome <> 'proper' \
             AND checked_at >= $1 AND checked_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// How many checks were made in a period, and how many of them found something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Made {
    pub checks: i64,
    pub findings: i64,
}

/// The checks made with `from ≤ checked_at < to` (unix ms), counted.
pub async fn made_between(database: &Database, from: i64, to: i64) -> Result<Made, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT COUNT(*) AS checks, COUNT(*) FILTER (WHERE outcome <> 'proper') AS findings FROM spot_checks \
             WHERE outcome IS NOT NULL AND checked_at >= $1 AND checked_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(c)
        .await
    })
}

/// Findings per unit over every check on record, as (unit, findings); units without any are left out.
pub async fn findings_per_unit(database: &Database) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT unit_id, COUNT(*) FROM spot_checks WHERE outcome IS NOT NULL AND outcome <> 'proper' GROUP BY unit_id",
        )
        .fetch_all(c)
        .await
    })
}

/// The plan to add a check of `day` to: one holding a check of that day, else one titled `title`, the first
/// by id in each case; `None` when there is neither.
pub async fn plan_for(database: &Database, day: &str, title: &str) -> Result<Option<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar(
            "SELECT document_id FROM spot_checks WHERE day = $1 OR plan_title = $2 \
             ORDER BY CASE WHEN day = $1 THEN 0 ELSE 1 END, document_id LIMIT 1",
        )
        .bind(day)
        .bind(title)
        .fetch_optional(c)
        .await
    })
}
