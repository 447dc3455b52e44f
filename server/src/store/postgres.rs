//! PostgreSQL, for when one machine is not enough: several `zhiban-server` processes share one database and
//! tell each other about new chunks with `NOTIFY`, delivered when the writing transaction commits.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use tokio::sync::broadcast;
use zhiban_model::DocumentId;

use super::{ChangeNotice, ChunkKind, ChunkSeq, NewChunk, Store, StoreError, StoredChunk};
use crate::clock::Clock;

/// The channel servers announce new chunks on; the payload is `<server instance> <document id>`.
const CHANNEL: &str = "zhiban_chunks";
/// The channel `session_events`' trigger announces on (migration 0019); the payload is the username.
const SESSIONS_CHANNEL: &str = "zhiban_sessions";

pub struct PostgresStore {
    pool: PgPool,
    /// Distinguishes this process's own notifications from other servers'.
    instance: String,
    notices: broadcast::Sender<ChangeNotice>,
    /// When documents and chunks were stored, by the office's clock.
    clock: Arc<dyn Clock>,
}

impl PostgresStore {
    pub async fn open(database_url: &str, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        // A statement that hangs (a lock, a dying server) must fail rather than hold a document forever.
        let options = PgConnectOptions::from_str(database_url)?.options([("statement_timeout", "30s")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("../migrations/server/postgres").run(&pool).await?;
        let instance = format!("{:016x}", rand::random::<u64>());
        let (notices, _) = broadcast::channel(4096);
        let listener = PgListener::connect_with(&pool).await?;
        tokio::spawn(listen(listener, instance.clone(), notices.clone()));
        Ok(Self { pool, instance, notices, clock })
    }
}

impl PostgresStore {
    /// Tells the other servers, when `tx` commits, that a document has new chunks.
    async fn announce(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        document_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("{} {document_id}", self.instance))
            .execute(&mut **tx)
            .await?;
        Ok(())
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

fn chunk_from(row: &PgRow) -> Result<StoredChunk, StoreError> {
    Ok(StoredChunk {
        seq: row.try_get("seq")?,
        kind: ChunkKind::parse(row.try_get::<&str, _>("kind")?)?,
        data: row.try_get("data")?,
    })
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn database(&self) -> crate::database::Database {
        crate::database::Database::Postgres(self.pool.clone())
    }

    async fn load(&self, document_id: DocumentId) -> Result<Vec<StoredChunk>, StoreError> {
        let rows = sqlx::query("SELECT seq, kind, data FROM document_chunks WHERE document_id = $1 ORDER BY seq")
            .bind(document_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(chunk_from).collect()
    }

    async fn chunk_seqs(&self, document_id: DocumentId) -> Result<Vec<ChunkSeq>, StoreError> {
        let seqs = sqlx::query_scalar("SELECT seq FROM document_chunks WHERE document_id = $1 ORDER BY seq")
            .bind(document_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        Ok(seqs)
    }

    async fn chunks(&self, document_id: DocumentId, seqs: &[ChunkSeq]) -> Result<Vec<StoredChunk>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, kind, data FROM document_chunks WHERE document_id = $1 AND seq = ANY($2) ORDER BY seq",
        )
        .bind(document_id.to_string())
        .bind(seqs)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(chunk_from).collect()
    }

    async fn append(&self, batch: &[NewChunk]) -> Result<Vec<ChunkSeq>, StoreError> {
        let now = self.clock.now_millis();
        let mut tx = self.pool.begin().await?;
        let mut seqs = Vec::with_capacity(batch.len());
        let mut announced = std::collections::HashSet::new();
        for chunk in batch {
            let id = chunk.document_id.to_string();
            sqlx::query("INSERT INTO documents (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
                .bind(&id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let seq: ChunkSeq = sqlx::query_scalar(
                "INSERT INTO document_chunks (document_id, kind, data, stored_at) VALUES ($1, $2, $3, $4) RETURNING seq",
            )
            .bind(&id)
            .bind(ChunkKind::Changes.as_str())
            .bind(&chunk.data)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            seqs.push(seq);
            if let Some(projection) = &chunk.projection {
                crate::projection::write::within(&mut tx, &id, projection, now).await?;
            }
            crate::write_change_log!(tx, &id, seq, &chunk.receipts);
            if let Some(audience) = &chunk.audience {
                crate::write_audience!(tx, &id, audience);
            }
            if announced.insert(chunk.document_id) {
                self.announce(&mut tx, &id).await?;
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
        let mut tx = self.pool.begin().await?;
        let seq: ChunkSeq = sqlx::query_scalar(
            "INSERT INTO document_chunks (document_id, kind, data, stored_at) VALUES ($1, $2, $3, $4) RETURNING seq",
        )
        .bind(&id)
        .bind(ChunkKind::Snapshot.as_str())
        .bind(snapshot)
        .bind(self.clock.now_millis())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM document_chunks WHERE document_id = $1 AND seq = ANY($2)")
            .bind(&id)
            .bind(replaces)
            .execute(&mut *tx)
            .await?;
        // Other servers holding the document must read the snapshot: their chunks may be gone.
        self.announce(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(seq)
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
        sqlx::query("INSERT INTO server_identity (key, value) VALUES ('storage_id', $1) ON CONFLICT (key) DO NOTHING")
            .bind(&fresh)
            .execute(&self.pool)
            .await?;
        let id = sqlx::query_scalar("SELECT value FROM server_identity WHERE key = 'storage_id'")
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }

    fn change_notices(&self) -> Option<broadcast::Receiver<ChangeNotice>> {
        Some(self.notices.subscribe())
    }
}
