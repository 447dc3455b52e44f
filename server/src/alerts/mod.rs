//! Alerts: what the server raises when something needs a person at once, and how it escalates along the
//! roster until someone acknowledges. An alert has one escalation per recipient (a unit, or a person), with
//! its chain of people frozen when the alert starts (`freeze.rs`); the scheduler (`scheduler.rs`) makes
//! each call when it is due, exactly once across restarts and servers; an acknowledgement that reaches the
//! server by sync stops that recipient's escalation.
//!
//! Raised today: a new leader's instruction, for each of its recipients. (Incidents, deadlines and roster
//! filings come with the rest of issue 5.)

mod freeze;
pub mod scheduler;

use zhiban_model::DocumentId;
use zhiban_model::documents::instruction::{Instruction, RecipientKind};
use zhiban_model::rules::escalation::{EscalationChain, FrozenStep};

use crate::office::Office;
use crate::on_database;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alerts: {0}")]
    Database(#[from] sqlx::Error),
    #[error("alert {0}: the stored chain does not read: {1}")]
    Chain(String, String),
}

/// A frozen chain as stored.
pub(crate) fn chain_to_text(chain: &[FrozenStep]) -> String {
    let steps: Vec<serde_json::Value> = chain
        .iter()
        .map(|s| serde_json::json!({"people": s.people, "wait_minutes": s.wait_minutes, "times": s.times}))
        .collect();
    serde_json::Value::Array(steps).to_string()
}

pub(crate) fn chain_from_text(alert: &str, text: &str) -> Result<Vec<FrozenStep>, AlertError> {
    let bad = |reason: &str| AlertError::Chain(alert.to_owned(), reason.to_owned());
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let steps = value.as_array().ok_or_else(|| bad("not a list"))?;
    steps
        .iter()
        .map(|s| {
            Ok(FrozenStep {
                people: s["people"]
                    .as_array()
                    .ok_or_else(|| bad("a step without people"))?
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect(),
                wait_minutes: s["wait_minutes"].as_i64().ok_or_else(|| bad("a step without wait_minutes"))?,
                times: s["times"].as_u64().ok_or_else(|| bad("a step without times"))? as u32,
            })
        })
        .collect()
}

/// A new instruction: each recipient is alerted at once, a unit along its chain (deputy officer on duty,
/// main officer, leader on duty, unit head), a person directly, three times. Nothing happens if the
/// instruction was alerted already (another server, or a repeated message).
pub async fn raise_for_instruction(
    office: &Office,
    document: DocumentId,
    instruction: &Instruction,
    now: i64,
) -> Result<Option<String>, AlertError> {
    let key = document.to_string();
    let existing: Option<String> = on_database!(&office.database, pool => {
        sqlx::query_scalar("SELECT alert_id FROM alerts WHERE document_id = $1 AND kind = 'instruction'")
            .bind(&key).fetch_optional(pool).await?
    });
    if existing.is_some() {
        return Ok(None);
    }
    let chain = EscalationChain::default();
    let mut recipients = Vec::new();
    for (id, recipient) in &instruction.recipients {
        let frozen = match recipient.kind {
            RecipientKind::Person => vec![FrozenStep { people: vec![id.clone()], wait_minutes: 3, times: 3 }],
            RecipientKind::Unit => freeze::for_unit(office, &chain, id, now).await?,
        };
        recipients.push((id.clone(), frozen));
    }
    let alert = format!("al_{:024x}", rand::random::<u128>() >> 32);
    on_database!(&office.database, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO alerts (alert_id, kind, document_id, title_class, urgency, raised_at) \
                     VALUES ($1, 'instruction', $2, '新的领导批示', 'high', $3)")
            .bind(&alert).bind(&key).bind(now).execute(&mut *tx).await?;
        for (recipient, frozen) in &recipients {
            // A chain with nobody to call is over before it starts: shown as overdue.
            let (next_at, exhausted) = if frozen.is_empty() { (None, Some(now)) } else { (Some(now), None) };
            sqlx::query("INSERT INTO alert_recipients (alert_id, recipient, chain, step, round, next_at, exhausted_at) \
                         VALUES ($1, $2, $3, 0, 0, $4, $5)")
                .bind(&alert).bind(recipient).bind(chain_to_text(frozen)).bind(next_at).bind(exhausted)
                .execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    tracing::info!(%alert, document = %document, recipients = recipients.len(), "alert raised for a new instruction");
    Ok(Some(alert))
}

/// Acknowledgements the server has stamped stop their recipient's escalation, at the server's receipt time.
pub async fn acknowledged(office: &Office, document: DocumentId, instruction: &Instruction) -> Result<(), AlertError> {
    let key = document.to_string();
    for ack in instruction.acknowledgements.values() {
        let Some(received) = &ack.server_received_at else { continue };
        let at = chrono::DateTime::parse_from_rfc3339(received).map(|t| t.timestamp_millis()).unwrap_or_default();
        on_database!(&office.database, pool => {
            sqlx::query(
                "UPDATE alert_recipients SET acknowledged_at = $1, acknowledged_by = $2, next_at = NULL \
                 WHERE recipient = $3 AND acknowledged_at IS NULL \
                 AND alert_id IN (SELECT alert_id FROM alerts WHERE document_id = $4)",
            )
            .bind(at).bind(&ack.person).bind(&ack.recipient).bind(&key)
            .execute(pool).await?;
        });
    }
    Ok(())
}
