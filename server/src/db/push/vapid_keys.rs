//! The server's VAPID key pair: one row, made by the operator; only its public key is ever served.

use crate::db::Database;
use crate::on_conn;

/// The stored key pair's private key (base64url of the P-256 scalar) and its contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub private_key: String,
    pub subject: String,
}

/// The key pair stored, if the operator made one.
pub async fn stored(database: &Database) -> Result<Option<StoredKey>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let row: Option<(String, String)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT private_key, subject FROM vapid_keys WHERE id = 1").fetch_optional(c).await?
    });
    Ok(row.map(|(private_key, subject)| StoredKey { private_key, subject }))
}

/// A key pair to store (base64url, as `vapid_keys` holds them).
#[derive(Debug, Clone, Copy)]
pub struct NewKey<'a> {
    pub private_key: &'a str,
    pub public_key: &'a str,
    pub subject: &'a str,
}

/// Stores `key`, made at `now`, in place of any before it, in one transaction. With `forget_subscriptions`
/// every subscription goes too: they were made for the old key, and push services would refuse them now.
pub async fn replace(
    database: &Database,
    key: NewKey<'_>,
    forget_subscriptions: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        sqlx::query("DELETE FROM vapid_keys").execute(&mut *c).await?;
        sqlx::query(
            "INSERT INTO vapid_keys (id, private_key, public_key, subject, created_at) VALUES (1, $1, $2, $3, $4)",
        )
        .bind(key.private_key).bind(key.public_key).bind(key.subject).bind(now).execute(&mut *c).await?;
        if forget_subscriptions {
            sqlx::query("DELETE FROM push_subscriptions").execute(&mut *c).await?;
        }
    });
    tx.commit().await
}
