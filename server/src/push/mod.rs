//! Waking phones with Web Push: standard RFC 8030 delivery, RFC 8291 `aes128gcm` payload encryption and
//! RFC 8292 VAPID, so the same subscriptions serve browsers and Android phones through UnifiedPush
//! distributors (where Google's push service is not reachable). The server's VAPID keys (`vapid.rs`), the
//! devices' subscriptions (`subscriptions.rs`), what a push carries (`zhiban_model::push`, which the phone reads too) and the sender
//! (`sender.rs`), behind the `PushSender` trait so APNs or FCM can come later. Where the server may send at
//! all (public `https` unless the operator allows more) is `outbound.rs`.

pub mod deliver;
pub mod outbound;
pub mod sender;
pub mod subscriptions;
pub mod vapid;

pub use outbound::{AllowedOutbound, OutboundPolicy};
pub use sender::{Delivery, Outcome, PushSender, WebPushSender};
pub use subscriptions::Subscription;
pub use vapid::VapidKeys;
pub use zhiban_model::push::{AlertPayload, Urgency};

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("no VAPID keys yet: run `zhiban-server admin vapid generate`")]
    NoKeys,
    #[error("the stored VAPID key is unusable: {0}")]
    BadKey(String),
    #[error("invalid subscription: {0}")]
    BadSubscription(String),
    #[error(transparent)]
    EndpointRefused(#[from] outbound::Refused),
    #[error("this push endpoint is registered to another person; subscribe again on this device for its own")]
    EndpointTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}
