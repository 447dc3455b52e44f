//! Whose sessions still stand: for the sync sockets a server holds, which devices are still signed in and
//! who their person is now (unit and roles as the accounts hold them), so a socket outlives neither its
//! device's sign-out nor a change of its person's rights.

use std::collections::HashMap;

use super::Principal;
use crate::db::{self, Database};

/// Of `device_ids`, those whose session stands (device not signed out, account not disabled), each with its
/// person as they are now. A device missing from the answer is signed out. An access token's expiry does not
/// end a session: the device refreshes it.
pub async fn standing(database: &Database, device_ids: &[String]) -> Result<HashMap<String, Principal>, sqlx::Error> {
    db::devices::standing(database, device_ids).await
}
