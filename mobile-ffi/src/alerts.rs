//! Alerts on the phone: a push received (`handle_push`), the open alerts the home lists, and answering one.

use std::time::Duration;

use zhiban_client_core::office_now;
use zhiban_model::push::{AlertPayload, Urgency};

use crate::client::ZhibanClient;
use crate::error::{Result, ZhibanError};
use crate::records::{Alert, document};
use crate::runtime::block_on;

/// How long a push waits to fetch what it points to: a phone woken by a push has seconds, not minutes.
const PUSH_FETCH_WAIT: Duration = Duration::from_secs(10);

#[uniffi::export]
impl ZhibanClient {
    /// The server's VAPID public key (base64url), which the app hands to the push service
    /// (`applicationServerKey`) when it subscribes.
    pub fn vapid_public_key(&self) -> Result<String> {
        Ok(block_on(self.core.vapid_public_key())?)
    }

    /// Registers this device's Web Push subscription (its endpoint, and the `p256dh` key and `auth` secret
    /// the push service gave, base64url) with the server: alerts for the logged-in person come here.
    pub fn register_push(&self, endpoint: String, p256dh: String, auth: String) -> Result<()> {
        Ok(block_on(self.core.register_push(&endpoint, &p256dh, &auth))?)
    }

    /// A push arrived (the decrypted payload, as JSON). Returns the alert to show, after a sync of at most
    /// ten seconds that brings the document it points to (and its latest changes); offline, the document is
    /// asked for at the next sync and the alert says it is not on the phone yet. A payload that does not
    /// read is `InvalidInput`.
    pub fn handle_push(&self, payload: String) -> Result<Alert> {
        let payload: AlertPayload = serde_json::from_str(&payload)
            .map_err(|e| ZhibanError::invalid("payload", format!("not a Zhiban push payload: {e}")))?;
        let id = payload.document.as_deref().map(|d| document("payload.document", d)).transpose()?;
        if let Some(id) = id {
            self.core.want(id)?;
        }
        // A sync, not only a fetch: a document already here (an incident upgraded) has news too.
        if let Err(e) = block_on(self.core.sync_once(PUSH_FETCH_WAIT)) {
            tracing::info!(error = %e, "the alert's document comes with the next sync");
        }
        let on_phone = match id {
            Some(id) => self.core.holds(id)?,
            None => false,
        };
        Ok(Alert {
            alert: payload.alert,
            kind: payload.kind,
            document: id.map(|d| d.url()),
            title_class: payload.title_class,
            urgency: match payload.urgency {
                Urgency::High => "high",
                Urgency::Normal => "normal",
            }
            .to_owned(),
            called_at: None,
            document_on_phone: on_phone,
        })
    }

    /// The alerts that called this person and that they have not answered, most recent first, as of the
    /// last sync of their home (so a phone no push reached still learns of them).
    pub fn open_alerts(&self) -> Result<Vec<Alert>> {
        let open = self.core.open_alerts()?;
        open.into_iter()
            .map(|a| {
                let on_phone = match a.document {
                    Some(id) => self.core.holds(id)?,
                    None => false,
                };
                Ok(Alert::of(a, on_phone))
            })
            .collect()
    }

    /// Answers `alert` (收到), now, on this device, offline if need be: an instruction is signed for in the
    /// instruction itself; any other alert gets a receipt in the user's home. Either stops the calls to
    /// this person once it reaches the server.
    pub fn acknowledge_alert(&self, alert: Alert) -> Result<()> {
        if alert.kind == "instruction"
            && let Some(instruction) = &alert.document
        {
            self.core.acknowledge(document("alert.document", instruction)?, None, office_now())?;
            return Ok(());
        }
        let id =
            alert.alert.ok_or_else(|| ZhibanError::invalid("alert.alert", "this alert has no id to acknowledge"))?;
        Ok(self.core.acknowledge_alert(&id, office_now())?)
    }
}
