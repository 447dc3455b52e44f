//! Every push made (`push_deliveries`): what its push service answered, and when a throttled or failed one
//! may be tried again. A push service's answer tells on the subscription too: one that took a push works, one
//! that is gone is removed.

use crate::db::Database;
use crate::on_conn;
use crate::push::{AlertPayload, Outcome, Urgency};

/// One push made, to record.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub endpoint: &'a str,
    pub username: &'a str,
    pub payload: &'a AlertPayload,
    /// 1 for the first try.
    pub attempt: i64,
    pub outcome: &'a Outcome,
    pub http_status: Option<u16>,
    pub detail: &'a str,
    /// When it may be tried again; none when it is not to be.
    pub retry_at: Option<i64>,
}

/// Records `attempts` made at `now`, in one transaction: each delivery; the subscriptions whose push service
/// took one marked working, those it says are gone removed.
pub async fn record(database: &Database, attempts: &[Attempt<'_>], now: i64) -> Result<(), sqlx::Error> {
    if attempts.is_empty() {
        return Ok(());
    }
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        for a in attempts {
            // Nothing refers to a delivery but its own retry: a random id will do.
            let id = format!("pd_{:032x}", rand::random::<u128>());
            let payload = a.payload;
            sqlx::query(
                "INSERT INTO push_deliveries (delivery_id, endpoint, username, kind, document_id, urgency, \
                 title_class, alert_id, attempt, outcome, http_status, detail, attempted_at, retry_at, retried) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, FALSE)",
            )
            .bind(&id).bind(a.endpoint).bind(a.username).bind(&payload.kind).bind(&payload.document)
            .bind(payload.urgency.header()).bind(&payload.title_class).bind(&payload.alert).bind(a.attempt)
            .bind(a.outcome.name()).bind(a.http_status.map(i64::from)).bind(a.detail).bind(now).bind(a.retry_at)
            .execute(&mut *c).await?;
            match a.outcome {
                Outcome::Accepted => {
                    sqlx::query("UPDATE push_subscriptions SET last_ok_at = $1 WHERE endpoint = $2")
                        .bind(now).bind(a.endpoint).execute(&mut *c).await?;
                }
                Outcome::Gone => {
                    sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1")
                        .bind(a.endpoint).execute(&mut *c).await?;
                }
                _ => {}
            }
        }
    });
    tx.commit().await
}

/// A delivery whose time to be tried again has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRetry {
    pub delivery: String,
    pub endpoint: String,
    pub username: String,
    pub payload: AlertPayload,
    /// The attempt this delivery was.
    pub attempt: i64,
}

type RetryRow = (String, String, String, String, Option<String>, String, String, Option<String>, i64);

/// Deliveries to try again at `now` not yet retried, the longest waiting first, at most 200.
pub async fn due_retries(database: &Database, now: i64) -> Result<Vec<DueRetry>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<RetryRow> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT delivery_id, endpoint, username, kind, document_id, urgency, title_class, alert_id, attempt \
             FROM push_deliveries WHERE retry_at IS NOT NULL AND retry_at <= $1 AND retried = FALSE \
             ORDER BY retry_at LIMIT 200",
        )
        .bind(now).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(delivery, endpoint, username, kind, document, urgency, title_class, alert, attempt)| DueRetry {
            delivery,
            endpoint,
            username,
            payload: AlertPayload {
                kind,
                document,
                title_class,
                urgency: if urgency == "high" { Urgency::High } else { Urgency::Normal },
                alert,
            },
            attempt,
        })
        .collect())
}

/// Claims delivery `id` for its retry; false when someone claimed it already (of two servers, one retries).
pub async fn claim_retry(database: &Database, id: &str) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let claimed = on_conn!(pooled.conn(), c => {
        sqlx::query("UPDATE push_deliveries SET retried = TRUE WHERE delivery_id = $1 AND retried = FALSE")
            .bind(id).execute(c).await?.rows_affected()
    });
    Ok(claimed == 1)
}
