//! An instruction's rows: `instructions` (one per document), its recipients (`instruction_recipients`) and
//! the acknowledgements they signed (`acknowledgements`).

use crate::db::Conn;
use crate::on_conn;

#[derive(Debug, Clone, PartialEq)]
pub struct InstructionRow {
    pub number: Option<String>,
    pub leader: String,
    pub issued_at: i64,
    pub issued_at_text: String,
    pub text: String,
    pub incident: Option<String>,
    pub status: String,
    pub relay_due_at: i64,
    pub feedback_due_at: i64,
    pub feedback_due_provisional: bool,
    pub recipient_count: i64,
    pub acknowledged_count: i64,
    pub fed_back_at: Option<i64>,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecipientRow {
    pub recipient_id: String,
    pub kind: String,
    pub relayed_at: Option<i64>,
    pub acknowledged: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AcknowledgementRow {
    pub recipient_id: String,
    pub person_id: String,
    pub device: String,
    pub acknowledged_at: i64,
    pub acknowledged_at_text: String,
    pub server_received_at: Option<i64>,
}

/// Inserts an instruction's rows (its old ones already deleted).
pub(super) async fn insert(
    conn: &mut Conn<'_>,
    document_id: &str,
    i: &InstructionRow,
    recipients: &[RecipientRow],
    acknowledgements: &[AcknowledgementRow],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query(
            "INSERT INTO instructions (document_id, number, leader, issued_at, issued_at_text, text, incident, \
             status, relay_due_at, feedback_due_at, feedback_due_provisional, recipient_count, \
             acknowledged_count, fed_back_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(document_id).bind(&i.number).bind(&i.leader).bind(i.issued_at).bind(&i.issued_at_text)
        .bind(&i.text).bind(&i.incident).bind(&i.status).bind(i.relay_due_at).bind(i.feedback_due_at)
        .bind(i64::from(i.feedback_due_provisional)).bind(i.recipient_count).bind(i.acknowledged_count)
        .bind(i.fed_back_at).bind(i.closed_at)
        .execute(&mut *c)
        .await?;
        for r in recipients {
            sqlx::query(
                "INSERT INTO instruction_recipients (document_id, recipient_id, kind, relayed_at, acknowledged) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(document_id).bind(&r.recipient_id).bind(&r.kind).bind(r.relayed_at).bind(i64::from(r.acknowledged))
            .execute(&mut *c)
            .await?;
        }
        for a in acknowledgements {
            sqlx::query(
                "INSERT INTO acknowledgements (document_id, recipient_id, person_id, device, acknowledged_at, \
                 acknowledged_at_text, server_received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(document_id).bind(&a.recipient_id).bind(&a.person_id).bind(&a.device).bind(a.acknowledged_at)
            .bind(&a.acknowledged_at_text).bind(a.server_received_at)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}
