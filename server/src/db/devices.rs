//! The devices people log in from (`devices`) and their tokens (`access_tokens`, `refresh_tokens`, kept as
//! SHA-256 only). A device stands while it is not revoked and its user not disabled; revoking one ends its
//! sync sockets on every server (the table's trigger writes a `session_events` row, migration 0019).

use std::collections::HashMap;

use super::Database;
use super::accounts::parse_roles;
use crate::accounts::{Device, Principal};
use crate::on_conn;

/// Device ids asked about in one query; a server may hold thousands of sockets.
const DEVICES_PER_QUERY: usize = 500;

/// Who holds a device, as a login answers them.
#[derive(Debug, Clone)]
pub struct Holder {
    pub principal: Principal,
    pub display_name: String,
}

/// A new pair of tokens for a device, by their digests.
#[derive(Debug, Clone, Copy)]
pub struct NewTokens<'a> {
    pub device_id: &'a str,
    pub access_hash: &'a str,
    pub access_expires_at: i64,
    pub refresh_hash: &'a str,
    pub refresh_expires_at: i64,
}

/// A refresh token as stored, with what decides whether it may still be used.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub device_id: String,
    pub expires_at: i64,
    /// Used once already: coming back, it was copied.
    pub used: bool,
    /// Why its device was revoked, if it was.
    pub revoked: Option<String>,
    /// Its user is disabled.
    pub disabled: bool,
}

/// Why a device was revoked, read from its columns (`revoked_why` is always written with `revoked_at`).
fn revoked(revoked_at: Option<i64>, why: Option<String>) -> Option<String> {
    revoked_at.map(|_| why.unwrap_or_else(|| "revoked".into()))
}

/// Registers device `device_id` called `name` for `username`, seen `now`; false when there is no such user or
/// it is disabled (no device is made).
pub async fn add(
    database: &Database,
    device_id: &str,
    username: &str,
    name: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let added = on_conn!(pooled.conn(), c => {
        sqlx::query(
            "INSERT INTO devices (device_id, username, name, created_at, last_seen_at) \
             SELECT $1, username, $3, $4, $4 FROM users WHERE username = $2 AND disabled_at IS NULL",
        )
        .bind(device_id).bind(username).bind(name).bind(now).execute(c).await?.rows_affected()
    });
    Ok(added > 0)
}

/// Every device, or those of `username`, by username and then by when they were made.
pub async fn list(database: &Database, username: Option<&str>) -> Result<Vec<Device>, sqlx::Error> {
    type Row = (String, String, String, i64, i64, Option<i64>, Option<String>);
    let mut pooled = database.acquire().await?;
    let rows: Vec<Row> = on_conn!(pooled.conn(), c => {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT device_id, username, name, created_at, last_seen_at, revoked_at, revoked_why FROM devices",
        );
        if let Some(u) = username {
            q.push(" WHERE username = ").push_bind(u.to_owned());
        }
        q.push(" ORDER BY username, created_at");
        q.build_query_as().fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(device_id, username, name, created_at, last_seen_at, revoked_at, why)| Device {
            device_id,
            username,
            name,
            created_at,
            last_seen_at,
            revoked: revoked(revoked_at, why),
        })
        .collect())
}

/// Revokes `device_id` as of `now` for `why`; a device revoked already keeps its first time and reason.
/// False when there is no such device.
pub async fn revoke(database: &Database, device_id: &str, why: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let changed = on_conn!(pooled.conn(), c => {
        sqlx::query(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, $1), revoked_why = COALESCE(revoked_why, $2) \
             WHERE device_id = $3",
        )
        .bind(now).bind(why).bind(device_id).execute(c).await?.rows_affected()
    });
    Ok(changed > 0)
}

/// Revokes every device of `username` not revoked yet, as of `now` for `why`.
pub async fn revoke_all_of(database: &Database, username: &str, why: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query("UPDATE devices SET revoked_at = $1, revoked_why = $2 WHERE username = $3 AND revoked_at IS NULL")
            .bind(now).bind(why).bind(username).execute(c).await?;
    });
    Ok(())
}

/// Notes that `device_id` was seen `now`.
pub async fn seen(database: &Database, device_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE device_id = $2").bind(now).bind(device_id).execute(c).await?;
    });
    Ok(())
}

/// Who holds `device_id` (revoked or not); `RowNotFound` when there is no such device.
pub async fn holder(database: &Database, device_id: &str) -> Result<Holder, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let (username, display_name, unit, roles): (String, String, String, String) = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT u.username, u.display_name, u.unit_id, u.roles FROM devices d \
             JOIN users u ON u.username = d.username WHERE d.device_id = $1",
        )
        .bind(device_id).fetch_one(c).await?
    });
    let principal = Principal { username, device_id: device_id.to_owned(), unit, roles: parse_roles(&roles) };
    Ok(Holder { principal, display_name })
}

