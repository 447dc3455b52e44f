//! Alerts: what the server raises when something needs a person at once, and how it escalates along the
//! roster until someone acknowledges. An alert has one escalation per recipient (a unit, or a person), with
//! its chain of people frozen when the alert starts (`freeze.rs`); the scheduler (`scheduler.rs`) makes
//! each call when it is due, exactly once across restarts and servers. An escalation stops when its
//! recipient acknowledges (`acknowledge.rs`: an instruction signed for, or a receipt in the person's home);
//! a whole alert ends when its situation clears (`resolve`: the report came, the feedback was given).
//!
//! Raised: a new instruction, for each recipient (`instruction.rs`); a new or upgraded incident of grade Ⅲ
//! or higher, or sensitive, for the desk and the leader on duty (`incident.rs`); and, by the watch over
//! what falls due (`watch.rs`), a follow-up report due, an instruction's feedback due or overdue, a holiday
//! roster not filed.
//!
//! Every alert has a key naming its situation (`instruction:<document>`, `incident:<document>:grade:III`,
//! …), unique in the database: the same situation is alerted once, however many servers notice it.

mod acknowledge;
mod freeze;
mod incident;
mod instruction;
pub mod lists;
pub mod scheduler;
pub mod watch;

pub use acknowledge::{acknowledged_in_home, acknowledged_instruction};
pub use incident::raise_for_incident;
pub use instruction::raise_for_instruction;

use zhiban_model::DocumentId;
use zhiban_model::rules::escalation::{ChainFor, FrozenStep};

use crate::db;
use crate::office::Office;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alerts: {0}")]
    Database(#[from] sqlx::Error),
    #[error("alert {0}: the stored chain does not read: {1}")]
    Chain(String, String),
}

/// Who an alert is for: a unit's duty room, or a person.
#[derive(Debug, Clone)]
pub struct AlertRecipient {
    /// The recipient's id: a unit id or a person id.
    pub id: String,
    /// The duty room whose ranks the chain calls: the unit itself, or the person's own unit.
    pub unit: String,
    /// The person addressed, for a person recipient.
    pub person: Option<String>,
    pub chain: ChainFor,
}

impl AlertRecipient {
    pub fn unit(unit: &str, chain: ChainFor) -> Self {
        Self { id: unit.to_owned(), unit: unit.to_owned(), person: None, chain }
    }

    /// A person, with their unit from the directory (empty if they are not in it: their chain then calls
    /// only them).
    pub fn person(office: &Office, person: &str) -> Self {
        let unit = office.directory().people.get(person).map(|p| p.unit.clone()).unwrap_or_default();
        Self { id: person.to_owned(), unit, person: Some(person.to_owned()), chain: ChainFor::Person }
    }
}

/// An alert about to be raised.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// Names the situation; an alert with the same key is not raised twice.
    pub key: String,
    /// `instruction`, `incident`, `report_due`, `feedback_due`, `roster_filing`, `early_warning`.
    pub kind: &'static str,
    pub document: Option<DocumentId>,
    /// The few words a phone shows (新的领导批示, 较大及以上突发事件, …); never the report's text.
    pub title_class: String,
    /// `high` wakes a sleeping phone.
    pub urgency: &'static str,
    pub recipients: Vec<AlertRecipient>,
}

/// Raises `alert` at `now`, every recipient's chain frozen as the rosters stand now, each first call due
/// at once. Returns the new alert's id, or `None` if an alert with its key exists (raised before, or by
/// another server at the same moment).
pub async fn raise(office: &Office, alert: NewAlert, now: i64) -> Result<Option<String>, AlertError> {
    // The watch raises every situation it sees each time it looks; one already raised costs this one look-up,
    // not freezing its chains (roster reads per recipient) again only for the insert to do nothing.
    if db::alerts::id_of(&office.database, &alert.key).await?.is_some() {
        return Ok(None);
    }
    let mut chains = Vec::new();
    for recipient in &alert.recipients {
        let chain = office.rules.escalation.get(recipient.chain);
        let frozen = freeze::freeze(office, chain, &recipient.unit, recipient.person.as_deref(), now).await?;
        chains.push((recipient.id.clone(), frozen));
    }
    let id = format!("al_{:024x}", rand::random::<u128>() >> 32);
    let document = alert.document.map(|d| d.to_string());
    let texts: Vec<String> = chains.iter().map(|(_, frozen)| chain_to_text(frozen)).collect();
    let escalations: Vec<db::alerts::NewEscalation> = chains
        .iter()
        .zip(&texts)
        .map(|((recipient, frozen), chain)| {
            // A chain with nobody to call is over before it starts: shown as overdue.
            let (next_at, exhausted_at) = if frozen.is_empty() { (None, Some(now)) } else { (Some(now), None) };
            db::alerts::NewEscalation { recipient, chain, next_at, exhausted_at }
        })
        .collect();
    let new = db::alerts::NewAlert {
        id: &id,
        key: &alert.key,
        kind: alert.kind,
        document: document.as_deref(),
        title_class: &alert.title_class,
        urgency: alert.urgency,
    };
    let raised = db::alerts::raise(&office.database, new, &escalations, now).await?;
    if !raised {
        return Ok(None);
    }
    tracing::info!(alert = %id, key = %alert.key, recipients = chains.len(), "alert raised");
    Ok(Some(id))
}

/// Ends the alert with `key` because its situation cleared (`resolution` says how): nobody is called any
/// more. Returns `None` if no open alert has that key, else the people it called, whose homes' alert lists
/// lose it.
pub async fn resolve(
    office: &Office,
    key: &str,
    resolution: &str,
    now: i64,
) -> Result<Option<Vec<String>>, AlertError> {
    let called = db::alerts::resolve(&office.database, key, resolution, now).await?;
    if called.is_some() {
        tracing::info!(%key, %resolution, "alert ended: its situation cleared");
    }
    Ok(called)
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
