//! The administrator's changes to the directory from the command line (`zhiban-server admin unit add`),
//! written as the server's own change to the stored directory document, with its projection, in one
//! transaction; a running server picks it up from the store (PostgreSQL's notices, or the SQLite watch).

use automerge::{ActorId, Automerge};
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::directory::{Directory, DutyCategory, Unit};

use super::Office;
use crate::homes::DocumentAudience;
use crate::projection::{self, ProjectionError};
use crate::store::{NewChunk, Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewUnit {
    /// The unit's id; without one it is made from the name.
    pub id: Option<String>,
    pub name: String,
    pub parent: Option<String>,
    pub category: DutyCategory,
    pub duty_phone: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryAdminError {
    #[error("cannot add unit {id:?}: {reason}")]
    Refused { id: String, reason: String },
    #[error("the stored directory {0} cannot be read: {1}")]
    Unreadable(DocumentId, String),
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An id for a unit named `name`: its ASCII letters and digits, lower-cased and hyphenated, or (for a
/// Chinese name) `unit-` and a short hash of it, stable for the same name.
pub fn unit_id_from(name: &str) -> String {
    let slug: Vec<String> =
        name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if slug.is_empty() {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(name.trim().as_bytes());
        format!("unit-{}", digest[..4].iter().map(|b| format!("{b:02x}")).collect::<String>())
    } else {
        slug.join("-")
    }
}

/// Adds a unit to the stored directory (making the directory if there is none yet); returns the
/// directory's id and the new unit's id.
pub async fn add_unit(
    store: &dyn Store,
    office: &Office,
    new: NewUnit,
) -> Result<(DocumentId, String), DirectoryAdminError> {
    let id = new.id.clone().filter(|i| !i.trim().is_empty()).unwrap_or_else(|| unit_id_from(&new.name));
    let refused = |reason: String| DirectoryAdminError::Refused { id: id.clone(), reason };
    let (directory_id, mut doc) = match projection::directory_id(&office.database).await? {
        Some(existing) => (existing, projection::read_stored(store, existing).await?),
        None => (DocumentId::random(), Automerge::new()),
    };
    let mut directory = match TypedDocument::read(&doc) {
        Ok(TypedDocument::Directory(d)) => d,
        Ok(TypedDocument::Empty) => Directory::default(),
        Ok(_) => return Err(DirectoryAdminError::Unreadable(directory_id, "it is not a directory".into())),
        Err(e) => return Err(DirectoryAdminError::Unreadable(directory_id, e.to_string())),
    };
    if directory.units.contains_key(&id) {
        return Err(refused("the directory already has a unit with this id; give another with --id".into()));
    }
    let before_problems: Vec<String> = directory.problems().iter().map(ToString::to_string).collect();
    directory.units.insert(
        id.clone(),
        Unit {
            name: new.name.trim().to_owned(),
            parent: new.parent.clone().filter(|p| !p.trim().is_empty()),
            category: new.category,
            duty_phone: new.duty_phone.trim().to_owned(),
        },
    );
    let added: Vec<String> =
        directory.problems().iter().map(ToString::to_string).filter(|p| !before_problems.contains(p)).collect();
    if !added.is_empty() {
        return Err(refused(added.join("; ")));
    }

    let before = doc.get_heads();
    doc.set_actor(ActorId::random());
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, &directory).map_err(|e| refused(e.to_string()))?;
    tx.commit();
    let typed = TypedDocument::Directory(directory);
    let now = office.clock().now_millis();
    let chunk = NewChunk {
        document_id: directory_id,
        data: doc.save_after(&before),
        projection: projection::projection_of(&typed, office),
        receipts: crate::sync::receipts(&doc, &before, crate::sync::Delivery::Server, now),
        audience: DocumentAudience::of(&Ok(typed)),
    };
    store.append(&[chunk]).await?;
    Ok((directory_id, id))
}