/// Stores a device's new tokens and drops its access tokens expired by `now`, in one transaction.
pub async fn add_tokens(database: &Database, tokens: NewTokens<'_>, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        sqlx::query("INSERT INTO access_tokens (token_hash, device_id, expires_at) VALUES ($1, $2, $3)")
            .bind(tokens.access_hash).bind(tokens.device_id).bind(tokens.access_expires_at).execute(&mut *c).await?;
        sqlx::query("INSERT INTO refresh_tokens (token_hash, device_id, expires_at) VALUES ($1, $2, $3)")
            .bind(tokens.refresh_hash).bind(tokens.device_id).bind(tokens.refresh_expires_at).execute(&mut *c).await?;
        sqlx::query("DELETE FROM access_tokens WHERE device_id = $1 AND expires_at < $2")
            .bind(tokens.device_id).bind(now).execute(&mut *c).await?;
    });
    tx.commit().await
}

/// The access token whose digest is `token_hash`, if it is valid `now`: who holds it. Its device must stand.
pub async fn access_token_holder(
    database: &Database,
    token_hash: &str,
    now: i64,
) -> Result<Option<Principal>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let row: Option<(String, String, String, String)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT u.username, d.device_id, u.unit_id, u.roles FROM access_tokens a \
             JOIN devices d ON d.device_id = a.device_id JOIN users u ON u.username = d.username \
             WHERE a.token_hash = $1 AND a.expires_at > $2 AND d.revoked_at IS NULL AND u.disabled_at IS NULL",
        )
        .bind(token_hash).bind(now).fetch_optional(c).await?
    });
    Ok(row.map(|(username, device_id, unit, roles)| Principal {
        username,
        device_id,
        unit,
        roles: parse_roles(&roles),
    }))
}

/// The refresh token whose digest is `token_hash`, with its device's and user's state, whatever they are.
pub async fn refresh_token(database: &Database, token_hash: &str) -> Result<Option<RefreshToken>, sqlx::Error> {
    type Row = (String, i64, Option<i64>, Option<i64>, Option<String>, Option<i64>);
    let mut pooled = database.acquire().await?;
    let row: Option<Row> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT r.device_id, r.expires_at, r.used_at, d.revoked_at, d.revoked_why, u.disabled_at \
             FROM refresh_tokens r JOIN devices d ON d.device_id = r.device_id \
             JOIN users u ON u.username = d.username WHERE r.token_hash = $1",
        )
        .bind(token_hash).fetch_optional(c).await?
    });
    Ok(row.map(|(device_id, expires_at, used_at, revoked_at, why, disabled_at)| RefreshToken {
        device_id,
        expires_at,
        used: used_at.is_some(),
        revoked: revoked(revoked_at, why),
        disabled: disabled_at.is_some(),
    }))
}

/// Marks the refresh token `token_hash` used `now`, if it was not: true for the one caller that did, even
/// with two arriving at once.
pub async fn use_refresh_token(database: &Database, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let claimed = on_conn!(pooled.conn(), c => {
        sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
            .bind(now).bind(token_hash).execute(c).await?.rows_affected()
    });
    Ok(claimed > 0)
}

/// Of `device_ids`, those that stand (not revoked, user not disabled), each with its holder as the accounts
/// hold them now. An access token's expiry does not matter: the device refreshes it.
pub async fn standing(database: &Database, device_ids: &[String]) -> Result<HashMap<String, Principal>, sqlx::Error> {
    let mut standing = HashMap::new();
    if device_ids.is_empty() {
        return Ok(standing);
    }
    let mut pooled = database.acquire().await?;
    for batch in device_ids.chunks(DEVICES_PER_QUERY) {
        let rows: Vec<(String, String, String, String)> = on_conn!(pooled.conn(), c => {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT d.device_id, u.username, u.unit_id, u.roles FROM devices d \
                 JOIN users u ON u.username = d.username \
                 WHERE d.revoked_at IS NULL AND u.disabled_at IS NULL AND d.device_id IN (",
            );
            let mut ids = query.separated(", ");
            for id in batch {
                ids.push_bind(id.clone());
            }
            query.push(")");
            query.build_query_as().fetch_all(c).await?
        });
        for (device_id, username, unit, roles) in rows {
            let principal = Principal { username, device_id: device_id.clone(), unit, roles: parse_roles(&roles) };
            standing.insert(device_id, principal);
        }
    }
    Ok(standing)
}
