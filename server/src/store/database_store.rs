//! The store, the same on both backends: documents and their chunks in the SQL database, each chunk
//! appended in one transaction with what it carries (projection rows, change log, actor bindings, audience).
//! What differs is how each backend hears of other processes' writes ([`Notices`]).

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;
use zhiban_model::DocumentId;

use super::postgres::Announcer;
use super::sqlite_watch::Watch;
use super::{ChangeNotice, ChunkKind, ChunkSeq, NewChunk, Store, StoreError, StoredChunk};
use crate::clock::Clock;
use crate::db::{self, Conn, Database, documents};

/// How other processes sharing the database hear of this one's chunks, and it of theirs.
pub(super) enum Notices {
    /// Processes sharing the file read new chunks once a second; this one's own are skipped.
    Sqlite(Watch),
    /// Servers sharing the database are told by `NOTIFY` when the writing transaction commits.
    Postgres(Announcer),
}

impl Notices {
    /// This process wrote chunk `seq` of `document_id` in the transaction on `conn`; `first` when it is the
    /// transaction's first chunk of that document (other servers are told once per document).
    async fn wrote(
        &self,
        conn: &mut Conn<'_>,
        document_id: &str,
        seq: ChunkSeq,
        first: bool,
    ) -> Result<(), StoreError> {
        match self {
            Notices::Sqlite(watch) => watch.own(seq),
            Notices::Postgres(announcer) if first => announcer.announce(conn, document_id).await?,
            Notices::Postgres(_) => {}
        }
        Ok(())
    }
}

pub(super) struct DatabaseStore {
    database: Database,
    notices: Notices,
    /// When documents and chunks were stored, and projected, by the office's clock.
    clock: Arc<dyn Clock>,
}

impl DatabaseStore {
    pub(super) fn new(database: Database, notices: Notices, clock: Arc<dyn Clock>) -> Self {
        Self { database, notices, clock }
    }
}

fn chunk_from(row: documents::ChunkRow) -> Result<StoredChunk, StoreError> {
    Ok(StoredChunk { seq: row.seq, kind: ChunkKind::parse(&row.kind)?, data: row.data })
}

#[async_trait]
impl Store for DatabaseStore {
    fn backend(&self) -> &'static str {
        self.database.backend()
    }

    fn database(&self) -> Database {
        self.database.clone()
    }

    async fn load(&self, document_id: DocumentId) -> Result<Vec<StoredChunk>, StoreError> {
        documents::chunks(&self.database, &document_id.to_string()).await?.into_iter().map(chunk_from).collect()
    }

    async fn chunk_seqs(&self, document_id: DocumentId) -> Result<Vec<ChunkSeq>, StoreError> {
        Ok(documents::chunk_seqs(&self.database, &document_id.to_string()).await?)
    }

    async fn chunks(&self, document_id: DocumentId, seqs: &[ChunkSeq]) -> Result<Vec<StoredChunk>, StoreError> {
        let rows = documents::chunks_among(&self.database, &document_id.to_string(), seqs).await?;
        rows.into_iter().map(chunk_from).collect()
    }

    async fn append(&self, batch: &[NewChunk]) -> Result<Vec<ChunkSeq>, StoreError> {
        let now = self.clock.now_millis();
        let mut tx = self.database.begin().await?;
        let mut conn = tx.conn();
        let mut seqs = Vec::with_capacity(batch.len());
        let mut documents_seen = HashSet::new();
        for chunk in batch {
            let id = chunk.document_id.to_string();
            documents::create(&mut conn, &id, now).await?;
            let seq = documents::add_chunk(&mut conn, &id, ChunkKind::Changes.as_str(), &chunk.data, now).await?;
            self.notices.wrote(&mut conn, &id, seq, documents_seen.insert(chunk.document_id)).await?;
            seqs.push(seq);
            if let Some(projection) = &chunk.projection {
                db::projection::replace_within(&mut conn, &id, projection, now).await?;
            }
            db::change_log::write(&mut conn, &id, seq, &chunk.receipts).await?;
            if let Some(audience) = &chunk.audience {
                db::audiences::write_within(&mut conn, &id, audience).await?;
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
        let now = self.clock.now_millis();
        let mut tx = self.database.begin().await?;
        let mut conn = tx.conn();
        let seq = documents::add_chunk(&mut conn, &id, ChunkKind::Snapshot.as_str(), snapshot, now).await?;
        // Other servers holding the document must read the snapshot: their chunks may be gone.
        self.notices.wrote(&mut conn, &id, seq, true).await?;
        documents::delete_chunks(&mut conn, &id, replaces).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn document_count(&self) -> Result<u64, StoreError> {
        Ok(documents::count(&self.database).await?.max(0) as u64)
    }

    async fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError> {
        let ids = documents::ids(&self.database).await?;
        ids.iter()
            .map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("stored document id {id:?}: {e}"))))
            .collect()
    }

    async fn storage_id(&self) -> Result<String, StoreError> {
        let fresh = format!("zhiban-{:032x}", rand::random::<u128>());
        Ok(documents::storage_id(&self.database, &fresh).await?)
    }

    fn change_notices(&self) -> Option<broadcast::Receiver<ChangeNotice>> {
        Some(match &self.notices {
            Notices::Sqlite(watch) => watch.subscribe(&self.database),
            Notices::Postgres(announcer) => announcer.subscribe(),
        })
    }
}
