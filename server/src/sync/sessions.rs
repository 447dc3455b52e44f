//! The sync connections open on this server, by the device session they were opened with, so that a socket
//! does not outlive its session: a device signed out (logout, an administrator's revoke, a password reset),
//! an account disabled, or a person whose unit or roles changed, in the accounts or in the directory, has
//! its sockets ended within seconds, wherever the change was made (this process, an `admin` command, another
//! server). The accounts' triggers write `session_events`; the store tells the hub (PostgreSQL's `NOTIFY`,
//! SQLite's watch), and the hub asks [`LiveSessions::recheck`].
//!
//! A session that ended is closed with an `error` whose refusal names [`SESSION_ENDED_RULE`]: the phone says
//! "login required" and keeps its unsent work. A changed one names [`SESSION_CHANGED_RULE`]: its token still
//! stands, and the phone reconnects at once to be served with the person's new rights. An access token's
//! ordinary expiry ends nothing: sessions are checked by device, and phones refresh their tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use zhiban_model::documents::directory::{Directory, Role};
use zhiban_model::refusal::Refusal;
use zhiban_model::wire::{SESSION_CHANGED_RULE, SESSION_ENDED_RULE};
use zhiban_model::{Message, PeerId};

use super::outbound::{ConnectionId, Outbound};
use crate::accounts::standing_sessions;
use crate::db::Database;

/// A person's line in the directory, as far as what they may see depends on it.
type Listing = Option<(String, Vec<Role>)>;

fn listing(directory: &Directory, person: &str) -> Listing {
    directory.people.get(person).map(|p| (p.unit.clone(), p.roles.clone()))
}

struct Open {
    outbound: Outbound,
    /// The person's directory line when the connection opened.
    listed: Listing,
}

#[derive(Default)]
pub struct LiveSessions {
    open: Mutex<HashMap<ConnectionId, Open>>,
}

/// One connection listed until it is dropped, however its task ends.
pub struct LiveSession {
    sessions: Arc<LiveSessions>,
    connection: ConnectionId,
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.sessions.lock().remove(&self.connection);
    }
}

impl LiveSessions {
    /// Lists a connection that has joined, with its person's directory line as it is now.
    pub fn register(self: &Arc<Self>, outbound: &Outbound, directory: &Directory) -> LiveSession {
        let listed = listing(directory, &outbound.principal.username);
        self.lock().insert(outbound.connection, Open { outbound: outbound.clone(), listed });
        LiveSession { sessions: self.clone(), connection: outbound.connection }
    }

    /// Connections open now.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Asks the accounts whether the sessions of `people`'s connections (every connection when `None`) still
    /// stand as they were opened, and ends those that do not. Returns how many were ended. A database that
    /// does not answer ends nothing: the next notice asks again.
    pub async fn recheck(
        &self,
        database: &Database,
        people: Option<&[String]>,
        server_peer: &PeerId,
    ) -> Result<usize, sqlx::Error> {
        let asked: Vec<(ConnectionId, String)> = self
            .lock()
            .iter()
            .filter(|(_, open)| people.is_none_or(|people| people.contains(&open.outbound.principal.username)))
            .map(|(connection, open)| (*connection, open.outbound.principal.device_id.clone()))
            .collect();
        if asked.is_empty() {
            return Ok(0);
        }
        let mut devices: Vec<String> = asked.iter().map(|(_, device)| device.clone()).collect();
        devices.sort();
        devices.dedup();
        let standing = standing_sessions::standing(database, &devices).await?;
        let mut ended = 0;
        let open = self.lock();
        for (connection, device) in asked {
            let Some(open) = open.get(&connection) else { continue };
            let refusal = match standing.get(&device) {
                None => Some(Refusal::new(
                    SESSION_ENDED_RULE,
                    "this device is signed out (signed out on it, revoked, the password reset or the account \
                     disabled); log in again, nothing on the phone is lost",
                    "此设备已退出登录（在本机退出、被吊销、密码被重置或账号被停用）；请重新登录，手机上的内容不会丢失",
                )),
                Some(now) if *now != *open.outbound.principal => {
                    let person = &open.outbound.principal.username;
                    Some(Refusal::new(
                        SESSION_CHANGED_RULE,
                        format!("{person}'s unit or roles changed; reconnect to be served with them"),
                        format!("{person} 的单位或角色已变更；重新连接后按新的权限同步"),
                    ))
                }
                Some(_) => None,
            };
            if let Some(refusal) = refusal {
                end(&open.outbound, server_peer, refusal);
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Ends the connections of people whose directory line (unit, roles) is not what it was when they
    /// connected. Returns how many were ended.
    pub fn directory_changed(&self, directory: &Directory, server_peer: &PeerId) -> usize {
        let open = self.lock();
        let mut ended = 0;
        for open in open.values() {
            let person = &open.outbound.principal.username;
            if listing(directory, person) != open.listed {
                let refusal = Refusal::new(
                    SESSION_CHANGED_RULE,
                    format!("{person}'s line in the directory changed; reconnect to be served with it"),
                    format!("{person} 在通讯录中的条目已变更；重新连接后按新的条目同步"),
                );
                end(&open.outbound, server_peer, refusal);
                ended += 1;
            }
        }
        ended
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnectionId, Open>> {
        // Only the list is kept under this lock; a panic elsewhere cannot leave it half-written.
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Tells the peer why, closes its connection, and stops reading what it sends.
fn end(outbound: &Outbound, server_peer: &PeerId, refusal: Refusal) {
    tracing::info!(user = %outbound.principal.username, device = %outbound.principal.device_id, rule = %refusal.rule, "session ended or changed; closing its connection");
    outbound.close_now(Message::Error {
        sender_id: Some(server_peer.clone()),
        target_id: Some(outbound.peer_id.clone()),
        message: refusal.to_string(),
        document_id: None,
        refusals: vec![refusal],
    });
}
