//! An incident's rows: `incidents` (one per document), its report chain (`report_entries`), lifecycle steps
//! (`incident_steps`), the desk's judgements (`incident_judgements`) and attachments (`incident_attachments`).

use crate::db::Conn;
use crate::on_conn;

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub title: String,
    pub unit_id: String,
    pub nature: Option<String>,
    pub place: Option<String>,
    pub received_at: i64,
    pub received_at_text: String,
    pub occurred_at: Option<i64>,
    pub sensitive: bool,
    pub stage: String,
    pub suggested_grade: String,
    pub confirmed_grade: Option<String>,
    pub grade_reason: Option<String>,
    pub effective_grade: String,
    pub dead: i64,
    pub injured: i64,
    pub serious_injuries: i64,
    pub missing: i64,
    pub trapped: i64,
    pub direct_loss_cny: i64,
    pub first_reported_at: Option<i64>,
    pub verbal_due_at: Option<i64>,
    pub written_due_at: i64,
    pub late_by_seconds: Option<i64>,
    pub report_count: i64,
    pub has_final_report: bool,
    pub pending_fields: String,
    pub last_report_at: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportEntryRow {
    pub entry_id: String,
    pub position: i64,
    pub kind: String,
    pub label: String,
    pub submitted_at: i64,
    pub submitted_at_text: String,
    pub reporter_person: String,
    pub reporter_name: String,
    pub reporter_unit: String,
    pub account: String,
    pub details: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub position: i64,
    pub stage: String,
    pub by_person: String,
    pub at: i64,
    pub at_text: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JudgementRow {
    pub position: i64,
    pub kind: String,
    pub unit_id: String,
    pub reason: String,
    pub by_person: String,
    pub at: i64,
    pub at_text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRow {
    pub sha256: String,
    pub media_type: String,
    pub entry_id: Option<String>,
    pub added_by: String,
    pub added_at: i64,
}

/// Inserts an incident's rows (its old ones already deleted).
pub(super) async fn insert(
    conn: &mut Conn<'_>,
    document_id: &str,
    i: &IncidentRow,
    entries: &[ReportEntryRow],
    steps: &[StepRow],
    judgements: &[JudgementRow],
    attachments: &[AttachmentRow],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query(
            "INSERT INTO incidents (document_id, title, unit_id, nature, place, received_at, received_at_text, \
             occurred_at, sensitive, stage, suggested_grade, confirmed_grade, grade_reason, effective_grade, \
             dead, injured, serious_injuries, missing, trapped, direct_loss_cny, first_reported_at, \
             verbal_due_at, written_due_at, late_by_seconds, report_count, has_final_report, pending_fields, \
             last_report_at, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)",
        )
        .bind(document_id).bind(&i.title).bind(&i.unit_id).bind(&i.nature).bind(&i.place)
        .bind(i.received_at).bind(&i.received_at_text).bind(i.occurred_at).bind(i64::from(i.sensitive))
        .bind(&i.stage).bind(&i.suggested_grade).bind(&i.confirmed_grade).bind(&i.grade_reason)
        .bind(&i.effective_grade).bind(i.dead).bind(i.injured).bind(i.serious_injuries).bind(i.missing)
        .bind(i.trapped).bind(i.direct_loss_cny).bind(i.first_reported_at).bind(i.verbal_due_at)
        .bind(i.written_due_at).bind(i.late_by_seconds).bind(i.report_count)
        .bind(i64::from(i.has_final_report)).bind(&i.pending_fields).bind(i.last_report_at)
        .bind(i.latitude).bind(i.longitude)
        .execute(&mut *c)
        .await?;
        for j in judgements {
            sqlx::query(
                "INSERT INTO incident_judgements (document_id, position, kind, unit_id, reason, by_person, at, at_text) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(document_id).bind(j.position).bind(&j.kind).bind(&j.unit_id).bind(&j.reason)
            .bind(&j.by_person).bind(j.at).bind(&j.at_text)
            .execute(&mut *c)
            .await?;
        }
        for a in attachments {
            sqlx::query(
                "INSERT INTO incident_attachments (document_id, sha256, media_type, entry_id, added_by, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(document_id).bind(&a.sha256).bind(&a.media_type).bind(&a.entry_id).bind(&a.added_by).bind(a.added_at)
            .execute(&mut *c)
            .await?;
        }
        for e in entries {
            sqlx::query(
                "INSERT INTO report_entries (document_id, entry_id, position, kind, label, submitted_at, \
                 submitted_at_text, reporter_person, reporter_name, reporter_unit, account, details) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(document_id).bind(&e.entry_id).bind(e.position).bind(&e.kind).bind(&e.label)
            .bind(e.submitted_at).bind(&e.submitted_at_text).bind(&e.reporter_person).bind(&e.reporter_name)
            .bind(&e.reporter_unit).bind(&e.account).bind(&e.details)
            .execute(&mut *c)
            .await?;
        }
        for s in steps {
            sqlx::query(
                "INSERT INTO incident_steps (document_id, position, stage, by_person, at, at_text, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(document_id).bind(s.position).bind(&s.stage).bind(&s.by_person).bind(s.at).bind(&s.at_text).bind(&s.note)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}
