//! Fields only the server writes: the instruction's number in the yearly ledger, and the time the server
//! first stored each acknowledgement. They are written as the server's own change to the document, stored
//! like any other before any phone hears of it.

use chrono::{DateTime, Datelike, FixedOffset};
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::documents::time::format_instant;
use zhiban_model::rules::numbering::LedgerNumber;
use zhiban_model::rules::office_time_zone;

use super::Office;

#[derive(Debug, thiserror::Error)]
pub enum AmendError {
    #[error("cannot take the next number from the instruction ledger: {0}")]
    Ledger(#[from] sqlx::Error),
}

impl Office {
    /// The instruction with the server's fields filled in, when any were missing.
    pub async fn amend(
        &self,
        typed: &TypedDocument,
        now: DateTime<FixedOffset>,
    ) -> Result<Option<Instruction>, AmendError> {
        let TypedDocument::Instruction(instruction) = typed else { return Ok(None) };
        let unstamped = instruction.unstamped_acknowledgements();
        if instruction.number.is_some() && unstamped.is_empty() {
            return Ok(None);
        }
        let mut amended = instruction.clone();
        if amended.number.is_none() {
            // The ledger year is the year of issue in the office's time zone.
            let year =
                instruction.issued_at().map(|t| t.with_timezone(&office_time_zone()).year()).unwrap_or(now.year());
            amended.number = Some(self.next_ledger_number(year).await?.to_string());
        }
        let stamp = format_instant(now.with_timezone(&office_time_zone()));
        for key in unstamped {
            if let Some(ack) = amended.acknowledgements.get_mut(&key) {
                ack.server_received_at = Some(stamp.clone());
            }
        }
        Ok(Some(amended))
    }

    /// Takes the next number of `year` from the ledger, durably: a number once given is never given again,
    /// even by another server sharing the database.
    pub async fn next_ledger_number(&self, year: i32) -> Result<LedgerNumber, sqlx::Error> {
        let seq = crate::db::ledger::next_number(&self.database, i64::from(year)).await?;
        Ok(LedgerNumber { year, seq: seq as u32 })
    }
}
