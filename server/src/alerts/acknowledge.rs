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
use crate::db;
use crate::db::alerts::acknowledgements::{self, Acknowledgement, Unanswered};
use crate::office::Office;

fn millis(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

/// Stops each escalation in one transaction; returns the people those escalations called, whose homes'
/// alert lists lose the alert.
async fn stop(office: &Office, stops: &[Acknowledgement<'_>]) -> Result<Vec<String>, AlertError> {
    let mut called = acknowledgements::stop(&office.database, stops).await?;
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
    let Some(alert) = db::alerts::id_of(&office.database, &key).await? else { return Ok(Vec::new()) };
    let stops: Vec<Acknowledgement> = stamped
        .into_iter()
        .map(|(ack, received)| Acknowledgement {
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
        for Unanswered { recipient, chain } in acknowledgements::unanswered(&office.database, alert).await? {
            if &recipient == person || chain_from_text(alert, &chain)?.iter().any(|step| step.people.contains(person)) {
                answered.push((alert, recipient, millis(&receipt.at)));
            }
        }
    }
    let stops: Vec<Acknowledgement> = answered
        .iter()
        .map(|(alert, recipient, on_device)| Acknowledgement {
            alert,
            recipient,
            by: person,
            received: now,
            on_device: *on_device,
        })
        .collect();
    stop(office, &stops).await
}
