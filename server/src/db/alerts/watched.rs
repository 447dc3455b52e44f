//! What the watch over deadlines reads from the projections to decide which alerts to raise and end: the
//! incidents owing reports and the instructions owing feedback.

use crate::db::Database;
use crate::on_conn;

/// A serious or sensitive incident, with what says whether it still owes reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriousIncident {
    pub document: String,
    pub unit: String,
    /// The last report's time, or when the incident was received if none came since.
    pub last_report_at: i64,
    pub report_count: i64,
    pub has_final_report: bool,
    pub stage: String,
}

/// Every incident of grade Ⅲ or higher, or sensitive, whatever its stage.
pub async fn serious_incidents(database: &Database) -> Result<Vec<SeriousIncident>, sqlx::Error> {
    type Row = (String, String, i64, i64, i64, String);
    let mut pooled = database.acquire().await?;
    let rows: Vec<Row> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT document_id, unit_id, COALESCE(last_report_at, received_at), report_count, has_final_report, stage \
             FROM incidents WHERE (effective_grade IN ('I', 'II', 'III') OR sensitive = 1)",
        )
        .fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(document, unit, last_report_at, report_count, has_final, stage)| SeriousIncident {
            document,
            unit,
            last_report_at,
            report_count,
            has_final_report: has_final != 0,
            stage,
        })
        .collect())
}

/// An instruction whose feedback has not come, and when it is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackOwed {
    pub document: String,
    pub due_at: i64,
}

/// Every instruction neither fed back nor closed.
pub async fn feedback_owed(database: &Database) -> Result<Vec<FeedbackOwed>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<(String, i64)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT document_id, feedback_due_at FROM instructions WHERE fed_back_at IS NULL AND closed_at IS NULL",
        )
        .fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(document, due_at)| FeedbackOwed { document, due_at }).collect())
}

/// An instruction's recipient: its id and `person` or `unit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionRecipient {
    pub id: String,
    pub kind: String,
}

/// The recipients of instruction `document`, by id.
pub async fn instruction_recipients(
    database: &Database,
    document: &str,
) -> Result<Vec<InstructionRecipient>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<(String, String)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT recipient_id, kind FROM instruction_recipients WHERE document_id = $1 ORDER BY recipient_id",
        )
        .bind(document).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(id, kind)| InstructionRecipient { id, kind }).collect())
}
