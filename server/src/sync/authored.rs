//! Changes the server writes on a signed-in person's behalf (the desk's console). The typed document is
//! read, the operation applied and the result written under an actor id of that person's own; from there
//! the change is kept exactly as a phone's is: the same gate with the same person's rights, one chunk with
//! its projection and authorship, the same alerts and homes, and every peer of the document hears of it.

use automerge::ActorId;
use sha2::{Digest, Sha256};
use zhiban_model::DocumentId;
use zhiban_model::access::Viewer;
use zhiban_model::documents::TypedDocument;
use zhiban_model::refusal::{Refusal, in_english};

use super::hub::{Hub, SyncError};
use crate::accounts::Principal;

/// Who writes: the person, their rights, and the actor id their changes carry.
pub struct Author {
    pub principal: Principal,
    pub viewer: Viewer,
    pub actor: ActorId,
}

impl Author {
    /// The person signed in on a console device. The actor id is derived from the device, so one browser
    /// session writes under one actor (bound to the person by their first change) and no two people share
    /// one.
    pub fn on_console(principal: Principal) -> Self {
        let digest = Sha256::digest(format!("zhiban console device {}", principal.device_id));
        let actor = ActorId::from(&digest[..16]);
        let viewer = principal.viewer();
        Self { principal, viewer, actor }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// Not there, or not for this person (the two are not told apart).
    #[error("no such document: {0}")]
    NotFound(DocumentId),
    #[error("the document cannot be read as the office's: {0}")]
    Unreadable(String),
    /// The operation refused: each reason with its rule and part, in Chinese and English. (The gate's
    /// refusals come as `Sync(SyncError::ChangeRefused)`.)
    #[error("refused: {}", in_english(.0))]
    Refused(Vec<Refusal>),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl Hub {
    /// Applies `edit` to document `id` as `author`, and keeps the result as a phone's change is kept.
    /// Nothing is written when `edit` refuses or leaves the document as it was.
    pub async fn edit_as<T>(
        &self,
        author: &Author,
        id: DocumentId,
        edit: impl FnOnce(&mut TypedDocument) -> Result<T, Vec<Refusal>>,
    ) -> Result<T, EditError> {
        let slot = self.slot(id);
        let mut guard = slot.live.lock().await;
        let live = &mut *guard;
        live.ensure_loaded(self.store()).await.map_err(|source| SyncError::Load { document: id, source })?;
        if !live.exists() || !live.audience().includes(&author.viewer, &*self.office().directory()) {
            return Err(EditError::NotFound(id));
        }
        let before_typed = live.typed().clone().map_err(|e| EditError::Unreadable(e.to_string()))?;
        let mut after = before_typed.clone();
        let value = edit(&mut after).map_err(EditError::Refused)?;
        let before = live.doc.get_heads();
        live.begin_unstored();
        if let Err(refusal) = write(&mut live.doc, &author.actor, &after) {
            live.reset();
            return Err(EditError::Refused(vec![refusal]));
        }
        if live.doc.get_heads() == before {
            live.end_unstored();
            return Ok(value);
        }
        live.typed = None;
        let kept = self.keep_changes(live, &before, Ok(before_typed), &author.viewer, &author.principal).await?;
        live.end_unstored();
        self.after_kept(live, kept).await;
        live.send_sync_messages(self.peer_id());
        Ok(value)
    }

    /// Document `id` read as its type, for a reader with `viewer`'s rights: not there and not theirs are
    /// answered alike.
    pub async fn read_as(&self, viewer: &Viewer, id: DocumentId) -> Result<TypedDocument, EditError> {
        let slot = self.slot(id);
        let mut guard = slot.live.lock().await;
        let live = &mut *guard;
        live.ensure_loaded(self.store()).await.map_err(|source| SyncError::Load { document: id, source })?;
        if !live.exists() || !live.audience().includes(viewer, &*self.office().directory()) {
            return Err(EditError::NotFound(id));
        }
        live.typed().clone().map_err(|e| EditError::Unreadable(e.to_string()))
    }

    /// Creates a new document holding `document`, written by `author` and kept as a phone's new document
    /// is. Returns its id.
    pub async fn create_as(&self, author: &Author, document: &TypedDocument) -> Result<DocumentId, EditError> {
        let id = DocumentId::random();
        let slot = self.slot(id);
        let mut guard = slot.live.lock().await;
        let live = &mut *guard;
        live.ensure_loaded(self.store()).await.map_err(|source| SyncError::Load { document: id, source })?;
        live.begin_unstored();
        if let Err(refusal) = write(&mut live.doc, &author.actor, document) {
            live.reset();
            return Err(EditError::Refused(vec![refusal]));
        }
        live.typed = None;
        let kept = self.keep_changes(live, &[], Ok(TypedDocument::Empty), &author.viewer, &author.principal).await?;
        live.end_unstored();
        self.after_kept(live, kept).await;
        Ok(id)
    }
}

/// Writes `document` as the whole content of `doc`, under `actor`, in one change. The console writes the
/// office's duty documents only: the directory and homes are an administrator's and the server's.
fn write(doc: &mut automerge::Automerge, actor: &ActorId, document: &TypedDocument) -> Result<(), Refusal> {
    if matches!(document, TypedDocument::Directory(_) | TypedDocument::Home(_)) {
        let kind = document.kind().unwrap_or("untyped");
        return Err(Refusal::new(
            "console.kind",
            format!("the console does not write {kind} documents"),
            format!("控制台不写入 {kind} 类文档"),
        ));
    }
    doc.set_actor(actor.clone());
    let mut tx = doc.transaction();
    match document.write_to(&mut tx) {
        Ok(()) => {
            tx.commit();
            Ok(())
        }
        Err(e) => {
            tx.rollback();
            Err(Refusal::new(
                "document.unreadable",
                format!("cannot write the document: {e}"),
                format!("无法写入该文档：{e}"),
            ))
        }
    }
}
