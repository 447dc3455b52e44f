//! A roster's rows: `rosters` (one per document), its shifts and leader periods (`shifts`) and its filing
//! steps (`roster_filing_steps`); and who they put on duty at a moment.

use crate::db::{Conn, Database};
use crate::on_conn;

#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    pub unit_id: String,
    pub period_start: i64,
    pub period_end: i64,
    pub period_start_text: String,
    pub period_end_text: String,
    pub filing_status: String,
    /// Validation problems, in the duty officer's words, as a JSON array.
    pub problems: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShiftRow {
    pub shift_id: String,
    pub kind: &'static str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub starts_text: String,
    pub ends_text: String,
    pub main: Option<String>,
    pub deputy: Option<String>,
    pub leader: Option<String>,
    pub on_post: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FilingStepRow {
    pub position: i64,
    pub status: String,
    pub by_person: String,
    pub at: i64,
    pub at_text: String,
    /// The desk's reasons for returning it, as a JSON array.
    pub reasons: String,
}

/// Inserts a roster's rows (its old ones already deleted).
pub(super) async fn insert(
    conn: &mut Conn<'_>,
    document_id: &str,
    r: &RosterRow,
    shifts: &[ShiftRow],
    filing: &[FilingStepRow],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        for f in filing {
            sqlx::query(
                "INSERT INTO roster_filing_steps (document_id, position, unit_id, status, by_person, at, at_text, reasons) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(document_id).bind(f.position).bind(&r.unit_id).bind(&f.status).bind(&f.by_person).bind(f.at)
            .bind(&f.at_text).bind(&f.reasons)
            .execute(&mut *c)
            .await?;
        }
        sqlx::query(
            "INSERT INTO rosters (document_id, unit_id, period_start, period_end, period_start_text, \
             period_end_text, filing_status, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(document_id).bind(&r.unit_id).bind(r.period_start).bind(r.period_end)
        .bind(&r.period_start_text).bind(&r.period_end_text).bind(&r.filing_status).bind(&r.problems)
        .execute(&mut *c)
        .await?;
        for s in shifts {
            sqlx::query(
                "INSERT INTO shifts (document_id, shift_id, unit_id, kind, starts_at, ends_at, starts_text, \
                 ends_text, main, deputy, leader, on_post) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(document_id).bind(&s.shift_id).bind(&r.unit_id).bind(s.kind).bind(s.starts_at).bind(s.ends_at)
            .bind(&s.starts_text).bind(&s.ends_text).bind(&s.main).bind(&s.deputy).bind(&s.leader)
            .bind(i64::from(s.on_post))
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// A shift (main and deputy officer) or a leader period covering a moment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OnDutyRecord {
    /// `shift` or `leader`.
    pub kind: String,
    pub starts_text: String,
    pub ends_text: String,
    pub main: Option<String>,
    pub deputy: Option<String>,
    pub leader: Option<String>,
}

/// The shifts and leader periods of `unit` covering `at` (unix ms). Where rosters overlap, an accepted one
/// comes first, then a filed one, then a draft, then the latest period.
pub async fn covering(database: &Database, unit: &str, at: i64) -> Result<Vec<OnDutyRecord>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT s.kind, s.starts_text, s.ends_text, s.main, s.deputy, s.leader FROM shifts s \
             JOIN rosters r ON r.document_id = s.document_id \
             WHERE s.unit_id = $1 AND s.starts_at <= $2 AND s.ends_at > $2 \
             ORDER BY CASE r.filing_status WHEN 'accepted' THEN 0 WHEN 'filed' THEN 1 ELSE 2 END, r.period_start DESC",
        )
        .bind(unit)
        .bind(at)
        .fetch_all(c)
        .await
    })
}
