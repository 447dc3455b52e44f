//! The embedded default: one SQLite file in WAL mode with `synchronous=FULL`, so a committed append survives
//! a power cut, not only a crash of the process.

use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use tokio::sync::broadcast;
use zhiban_model::DocumentId;

use super::sqlite_watch::{self, OwnChunks};
use super::{ChangeNotice, ChunkKind, ChunkSeq, NewChunk, Store, StoreError, StoredChunk};
use crate::clock::Clock;

pub struct SqliteStore {
    pool: SqlitePool,
    own: OwnChunks,
    /// Started with the first `change_notices` (the hub's), not for short-lived command-line stores.
    watch: OnceLock<broadcast::Sender<ChangeNotice>>,
    /// The last chunk when the store opened: whatever another process writes after it is noticed, however
    /// late the watch's task first runs (the server reads the directory right after opening).
    opened_at: ChunkSeq,
    /// When documents and chunks were stored, by the office's clock.
    clock: Arc<dyn Clock>,
}

impl SqliteStore {
    pub async fn open(database_url: &str, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
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
        let opened_at =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM document_chunks").fetch_one(&pool).await?;
        Ok(Self { pool, own: OwnChunks::default(), watch: OnceLock::new(), opened_at, clock })
    }
}

fn chunk_from(row: &sqlx::sqlite::SqliteRow) -> Result<StoredChunk, StoreError> {
    Ok(StoredChunk {
        seq: row.try_get("seq")?,
        kind: ChunkKind::parse(row.try_get::<&str, _>("kind")?)?,
        data: row.try_get("data")?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn database(&self) -> crate::database::Database {
        crate::database::Database::Sqlite(self.pool.clone())
    }

    async fn load(&self, document_id: DocumentId) -> Result<Vec<StoredChunk>, StoreError> {
        let rows = sqlx::query("SELECT seq, kind, data FROM document_chunks WHERE document_id = ? ORDER BY seq")
            .bind(document_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(chunk_from).collect()
    }

    async fn chunk_seqs(&self, document_id: DocumentId) -> Result<Vec<ChunkSeq>, StoreError> {
        let seqs = sqlx::query_scalar("SELECT seq FROM document_chunks WHERE document_id = ? ORDER BY seq")
            .bind(document_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        Ok(seqs)
    }

    async fn chunks(&self, document_id: DocumentId, seqs: &[ChunkSeq]) -> Result<Vec<StoredChunk>, StoreError> {
        let mut out = Vec::with_capacity(seqs.len());
        for seq in seqs {
            let row = sqlx::query("SELECT seq, kind, data FROM document_chunks WHERE document_id = ? AND seq = ?")
                .bind(document_id.to_string())
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(row) = row {
                out.push(chunk_from(&row)?);
            }
        }
        Ok(out)
    }

    async fn append(&self, batch: &[NewChunk]) -> Result<Vec<ChunkSeq>, StoreError> {
        let now = self.clock.now_millis();
        // BEGIN IMMEDIATE takes the write lock up front instead of failing to upgrade a read transaction.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut seqs = Vec::with_capacity(batch.len());
        for chunk in batch {
            let id = chunk.document_id.to_string();
            sqlx::query("INSERT INTO documents (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")
                .bind(&id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let seq: ChunkSeq = sqlx::query_scalar(
                "INSERT INTO document_chunks (document_id, kind, data, stored_at) VALUES (?, ?, ?, ?) RETURNING seq",
            )
            .bind(&id)
            .bind(ChunkKind::Changes.as_str())
            .bind(&chunk.data)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            self.own.record(seq);
            seqs.push(seq);
            if let Some(projection) = &chunk.projection {
                crate::projection::write::within(&mut tx, &id, projection, now).await?;
            }
            crate::write_change_log!(tx, &id, seq, &chunk.receipts);
            if let Some(audience) = &chunk.audience {
                crate::write_audience!(tx, &id, audience);
            }
        }
        tx.commit().await?;
        Ok(seqs)
    }

    async fn compact(
        &self,
        document_id: DocumentId,
        snapshot: &[u8],
        replaces: &[ChunkSeq],
    ) -> Result<ChunkSeq, StoreError> {
        let id = document_id.to_string();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let seq: ChunkSeq = sqlx::query_scalar(
            "INSERT INTO document_chunks (document_id, kind, data, stored_at) VALUES (?, ?, ?, ?) RETURNING seq",
        )
        .bind(&id)
        .bind(ChunkKind::Snapshot.as_str())
        .bind(snapshot)
        .bind(self.clock.now_millis())
        .fetch_one(&mut *tx)
        .await?;
        self.own.record(seq);
        for old in replaces {
            sqlx::query("DELETE FROM document_chunks WHERE document_id = ? AND seq = ?")
                .bind(&id)
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(seq)
    }

    fn change_notices(&self) -> Option<broadcast::Receiver<ChangeNotice>> {
        let sender = self.watch.get_or_init(|| {
            let (sender, _) = broadcast::channel(1024);
            sqlite_watch::spawn(self.pool.clone(), self.opened_at, self.own.clone(), sender.clone());
            sender
        });
        Some(sender.subscribe())
    }

    async fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM documents ORDER BY id").fetch_all(&self.pool).await?;
        ids.iter()
            .map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("stored document id {id:?}: {e}"))))
            .collect()
    }

    async fn document_count(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents").fetch_one(&self.pool).await?;
        Ok(count.max(0) as u64)
    }

    async fn storage_id(&self) -> Result<String, StoreError> {
        let fresh = format!("zhiban-{:032x}", rand::random::<u128>());
        sqlx::query("INSERT INTO server_identity (key, value) VALUES ('storage_id', ?) ON CONFLICT (key) DO NOTHING")
            .bind(&fresh)
            .execute(&self.pool)
            .await?;
        let id = sqlx::query_scalar("SELECT value FROM server_identity WHERE key = 'storage_id'")
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }
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
