//! Pushing an alert to a person: every subscription of their devices, each delivery recorded with what
//! the push service answered; a subscription the push service says is gone is removed. Throttled and
//! failed deliveries are recorded with when they may be tried again (the alert scheduler retries them).

use std::time::Duration;

use super::{AlertPayload, Delivery, Outcome, PushError, PushSender, subscriptions};
use crate::database::Database;
use crate::on_database;

/// First pause before trying a failed delivery again; doubled per attempt by the scheduler.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);

/// Sends `payload` to every device of `username`; returns each delivery.
pub async fn notify(
    database: &Database,
    sender: &dyn PushSender,
    username: &str,
    payload: &AlertPayload,
    ttl: Duration,
) -> Result<Vec<(String, Delivery)>, PushError> {
    let mut deliveries = Vec::new();
    for subscription in subscriptions::of_user(database, username).await? {
        let delivery = sender.send(&subscription, payload, ttl).await;
        record(database, &subscription.endpoint, username, payload, &delivery).await?;
        if delivery.outcome == Outcome::Gone {
            tracing::info!(%username, endpoint = %subscription.endpoint, "push subscription gone; removed");
            subscriptions::remove(database, &subscription.endpoint).await?;
        }
        deliveries.push((subscription.endpoint, delivery));
    }
    Ok(deliveries)
}

async fn record(
    database: &Database,
    endpoint: &str,
    username: &str,
    payload: &AlertPayload,
    delivery: &Delivery,
) -> Result<(), PushError> {
    let now = chrono::Utc::now().timestamp_millis();
    let retry_at = match &delivery.outcome {
        Outcome::Throttled { retry_after } => Some(now + retry_after.as_millis() as i64),
        Outcome::Failed { retry: true } => Some(now + FIRST_BACKOFF.as_millis() as i64),
        _ => None,
    };
    let id = format!("pd_{:032x}", rand::random::<u128>());
    on_database!(database, pool => {
        sqlx::query(
            "INSERT INTO push_deliveries (delivery_id, endpoint, username, kind, document_id, urgency, outcome, \
             http_status, detail, attempted_at, retry_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id).bind(endpoint).bind(username).bind(&payload.kind).bind(&payload.document)
        .bind(payload.urgency.header()).bind(delivery.outcome.name()).bind(delivery.http_status.map(i64::from))
        .bind(&delivery.detail).bind(now).bind(retry_at)
        .execute(pool)
        .await?;
        if delivery.outcome == Outcome::Accepted {
            sqlx::query("UPDATE push_subscriptions SET last_ok_at = $1 WHERE endpoint = $2")
                .bind(now).bind(endpoint).execute(pool).await?;
        }
    });
    Ok(())
}
