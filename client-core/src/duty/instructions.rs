//! Leaders' instructions on the phone: acknowledge receipt (签收) by the user on this device at the device's
//! time (the server adds its receipt time when it stores it), report progress, give feedback; and the
//! instructions on this phone still waiting for the user's acknowledgement.

use chrono::{DateTime, FixedOffset};
use zhiban_model::DocumentId;
use zhiban_model::documents::instruction::{Instruction, InstructionStatus};

use super::{problems, refused, unreadable};
use crate::client::Client;
use crate::error::ClientError;

/// An instruction waiting for the user's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAcknowledgement {
    pub instruction: DocumentId,
    /// The ledger number, once the server assigned it.
    pub number: Option<String>,
    pub leader: String,
    pub issued_at: String,
    pub text: String,
    /// The recipients (the user, or the user's unit) it waits on.
    pub recipients: Vec<String>,
    pub status: InstructionStatus,
}

impl Client {
    /// Records a leader's instruction (the desk's work); unnumbered until the server stores it.
    pub fn issue_instruction(
        &self,
        leader: &str,
        issued_at: DateTime<FixedOffset>,
        text: &str,
        incident: Option<DocumentId>,
        recipients: &[String],
    ) -> Result<DocumentId, ClientError> {
        let directory = self.directory()?;
        let instruction =
            Instruction::issue(leader, issued_at, text, incident.map(|i| i.url()), recipients, &directory)
                .map_err(|found| refused("record this instruction", problems(found)))?;
        self.create_typed("record this instruction", &instruction, &directory)
    }

    /// The user acknowledges receipt on this device, at `at` by the device's clock. Without `recipient`,
    /// for the one recipient (the user or the user's unit) still waiting.
    pub fn acknowledge(
        &self,
        id: DocumentId,
        recipient: Option<&str>,
        at: DateTime<FixedOffset>,
    ) -> Result<String, ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "acknowledge this instruction", &directory, |i: &mut Instruction| {
            let recipient = match recipient {
                Some(r) => r.to_owned(),
                None => {
                    let waiting = i.awaiting_acknowledgement_by(&me.person, &directory);
                    match waiting.as_slice() {
                        [one] => one.clone(),
                        [] => {
                            return Err(vec![super::input(
                                "recipient",
                                format!(
                                    "nothing here waits for {}'s acknowledgement (already acknowledged, or not a \
                                     recipient)",
                                    me.person
                                ),
                                format!("此批示没有等待 {} 签收的内容（已签收，或不是接收对象）", me.person),
                            )]);
                        }
                        many => {
                            return Err(vec![super::input(
                                "recipient",
                                format!("say which recipient you acknowledge for: {}", many.join(", ")),
                                format!("请说明为哪个接收对象签收：{}", many.join("、")),
                            )]);
                        }
                    }
                }
            };
            i.acknowledge(&recipient, &me.person, &me.device, at, &directory).map_err(|p| problems([p]))?;
            Ok(recipient)
        })
    }

    /// Progress of the user's unit on the instruction.
    pub fn add_progress(&self, id: DocumentId, text: &str, at: DateTime<FixedOffset>) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let unit = directory.people.get(&me.person).map(|p| p.unit.clone()).unwrap_or_default();
        self.update_typed(id, "add this progress", &directory, |i: &mut Instruction| {
            i.add_progress(&me.person, &unit, at, text).map_err(|p| problems([p]))
        })
    }

    /// The comprehensive feedback to the leader.
    pub fn give_feedback(&self, id: DocumentId, text: &str, at: DateTime<FixedOffset>) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        self.update_typed(id, "give this feedback", &directory, |i: &mut Instruction| {
            i.give_feedback(&me.person, at, text).map_err(|p| problems([p]))
        })
    }

    pub fn instruction(&self, id: DocumentId) -> Result<Instruction, ClientError> {
        self.read_with(id, |doc| Instruction::read(doc).map_err(unreadable))
    }

    /// Instructions on this phone waiting for the user's acknowledgement, oldest first.
    pub fn pending_acknowledgements(&self) -> Result<Vec<PendingAcknowledgement>, ClientError> {
        let me = self.require_identity()?;
        let directory = self.directory()?;
        let mut out = Vec::new();
        for id in self.documents()? {
            // Documents of other kinds (and ones that do not read) are not instructions to acknowledge.
            let Ok(instruction) = self.read_with(id, |doc| Instruction::read(doc).map_err(unreadable)) else {
                continue;
            };
            let recipients = instruction.awaiting_acknowledgement_by(&me.person, &directory);
            if recipients.is_empty() {
                continue;
            }
            out.push(PendingAcknowledgement {
                instruction: id,
                number: instruction.number.clone(),
                leader: instruction.leader.clone(),
                issued_at: instruction.issued_at.clone(),
                text: instruction.text.clone(),
                recipients,
                status: instruction.status(),
            });
        }
        out.sort_by(|a, b| a.issued_at.cmp(&b.issued_at));
        Ok(out)
    }
}
