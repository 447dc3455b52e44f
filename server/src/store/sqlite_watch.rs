//! Other processes writing the same SQLite file (`zhiban-server admin unit add` while the server runs, or a
//! second server on one machine): the store looks for chunks it did not write, once a second, and tells
//! the hub as PostgreSQL's `NOTIFY` does, so documents in memory catch up and the directory in use is the
//! one stored. It reads the sessions that ended or changed (`session_events`, written by triggers in any
//! process, this one included) the same way, so sockets of a device signed out end within a second or two.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::broadcast;
use zhiban_model::DocumentId;

use super::{ChangeNotice, ChunkSeq};

const EVERY: Duration = Duration::from_secs(1);

/// Chunks this process wrote, which the watch skips.
#[derive(Clone, Default)]
pub struct OwnChunks(Arc<Mutex<BTreeSet<ChunkSeq>>>);

impl OwnChunks {
    pub fn record(&self, seq: ChunkSeq) {
        self.lock().insert(seq);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<ChunkSeq>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Starts watching for chunks after `from`; notices go to `notices` until every receiver is gone.
pub fn spawn(pool: SqlitePool, from: ChunkSeq, own: OwnChunks, notices: broadcast::Sender<ChangeNotice>) {
    tokio::spawn(async move {
        let mut last = from;
        let mut last_session_event = None;
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if notices.receiver_count() == 0 {
                return;
            }
            match sessions_changed(&pool, &mut last_session_event).await {
                Ok(people) if people.is_empty() => {}
                Ok(people) => {
                    let _ = notices.send(ChangeNotice::Sessions(people));
                }
                Err(e) => tracing::debug!(error = %e, "session watch query failed; trying again"),
            }
            let rows: Vec<(ChunkSeq, String)> =
                match sqlx::query_as("SELECT seq, document_id FROM document_chunks WHERE seq > ? ORDER BY seq")
                    .bind(last)
                    .fetch_all(&pool)
                    .await
                {
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
async fn sessions_changed(pool: &SqlitePool, last: &mut Option<i64>) -> Result<Vec<String>, sqlx::Error> {
    let Some(after) = *last else {
        *last = Some(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM session_events").fetch_one(pool).await?);
        return Ok(Vec::new());
    };
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, username FROM session_events WHERE seq > ? ORDER BY seq")
            .bind(after)
            .fetch_all(pool)
            .await?;
    let mut people = BTreeSet::new();
    for (seq, username) in rows {
        *last = Some(seq.max(last.unwrap_or(0)));
        people.insert(username);
    }
    Ok(people.into_iter().collect())
}
