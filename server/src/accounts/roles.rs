//! Changing what an account may do: its unit and roles. The person's open sync sockets end at once, on
//! every server (the accounts' trigger writes a `session_event`), and reconnect with the new rights; their
//! devices stay signed in.

use zhiban_model::documents::directory::Role;

use super::{AccountError, Accounts, roles_text};
use crate::on_database;

impl Accounts {
    /// Gives `username` these roles, and this unit when one is given.
    pub async fn set_roles(&self, username: &str, unit: Option<&str>, roles: &[Role]) -> Result<(), AccountError> {
        Self::check_user(username, roles)?;
        let changed = on_database!(&self.database, pool => {
            sqlx::query("UPDATE users SET roles = $1, unit_id = COALESCE($2, unit_id) WHERE username = $3")
                .bind(roles_text(roles)).bind(unit.map(str::trim)).bind(username)
                .execute(pool).await?.rows_affected()
        });
        if changed == 0 {
            return Err(AccountError::NoSuchUser(username.to_owned()));
        }
        Ok(())
    }
}
