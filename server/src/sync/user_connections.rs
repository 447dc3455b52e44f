//! How many sync connections each user has open on this server, so one account (a leaked token, a phone
//! stuck reconnecting in a loop) cannot hold every socket and document the server has.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct UserConnections {
    open: Mutex<HashMap<String, usize>>,
}

/// One connection counted for its user until it is dropped, however the connection's task ends (a panic
/// too), so a user is never locked out by connections that no longer exist.
pub struct UserConnection {
    connections: Arc<UserConnections>,
    username: String,
}

impl UserConnections {
    /// Counts one more connection for `username`; `None` when they already have `limit` open.
    pub fn open(self: &Arc<Self>, username: &str, limit: usize) -> Option<UserConnection> {
        let mut open = self.lock();
        let count = open.entry(username.to_owned()).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(UserConnection { connections: self.clone(), username: username.to_owned() })
    }

    /// Connections `username` has open now.
    pub fn count(&self, username: &str) -> usize {
        self.lock().get(username).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        // Only counts are kept under this lock; a panic elsewhere cannot leave them half-written.
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for UserConnection {
    fn drop(&mut self) {
        let mut open = self.connections.lock();
        if let Some(count) = open.get_mut(&self.username) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.username);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_to_the_limit_and_frees_on_drop() {
        let connections = Arc::new(UserConnections::default());
        let first = connections.open("li", 2).expect("first");
        let second = connections.open("li", 2).expect("second");
        assert!(connections.open("li", 2).is_none(), "a third is over the limit");
        assert!(connections.open("wang", 2).is_some(), "other users are counted apart");
        drop(first);
        assert_eq!(connections.count("li"), 1);
        let third = connections.open("li", 2).expect("a closed connection frees its place");
        drop((second, third));
        assert_eq!(connections.count("li"), 0);
        assert!(connections.lock().is_empty(), "users with no connections are forgotten");
    }

    #[test]
    fn a_panicking_task_frees_its_place() {
        let connections = Arc::new(UserConnections::default());
        let held = connections.clone();
        let outcome = std::thread::spawn(move || {
            let _connection = held.open("li", 1).expect("open");
            panic!("the connection's task panics");
        })
        .join();
        assert!(outcome.is_err());
        assert_eq!(connections.count("li"), 0);
    }
}
