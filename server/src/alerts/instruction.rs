//! A new leader's instruction alerts each of its recipients: a unit along its duty room's chain, a person
//! directly.

use zhiban_model::DocumentId;
use zhiban_model::documents::instruction::{Instruction, RecipientKind};
use zhiban_model::rules::escalation::ChainFor;

use super::{AlertError, AlertRecipient, NewAlert, raise};
use crate::office::Office;

pub fn key(document: DocumentId) -> String {
    format!("instruction:{document}")
}

pub async fn raise_for_instruction(
    office: &Office,
    document: DocumentId,
    instruction: &Instruction,
    now: i64,
) -> Result<Option<String>, AlertError> {
    let recipients = instruction
        .recipients
        .iter()
        .map(|(id, recipient)| match recipient.kind {
            RecipientKind::Person => AlertRecipient::person(office, id),
            RecipientKind::Unit => AlertRecipient::unit(id, ChainFor::Instruction),
        })
        .collect();
    let alert = NewAlert {
        key: key(document),
        kind: "instruction",
        document: Some(document),
        title_class: "新的领导批示".into(),
        urgency: "high",
        recipients,
    };
    raise(office, alert, now).await
}
