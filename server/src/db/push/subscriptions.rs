//! Devices' push subscriptions: an endpoint belongs to one device of one person; a device keeps its newest
//! few.

use crate::db::Database;
use crate::on_conn;
use crate::push::Subscription;

/// What registering a subscription did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// Registered to the device (new, or moved from another of the person's devices); the device's oldest
    /// subscriptions past the number it may keep were removed: these endpoints.
    Registered { replaced: Vec<String> },
    /// Another person holds the endpoint; nothing changed.
    TakenByAnother,
}

/// A subscription to register to a person's device, its keys base64url as stored (without padding).
#[derive(Debug, Clone, Copy)]
pub struct NewSubscription<'a> {
    pub username: &'a str,
    pub device_id: &'a str,
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
}

/// Registers `subscription` at `now`, in one transaction, keeping its device's newest `keep` subscriptions.
/// An endpoint another person holds is theirs: the insert and that check are one statement, so two people
/// registering one new endpoint at once cannot both have it.
pub async fn register(
    database: &Database,
    subscription: NewSubscription<'_>,
    keep: usize,
    now: i64,
) -> Result<Registration, sqlx::Error> {
    let mut tx = database.begin().await?;
    let replaced = on_conn!(tx.conn(), c => {
        let registered = sqlx::query(
            "INSERT INTO push_subscriptions (endpoint, device_id, username, p256dh, auth, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (endpoint) DO UPDATE SET device_id = excluded.device_id, \
             p256dh = excluded.p256dh, auth = excluded.auth WHERE push_subscriptions.username = excluded.username",
        )
        .bind(subscription.endpoint).bind(subscription.device_id).bind(subscription.username)
        .bind(subscription.p256dh).bind(subscription.auth).bind(now)
        .execute(&mut *c).await?.rows_affected() == 1;
        if !registered {
            return Ok(Registration::TakenByAnother);
        }
        let others: Vec<(String,)> = sqlx::query_as(
            "SELECT endpoint FROM push_subscriptions WHERE username = $1 AND device_id = $2 AND endpoint <> $3 \
             ORDER BY created_at DESC, endpoint",
        )
        .bind(subscription.username).bind(subscription.device_id).bind(subscription.endpoint)
        .fetch_all(&mut *c).await?;
        let mut replaced = Vec::new();
        for (oldest,) in others.into_iter().skip(keep.saturating_sub(1)) {
            sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1").bind(&oldest).execute(&mut *c).await?;
            replaced.push(oldest);
        }
        replaced
    });
    tx.commit().await?;
    Ok(Registration::Registered { replaced })
}

/// Every subscription of `username`'s devices that are not signed out, the oldest first.
pub async fn of_user(database: &Database, username: &str) -> Result<Vec<Subscription>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<(String, String, String)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT s.endpoint, s.p256dh, s.auth FROM push_subscriptions s JOIN devices d ON d.device_id = s.device_id \
             WHERE s.username = $1 AND d.revoked_at IS NULL ORDER BY s.created_at",
        )
        .bind(username).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(endpoint, p256dh, auth)| Subscription { endpoint, p256dh, auth }).collect())
}
