//! Changing what an account may do: its unit and roles. The person's open sync sockets end at once, on
//! every server (the accounts' trigger writes a `session_event`), and reconnect with the new rights; their
//! devices stay signed in.

use zhiban_model::documents::directory::Role;

use super::{AccountError, Accounts};
use crate::db;

impl Accounts {
    /// Gives `username` these roles, and this unit when one is given.
    pub async fn set_roles(&self, username: &str, unit: Option<&str>, roles: &[Role]) -> Result<(), AccountError> {
        Self::check_user(username, roles)?;
        if !db::accounts::set_unit_and_roles(&self.database, username, unit.map(str::trim), roles).await? {
            return Err(AccountError::NoSuchUser(username.to_owned()));
        }
        Ok(())
    }
}
