//! Registering this device for push alerts: the app (a browser's service worker, or a UnifiedPush
//! distributor on Android) gets a subscription for the server's VAPID public key and hands it here.

use serde_json::{Value, json};

use crate::client::Client;
use crate::duty::http::error_reason;
use crate::error::ClientError;

impl Client {
    /// The server's VAPID public key (`applicationServerKey`), to subscribe with.
    pub async fn vapid_public_key(&self) -> Result<String, ClientError> {
        let answer = self.api_get("api/v1/push/vapid-public-key", "the VAPID key request").await?;
        answer
            .get("public_key")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Protocol(format!("no public_key in {answer}")))
    }

    /// Registers this device's subscription with the server, so alerts wake it.
    pub async fn register_push(&self, endpoint: &str, p256dh: &str, auth: &str) -> Result<(), ClientError> {
        let url = self
            .http_base()?
            .join("api/v1/push/subscriptions")
            .map_err(|e| ClientError::InvalidInput(format!("push subscription URL: {e}")))?;
        let body = json!({"endpoint": endpoint, "p256dh": p256dh, "auth": auth});
        let response = self.send_authorized(&url, |http| http.post(url.clone()).json(&body)).await?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(ClientError::Http { what: "the push subscription".into(), status, reason: error_reason(&text) })
    }
}
