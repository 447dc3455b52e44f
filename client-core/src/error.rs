use zhiban_model::DocumentId;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot use the data folder {path}: {source}")]
    DataFolder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the local store failed: {0}")]
    LocalStore(#[from] rusqlite::Error),
    #[error("the local store is newer (schema {found}) than this app understands (up to {known}); update the app")]
    StoreTooNew { found: i64, known: i64 },
    #[error("local data for document {document} is damaged: {reason}")]
    Corrupt { document: DocumentId, reason: String },
    #[error("document {0} is not on this phone{hint}", hint = if *.1 { "; sync to fetch it from the server" } else { "" })]
    NotHere(DocumentId, bool),
    #[error("document {0} is neither on this phone nor on the server")]
    Unavailable(DocumentId),
    #[error("{0}")]
    Json(#[from] zhiban_model::json::JsonError),
    #[error("{0}")]
    InvalidInput(String),
    /// A duty operation the office's rules refuse; every reason, in words the duty officer can act on.
    #[error("cannot {what}:{}", reasons.iter().map(|r| format!("\n  - {r}")).collect::<String>())]
    Refused { what: String, reasons: Vec<String> },
    /// Something this phone must be told first (who the user is, which document is the directory).
    #[error("{0}")]
    NotSetUp(String),
    #[error("the server answered {what} with {status}: {reason}")]
    Http { what: String, status: u16, reason: String },
    #[error("no server configured; give --server http://HOST:PORT or set ZHIBAN_SERVER")]
    NoServer,
    #[error("server URL {0:?} is not http://, https://, ws:// or wss://")]
    BadServerUrl(String),
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the server closed the connection: {0}")]
    ServerError(String),
    /// The server refused this phone's login; local changes are kept until the user logs in again.
    #[error("login required: {0}; log in again (`zhiban login`), nothing on this phone is lost")]
    LoginRequired(String),
    /// The server refused the changes this phone made to these documents; they are kept here and no longer
    /// sent. Discarding a document's local changes (`zhiban doc discard URL`) fetches the server's copy.
    #[error("the server refused changes made on this phone:{}", .0.iter().map(|(id, reason)| format!("\n  - {}: {reason}", id.url())).collect::<String>())]
    ChangesRefused(Vec<(DocumentId, String)>),
    #[error("the server broke the protocol: {0}")]
    Protocol(String),
    #[error("sync did not finish within {0} seconds; {1} change(s) still waiting for the server")]
    Timeout(u64, usize),
}
