//! Pushing an alert to a person: every subscription of their devices, each delivery recorded with what
//! the push service answered; a subscription the push service says is gone is removed. Throttled and
//! failed deliveries are recorded with when they may be tried again (the alert scheduler retries them).

use std::time::Duration;

use super::{AlertPayload, Delivery, Outcome, PushError, PushSender, subscriptions};
use crate::database::Database;
use crate::on_database;

/// First pause before trying a failed delivery again; doubled per attempt.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// A push that still fails after this many attempts is given up (and stays recorded as failed).
pub const MAX_ATTEMPTS: i64 = 5;

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
        record(database, &subscription.endpoint, username, payload, &delivery, 1).await?;
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
    attempt: i64,
) -> Result<(), PushError> {
    // Retries wait on the machine's clock: the push service's `Retry-After` is about real time.
    let now = chrono::Utc::now().timestamp_millis();
    let retry_at = match &delivery.outcome {
        _ if attempt >= MAX_ATTEMPTS => None,
        Outcome::Throttled { retry_after } => Some(now + retry_after.as_millis() as i64),
        Outcome::Failed { retry: true } => {
            Some(now + ((FIRST_BACKOFF.as_millis() as i64) << (attempt - 1).clamp(0, 10)))
        }
        _ => None,
    };
    let id = format!("pd_{:032x}", rand::random::<u128>());
    on_database!(database, pool => {
        sqlx::query(
            "INSERT INTO push_deliveries (delivery_id, endpoint, username, kind, document_id, urgency, title_class, \
             alert_id, attempt, outcome, http_status, detail, attempted_at, retry_at, retried) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, FALSE)",
        )
        .bind(&id).bind(endpoint).bind(username).bind(&payload.kind).bind(&payload.document)
        .bind(payload.urgency.header()).bind(&payload.title_class).bind(&payload.alert).bind(attempt)
        .bind(delivery.outcome.name()).bind(delivery.http_status.map(i64::from))
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

type RetryRow = (String, String, String, String, Option<String>, String, String, Option<String>, i64);

/// Tries again every throttled or failed push whose time has come (by the machine's clock), each claimed
/// first so two servers do not both retry it; returns how many were retried.
pub async fn retry_due(database: &Database, sender: &dyn PushSender, ttl: Duration) -> Result<usize, PushError> {
    let now = chrono::Utc::now().timestamp_millis();
    let due: Vec<RetryRow> = on_database!(database, pool => {
        sqlx::query_as(
            "SELECT delivery_id, endpoint, username, kind, document_id, urgency, title_class, alert_id, attempt \
             FROM push_deliveries WHERE retry_at IS NOT NULL AND retry_at <= $1 AND retried = FALSE \
             ORDER BY retry_at LIMIT 200",
        )
        .bind(now)
        .fetch_all(pool)
        .await?
    });
    let mut retried = 0;
    for (id, endpoint, username, kind, document, urgency, title_class, alert, attempt) in due {
        let claimed = on_database!(database, pool => {
            sqlx::query("UPDATE push_deliveries SET retried = TRUE WHERE delivery_id = $1 AND retried = FALSE")
                .bind(&id).execute(pool).await?.rows_affected() == 1
        });
        if !claimed {
            continue;
        }
        let Some(subscription) =
            subscriptions::of_user(database, &username).await?.into_iter().find(|s| s.endpoint == endpoint)
        else {
            continue;
        };
        let urgency = if urgency == "high" { super::Urgency::High } else { super::Urgency::Normal };
        let payload = AlertPayload { kind, document, title_class, urgency, alert };
        let delivery = sender.send(&subscription, &payload, ttl).await;
        record(database, &endpoint, &username, &payload, &delivery, attempt + 1).await?;
        if delivery.outcome == Outcome::Gone {
            subscriptions::remove(database, &endpoint).await?;
        }
        retried += 1;
    }
    Ok(retried)
}
