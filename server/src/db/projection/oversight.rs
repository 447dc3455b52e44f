//! The rows of the desk's oversight records: a filing round (`filing_rounds`, `filing_round_units`), a
//! spot-check plan (`spot_checks`), a unit's duty log (`duty_log_entries`) and the assessment record
//! (`assessment_items`).

use crate::db::Conn;
use crate::on_conn;

#[derive(Debug, Clone, PartialEq)]
pub struct FilingRoundRow {
    pub title: String,
    pub occasion: String,
    pub period_start: i64,
    pub period_end: i64,
    pub period_start_text: String,
    pub period_end_text: String,
    pub deadline: i64,
    pub deadline_text: String,
    pub opened_by: String,
    pub opened_at_text: String,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpotCheckRow {
    pub check_id: String,
    pub plan_title: String,
    pub round_id: Option<String>,
    pub unit_id: String,
    pub day: String,
    pub day_start: i64,
    pub session: String,
    pub planned_by: String,
    pub outcome: Option<String>,
    pub ring_seconds: Option<i64>,
    pub method: Option<String>,
    pub answered_by: Option<String>,
    pub checked_by: Option<String>,
    pub checked_at: Option<i64>,
    pub checked_at_text: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntryRow {
    pub entry_id: String,
    pub unit_id: String,
    pub kind: String,
    pub at: i64,
    pub at_text: String,
    pub by_person: String,
    pub counterpart: String,
    pub summary: String,
    pub handling: String,
    pub instruction_id: Option<String>,
    pub for_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentItemRow {
    pub item_id: String,
    pub year: i64,
    pub kind: String,
    pub unit_id: String,
    pub level: Option<String>,
    pub publication: String,
    pub incident_id: Option<String>,
    pub entry_id: Option<String>,
    pub reason: String,
    pub by_person: String,
    pub at: i64,
    pub at_text: String,
}

/// Inserts a filing round's rows (its old ones already deleted).
pub(super) async fn insert_filing_round(
    conn: &mut Conn<'_>,
    document_id: &str,
    r: &FilingRoundRow,
    units: &[String],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query(
            "INSERT INTO filing_rounds (document_id, title, occasion, period_start, period_end, \
             period_start_text, period_end_text, deadline, deadline_text, opened_by, opened_at_text, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(document_id).bind(&r.title).bind(&r.occasion).bind(r.period_start).bind(r.period_end)
        .bind(&r.period_start_text).bind(&r.period_end_text).bind(r.deadline).bind(&r.deadline_text)
        .bind(&r.opened_by).bind(&r.opened_at_text).bind(r.closed_at)
        .execute(&mut *c)
        .await?;
        for unit in units {
            sqlx::query("INSERT INTO filing_round_units (document_id, unit_id) VALUES ($1, $2)")
                .bind(document_id).bind(unit)
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

/// Inserts a spot-check plan's rows (its old ones already deleted).
pub(super) async fn insert_spot_checks(
    conn: &mut Conn<'_>,
    document_id: &str,
    checks: &[SpotCheckRow],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        for ch in checks {
            sqlx::query(
                "INSERT INTO spot_checks (document_id, check_id, plan_title, round_id, unit_id, day, day_start, \
                 session, planned_by, outcome, ring_seconds, method, answered_by, checked_by, checked_at, \
                 checked_at_text, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                 $15, $16, $17)",
            )
            .bind(document_id).bind(&ch.check_id).bind(&ch.plan_title).bind(&ch.round_id).bind(&ch.unit_id)
            .bind(&ch.day).bind(ch.day_start).bind(&ch.session).bind(&ch.planned_by).bind(&ch.outcome)
            .bind(ch.ring_seconds).bind(&ch.method).bind(&ch.answered_by).bind(&ch.checked_by).bind(ch.checked_at)
            .bind(&ch.checked_at_text).bind(&ch.note)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// Inserts a duty log's rows (its old ones already deleted).
pub(super) async fn insert_duty_log(
    conn: &mut Conn<'_>,
    document_id: &str,
    entries: &[LogEntryRow],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        for e in entries {
            sqlx::query(
                "INSERT INTO duty_log_entries (document_id, entry_id, unit_id, kind, at, at_text, by_person, \
                 counterpart, summary, handling, instruction_id, for_date) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(document_id).bind(&e.entry_id).bind(&e.unit_id).bind(&e.kind).bind(e.at).bind(&e.at_text)
            .bind(&e.by_person).bind(&e.counterpart).bind(&e.summary).bind(&e.handling)
            .bind(&e.instruction_id).bind(&e.for_date)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// Inserts the assessment record's rows (its old ones already deleted).
pub(super) async fn insert_assessment(
    conn: &mut Conn<'_>,
    document_id: &str,
    items: &[AssessmentItemRow],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        for i in items {
            sqlx::query(
                "INSERT INTO assessment_items (document_id, item_id, year, kind, unit_id, level, publication, \
                 incident_id, entry_id, reason, by_person, at, at_text) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(document_id).bind(&i.item_id).bind(i.year).bind(&i.kind).bind(&i.unit_id).bind(&i.level)
            .bind(&i.publication).bind(&i.incident_id).bind(&i.entry_id).bind(&i.reason).bind(&i.by_person)
            .bind(i.at).bind(&i.at_text)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}
