#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {0:?} names no supported store; use sqlite://path/to/zhiban.db or postgres://user@host/db")]
    UnknownUrl(String),
    #[error("cannot create the data folder {path}: {source}")]
    DataFolder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the database is unreachable or refused the operation: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database schema could not be brought up to date: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("the database did not take the batch this change was in: {reason}")]
    BatchFailed {
        reason: String,
        /// The database could not be reached (rather than refusing the batch): worth trying again.
        unreachable: bool,
    },
    #[error("the store's writer has stopped; restart the server")]
    WriterStopped,
}

impl StoreError {
    /// The database could not be reached, or went away mid-operation (a restart, a failover, a network
    /// cut): trying again shortly may work. A refusal (a full disk, a constraint) is not this.
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Database(e) => unreachable(e),
            StoreError::BatchFailed { unreachable, .. } => *unreachable,
            _ => false,
        }
    }
}

/// Whether `e` means the database is away rather than saying no.
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::WorkerCrashed => true,
        // PostgreSQL's connection exceptions (class 08) and its shutting down or starting up (57P01–57P03).
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}
