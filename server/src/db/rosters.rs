//! Rosters as projected, read: `rosters` (one row per roster document), their shifts and leader periods
//! (`shifts`) and their filing steps (`roster_filing_steps`). `db::projection::rosters` writes them (and
//! answers who is on duty at a moment, `covering`); the API and the oversight of filings read them here.
//! Periods overlap `from..to` when they start before `to` and end after `from`.

use crate::db::Database;
use crate::on_conn;

/// A roster's row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Roster {
    pub document_id: String,
    pub unit_id: String,
    /// Unix ms.
    pub period_start: i64,
    pub period_end: i64,
    /// Local office time, `2026-10-01T08:00`.
    pub period_start_text: String,
    pub period_end_text: String,
    /// draft, filed, accepted or returned.
    pub filing_status: String,
    /// Validation problems in the duty officer's words, as a JSON array.
    pub problems: String,
}

/// A shift (main and deputy officer) or a leader period of a roster.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Shift {
    pub document_id: String,
    pub shift_id: String,
    pub unit_id: String,
    /// shift or leader.
    pub kind: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub starts_text: String,
    pub ends_text: String,
    pub main: Option<String>,
    pub deputy: Option<String>,
    pub leader: Option<String>,
    /// 0 or 1.
    pub on_post: i64,
}

/// A step of a roster's filing: filed, accepted or returned.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FilingStep {
    pub document_id: String,
    pub position: i64,
    pub unit_id: String,
    pub status: String,
    pub by_person: String,
    pub at: i64,
    pub at_text: String,
    /// The desk's reasons for returning it, as a JSON array.
    pub reasons: String,
}

/// Every roster, or only those of `unit`, by unit and then period.
pub async fn listed(database: &Database, unit: Option<&str>) -> Result<Vec<Roster>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        let mut q = sqlx::QueryBuilder::new("SELECT * FROM rosters");
        if let Some(unit) = unit {
            q.push(" WHERE unit_id = ").push_bind(unit);
        }
        q.push(" ORDER BY unit_id, period_start");
        q.build_query_as().fetch_all(c).await
    })
}

/// The rosters of `unit` whose period overlaps `from..to` (unix ms), by period.
pub async fn of_unit_overlapping(
    database: &Database,
    unit: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Roster>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT * FROM rosters WHERE unit_id = $1 AND period_start < $2 AND period_end > $3 ORDER BY period_start")
            .bind(unit)
            .bind(to)
            .bind(from)
            .fetch_all(c)
            .await
    })
}

/// The shifts and leader periods of `unit` overlapping `from..to` (unix ms), by start, kind and id.
pub async fn shifts_of_unit_overlapping(
    database: &Database,
    unit: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Shift>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM shifts WHERE unit_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at, kind, shift_id",
        )
        .bind(unit)
        .bind(to)
        .bind(from)
        .fetch_all(c)
        .await
    })
}

/// Every unit's rosters overlapping a period, with their filing steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filings {
    /// By document id.
    pub rosters: Vec<Roster>,
    /// By document id, then in the order taken.
    pub steps: Vec<FilingStep>,
}

/// Every unit's rosters overlapping `from..to` (unix ms) and their filing steps: two queries, however many
/// units.
pub async fn filings_overlapping(database: &Database, from: i64, to: i64) -> Result<Filings, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        let rosters = sqlx::query_as(
            "SELECT * FROM rosters WHERE period_start < $1 AND period_end > $2 ORDER BY document_id",
        )
        .bind(to)
        .bind(from)
        .fetch_all(&mut *c)
        .await?;
        let steps = sqlx::query_as(
            "SELECT s.* FROM roster_filing_steps s JOIN rosters r ON r.document_id = s.document_id \
             WHERE r.period_start < $1 AND r.period_end > $2 ORDER BY s.document_id, s.position",
        )
        .bind(to)
        .bind(from)
        .fetch_all(&mut *c)
        .await?;
        Ok(Filings { rosters, steps })
    })
}

/// How many times a roster was filed with `from ≤ at < to` (unix ms).
pub async fn filed_between(database: &Database, from: i64, to: i64) -> Result<i64, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM roster_filing_steps WHERE status = 'filed' AND at >= $1 AND at < $2")
            .bind(from)
            .bind(to)
            .fetch_one(c)
            .await
    })
}
