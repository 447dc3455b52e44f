//! Other processes writing the same SQLite file (`zhiban-server admin unit add` while the server runs, or a
//! second server on one machine): the store looks for chunks it did not write, once a second, and tells
//! the hub as PostgreSQL's `NOTIFY` does, so documents in memory catch up and the directory in use is the
//! one stored. It reads the sessions that ended or changed (`session_events`, written by triggers in any
//! process, this one included) the same way, so sockets of a device signed out end within a second or two.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::broadcast;
use zhiban_model::DocumentId;

use super::{ChangeNotice, ChunkSeq};
use crate::db::{Database, documents, session_events};

const EVERY: Duration = Duration::from_secs(1);

/// The watch of one store: started with the first `subscribe` (the hub's), not for short-lived command-line
/// stores.
pub struct Watch {
    own: OwnChunks,
    notices: OnceLock<broadcast::Sender<ChangeNotice>>,
    /// The last chunk when the store opened: the watch reports chunks after it.
    opened_at: ChunkSeq,
}

impl Watch {
    pub fn new(opened_at: ChunkSeq) -> Self {
        Self { own: OwnChunks::default(), notices: OnceLock::new(), opened_at }
    }

    /// A chunk this process wrote, which the watch skips.
    pub fn own(&self, seq: ChunkSeq) {
        self.own.lock().insert(seq);
    }

    /// Notices of other processes' writes to `database`, starting the watch if it has not started.
    pub fn subscribe(&self, database: &Database) -> broadcast::Receiver<ChangeNotice> {
        let sender = self.notices.get_or_init(|| {
            let (sender, _) = broadcast::channel(1024);
            spawn(database.clone(), self.opened_at, self.own.clone(), sender.clone());
            sender
        });
        sender.subscribe()
    }
}

/// Chunks this process wrote, which the watch skips.
#[derive(Clone, Default)]
struct OwnChunks(Arc<Mutex<BTreeSet<ChunkSeq>>>);

impl OwnChunks {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<ChunkSeq>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Starts watching for chunks after `from`; notices go to `notices` until every receiver is gone.
fn spawn(database: Database, from: ChunkSeq, own: OwnChunks, notices: broadcast::Sender<ChangeNotice>) {
    tokio::spawn(async move {
        let mut last = from;
        let mut last_session_event = None;
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if notices.receiver_count() == 0 {
                return;
            }
            match sessions_changed(&database, &mut last_session_event).await {
                Ok(people) if people.is_empty() => {}
                Ok(people) => {
                    let _ = notices.send(ChangeNotice::Sessions(people));
                }
                Err(e) => tracing::debug!(error = %e, "session watch query failed; trying again"),
            }
            let rows = match documents::chunks_after(&database, last).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::debug!(error = %e, "watch query failed; trying again");
                    continue;
                }
            };
            let mut documents = HashSet::new();
            {
                let mut own = own.lock();
                for (seq, id) in &rows {
                    if !own.remove(seq) {
                        documents.extend(id.parse::<DocumentId>().ok());
                    }
                    last = last.max(*seq);
                }
                // Our own chunks at or below what was read are done with.
                own.retain(|seq| *seq > last);
            }
            for id in documents {
                let _ = notices.send(ChangeNotice::Document(id));
            }
        }
    });
}

/// The people whose sessions ended or changed since `last` (`None` on the first call: from now on, since
/// nobody is connected before the watch starts).
async fn sessions_changed(database: &Database, last: &mut Option<i64>) -> Result<Vec<String>, sqlx::Error> {
    let Some(after) = *last else {
        *last = Some(session_events::last_seq(database).await?);
        return Ok(Vec::new());
    };
    let mut people = BTreeSet::new();
    for (seq, username) in session_events::after(database, after).await? {
        *last = Some(seq.max(last.unwrap_or(0)));
        people.insert(username);
    }
    Ok(people.into_iter().collect())
}
