//! Acknowledgements: an escalation stops when its recipient answers (an instruction signed for, a receipt in
//! a home), with the server's receipt time and the phone's.

use crate::db::Database;
use crate::on_conn;

/// An escalation still waiting for its recipient's answer, with its frozen chain as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    pub recipient: String,
    pub chain: String,
}

/// The escalations of `alert` nobody has acknowledged yet.
pub async fn unanswered(database: &Database, alert: &str) -> Result<Vec<Unanswered>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<(String, String)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT recipient, chain FROM alert_recipients WHERE alert_id = $1 AND acknowledged_at IS NULL")
            .bind(alert).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(recipient, chain)| Unanswered { recipient, chain }).collect())
}

/// One escalation answered: by whom, when the server received it and when the phone says it was made.
#[derive(Debug, Clone, Copy)]
pub struct Acknowledgement<'a> {
    pub alert: &'a str,
    pub recipient: &'a str,
    pub by: &'a str,
    pub received: i64,
    pub on_device: Option<i64>,
}

/// Stops each escalation acknowledged, in one transaction: no further call is due for it. Returns the people
/// the escalations stopped here had called (an escalation acknowledged before is left as it was), in no
/// particular order and possibly repeated.
pub async fn stop(database: &Database, acknowledgements: &[Acknowledgement<'_>]) -> Result<Vec<String>, sqlx::Error> {
    if acknowledgements.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = database.begin().await?;
    let called = on_conn!(tx.conn(), c => {
        let mut called = Vec::new();
        for ack in acknowledgements {
            let updated = sqlx::query(
                "UPDATE alert_recipients SET acknowledged_at = $1, acknowledged_by = $2, \
                 acknowledged_on_device_at = $3, next_at = NULL \
                 WHERE alert_id = $4 AND recipient = $5 AND acknowledged_at IS NULL",
            )
            .bind(ack.received).bind(ack.by).bind(ack.on_device).bind(ack.alert).bind(ack.recipient)
            .execute(&mut *c).await?.rows_affected();
            if updated == 1 {
                let people: Vec<String> = sqlx::query_scalar(
                    "SELECT DISTINCT person FROM alert_calls WHERE alert_id = $1 AND recipient = $2",
                )
                .bind(ack.alert).bind(ack.recipient).fetch_all(&mut *c).await?;
                called.extend(people);
            }
        }
        called
    });
    tx.commit().await?;
    Ok(called)
}
