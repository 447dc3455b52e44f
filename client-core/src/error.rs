use zhiban_model::DocumentId;
use zhiban_model::refusal::Refusal;

use crate::client::RefusedDocument;

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
    /// A duty operation the office's rules refuse; every reason, with its rule and the part of the document
    /// it is about, in Chinese and English.
    #[error("cannot {what}:{}", refusals.iter().map(|r| format!("\n  - {r}")).collect::<String>())]
    Refused { what: String, refusals: Vec<Refusal> },
    /// Something this phone must be told first (who the user is, which document is the directory).
    #[error("{0}")]
    NotSetUp(String),
    #[error("the server answered {what} with {status}: {reason}")]
    Http { what: String, status: u16, reason: String },
    #[error("no server is configured for this phone")]
    NoServer,
    #[error("server URL {0:?} is not http://, https://, ws:// or wss://")]
    BadServerUrl(String),
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the server closed the connection: {0}")]
    ServerError(String),
    /// The server refused this phone's login; local changes are kept until the user logs in again.
    #[error("login required: {0}; nothing on this phone is lost")]
    LoginRequired(String),
    /// The server refused the changes this phone made to these documents; they are kept here and no longer
    /// sent. Discarding a document's local changes (`zhiban doc discard URL`) fetches the server's copy.
    #[error("the server refused changes made on this phone:{}", .0.iter().map(|d| format!("\n  - {}: {}", d.id.url(), d.reason)).collect::<String>())]
    ChangesRefused(Vec<RefusedDocument>),
    #[error("the server broke the protocol: {0}")]
    Protocol(String),
    #[error("sync did not finish within {0} seconds; {1} change(s) still waiting for the server")]
    Timeout(u64, usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duty::{NO_DIRECTORY, NO_IDENTITY};

    /// Whatever a message says reaches the phone apps verbatim: no command-line flag, no `zhiban` command
    /// (the command line adds its own hints where it prints an error).
    fn says_nothing_of_the_command_line(text: &str) -> bool {
        !text.contains("`zhiban") && !text.contains("ZHIBAN_") && !text.split_whitespace().any(|w| w.starts_with("--"))
    }

    #[test]
    fn every_message_says_what_happened_not_which_flag_to_give() {
        let id = DocumentId::from_bytes([7; 16]);
        let errors = [
            ClientError::DataFolder { path: "phone".into(), source: std::io::Error::other("read-only") },
            ClientError::LocalStore(rusqlite::Error::QueryReturnedNoRows),
            ClientError::StoreTooNew { found: 9, known: 3 },
            ClientError::Corrupt { document: id, reason: "truncated".into() },
            ClientError::NotHere(id, true),
            ClientError::NotHere(id, false),
            ClientError::Unavailable(id),
            ClientError::Json(zhiban_model::json::JsonError::EmptyPath(String::new())),
            ClientError::InvalidInput("not valid JSON".into()),
            ClientError::Refused { what: "file this first report".into(), refusals: Vec::new() },
            ClientError::NotSetUp(NO_IDENTITY.into()),
            ClientError::NotSetUp(NO_DIRECTORY.into()),
            ClientError::Http { what: "the alerts request".into(), status: 503, reason: "busy".into() },
            ClientError::NoServer,
            ClientError::BadServerUrl("ftp://x".into()),
            ClientError::Unreachable { url: "http://127.0.0.1:1".into(), reason: "refused".into() },
            ClientError::ServerError("going away".into()),
            ClientError::LoginRequired("the refresh token was revoked".into()),
            ClientError::ChangesRefused(Vec::new()),
            ClientError::Protocol("expected `peer`".into()),
            ClientError::Timeout(30, 2),
        ];
        for error in &errors {
            let text = error.to_string();
            assert!(says_nothing_of_the_command_line(&text), "{text}");
        }
        assert_eq!(ClientError::NoServer.to_string(), "no server is configured for this phone");
        assert_eq!(
            ClientError::LoginRequired("the refresh token was revoked".into()).to_string(),
            "login required: the refresh token was revoked; nothing on this phone is lost"
        );
    }

    /// The same for every message written anywhere in this crate: no string literal names a flag or a
    /// `zhiban` command (comments may).
    #[test]
    fn no_string_in_the_client_core_names_the_command_line() {
        fn sources(folder: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(folder).expect("source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        assert!(files.len() > 10, "{files:?}");
        let this_file = std::path::Path::new(file!()).file_name();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("source");
            // This file's own tests spell out what must not be said.
            let text = if file.file_name() == this_file {
                text.split("#[cfg(test)]").next().unwrap_or_default()
            } else {
                text.as_str()
            };
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") || !code.contains('"') {
                    continue;
                }
                // The string literals of the line, roughly: what lies between its quotes.
                let quoted = code.split('"').skip(1).step_by(2);
                for literal in quoted {
                    assert!(says_nothing_of_the_command_line(literal), "{}:{}: {literal}", file.display(), n + 1);
                }
            }
        }
    }
}
