//! Sessions of the duty desk's web console. Signing in through the console is a login like a phone's (the
//! same password check and throttling) that makes a device named for the browser; the browser then holds a
//! random session id in an `HttpOnly` cookie, and the session carries the token every form must post back
//! (CSRF). A session ends when it is signed out, when it expires, when its device is revoked or its user
//! disabled.

use std::net::IpAddr;
use std::time::Duration;

use super::{AccountError, Accounts, AuthError, LoginError, Principal, parse_roles, tokens};
use crate::on_database;

/// How long a console stays signed in: one duty shift and its handover.
pub const CONSOLE_SESSION_TTL: Duration = Duration::from_secs(26 * 3600);

/// Who a console session belongs to, and the token its forms carry.
pub struct ConsoleSession {
    pub principal: Principal,
    pub csrf_token: String,
}

impl Accounts {
    /// Checks the password (throttled like any login) and opens a console session on a new device (no
    /// tokens: the browser holds only the session cookie); returns the cookie's value. Sessions that have
    /// expired are cleared at the same time.
    pub async fn open_console_session(
        &self,
        username: &str,
        password: String,
        browser: &str,
        address: Option<IpAddr>,
    ) -> Result<String, LoginError> {
        self.verify_login(username, password, address).await?;
        let device_id = self.add_device(username, &format!("网页值班台 {browser}")).await?;
        let session_id = tokens::new_token(tokens::CONSOLE_SESSION);
        let csrf_token = tokens::new_token(tokens::CSRF);
        let now = self.now();
        let expires = now + CONSOLE_SESSION_TTL.as_millis() as i64;
        on_database!(&self.database, pool => {
            let mut tx = pool.begin().await.map_err(AccountError::from)?;
            sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
                .bind(now).execute(&mut *tx).await.map_err(AccountError::from)?;
            sqlx::query(
                "INSERT INTO console_sessions (session_hash, device_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(tokens::digest(&session_id)).bind(&device_id).bind(&csrf_token).bind(now).bind(expires)
            .execute(&mut *tx).await.map_err(AccountError::from)?;
            tx.commit().await.map_err(AccountError::from)?;
        });
        Ok(session_id)
    }

    /// The session a console cookie names, if it is valid now.
    pub async fn console_session(&self, session_id: &str) -> Result<ConsoleSession, AuthError> {
        let now = self.now();
        type Row = (String, String, String, String, String);
        let row: Option<Row> = on_database!(&self.database, pool => {
            sqlx::query_as(
                "SELECT u.username, d.device_id, u.unit_id, u.roles, s.csrf_token FROM console_sessions s \
                 JOIN devices d ON d.device_id = s.device_id JOIN users u ON u.username = d.username \
                 WHERE s.session_hash = $1 AND s.expires_at > $2 AND d.revoked_at IS NULL AND u.disabled_at IS NULL",
            )
            .bind(tokens::digest(session_id)).bind(now).fetch_optional(pool).await?
        });
        let (username, device_id, unit, roles, csrf_token) = row.ok_or(AuthError::Invalid)?;
        Ok(ConsoleSession {
            principal: Principal { username, device_id, unit, roles: parse_roles(&roles) },
            csrf_token,
        })
    }

    /// Signs a console out: its session ends and its device is revoked.
    pub async fn close_console_session(&self, device_id: &str) -> Result<(), AccountError> {
        on_database!(&self.database, pool => {
            sqlx::query("DELETE FROM console_sessions WHERE device_id = $1").bind(device_id).execute(pool).await?;
        });
        self.revoke_device(device_id, "signed out of the console").await
    }
}

/// A token for a form posted before there is a session (the sign-in form).
pub fn new_form_token() -> String {
    tokens::new_token(tokens::CSRF)
}
