//! People who log in (`users`): their names, unit, roles, password hash, and whether they are disabled.
//! Changing `disabled_at`, `unit_id` or `roles` ends the person's sync sockets on every server: the table's
//! trigger writes a `session_events` row (migration 0019).

use zhiban_model::access::Viewer;
use zhiban_model::documents::directory::Role;

use super::Database;
use crate::on_conn;

/// A user to add, as written: the accounts trim and check it first.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub unit: &'a str,
    pub roles: &'a [Role],
}

/// A user's stored password, for a login to check.
#[derive(Debug, Clone)]
pub struct StoredPassword {
    /// argon2id, a PHC string.
    pub hash: String,
    pub disabled: bool,
}

/// Roles as the `roles` column holds them: codes joined by commas.
pub(super) fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

/// The `roles` column read back; a code this server does not know is left out.
pub(super) fn parse_roles(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::parse).collect()
}

const ADD: &str = "INSERT INTO users (username, display_name, unit_id, roles, password_hash, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING";

/// Adds `account` with `password_hash`; false when its username is taken (the one there stays as it is).
pub async fn add(
    database: &Database,
    account: NewAccount<'_>,
    password_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let added = on_conn!(pooled.conn(), c => {
        sqlx::query(ADD)
            .bind(account.username).bind(account.display_name).bind(account.unit).bind(roles_text(account.roles))
            .bind(password_hash).bind(now)
            .execute(c).await?.rows_affected()
    });
    Ok(added > 0)
}

/// Adds every one of `accounts` with the same `password_hash`, in one transaction; usernames already taken
/// are passed over. Returns how many were added.
pub async fn add_all(
    database: &Database,
    accounts: &[NewAccount<'_>],
    password_hash: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut tx = database.begin().await?;
    let mut added = 0;
    on_conn!(tx.conn(), c => {
        for account in accounts {
            added += sqlx::query(ADD)
                .bind(account.username).bind(account.display_name).bind(account.unit)
                .bind(roles_text(account.roles)).bind(password_hash).bind(now)
                .execute(&mut *c).await?.rows_affected();
        }
    });
    tx.commit().await?;
    Ok(added)
}

/// Whether there is a user `username` (disabled or not).
pub async fn exists(database: &Database, username: &str) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let found: Option<String> = on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT username FROM users WHERE username = $1").bind(username).fetch_optional(c).await?
    });
    Ok(found.is_some())
}

/// `username`'s password hash and whether the account is disabled; `None` when there is no such user.
pub async fn password_of(database: &Database, username: &str) -> Result<Option<StoredPassword>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let row: Option<(String, Option<i64>)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT password_hash, disabled_at FROM users WHERE username = $1")
            .bind(username).fetch_optional(c).await?
    });
    Ok(row.map(|(hash, disabled_at)| StoredPassword { hash, disabled: disabled_at.is_some() }))
}

/// Replaces `username`'s password hash; false when there is no such user. Their devices stay signed in
/// (the accounts revoke them).
pub async fn set_password_hash(database: &Database, username: &str, password_hash: &str) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let changed = on_conn!(pooled.conn(), c => {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
            .bind(password_hash).bind(username).execute(c).await?.rows_affected()
    });
    Ok(changed > 0)
}

/// Disables `username` as of `now`; false when there is no such user or it was disabled already (the first
/// time stays).
pub async fn disable(database: &Database, username: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let changed = on_conn!(pooled.conn(), c => {
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE username = $2 AND disabled_at IS NULL")
            .bind(now).bind(username).execute(c).await?.rows_affected()
    });
    Ok(changed > 0)
}

/// Gives `username` these roles, and this unit when one is given; false when there is no such user.
pub async fn set_unit_and_roles(
    database: &Database,
    username: &str,
    unit: Option<&str>,
    roles: &[Role],
) -> Result<bool, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let changed = on_conn!(pooled.conn(), c => {
        sqlx::query("UPDATE users SET roles = $1, unit_id = COALESCE($2, unit_id) WHERE username = $3")
            .bind(roles_text(roles)).bind(unit).bind(username).execute(c).await?.rows_affected()
    });
    Ok(changed > 0)
}

/// Every user who may log in (not disabled), as the access rules see them, by username.
pub async fn active_viewers(database: &Database) -> Result<Vec<Viewer>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<(String, String, String)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT username, unit_id, roles FROM users WHERE disabled_at IS NULL ORDER BY username")
            .fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(person, unit, roles)| Viewer { person, unit, roles: parse_roles(&roles) }).collect())
}
