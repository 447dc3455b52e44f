//! Who each actor id belongs to: the first user who wrote under it (`actor_bindings`, bound when their
//! change is stored). A binding never changes once made, so what this server has read of them is kept, and
//! a phone's later changes under the same actor are checked without asking the database.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::db::Database;
use crate::db::change_log::ChangeReceipt;

/// Bindings remembered at most; past it the memory starts again (a phone's next change reads it anew).
const REMEMBERED: usize = 100_000;

#[derive(Default)]
pub struct ActorOwners {
    known: Mutex<HashMap<String, String>>,
}

impl ActorOwners {
    /// Actors among these receipts already bound to a user other than the one who delivered them. One query
    /// per distinct actor not yet known here (a message's changes usually share one), none for changes
    /// delivered without a login.
    pub async fn foreign(&self, database: &Database, receipts: &[ChangeReceipt]) -> Result<Vec<String>, sqlx::Error> {
        let delivered: BTreeSet<(&str, &str)> =
            receipts.iter().filter_map(|r| r.username.as_deref().map(|u| (r.actor.as_str(), u))).collect();
        let mut foreign = Vec::new();
        for (actor, username) in delivered {
            let owner = match self.remembered(actor) {
                Some(owner) => Some(owner),
                None => {
                    let owner = crate::db::change_log::actor_owner(database, actor).await?;
                    if let Some(owner) = &owner {
                        self.remember(actor, owner);
                    }
                    owner
                }
            };
            if owner.is_some_and(|owner| owner != username) {
                foreign.push(actor.to_owned());
            }
        }
        Ok(foreign)
    }

    fn remembered(&self, actor: &str) -> Option<String> {
        self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(actor).cloned()
    }

    fn remember(&self, actor: &str, owner: &str) {
        let mut known = self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(actor.to_owned(), owner.to_owned());
    }
}
