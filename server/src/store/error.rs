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
    #[error("the database did not take the batch this change was in: {0}")]
    BatchFailed(String),
    #[error("the store's writer has stopped; restart the server")]
    WriterStopped,
}
