//! Who each document is for, worked out from the document (`DocumentAudience::of`): stored in
//! `document_audiences` with the change that made it so (`db::audiences`), and read to tell which documents
//! a person may see.

use zhiban_model::DocumentId;
use zhiban_model::access::Audience;
use zhiban_model::documents::{DocumentError, TypedDocument};

use crate::db::audiences::DocumentAudience;
// Read by the API's checks as `homes::audiences::{all, of}`.
use crate::db::Database;
pub use crate::db::audiences::{all, of};
use crate::store::{Store, StoreError, read_document};

/// Why the audiences of older documents could not be worked out at start.
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("cannot read document {document} from the store: {source}")]
    Load {
        document: DocumentId,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl DocumentAudience {
    /// `None` for a document still empty: nobody needs it listed.
    pub fn of(typed: &Result<TypedDocument, DocumentError>) -> Option<Self> {
        match typed {
            Ok(TypedDocument::Empty) => None,
            Ok(typed) => {
                Some(Self { audience: Audience::of(typed), kind: typed.kind().unwrap_or_default().to_owned() })
            }
            Err(_) => Some(Self { audience: Audience::Administrators, kind: String::new() }),
        }
    }
}

/// Documents stored before audiences were kept (or by a server that crashed between a change and its
/// audience, which cannot happen within one transaction but may across versions): their audience is
/// worked out from the document. Run at start; cheap when nothing is missing.
pub async fn backfill(store: &dyn Store, database: &Database) -> Result<usize, BackfillError> {
    let mut written = 0;
    for id in crate::db::audiences::missing(database).await? {
        let doc = read_document(store, id).await.map_err(|source| BackfillError::Load { document: id, source })?;
        if let Some(audience) = DocumentAudience::of(&TypedDocument::read(&doc)) {
            crate::db::audiences::write(database, id, &audience).await?;
            written += 1;
        }
    }
    Ok(written)
}
