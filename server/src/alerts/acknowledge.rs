//! Acknowledgements stop escalations. One reaches the server by sync: an instruction signed for (签收) in
//! the instruction itself, or a receipt for any other alert in its person's home document. Each stops the
//! escalation of the recipient it answers for, recording the phone's time and the server's receipt time.
//!
//! Only what a change adds is looked at (a signature newly stamped, a receipt newly written): an
//! instruction with a thousand recipients costs one update per signature, not a thousand per change.

use zhiban_model::DocumentId;
use zhiban_model::documents::home::Home;
use zhiban_model::documents::instruction::Instruction;

use super::{AlertError, chain_from_text};
use crate::office::Office;
use crate::on_database;

fn millis(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

/// One escalation stopped by an acknowledgement.
struct Stop<'a> {
    alert: &'a str,
    recipient: &'a str,
    by: &'a str,
    received: i64,
    on_device: Option<i64>,
}

/// Stops each escalation in one transaction; returns the people those escalations called, whose homes'
/// alert lists lose the alert.
async fn stop(office: &Office, stops: &[Stop<'_>]) -> Result<Vec<String>, AlertError> {
    if stops.is_empty() {
        return Ok(Vec::new());
    }
    let mut called: Vec<String> = on_database!(&office.database, pool => {
        let mut tx = pool.begin().await?;
        let mut called = Vec::new();
        for stop in stops {
            let updated = sqlx::query(
                "UPDATE alert_recipients SET acknowledged_at = $1, acknowledged_by = $2, \
                 acknowledged_on_device_at = $3, next_at = NULL \
                 WHERE alert_id = $4 AND recipient = $5 AND acknowledged_at IS NULL",
            )
            .bind(stop.received).bind(stop.by).bind(stop.on_device).bind(stop.alert).bind(stop.recipient)
            .execute(&mut *tx).await?.rows_affected();
            if updated == 1 {
                let people: Vec<String> =
                    sqlx::query_scalar("SELECT DISTINCT person FROM alert_calls WHERE alert_id = $1 AND recipient = $2")
                        .bind(stop.alert).bind(stop.recipient).fetch_all(&mut *tx).await?;
                called.extend(people);
            }
        }
        tx.commit().await?;
        called
    });
    called.sort();
    called.dedup();
    Ok(called)
}

/// Signatures the server stamped in this change (`before` → `after`) stop their recipients' escalation, at
/// the server's receipt time. Returns the people whose alert lists changed.
pub async fn acknowledged_instruction(
    office: &Office,
    document: DocumentId,
    before: Option<&Instruction>,
    after: &Instruction,
) -> Result<Vec<String>, AlertError> {
    let stamped_before =
        |id: &str| before.and_then(|b| b.acknowledgements.get(id)).is_some_and(|a| a.server_received_at.is_some());
    let stamped: Vec<_> = after
        .acknowledgements
        .iter()
        .filter(|(id, _)| !stamped_before(id))
        .filter_map(|(_, ack)| Some((ack, ack.server_received_at.as_deref().and_then(millis)?)))
        .collect();
    if stamped.is_empty() {
        return Ok(Vec::new());
    }
    let key = super::instruction::key(document);
    let alert: Option<String> = on_database!(&office.database, pool => {
        sqlx::query_scalar("SELECT alert_id FROM alerts WHERE alert_key = $1").bind(&key).fetch_optional(pool).await?
    });
    let Some(alert) = alert else { return Ok(Vec::new()) };
    let stops: Vec<Stop> = stamped
        .into_iter()
        .map(|(ack, received)| Stop {
            alert: &alert,
            recipient: &ack.recipient,
            by: &ack.person,
            received,
            on_device: millis(&ack.acknowledged_at),
        })
        .collect();
    stop(office, &stops).await
}

/// Receipts new in a person's home (`before` → `after`) stop the escalation of every recipient of that
/// alert whose chain calls the person (or who is the person), received at `now`. A receipt for an alert
/// that never called the person changes nothing. Returns the people whose alert lists changed.
pub async fn acknowledged_in_home(
    office: &Office,
    before: Option<&Home>,
    after: &Home,
    now: i64,
) -> Result<Vec<String>, AlertError> {
    let person = &after.person;
    let mut answered = Vec::new();
    for (alert, receipt) in after.new_receipts(before) {
        let recipients: Vec<(String, String)> = on_database!(&office.database, pool => {
            sqlx::query_as("SELECT recipient, chain FROM alert_recipients WHERE alert_id = $1 AND acknowledged_at IS NULL")
                .bind(alert).fetch_all(pool).await?
        });
        for (recipient, chain) in recipients {
            if &recipient == person || chain_from_text(alert, &chain)?.iter().any(|step| step.people.contains(person)) {
                answered.push((alert, recipient, millis(&receipt.at)));
            }
        }
    }
    let stops: Vec<Stop> = answered
        .iter()
        .map(|(alert, recipient, on_device)| Stop {
            alert,
            recipient,
            by: person,
            received: now,
            on_device: *on_device,
        })
        .collect();
    stop(office, &stops).await
}
