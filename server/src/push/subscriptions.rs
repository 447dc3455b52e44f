//! Devices' push subscriptions: the endpoint a browser or UnifiedPush distributor gave, and the keys to
//! encrypt for it. One device may have up to `MAX_PER_DEVICE`; an endpoint belongs to one device, and to
//! one person: it moves between that person's devices, never to someone else.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};
use web_push_native::p256::PublicKey;

use super::{OutboundPolicy, PushError};
use crate::db;
use crate::db::Database;
use crate::db::push::subscriptions::{NewSubscription, Registration};

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

/// Subscriptions one device may have. Browsers and distributors replace a subscription now and then
/// (`pushsubscriptionchange`) and the old one may never be unregistered, so one more replaces the device's
/// oldest rather than being refused: the newest is the one that works.
pub const MAX_PER_DEVICE: usize = 10;

/// Registers (or moves to this device) a subscription, once its endpoint passes `outbound` (resolved, so a
/// name for an inside address is refused too). Refused with `EndpointTaken` when another person holds the
/// endpoint: whoever knows someone's endpoint must not receive their alerts by registering it.
pub async fn register(
    database: &Database,
    outbound: &OutboundPolicy,
    username: &str,
    device_id: &str,
    subscription: &Subscription,
) -> Result<(), PushError> {
    subscription.check()?;
    let url = url::Url::parse(&subscription.endpoint).map_err(|e| PushError::BadSubscription(e.to_string()))?;
    if let Err(refused) = outbound.check_endpoint(&url).await {
        tracing::info!(%username, %device_id, %refused, "push subscription refused");
        return Err(refused.into());
    }
    // The machine's clock: a registration time only orders a device's subscriptions (the oldest is replaced),
    // which a test clock standing still would leave undecided.
    let now = chrono::Utc::now().timestamp_millis();
    let new = NewSubscription {
        username,
        device_id,
        endpoint: &subscription.endpoint,
        p256dh: subscription.p256dh.trim_end_matches('='),
        auth: subscription.auth.trim_end_matches('='),
    };
    match db::push::subscriptions::register(database, new, MAX_PER_DEVICE, now).await? {
        Registration::Registered { replaced } => {
            for oldest in replaced {
                tracing::info!(%username, %device_id, endpoint = %oldest, "push subscription replaced by a newer one");
            }
        }
        Registration::TakenByAnother => {
            tracing::warn!(%username, %device_id, "push endpoint of another person refused");
            return Err(PushError::EndpointTaken);
        }
    }
    Ok(())
}

/// Every subscription of `username`'s devices that are not signed out.
pub async fn of_user(database: &Database, username: &str) -> Result<Vec<Subscription>, PushError> {
    Ok(db::push::subscriptions::of_user(database, username).await?)
}
