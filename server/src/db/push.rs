//! Web Push: the server's VAPID key pair (`vapid_keys`), devices' subscriptions (`push_subscriptions`) and
//! every push made with what its push service answered (`push_deliveries`).

pub mod deliveries;
pub mod subscriptions;
pub mod vapid_keys;
