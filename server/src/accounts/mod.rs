//! Accounts: people who log in (a username is the person's id in the directory), the devices they log in
//! from, and their tokens. A login gives a short-lived access token and a refresh token; refreshing rotates
//! the refresh token, and a refresh token used twice revokes its device (it was copied). Failed logins are
//! throttled per username and per address. Passwords and tokens never reach a log.

mod console_sessions;
mod passwords;
mod roles;
pub mod standing_sessions;
mod tokens;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use zhiban_model::access::Viewer;
use zhiban_model::documents::directory::Role;

use crate::clock::Clock;
use crate::database::Database;
use crate::on_database;

pub use console_sessions::{CONSOLE_SESSION_TTL, ConsoleSession, new_form_token};
pub use passwords::MIN_LENGTH as MIN_PASSWORD_LENGTH;

/// How long tokens last and how many failed logins are allowed.
#[derive(Debug, Clone)]
pub struct AccountPolicy {
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Failed logins for one username within `failure_window` before further tries are refused.
    pub failures_per_user: i64,
    /// The same for one address (many usernames tried from one place).
    pub failures_per_address: i64,
    pub failure_window: Duration,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            failures_per_user: 5,
            failures_per_address: 20,
            failure_window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds the access token lasts.
    pub expires_in: u64,
    pub device_id: String,
    /// Who logged in: the phone checks its user's changes against the same access rules as the server.
    pub user: Principal,
    pub display_name: String,
}

/// Who is behind a valid access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: String,
    pub device_id: String,
    pub unit: String,
    pub roles: Vec<Role>,
}

impl Principal {
    /// The person as the access rules see them (their username is their person id in the directory).
    pub fn viewer(&self) -> Viewer {
        Viewer { person: self.username.clone(), unit: self.unit.clone(), roles: self.roles.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub username: String,
    pub name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub unit: String,
    pub roles: Vec<Role>,
    pub password: String,
}

/// A user added in bulk, whose password is given once for all (`add_users_sharing_password`).
#[derive(Debug, Clone)]
pub struct NewUserRecord {
    pub username: String,
    pub display_name: String,
    pub unit: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("username {0:?} is taken")]
    Taken(String),
    #[error("there is no user {0:?}")]
    NoSuchUser(String),
    #[error("there is no device {0:?}")]
    NoSuchDevice(String),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot hash the password: {0}")]
    Hashing(String),
    #[error("the account database did not answer: {0}")]
    Database(#[from] sqlx::Error),
}

/// Why a login or refresh was refused. The same words for an unknown user and a wrong password.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed logins; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("this account is disabled; ask an administrator")]
    Disabled,
    #[error("this refresh token is not valid; log in again")]
    BadRefreshToken,
    #[error("this refresh token was already used, so it was copied; the device is signed out, log in again")]
    RefreshReused,
    #[error("this device was signed out ({0}); log in again")]
    DeviceRevoked(String),
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Account(AccountError::Database(e))
    }
}

/// Why an access token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no access token; log in first")]
    Missing,
    #[error("the access token is not valid or has expired; refresh it or log in again")]
    Invalid,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

fn parse_roles(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::parse).collect()
}

#[derive(Clone, Debug)]
pub struct Accounts {
    database: Database,
    clock: Arc<dyn Clock>,
    policy: AccountPolicy,
}

impl Accounts {
    pub fn new(database: Database, clock: Arc<dyn Clock>, policy: AccountPolicy) -> Self {
        Self { database, clock, policy }
    }

    fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    fn check_password(password: &str) -> Result<(), AccountError> {
        if password.chars().count() < MIN_PASSWORD_LENGTH {
            return Err(AccountError::Invalid(format!("a password needs at least {MIN_PASSWORD_LENGTH} characters")));
        }
        Ok(())
    }

