//! The alerts that called this person, as their home lists them (so a phone learns of them at sync even
//! when no push reached it), and acknowledging them on the phone (收到). An instruction is signed for in the instruction itself
//! (`acknowledge`); any other alert — a serious incident, a report or feedback due, a roster to file — is
//! acknowledged with a receipt in the user's home document, offline if need be. The receipt reaches the
//! server with the next sync and stops the calls to this person's duty room.

use chrono::{DateTime, FixedOffset};
use zhiban_model::DocumentId;
use zhiban_model::documents::home::{AlertReceipt, Home};

use crate::client::Client;
use crate::error::ClientError;

/// An alert that called this person and that they have not acknowledged on this phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    pub alert: String,
    /// `instruction`, `incident`, `report_due`, `feedback_due`, `roster_filing`.
    pub kind: String,
    /// The document to open, if the alert is about one.
    pub document: Option<DocumentId>,
    pub title_class: String,
    pub urgency: String,
    /// When the server first called this person (RFC 3339).
    pub called_at: String,
}

impl Client {
    /// Open alerts for this person, most recent call first, as of the last sync of their home.
    pub fn open_alerts(&self) -> Result<Vec<OpenAlert>, ClientError> {
        let Some(home) = self.home_document()? else { return Ok(Vec::new()) };
        let Some(home) = self.inner.read_doc(home, |doc| Home::read(doc).ok())?.flatten() else {
            return Ok(Vec::new());
        };
        let mut open: Vec<OpenAlert> = home
            .unacknowledged_alerts()
            .map(|(id, a)| OpenAlert {
                alert: id.clone(),
                kind: a.kind.clone(),
                document: a.document.as_deref().and_then(|d| d.parse().ok()),
                title_class: a.title_class.clone(),
                urgency: a.urgency.clone(),
                called_at: a.called_at.clone(),
            })
            .collect();
        open.sort_by(|a, b| b.called_at.cmp(&a.called_at));
        Ok(open)
    }

    /// The alerts the server raised, as it answers the person logged in (`GET /api/v1/alerts`): each
    /// recipient called, when and how often, who acknowledged, what is overdue; only the alerts still open
    /// when `open_only`. Needs the server.
    pub async fn alerts_from_server(&self, open_only: bool) -> Result<serde_json::Value, ClientError> {
        let path = if open_only { "api/v1/alerts?open=true" } else { "api/v1/alerts" };
        self.api_get(path, "the alerts request").await
    }

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
