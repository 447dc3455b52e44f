//! Acknowledgements stop escalations. One reaches the server by sync: an instruction signed for (签收) in
//! the instruction itself, or a receipt for any other alert in its person's home document. Each stops the
//! escalation of the recipient it answers for, recording the phone's time and the server's receipt time.

use zhiban_model::DocumentId;
use zhiban_model::documents::home::Home;
use zhiban_model::documents::instruction::Instruction;

use super::{AlertError, chain_from_text};
use crate::office::Office;
use crate::on_database;

fn millis(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

/// Acknowledgements of an instruction that the server has stamped stop their recipient's escalation, at
/// the server's receipt time.
pub async fn acknowledged_instruction(
    office: &Office,
    document: DocumentId,
    instruction: &Instruction,
) -> Result<(), AlertError> {
    let key = super::instruction::key(document);
    for ack in instruction.acknowledgements.values() {
        let Some(received) = ack.server_received_at.as_deref().and_then(millis) else { continue };
        let on_device = millis(&ack.acknowledged_at);
        on_database!(&office.database, pool => {
            sqlx::query(
                "UPDATE alert_recipients SET acknowledged_at = $1, acknowledged_by = $2, \
                 acknowledged_on_device_at = $3, next_at = NULL \
                 WHERE recipient = $4 AND acknowledged_at IS NULL \
                 AND alert_id IN (SELECT alert_id FROM alerts WHERE alert_key = $5)",
            )
            .bind(received).bind(&ack.person).bind(on_device).bind(&ack.recipient).bind(&key)
            .execute(pool).await?;
        });
    }
    Ok(())
}

/// Receipts new in a person's home (`before` → `after`) stop the escalation of every recipient of that
/// alert whose chain calls the person (or who is the person), received at `now`. A receipt for an alert
/// that never called the person changes nothing.
pub async fn acknowledged_in_home(
    office: &Office,
    before: Option<&Home>,
    after: &Home,
    now: i64,
) -> Result<usize, AlertError> {
    let person = &after.person;
    let mut stopped = 0;
    for (alert, receipt) in after.new_receipts(before) {
        let recipients: Vec<(String, String)> = on_database!(&office.database, pool => {
            sqlx::query_as("SELECT recipient, chain FROM alert_recipients WHERE alert_id = $1 AND acknowledged_at IS NULL")
                .bind(alert).fetch_all(pool).await?
        });
        for (recipient, chain) in recipients {
            let called =
                &recipient == person || chain_from_text(alert, &chain)?.iter().any(|step| step.people.contains(person));
            if !called {
                continue;
            }
            let updated = on_database!(&office.database, pool => {
                sqlx::query(
                    "UPDATE alert_recipients SET acknowledged_at = $1, acknowledged_by = $2, \
                     acknowledged_on_device_at = $3, next_at = NULL \
                     WHERE alert_id = $4 AND recipient = $5 AND acknowledged_at IS NULL",
                )
                .bind(now).bind(person).bind(millis(&receipt.at)).bind(alert).bind(&recipient)
                .execute(pool).await?.rows_affected()
            });
            stopped += updated as usize;
        }
    }
    Ok(stopped)
}
