//! Devices' push subscriptions: the endpoint a browser or UnifiedPush distributor gave, and the keys to
//! encrypt for it. One device may have several; an endpoint belongs to one device.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};
use web_push_native::p256::PublicKey;

use super::PushError;
use crate::database::Database;
use crate::on_database;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subscription {
    /// The push service URL to POST to.
    pub endpoint: String,
    /// base64url of the device's P-256 public key (uncompressed point), as `PushSubscription.getKey`.
    pub p256dh: String,
    /// base64url of the 16-byte authentication secret.
    pub auth: String,
}

impl Subscription {
    /// Checks what a device sent, so a bad subscription is refused when registered, not when an alert fails.
    pub fn check(&self) -> Result<(), PushError> {
        let url = url::Url::parse(&self.endpoint).map_err(|e| PushError::BadSubscription(format!("endpoint: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(PushError::BadSubscription("endpoint must be an http(s) URL with a host".into()));
        }
        let key = Base64UrlUnpadded::decode_vec(self.p256dh.trim_end_matches('='))
            .map_err(|e| PushError::BadSubscription(format!("p256dh is not base64url: {e}")))?;
        PublicKey::from_sec1_bytes(&key)
            .map_err(|_| PushError::BadSubscription("p256dh is not a P-256 public key".into()))?;
        let auth = Base64UrlUnpadded::decode_vec(self.auth.trim_end_matches('='))
            .map_err(|e| PushError::BadSubscription(format!("auth is not base64url: {e}")))?;
        if auth.len() != 16 {
            return Err(PushError::BadSubscription(format!("auth is {} bytes; it must be 16", auth.len())));
        }
        Ok(())
    }
}

/// Registers (or moves to this device) a subscription.
pub async fn register(
    database: &Database,
    username: &str,
    device_id: &str,
    subscription: &Subscription,
) -> Result<(), PushError> {
    subscription.check()?;
    let now = chrono::Utc::now().timestamp_millis();
    on_database!(database, pool => {
        sqlx::query(
            "INSERT INTO push_subscriptions (endpoint, device_id, username, p256dh, auth, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (endpoint) DO UPDATE SET device_id = excluded.device_id, \
             username = excluded.username, p256dh = excluded.p256dh, auth = excluded.auth",
        )
        .bind(&subscription.endpoint).bind(device_id).bind(username)
        .bind(subscription.p256dh.trim_end_matches('=')).bind(subscription.auth.trim_end_matches('='))
        .bind(now)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Every subscription of `username`'s devices that are not signed out.
pub async fn of_user(database: &Database, username: &str) -> Result<Vec<Subscription>, PushError> {
    let rows: Vec<(String, String, String)> = on_database!(database, pool => {
        sqlx::query_as(
            "SELECT s.endpoint, s.p256dh, s.auth FROM push_subscriptions s JOIN devices d ON d.device_id = s.device_id \
             WHERE s.username = $1 AND d.revoked_at IS NULL ORDER BY s.created_at",
        )
        .bind(username)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(|(endpoint, p256dh, auth)| Subscription { endpoint, p256dh, auth }).collect())
}
