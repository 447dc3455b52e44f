//! The embedded default: one SQLite file in WAL mode with `synchronous=FULL`, so a committed append survives
//! a power cut, not only a crash of the process.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::StoreError;
use super::sqlite_watch::Watch;
use crate::db::{Database, documents};

/// Opens (creating it and its folder if need be) and migrates the SQLite file `database_url` names; the
/// watch for other processes' chunks starts from the last one there now.
pub(super) async fn open(database_url: &str) -> Result<(Database, Watch), StoreError> {
    let options = SqliteConnectOptions::from_str(database_url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    if let Some(folder) = options.get_filename().parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder)
            .map_err(|source| StoreError::DataFolder { path: folder.display().to_string(), source })?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .after_release(|conn, _| Box::pin(async move { still_usable(conn).await }))
        .connect_with(options)
        .await?;
    sqlx::migrate!("../migrations/server/sqlite").run(&pool).await?;
    let database = Database::Sqlite(pool);
    // Whatever another process writes after this is noticed, however late the watch's task first runs (the
    // server reads the directory right after opening).
    let opened_at = documents::last_chunk_seq(&database).await?;
    Ok((database, Watch::new(opened_at)))
}

/// Whether a connection going back to the pool may be used again. On some errors (a full disk) SQLite rolls
/// the transaction back by itself; the driver's own rollback then fails and it goes on believing a
/// transaction is open, so every later `BEGIN` on that connection fails and no change is stored again
/// even after space returns. A connection still in a transaction is closed and the pool opens a fresh one.
/// Checked without a round trip to the connection's thread: after a committed transaction it is never in
/// one; after a failed one (rare) whose rollback has not run yet, closing it costs only a reconnect.
async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    Ok(!conn.is_in_transaction())
}
