//! Pushing an alert to a person: every subscription of their devices, each delivery recorded with what
//! the push service answered; a subscription the push service says is gone is removed. Throttled and
//! failed deliveries are recorded with when they may be tried again (the alert scheduler retries them).
//! Pushes go out side by side, so one push service that is slow to answer delays no other push.

use std::time::Duration;

use futures_util::StreamExt;

use super::{AlertPayload, Delivery, Outcome, PushError, PushSender, subscriptions};
use crate::db::Database;
use crate::db::push::deliveries::{self, Attempt, DueRetry};

/// First pause before trying a failed delivery again; doubled per attempt.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// A push that still fails after this many attempts is given up (and stays recorded as failed).
pub const MAX_ATTEMPTS: i64 = 5;
/// Retries sent at once (the sender bounds its requests in flight overall).
const RETRY_CONCURRENCY: usize = 64;

/// One push made, to be recorded.
#[derive(Debug, Clone)]
pub struct Made {
    pub endpoint: String,
    pub username: String,
    pub payload: AlertPayload,
    pub delivery: Delivery,
    /// 1 for the first try.
    pub attempt: i64,
}

/// Sends `payload` to every device of `username` and records each delivery; returns them.
pub async fn notify(
    database: &Database,
    sender: &dyn PushSender,
    username: &str,
    payload: &AlertPayload,
    ttl: Duration,
) -> Result<Vec<Made>, PushError> {
    let made = push_to(database, sender, username, payload, ttl).await?;
    record(database, &made).await?;
    Ok(made)
}

/// Sends `payload` to every device of `username`, recording nothing yet (the caller records a batch at once).
pub async fn push_to(
    database: &Database,
    sender: &dyn PushSender,
    username: &str,
    payload: &AlertPayload,
    ttl: Duration,
) -> Result<Vec<Made>, PushError> {
    let sends = subscriptions::of_user(database, username).await?.into_iter().map(|subscription| async move {
        let delivery = sender.send(&subscription, payload, ttl).await;
        Made {
            endpoint: subscription.endpoint,
            username: username.to_owned(),
            payload: payload.clone(),
            delivery,
            attempt: 1,
        }
    });
    // A person has a few devices (at most ten subscriptions each): all at once.
    Ok(futures_util::future::join_all(sends).await)
}

/// Records pushes made, in one transaction: each delivery with what the push service answered and when it
/// may be tried again; the subscriptions that took one; those the push service says are gone, removed.
pub async fn record(database: &Database, made: &[Made]) -> Result<(), PushError> {
    if made.is_empty() {
        return Ok(());
    }
    // Retries wait on the machine's clock: the push service's `Retry-After` is about real time.
    let now = chrono::Utc::now().timestamp_millis();
    let attempts: Vec<Attempt> = made
        .iter()
        .map(|m| Attempt {
            endpoint: &m.endpoint,
            username: &m.username,
            payload: &m.payload,
            attempt: m.attempt,
            outcome: &m.delivery.outcome,
            http_status: m.delivery.http_status,
            detail: &m.delivery.detail,
            retry_at: match &m.delivery.outcome {
                _ if m.attempt >= MAX_ATTEMPTS => None,
                Outcome::Throttled { retry_after } => Some(now + retry_after.as_millis() as i64),
                Outcome::Failed { retry: true } => {
                    Some(now + ((FIRST_BACKOFF.as_millis() as i64) << (m.attempt - 1).clamp(0, 10)))
                }
                _ => None,
            },
        })
        .collect();
    deliveries::record(database, &attempts, now).await?;
    for m in made.iter().filter(|m| m.delivery.outcome == Outcome::Gone) {
        tracing::info!(username = %m.username, endpoint = %m.endpoint, "push subscription gone; removed");
    }
    Ok(())
}

/// Tries again every throttled or failed push whose time has come (by the machine's clock), each claimed
/// first so two servers do not both retry it; returns how many were retried.
pub async fn retry_due(database: &Database, sender: &dyn PushSender, ttl: Duration) -> Result<usize, PushError> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut claimed = Vec::new();
    for DueRetry { delivery, endpoint, username, payload, attempt } in deliveries::due_retries(database, now).await? {
        if !deliveries::claim_retry(database, &delivery).await? {
            continue;
        }
        let Some(subscription) =
            subscriptions::of_user(database, &username).await?.into_iter().find(|s| s.endpoint == endpoint)
        else {
            continue;
        };
        claimed.push((subscription, username, payload, attempt + 1));
    }
    let made: Vec<Made> = futures_util::stream::iter(claimed)
        .map(|(subscription, username, payload, attempt)| async move {
            let delivery = sender.send(&subscription, &payload, ttl).await;
            Made { endpoint: subscription.endpoint, username, payload, delivery, attempt }
        })
        .buffer_unordered(RETRY_CONCURRENCY)
        .collect()
        .await;
    record(database, &made).await?;
    Ok(made.len())
}