    fn check_user(username: &str, roles: &[Role]) -> Result<(), AccountError> {
        if username.is_empty() || !username.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)) {
            return Err(AccountError::Invalid(format!(
                "username {username:?} may hold only letters, digits, '-', '_' and '.'"
            )));
        }
        if roles.is_empty() {
            return Err(AccountError::Invalid("a user needs at least one role".into()));
        }
        Ok(())
    }

    pub async fn add_user(&self, user: NewUser) -> Result<(), AccountError> {
        let username = user.username.trim().to_owned();
        Self::check_user(&username, &user.roles)?;
        Self::check_password(&user.password)?;
        let hash = passwords::hash(user.password).await.map_err(AccountError::Hashing)?;
        let now = self.now();
        let inserted = on_database!(&self.database, pool => {
            sqlx::query(
                "INSERT INTO users (username, display_name, unit_id, roles, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING",
            )
            .bind(&username).bind(user.display_name.trim()).bind(user.unit.trim()).bind(roles_text(&user.roles))
            .bind(&hash).bind(now)
            .execute(pool).await?.rows_affected()
        });
        if inserted == 0 {
            return Err(AccountError::Taken(username));
        }
        Ok(())
    }

    /// Adds many users who start with the same password, hashed once, in one transaction: a staff list
    /// imported at once, or the load generator's ten thousand phones (hashing each would take minutes of
    /// CPU). Users already there stay as they are. Returns how many were added.
    pub async fn add_users_sharing_password(
        &self,
        users: &[NewUserRecord],
        password: String,
    ) -> Result<u64, AccountError> {
        for user in users {
            Self::check_user(user.username.trim(), &user.roles)?;
        }
        Self::check_password(&password)?;
        let hash = passwords::hash(password).await.map_err(AccountError::Hashing)?;
        let now = self.now();
        let added = on_database!(&self.database, pool => {
            let mut tx = pool.begin().await?;
            let mut added = 0;
            for user in users {
                added += sqlx::query(
                    "INSERT INTO users (username, display_name, unit_id, roles, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING",
                )
                .bind(user.username.trim()).bind(user.display_name.trim()).bind(user.unit.trim())
                .bind(roles_text(&user.roles)).bind(&hash).bind(now)
                .execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            added
        });
        Ok(added)
    }

    /// Sets a new password and signs the user out everywhere.
    pub async fn reset_password(&self, username: &str, password: String) -> Result<(), AccountError> {
        Self::check_password(&password)?;
        let hash = passwords::hash(password).await.map_err(AccountError::Hashing)?;
        let changed = on_database!(&self.database, pool => {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2").bind(&hash).bind(username)
                .execute(pool).await?.rows_affected()
        });
        if changed == 0 {
            return Err(AccountError::NoSuchUser(username.to_owned()));
        }
        self.revoke_devices_of(username, "password reset").await
    }

    /// Disables the account and signs it out everywhere; its records stay.
    pub async fn disable_user(&self, username: &str) -> Result<(), AccountError> {
        let now = self.now();
        let changed = on_database!(&self.database, pool => {
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE username = $2 AND disabled_at IS NULL")
                .bind(now).bind(username).execute(pool).await?.rows_affected()
        });
        if changed == 0 && !self.user_exists(username).await? {
            return Err(AccountError::NoSuchUser(username.to_owned()));
        }
        self.revoke_devices_of(username, "account disabled").await
    }

    async fn user_exists(&self, username: &str) -> Result<bool, AccountError> {
        let found: Option<String> = on_database!(&self.database, pool => {
            sqlx::query_scalar("SELECT username FROM users WHERE username = $1").bind(username).fetch_optional(pool).await?
        });
        Ok(found.is_some())
    }

    async fn revoke_devices_of(&self, username: &str, why: &str) -> Result<(), AccountError> {
        let now = self.now();
        on_database!(&self.database, pool => {
            sqlx::query("UPDATE devices SET revoked_at = $1, revoked_why = $2 WHERE username = $3 AND revoked_at IS NULL")
                .bind(now).bind(why).bind(username).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn devices(&self, username: Option<&str>) -> Result<Vec<Device>, AccountError> {
        type Row = (String, String, String, i64, i64, Option<i64>, Option<String>);
        let rows: Vec<Row> = on_database!(&self.database, pool => {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT device_id, username, name, created_at, last_seen_at, revoked_at, revoked_why FROM devices",
            );
            if let Some(u) = username {
                q.push(" WHERE username = ").push_bind(u.to_owned());
            }
            q.push(" ORDER BY username, created_at");
            q.build_query_as().fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(device_id, username, name, created_at, last_seen_at, revoked_at, why)| Device {
                device_id,
                username,
                name,
                created_at,
                last_seen_at,
                revoked: revoked_at.map(|_| why.unwrap_or_else(|| "revoked".into())),
            })
            .collect())
    }

    pub async fn revoke_device(&self, device_id: &str, why: &str) -> Result<(), AccountError> {
        let now = self.now();
        let changed = on_database!(&self.database, pool => {
            sqlx::query("UPDATE devices SET revoked_at = COALESCE(revoked_at, $1), revoked_why = COALESCE(revoked_why, $2) WHERE device_id = $3")
                .bind(now).bind(why).bind(device_id).execute(pool).await?.rows_affected()
        });
        if changed == 0 {
            return Err(AccountError::NoSuchDevice(device_id.to_owned()));
        }
        Ok(())
    }

    /// Seconds until `key` may try again, when it has used up its failures in the current window.
    async fn throttled(&self, key: &str, limit: i64) -> Result<Option<u64>, sqlx::Error> {
        let now = self.now();
        let window = self.policy.failure_window.as_millis() as i64;
        let row: Option<(i64, i64)> = on_database!(&self.database, pool => {
            sqlx::query_as("SELECT failures, window_start FROM login_failures WHERE throttle_key = $1")
                .bind(key).fetch_optional(pool).await?
        });
        Ok(match row {
            Some((failures, start)) if failures >= limit && now < start + window => {
                Some(((start + window - now) as u64).div_ceil(1000).max(1))
            }
            _ => None,
        })
    }

    async fn record_failure(&self, key: &str) -> Result<(), sqlx::Error> {
        let now = self.now();
        let window = self.policy.failure_window.as_millis() as i64;
        on_database!(&self.database, pool => {
            sqlx::query(
                "INSERT INTO login_failures (throttle_key, failures, window_start) VALUES ($1, 1, $2) \
                 ON CONFLICT (throttle_key) DO UPDATE SET \
                 failures = CASE WHEN login_failures.window_start + $3 <= $2 THEN 1 ELSE login_failures.failures + 1 END, \
                 window_start = CASE WHEN login_failures.window_start + $3 <= $2 THEN $2 ELSE login_failures.window_start END",
            )
            .bind(key).bind(now).bind(window).execute(pool).await?;
        });
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), sqlx::Error> {
        on_database!(&self.database, pool => {
            sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1").bind(key).execute(pool).await?;
        });
        Ok(())
    }

    /// Logs `username` in on a new device called `device_name`.
    pub async fn login(
        &self,
        username: &str,
        password: String,
        device_name: &str,
        address: Option<IpAddr>,
    ) -> Result<Tokens, LoginError> {
        self.verify_login(username, password, address).await?;
        Ok(self.sign_in_device(username, device_name).await?)
    }

    /// Checks `username`'s password, throttled per username and per address; a disabled account is refused.
    async fn verify_login(&self, username: &str, password: String, address: Option<IpAddr>) -> Result<(), LoginError> {
        let user_key = format!("user:{username}");
        let address_key = address.map(|a| format!("address:{a}"));
        let mut wait = self.throttled(&user_key, self.policy.failures_per_user).await?;
        if let Some(key) = &address_key {
            wait = wait.max(self.throttled(key, self.policy.failures_per_address).await?);
        }
        if let Some(retry_after_secs) = wait {
            return Err(LoginError::Throttled { retry_after_secs });
        }
        let row: Option<(String, Option<i64>)> = on_database!(&self.database, pool => {
            sqlx::query_as("SELECT password_hash, disabled_at FROM users WHERE username = $1")
                .bind(username).fetch_optional(pool).await?
        });
        let (stored, disabled) = match row {
            Some((hash, disabled)) => (Some(hash), disabled.is_some()),
            None => (None, false),
        };
        if !passwords::verify(password, stored).await {
            self.record_failure(&user_key).await?;
            if let Some(key) = &address_key {
                self.record_failure(key).await?;
            }
            tracing::info!(%username, "failed login");
            return Err(LoginError::BadCredentials);
        }
        if disabled {
            return Err(LoginError::Disabled);
        }
        self.clear_failures(&user_key).await?;
        Ok(())
    }

    /// A new device for `username`, signed in without a password: what a login does once the password is
    /// right, and what an operator holding the database may do for a device it provisions (the load
    /// generator's phones). A disabled or unknown user gets no device.
    pub async fn sign_in_device(&self, username: &str, device_name: &str) -> Result<Tokens, AccountError> {
        let device_id = self.add_device(username, device_name).await?;
        Ok(self.issue(&device_id).await?)
    }

    /// Registers a new device for `username` (not disabled), without tokens; returns its id.
    async fn add_device(&self, username: &str, device_name: &str) -> Result<String, AccountError> {
        let device_id = tokens::new_token(tokens::DEVICE);
        let now = self.now();
        let name = if device_name.trim().is_empty() { "unnamed device" } else { device_name.trim() };
        let inserted = on_database!(&self.database, pool => {
            sqlx::query(
                "INSERT INTO devices (device_id, username, name, created_at, last_seen_at) \
                 SELECT $1, username, $3, $4, $4 FROM users WHERE username = $2 AND disabled_at IS NULL",
            )
            .bind(&device_id).bind(username).bind(name).bind(now).execute(pool).await?.rows_affected()
        });
        if inserted == 0 {
            return Err(AccountError::NoSuchUser(username.to_owned()));
        }
        tracing::info!(%username, device = %device_id, "signed in");
        Ok(device_id)
    }

    async fn issue(&self, device_id: &str) -> Result<Tokens, sqlx::Error> {
        let now = self.now();
        let access = tokens::new_token(tokens::ACCESS);
        let refresh = tokens::new_token(tokens::REFRESH);
        let access_expires = now + self.policy.access_token_ttl.as_millis() as i64;
        let refresh_expires = now + self.policy.refresh_token_ttl.as_millis() as i64;
        let (username, display_name, unit, roles): (String, String, String, String) = on_database!(&self.database, pool => {
            sqlx::query_as(
                "SELECT u.username, u.display_name, u.unit_id, u.roles FROM devices d \
                 JOIN users u ON u.username = d.username WHERE d.device_id = $1",
            )
            .bind(device_id).fetch_one(pool).await?
        });
        on_database!(&self.database, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO access_tokens (token_hash, device_id, expires_at) VALUES ($1, $2, $3)")
                .bind(tokens::digest(&access)).bind(device_id).bind(access_expires).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO refresh_tokens (token_hash, device_id, expires_at) VALUES ($1, $2, $3)")
                .bind(tokens::digest(&refresh)).bind(device_id).bind(refresh_expires).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM access_tokens WHERE device_id = $1 AND expires_at < $2")
                .bind(device_id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(Tokens {
            access_token: access,
            refresh_token: refresh,
            expires_in: self.policy.access_token_ttl.as_secs(),
            device_id: device_id.to_owned(),
            user: Principal { username, device_id: device_id.to_owned(), unit, roles: parse_roles(&roles) },
            display_name,
        })
    }

    /// Exchanges a refresh token for new tokens; the old refresh token is used up.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, LoginError> {
        let now = self.now();
        let digest = tokens::digest(refresh_token);
        type Row = (String, i64, Option<i64>, Option<i64>, Option<String>, Option<i64>);
        let row: Option<Row> = on_database!(&self.database, pool => {
            sqlx::query_as(
                "SELECT r.device_id, r.expires_at, r.used_at, d.revoked_at, d.revoked_why, u.disabled_at \
                 FROM refresh_tokens r JOIN devices d ON d.device_id = r.device_id \
                 JOIN users u ON u.username = d.username WHERE r.token_hash = $1",
            )
            .bind(&digest).fetch_optional(pool).await?
        });
        let Some((device_id, expires_at, used_at, revoked_at, why, disabled_at)) = row else {
            return Err(LoginError::BadRefreshToken);
        };
        if disabled_at.is_some() {
            return Err(LoginError::Disabled);
        }
        if revoked_at.is_some() {
            return Err(LoginError::DeviceRevoked(why.unwrap_or_else(|| "revoked".into())));
        }
        if used_at.is_some() {
            self.revoke_device(&device_id, "a refresh token was used twice").await?;
            tracing::warn!(device = %device_id, "refresh token reused; device revoked");
            return Err(LoginError::RefreshReused);
        }
        if expires_at <= now {
            return Err(LoginError::BadRefreshToken);
        }
        // Only one refresh may use the token, even two arriving at once.
        let claimed = on_database!(&self.database, pool => {
            sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
                .bind(now).bind(&digest).execute(pool).await?.rows_affected()
        });
        if claimed == 0 {
            self.revoke_device(&device_id, "a refresh token was used twice").await?;
            return Err(LoginError::RefreshReused);
        }
        on_database!(&self.database, pool => {
            sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE device_id = $2").bind(now).bind(&device_id).execute(pool).await?;
        });
        Ok(self.issue(&device_id).await?)
    }

    /// Every user who may log in, as the access rules see them: whose home a change may alter.
    pub async fn active_viewers(database: &Database) -> Result<Vec<Viewer>, sqlx::Error> {
        let rows: Vec<(String, String, String)> = on_database!(database, pool => {
            sqlx::query_as("SELECT username, unit_id, roles FROM users WHERE disabled_at IS NULL ORDER BY username")
                .fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(person, unit, roles)| Viewer { person, unit, roles: parse_roles(&roles) }).collect())
    }

    /// Who an access token belongs to, if it is valid now.
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal, AuthError> {
        let now = self.now();
        type Row = (String, String, String, String);
        let row: Option<Row> = on_database!(&self.database, pool => {
            sqlx::query_as(
                "SELECT u.username, d.device_id, u.unit_id, u.roles FROM access_tokens a \
                 JOIN devices d ON d.device_id = a.device_id JOIN users u ON u.username = d.username \
                 WHERE a.token_hash = $1 AND a.expires_at > $2 AND d.revoked_at IS NULL AND u.disabled_at IS NULL",
            )
            .bind(tokens::digest(access_token)).bind(now).fetch_optional(pool).await?
        });
        let (username, device_id, unit, roles) = row.ok_or(AuthError::Invalid)?;
        Ok(Principal { username, device_id, unit, roles: parse_roles(&roles) })
    }
}
