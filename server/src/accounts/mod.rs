//! Accounts: people who log in (a username is the person's id in the directory), the devices they log in
//! from, and their tokens. A login gives a short-lived access token and a refresh token; refreshing rotates
//! the refresh token, and a refresh token used twice revokes its device (it was copied). Failed logins are
//! throttled per username and address, per address, and per username (`login.rs`). Passwords and tokens
//! never reach a log.

mod console_sessions;
mod login;
mod passwords;
mod roles;
pub mod standing_sessions;
mod tokens;

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use zhiban_model::access::Viewer;
use zhiban_model::documents::directory::Role;

use crate::clock::Clock;
use crate::db::{self, Database};

pub use console_sessions::{CONSOLE_SESSION_TTL, ConsoleSession, new_form_token};
pub use login::Throttle;
pub use passwords::MIN_LENGTH as MIN_PASSWORD_LENGTH;
pub use passwords::PasswordGate;

/// How long tokens last, how failed logins are throttled, and how many passwords are checked at once: the
/// numbers, and their reasons in SECURITY.md ("Login").
#[derive(Debug, Clone)]
pub struct AccountPolicy {
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Failed logins for one username from one address: the person at their usual place, delayed more with
    /// each failure but never walled off, and untouched by failures from anywhere else.
    pub per_user_at_address: Throttle,
    /// Failed logins from one address whatever the username (one place trying many).
    pub per_address: Throttle,
    /// Failed logins for one username from addresses it has not logged in from within
    /// `known_address_memory`: a ceiling for guessing spread over many addresses.
    pub per_user: Throttle,
    /// How long an address where a user logged in stays theirs (exempt from `per_user`).
    pub known_address_memory: Duration,
    /// Argon2 hashes at once, and the logins that may wait for a turn. Clones share it: one bound per server.
    pub password_checks: PasswordGate,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        // After the free failures: 1 s, 2 s, 4 s … up to 15 min between attempts (reached after 15 failures
        // in all); an hour without an attempt and the count is forgotten.
        let progressive = |free| Throttle {
            free,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
            memory: Duration::from_secs(3600),
        };
        let hour = Duration::from_secs(3600);
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            per_user_at_address: progressive(5),
            per_address: progressive(20),
            // 100 failures from unknown addresses, then none for an hour after the last.
            per_user: Throttle { free: 100, first_delay: hour, max_delay: hour, memory: hour },
            known_address_memory: Duration::from_secs(90 * 24 * 3600),
            password_checks: PasswordGate::default(),
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
    #[error("the server is busy checking other logins; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
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

#[derive(Clone, Debug)]
pub struct Accounts {
    database: Database,
    clock: Arc<dyn Clock>,
    policy: AccountPolicy,
    /// When throttle counts nobody needs were last removed (unix ms).
    last_sweep: Arc<AtomicI64>,
}

impl Accounts {
    pub fn new(database: Database, clock: Arc<dyn Clock>, policy: AccountPolicy) -> Self {
        Self { database, clock, policy, last_sweep: Arc::new(AtomicI64::new(0)) }
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
        let hash = passwords::hash(&self.policy.password_checks, user.password).await.map_err(AccountError::Hashing)?;
        let account = db::accounts::NewAccount {
            username: &username,
            display_name: user.display_name.trim(),
            unit: user.unit.trim(),
            roles: &user.roles,
        };
        if !db::accounts::add(&self.database, account, &hash, self.now()).await? {
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
        let hash = passwords::hash(&self.policy.password_checks, password).await.map_err(AccountError::Hashing)?;
        let accounts: Vec<_> = users
            .iter()
            .map(|user| db::accounts::NewAccount {
                username: user.username.trim(),
                display_name: user.display_name.trim(),
                unit: user.unit.trim(),
                roles: &user.roles,
            })
            .collect();
        Ok(db::accounts::add_all(&self.database, &accounts, &hash, self.now()).await?)
    }

    /// Sets a new password and signs the user out everywhere.
    pub async fn reset_password(&self, username: &str, password: String) -> Result<(), AccountError> {
        Self::check_password(&password)?;
        let hash = passwords::hash(&self.policy.password_checks, password).await.map_err(AccountError::Hashing)?;
        if !db::accounts::set_password_hash(&self.database, username, &hash).await? {
            return Err(AccountError::NoSuchUser(username.to_owned()));
        }
        self.revoke_devices_of(username, "password reset").await
    }

    /// Disables the account and signs it out everywhere; its records stay.
    pub async fn disable_user(&self, username: &str) -> Result<(), AccountError> {
        let disabled = db::accounts::disable(&self.database, username, self.now()).await?;
        if !disabled && !db::accounts::exists(&self.database, username).await? {
            return Err(AccountError::NoSuchUser(username.to_owned()));
        }
        self.revoke_devices_of(username, "account disabled").await
    }

    async fn revoke_devices_of(&self, username: &str, why: &str) -> Result<(), AccountError> {
        Ok(db::devices::revoke_all_of(&self.database, username, why, self.now()).await?)
    }

    pub async fn devices(&self, username: Option<&str>) -> Result<Vec<Device>, AccountError> {
        Ok(db::devices::list(&self.database, username).await?)
    }

    pub async fn revoke_device(&self, device_id: &str, why: &str) -> Result<(), AccountError> {
        if !db::devices::revoke(&self.database, device_id, why, self.now()).await? {
            return Err(AccountError::NoSuchDevice(device_id.to_owned()));
        }
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
        let name = if device_name.trim().is_empty() { "unnamed device" } else { device_name.trim() };
        if !db::devices::add(&self.database, &device_id, username, name, self.now()).await? {
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
        let holder = db::devices::holder(&self.database, device_id).await?;
        let new_tokens = db::devices::NewTokens {
            device_id,
            access_hash: &tokens::digest(&access),
            access_expires_at: access_expires,
            refresh_hash: &tokens::digest(&refresh),
            refresh_expires_at: refresh_expires,
        };
        db::devices::add_tokens(&self.database, new_tokens, now).await?;
        Ok(Tokens {
            access_token: access,
            refresh_token: refresh,
            expires_in: self.policy.access_token_ttl.as_secs(),
            device_id: device_id.to_owned(),
            user: holder.principal,
            display_name: holder.display_name,
        })
    }

    /// Exchanges a refresh token for new tokens; the old refresh token is used up.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, LoginError> {
        let now = self.now();
        let digest = tokens::digest(refresh_token);
        let Some(stored) = db::devices::refresh_token(&self.database, &digest).await? else {
            return Err(LoginError::BadRefreshToken);
        };
        let device_id = stored.device_id;
        if stored.disabled {
            return Err(LoginError::Disabled);
        }
        if let Some(why) = stored.revoked {
            return Err(LoginError::DeviceRevoked(why));
        }
        if stored.used {
            self.revoke_device(&device_id, "a refresh token was used twice").await?;
            tracing::warn!(device = %device_id, "refresh token reused; device revoked");
            return Err(LoginError::RefreshReused);
        }
        if stored.expires_at <= now {
            return Err(LoginError::BadRefreshToken);
        }
        // Only one refresh may use the token, even two arriving at once.
        if !db::devices::use_refresh_token(&self.database, &digest, now).await? {
            self.revoke_device(&device_id, "a refresh token was used twice").await?;
            return Err(LoginError::RefreshReused);
        }
        db::devices::seen(&self.database, &device_id, now).await?;
        Ok(self.issue(&device_id).await?)
    }

    /// Every user who may log in, as the access rules see them: whose home a change may alter.
    pub async fn active_viewers(database: &Database) -> Result<Vec<Viewer>, sqlx::Error> {
        db::accounts::active_viewers(database).await
    }

    /// Who an access token belongs to, if it is valid now.
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal, AuthError> {
        let holder =
            db::devices::access_token_holder(&self.database, &tokens::digest(access_token), self.now()).await?;
        holder.ok_or(AuthError::Invalid)
    }
}
