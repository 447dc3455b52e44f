//! Whose sessions still stand: for the sync sockets a server holds, which devices are still signed in and
//! who their person is now (unit and roles as the accounts hold them), so a socket outlives neither its
//! device's sign-out nor a change of its person's rights.

use std::collections::HashMap;

use super::{Principal, parse_roles};
use crate::database::Database;
use crate::on_database;

/// Device ids asked about in one query; a server may hold thousands of sockets.
const DEVICES_PER_QUERY: usize = 500;

/// Of `device_ids`, those whose session stands (device not signed out, account not disabled), each with its
/// person as they are now. A device missing from the answer is signed out. An access token's expiry does not
/// end a session: the device refreshes it.
pub async fn standing(database: &Database, device_ids: &[String]) -> Result<HashMap<String, Principal>, sqlx::Error> {
    let mut standing = HashMap::new();
    for batch in device_ids.chunks(DEVICES_PER_QUERY) {
        let rows: Vec<(String, String, String, String)> = on_database!(database, pool => {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT d.device_id, u.username, u.unit_id, u.roles FROM devices d JOIN users u ON u.username = d.username \
                 WHERE d.revoked_at IS NULL AND u.disabled_at IS NULL AND d.device_id IN (",
            );
            let mut ids = query.separated(", ");
            for id in batch {
                ids.push_bind(id.clone());
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        });
        for (device_id, username, unit, roles) in rows {
            let principal = Principal { username, device_id: device_id.clone(), unit, roles: parse_roles(&roles) };
            standing.insert(device_id, principal);
        }
    }
    Ok(standing)
}
