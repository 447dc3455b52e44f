//! Duty logs (`duty_log_entries`: every entry of every unit's monthly log: calls, visits, faxes, notices,
//! handovers and zero reports), and which log documents a unit has (`document_audiences`).

use crate::db::Database;
use crate::on_conn;

/// A duty log entry's row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LogEntry {
    pub document_id: String,
    pub entry_id: String,
    pub unit_id: String,
    /// call, visit, fax, notice, handover or zero_report.
    pub kind: String,
    pub at: i64,
    pub at_text: String,
    pub by_person: String,
    pub counterpart: String,
    pub summary: String,
    pub handling: String,
    /// A notice's: the instruction document it was relayed as.
    pub instruction_id: Option<String>,
    /// A zero report's: the day it covers.
    pub for_date: Option<String>,
}

/// The entries of `unit` with `from ≤ at < to` (unix ms), newest first.
pub async fn entries_of(database: &Database, unit: &str, from: i64, to: i64) -> Result<Vec<LogEntry>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM duty_log_entries WHERE unit_id = $1 AND at >= $2 AND at < $3 ORDER BY at DESC, entry_id DESC",
        )
        .bind(unit)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}

/// The last handover note of `unit`, if it has one.
pub async fn latest_handover(database: &Database, unit: &str) -> Result<Option<LogEntry>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM duty_log_entries WHERE unit_id = $1 AND kind = 'handover' \
             ORDER BY at DESC, entry_id DESC LIMIT 1",
        )
        .bind(unit)
        .fetch_optional(c)
        .await
    })
}

/// A unit's zero report for a day: the first it made, if it made several.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ZeroReport {
    pub unit_id: String,
    pub at_text: String,
}

/// The units that made a zero report for `day` (`2026-10-01`), each with its first.
pub async fn zero_reports_for(database: &Database, day: &str) -> Result<Vec<ZeroReport>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT unit_id, MIN(at_text) AS at_text FROM duty_log_entries WHERE kind = 'zero_report' AND for_date = $1 \
             GROUP BY unit_id",
        )
        .bind(day)
        .fetch_all(c)
        .await
    })
}

/// The entries with `from ≤ at < to` (unix ms) counted by kind, as (kind, count) by kind.
pub async fn counts_by_kind_between(
    database: &Database,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT kind, COUNT(*) FROM duty_log_entries WHERE at >= $1 AND at < $2 GROUP BY kind ORDER BY kind")
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await
    })
}

/// The duty log documents of `unit`, those with entries with `from ≤ at < to` (unix ms) first, then by id. A
/// month logged on two phones offline has two logs, so the caller reads them to find the month's.
pub async fn logs_of(database: &Database, unit: &str, from: i64, to: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar(
            "SELECT a.document_id FROM document_audiences a WHERE a.kind = 'duty_log' AND a.unit = $1 \
             ORDER BY CASE WHEN EXISTS (SELECT 1 FROM duty_log_entries e WHERE e.document_id = a.document_id \
             AND e.at >= $2 AND e.at < $3) THEN 0 ELSE 1 END, a.document_id",
        )
        .bind(unit)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
    })
}
