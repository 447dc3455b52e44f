//! The web console's sessions (`console_sessions`): a browser's session cookie by its SHA-256, on a device of
//! its own, with the token its forms carry. A session stands while it has not expired, its device is not
//! revoked and its user not disabled.

use super::Database;
use super::accounts::parse_roles;
use crate::accounts::{ConsoleSession, Principal};
use crate::on_conn;

/// A session to open.
#[derive(Debug, Clone, Copy)]
pub struct NewConsoleSession<'a> {
    pub session_hash: &'a str,
    pub device_id: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: i64,
}

/// Opens `session` as of `now`, and clears the sessions expired by then, in one transaction.
pub async fn open(database: &Database, session: NewConsoleSession<'_>, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = database.begin().await?;
    on_conn!(tx.conn(), c => {
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1").bind(now).execute(&mut *c).await?;
        sqlx::query(
            "INSERT INTO console_sessions (session_hash, device_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.session_hash).bind(session.device_id).bind(session.csrf_token).bind(now)
        .bind(session.expires_at)
        .execute(&mut *c).await?;
    });
    tx.commit().await
}

/// The session whose cookie's digest is `session_hash`, if it stands `now`.
pub async fn standing(
    database: &Database,
    session_hash: &str,
    now: i64,
) -> Result<Option<ConsoleSession>, sqlx::Error> {
    type Row = (String, String, String, String, String);
    let mut pooled = database.acquire().await?;
    let row: Option<Row> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT u.username, d.device_id, u.unit_id, u.roles, s.csrf_token FROM console_sessions s \
             JOIN devices d ON d.device_id = s.device_id JOIN users u ON u.username = d.username \
             WHERE s.session_hash = $1 AND s.expires_at > $2 AND d.revoked_at IS NULL AND u.disabled_at IS NULL",
        )
        .bind(session_hash).bind(now).fetch_optional(c).await?
    });
    Ok(row.map(|(username, device_id, unit, roles, csrf_token)| ConsoleSession {
        principal: Principal { username, device_id, unit, roles: parse_roles(&roles) },
        csrf_token,
    }))
}

/// Ends the sessions of `device_id` (its device stays until the accounts revoke it).
pub async fn close(database: &Database, device_id: &str) -> Result<(), sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query("DELETE FROM console_sessions WHERE device_id = $1").bind(device_id).execute(c).await?;
    });
    Ok(())
}
