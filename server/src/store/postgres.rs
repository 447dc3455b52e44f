//! PostgreSQL, for when one machine is not enough: several `zhiban-server` processes share one database and
//! tell each other about new chunks with `NOTIFY`, delivered when the writing transaction commits.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::broadcast;
use zhiban_model::DocumentId;

use super::{ChangeNotice, StoreError};
use crate::db::{Conn, Database, documents};

/// The channel servers announce new chunks on; the payload is `<server instance> <document id>`.
const CHANNEL: &str = "zhiban_chunks";
/// The channel `session_events`' trigger announces on (migration 0019); the payload is the username.
const SESSIONS_CHANNEL: &str = "zhiban_sessions";

/// Opens and migrates the database `database_url` names, and starts listening for other servers' notices.
pub(super) async fn open(database_url: &str) -> Result<(Database, Announcer), StoreError> {
    // A statement that hangs (a lock, a dying server) must fail rather than hold a document forever.
    let options = PgConnectOptions::from_str(database_url)?.options([("statement_timeout", "30s")]);
    let pool =
        PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?;
    sqlx::migrate!("../migrations/server/postgres").run(&pool).await?;
    let instance = format!("{:016x}", rand::random::<u64>());
    let (notices, _) = broadcast::channel(4096);
    let listener = PgListener::connect_with(&pool).await?;
    tokio::spawn(listen(listener, instance.clone(), notices.clone()));
    Ok((Database::Postgres(pool), Announcer { instance, notices }))
}

/// This server's side of the notices: it tells the others of its chunks and hears of theirs.
pub struct Announcer {
    /// Distinguishes this process's own notifications from other servers'.
    instance: String,
    notices: broadcast::Sender<ChangeNotice>,
}

impl Announcer {
    /// Tells the other servers, when the transaction on `conn` commits, that a document has new chunks.
    pub async fn announce(&self, conn: &mut Conn<'_>, document_id: &str) -> Result<(), sqlx::Error> {
        documents::announce(conn, CHANNEL, &format!("{} {document_id}", self.instance)).await
    }

    /// Other servers' writes, and sessions that ended or changed.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeNotice> {
        self.notices.subscribe()
    }
}

/// Forwards other servers' notifications; after a lost connection, asks for a check of everything, since
/// notifications sent meanwhile are gone.
async fn listen(mut listener: PgListener, instance: String, notices: broadcast::Sender<ChangeNotice>) {
    let mut listening = false;
    loop {
        if !listening {
            match listener.listen_all([CHANNEL, SESSIONS_CHANNEL]).await {
                Ok(()) => {
                    listening = true;
                    let _ = notices.send(ChangeNotice::Everything);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot LISTEN for other servers' changes; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        match listener.try_recv().await {
            Ok(Some(notification)) if notification.channel() == SESSIONS_CHANNEL => {
                let _ = notices.send(ChangeNotice::Sessions(vec![notification.payload().to_owned()]));
            }
            Ok(Some(notification)) => {
                let mut parts = notification.payload().splitn(2, ' ');
                let (Some(from), Some(doc)) = (parts.next(), parts.next()) else { continue };
                if from == instance {
                    continue;
                }
                if let Ok(id) = doc.parse::<DocumentId>() {
                    let _ = notices.send(ChangeNotice::Document(id));
                }
            }
            // The connection was lost; sqlx reconnects on the next call, and we LISTEN again.
            Ok(None) => listening = false,
            Err(e) => {
                tracing::warn!(error = %e, "lost the notification connection; reconnecting");
                listening = false;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}
