//! Acknowledging alerts on the phone (收到). An instruction is signed for in the instruction itself
//! (`acknowledge`); any other alert — a serious incident, a report or feedback due, a roster to file — is
//! acknowledged with a receipt in the user's home document, offline if need be. The receipt reaches the
//! server with the next sync and stops the calls to this person's duty room.

use chrono::{DateTime, FixedOffset};
use zhiban_model::documents::home::{AlertReceipt, Home};

use crate::client::Client;
use crate::error::ClientError;

impl Client {
    /// Acknowledges `alert` (the id in the push that woke the phone) at `at`, by the phone's clock.
    /// Acknowledging twice keeps the first receipt.
    pub fn acknowledge_alert(&self, alert: &str, at: DateTime<FixedOffset>) -> Result<(), ClientError> {
        let me = self.require_identity()?;
        if !alert.starts_with("al_") {
            return Err(ClientError::InvalidInput(format!("{alert:?} is not an alert id (they look like al_…)")));
        }
        let home = self
            .home_document()?
            .ok_or_else(|| ClientError::NotSetUp("this phone has no home document yet; log in and sync once".into()))?;
        let directory = self.directory()?;
        self.update_typed(home, "acknowledge this alert", &directory, |h: &mut Home| {
            h.acknowledged
                .entry(alert.to_owned())
                .or_insert_with(|| AlertReceipt { at: at.to_rfc3339(), device: me.device.clone() });
            Ok(())
        })
    }

    /// The alerts this person has acknowledged on this phone, with the phone's time of each.
    pub fn acknowledged_alerts(&self) -> Result<Vec<(String, String)>, ClientError> {
        let Some(home) = self.home_document()? else { return Ok(Vec::new()) };
        let read = self.inner.read_doc(home, |doc| Home::read(doc).ok())?;
        Ok(read.flatten().map(|h| h.acknowledged.into_iter().map(|(id, r)| (id, r.at)).collect()).unwrap_or_default())
    }
}
