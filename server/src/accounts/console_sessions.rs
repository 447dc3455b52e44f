//! Sessions of the duty desk's web console. Signing in through the console is a login like a phone's (the
//! same password check and throttling) that makes a device named for the browser; the browser then holds a
//! random session id in an `HttpOnly` cookie, and the session carries the token every form must post back
//! (CSRF). A session ends when it is signed out, when it expires, when its device is revoked or its user
//! disabled.

use std::net::IpAddr;
use std::time::Duration;

use super::{AccountError, Accounts, AuthError, LoginError, Principal, tokens};
use crate::db::{self, console_sessions::NewConsoleSession};

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
        let session = NewConsoleSession {
            session_hash: &tokens::digest(&session_id),
            device_id: &device_id,
            csrf_token: &csrf_token,
            expires_at: expires,
        };
        db::console_sessions::open(&self.database, session, now).await?;
        Ok(session_id)
    }

    /// The session a console cookie names, if it is valid now.
    pub async fn console_session(&self, session_id: &str) -> Result<ConsoleSession, AuthError> {
        let session = db::console_sessions::standing(&self.database, &tokens::digest(session_id), self.now()).await?;
        session.ok_or(AuthError::Invalid)
    }

    /// Signs a console out: its session ends and its device is revoked.
    pub async fn close_console_session(&self, device_id: &str) -> Result<(), AccountError> {
        db::console_sessions::close(&self.database, device_id).await?;
        self.revoke_device(device_id, "signed out of the console").await
    }
}

/// A token for a form posted before there is a session (the sign-in form).
pub fn new_form_token() -> String {
    tokens::new_token(tokens::CSRF)
}
