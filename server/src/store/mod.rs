//! Where documents live when the server is not holding them: the `Store` trait, implemented once over the
//! SQL database (`database_store.rs`, the SQL in `db::documents` and the modules of what a chunk carries);
//! what differs between the backends is how each opens (`sqlite.rs`, `postgres.rs`) and how each hears of
//! other processes' writes (PostgreSQL's `NOTIFY`, SQLite's watch).
//!
//! A document is stored as chunks: `changes` chunks appended as they arrive (one per accepted sync message)
//! and `snapshot` chunks written by compaction. Loading applies every chunk; Automerge does not care about
//! their order, so a chunk written by another server between two reads is never a problem.

mod database_store;
mod error;
mod group_commit;
mod postgres;
pub mod retry;
mod sqlite;
mod sqlite_watch;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;
use zhiban_model::DocumentId;

use crate::clock::{Clock, SystemClock};
pub use crate::db::change_log::ChangeReceipt;
use crate::db::{audiences::DocumentAudience, projection::Projection};
use database_store::{DatabaseStore, Notices};
pub use error::StoreError;
pub use group_commit::GroupCommitter;

/// A chunk's place in the store; unique across all documents, increasing in the order chunks were written.
pub type ChunkSeq = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    Changes,
    Snapshot,
}

impl ChunkKind {
    fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Changes => "changes",
            ChunkKind::Snapshot => "snapshot",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "changes" => Ok(ChunkKind::Changes),
            "snapshot" => Ok(ChunkKind::Snapshot),
            other => Err(StoreError::Corrupt(format!("unknown chunk kind {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChunk {
    pub seq: ChunkSeq,
    pub kind: ChunkKind,
    pub data: Vec<u8>,
}

/// Changes to append to one document, with what is written in the same transaction, as values worked out
/// by the callers: the document's projection as of these changes when it is typed (so the desk's tables
/// never lag a stored change), a line of the change log per change, and the document's audience.
#[derive(Debug, Clone)]
pub struct NewChunk {
    pub document_id: DocumentId,
    pub data: Vec<u8>,
    /// The document's rows (see `projection`).
    pub projection: Option<Projection>,
    /// One line of the change log for each change in the chunk.
    pub receipts: Vec<ChangeReceipt>,
    /// Who the document is for after these changes, when that is known (see `homes`).
    pub audience: Option<DocumentAudience>,
}

/// Another process wrote to the database: to a document (another server, an `admin` command), or to the
/// accounts in a way that ends or changes sessions (`session_events`, any process, this one too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeNotice {
    Document(DocumentId),
    /// The sessions of these people ended or changed (signed out, disabled, unit or roles changed).
    Sessions(Vec<String>),
    /// Notices may have been missed (the listener reconnected): check every loaded document and session.
    Everything,
}

/// Durable document storage. Every method either did what it says, durably, or returns an error.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for `/health` and logs.
    fn backend(&self) -> &'static str;

    /// The SQL database the store keeps its documents in, for the tables beside them.
    fn database(&self) -> crate::db::Database;

    /// Every chunk of a document, oldest first; empty when the store has never seen the document.
    async fn load(&self, document_id: DocumentId) -> Result<Vec<StoredChunk>, StoreError>;

    /// The seqs of a document's chunks, to find what another server added.
    async fn chunk_seqs(&self, document_id: DocumentId) -> Result<Vec<ChunkSeq>, StoreError>;

    /// The chunks of a document with the given seqs (those that still exist).
    async fn chunks(&self, document_id: DocumentId, seqs: &[ChunkSeq]) -> Result<Vec<StoredChunk>, StoreError>;

    /// Appends chunks, creating documents as needed, in one transaction that is committed (and on SQLite
    /// synced to disk) before this returns. Returns each chunk's seq, in order.
    async fn append(&self, batch: &[NewChunk]) -> Result<Vec<ChunkSeq>, StoreError>;

    /// Writes `snapshot` and deletes the chunks in `replaces`, in one transaction: a crash at any point
    /// leaves either the old chunks or the snapshot, both loadable. Returns the snapshot's seq.
    async fn compact(
        &self,
        document_id: DocumentId,
        snapshot: &[u8],
        replaces: &[ChunkSeq],
    ) -> Result<ChunkSeq, StoreError>;

    async fn document_count(&self) -> Result<u64, StoreError>;

    /// Every stored document's id (for rebuilding projections).
    async fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError>;

    /// The storage id this store announces to peers; made once, then the same for every server process.
    async fn storage_id(&self) -> Result<String, StoreError>;

    /// Notices of writes by other server processes sharing this store, where the store can tell.
    fn change_notices(&self) -> Option<broadcast::Receiver<ChangeNotice>> {
        None
    }
}

/// Loads one stored document and reads it, every chunk applied (empty when the store has never seen it).
pub async fn read_document(store: &dyn Store, document_id: DocumentId) -> Result<automerge::Automerge, StoreError> {
    let mut doc = automerge::Automerge::new();
    for chunk in store.load(document_id).await? {
        doc.load_incremental(&chunk.data)
            .map_err(|e| StoreError::Corrupt(format!("chunk {} does not load: {e}", chunk.seq)))?;
    }
    Ok(doc)
}

/// Opens the store a database URL names, running migrations: `sqlite://path` or `postgres://…`. It stamps
/// what it stores with the machine's clock; a server opens its store on its own clock (`open_with_clock`).
pub async fn open(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_with_clock(database_url, Arc::new(SystemClock)).await
}

/// The same, stamping when documents and chunks were stored, and projected, by `clock`: the office's time,
/// like the receipt times in the change log written in the same transaction.
pub async fn open_with_clock(database_url: &str, clock: Arc<dyn Clock>) -> Result<Arc<dyn Store>, StoreError> {
    if database_url.starts_with("sqlite:") {
        let (database, watch) = sqlite::open(database_url).await?;
        Ok(Arc::new(DatabaseStore::new(database, Notices::Sqlite(watch), clock)))
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        let (database, announcer) = postgres::open(database_url).await?;
        Ok(Arc::new(DatabaseStore::new(database, Notices::Postgres(announcer), clock)))
    } else {
        Err(StoreError::UnknownUrl(database_url.to_owned()))
    }
}
