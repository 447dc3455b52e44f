//! Home documents: one per person, written only by the server, listing every document that person may see.
//! A phone syncs its home first and then exactly the documents it lists; when an entry goes, the phone
//! removes its copy. Which documents a person may see is worked out from `document_audiences` with the
//! model's access rules; the hub keeps homes current as documents change (`sync/homes.rs`).

pub mod audiences;

use std::collections::BTreeMap;

use zhiban_model::DocumentId;
use zhiban_model::access::{Audience, Viewer};
use zhiban_model::documents::Known;
use zhiban_model::documents::home::HomeEntry;

use crate::db::Database;
pub use crate::db::audiences::DocumentAudience;

/// The id of `person`'s home document, made (at random) the first time it is needed. Two servers asking at
/// once get the same answer: the first insert wins.
pub async fn home_document_id(database: &Database, person: &str) -> Result<DocumentId, sqlx::Error> {
    crate::db::audiences::home_document_id(database, person, DocumentId::random()).await
}

/// Whether a document with this audience belongs in `viewer`'s home. Homes list no home documents, their
/// own included: a phone knows its home from logging in.
pub fn listed_for(viewer: &Viewer, audience: &DocumentAudience, known: &(impl Known + ?Sized)) -> bool {
    !matches!(audience.audience, Audience::Person(_)) && audience.audience.includes(viewer, known)
}

/// The entries `viewer`'s home should hold, given every document's audience.
pub fn entries_for(
    viewer: &Viewer,
    audiences: &[(DocumentId, DocumentAudience)],
    known: &(impl Known + ?Sized),
) -> BTreeMap<String, HomeEntry> {
    audiences
        .iter()
        .filter(|(_, audience)| listed_for(viewer, audience, known))
        .map(|(id, audience)| (id.to_string(), HomeEntry { kind: audience.kind.clone() }))
        .collect()
}
