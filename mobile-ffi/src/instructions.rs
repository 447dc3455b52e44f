//! Leaders' instructions on the phone: acknowledge receipt (签收), report progress, give feedback, and the
//! instructions waiting for the user. Saved on the phone at once, sent with the next sync.

use zhiban_client_core::office_now;

use crate::client::ZhibanClient;
use crate::error::Result;
use crate::records::{Instruction, PendingAcknowledgement, document};

#[uniffi::export]
impl ZhibanClient {
    /// The logged-in person acknowledges `instruction`, now, on this device; for `recipient` (their unit,
    /// or themselves) when more than one waits on them. Returns the recipient acknowledged for.
    pub fn acknowledge(&self, instruction: String, recipient: Option<String>) -> Result<String> {
        let id = document("instruction", &instruction)?;
        Ok(self.core.acknowledge(id, recipient.as_deref(), office_now())?)
    }

    /// The user's unit's progress on `instruction`.
    pub fn add_progress(&self, instruction: String, text: String) -> Result<()> {
        Ok(self.core.add_progress(document("instruction", &instruction)?, &text, office_now())?)
    }

    /// The comprehensive feedback (反馈) to the leader.
    pub fn give_feedback(&self, instruction: String, text: String) -> Result<()> {
        Ok(self.core.give_feedback(document("instruction", &instruction)?, &text, office_now())?)
    }

    /// Instructions on this phone waiting for the user's acknowledgement, oldest first.
    pub fn pending_acknowledgements(&self) -> Result<Vec<PendingAcknowledgement>> {
        Ok(self.core.pending_acknowledgements()?.into_iter().map(Into::into).collect())
    }

    pub fn instruction(&self, instruction: String) -> Result<Instruction> {
        let id = document("instruction", &instruction)?;
        Ok(Instruction::of(id, &self.core.instruction(id)?))
    }
}
