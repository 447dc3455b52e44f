//! Telling whoever watches (the console's live pages) that a stored document changed: its id and kind
//! only, never its content, so a watcher reads what it may see through the usual checks. Even the id and
//! kind are someone's business: the console tells a page of a change only when the document's audience
//! includes the page's person (`console/live.rs`).

use zhiban_model::DocumentId;

/// A document was stored anew, here or by another server sharing the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub document: Option<DocumentId>,
    /// `incident`, `instruction`, `roster`, …; `alerts` when who is called or has answered changed;
    /// `document` when another server wrote and the kind is not known here.
    pub kind: &'static str,
}

/// How many changes a slow watcher may fall behind before it is told to read everything again.
pub const WATCH_BACKLOG: usize = 256;
