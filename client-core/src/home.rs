//! Following the home document: the server lists in it every document this user may see. The phone syncs
//! it first, fetches what it lists, and removes its copy of anything no longer listed — except a document
//! with local changes the server never accepted, which stays, is not sent again once the server says it is
//! unavailable, and shows in the sync status, so unsent work is never silently dropped.

use std::collections::HashSet;

use zhiban_model::DocumentId;
use zhiban_model::documents::directory;
use zhiban_model::documents::home::Home;
use zhiban_model::refusal::Refusal;

use crate::client::{Client, Inner};
use crate::duty::DIRECTORY;
use crate::error::ClientError;

pub(crate) const HOME_DOCUMENT: &str = "home_document";

/// The rule of a refusal meaning the server will not give this document back (the person may no longer
/// read it): discarding its local changes removes it rather than asking for the server's copy.
pub(crate) const ACCESS_RULE: &str = "read";

/// Why a document with unsent changes was kept aside: the server says it has nothing for this phone.
pub(crate) fn access_ended() -> Refusal {
    Refusal::new(
        ACCESS_RULE,
        "the server no longer offers you this document (your access ended, or it does not exist); your changes \
         that never reached the server are kept on this phone until you discard them",
        "服务器不再向您提供此文档（您的访问权限已结束，或文档不存在）；尚未送达服务器的修改保留在本手机上，直到您放弃它们",
    )
}

impl Client {
    /// This user's home document, once logged in.
    pub fn home_document(&self) -> Result<Option<DocumentId>, ClientError> {
        self.inner.home_document()
    }
}

impl Inner {
    pub(crate) fn home_document(&self) -> Result<Option<DocumentId>, ClientError> {
        let text = self.with_store(|store| store.setting(HOME_DOCUMENT))?;
        Ok(text.and_then(|t| t.parse().ok()))
    }

    /// The home document changed: fetch what it lists that this phone lacks, remove what it no longer
    /// lists. Returns the documents newly wanted, for the session to ask for.
    pub(crate) fn follow_home(&self, home_id: DocumentId) -> Result<Vec<DocumentId>, ClientError> {
        let Some(Some(home)) = self.read_doc(home_id, |doc| Home::read(doc).ok())? else { return Ok(Vec::new()) };
        let listed: HashSet<DocumentId> = home.documents.keys().filter_map(|id| id.parse().ok()).collect();
        let mut removed = Vec::new();
        let wanted = self.with_store(|store| {
            let held: HashSet<DocumentId> = store.document_ids()?.into_iter().collect();
            let refused: HashSet<DocumentId> = store.refused()?.into_iter().map(|refused| refused.id).collect();
            for id in held.iter().filter(|id| **id != home_id && !listed.contains(id) && !refused.contains(id)) {
                // Not listed and nothing unsent: no longer this user's to hold. With unsent changes it may
                // be new here; the server decides, and a refusal keeps it aside.
                if store.pending(*id)?.is_empty() {
                    store.remove(*id)?;
                    removed.push(*id);
                }
            }
            // A phone that does not know its directory yet takes the one its home lists.
            if store.setting(DIRECTORY)?.is_none()
                && let Some((id, _)) = home.documents.iter().find(|(_, entry)| entry.kind == directory::KIND)
            {
                store.set_settings(&[(DIRECTORY, id.as_str())])?;
            }
            let mut wanted = Vec::new();
            for id in listed.iter().filter(|id| !held.contains(id)) {
                store.want(*id)?;
                wanted.push(*id);
            }
            Ok(wanted)
        })?;
        if !removed.is_empty() {
            tracing::info!(documents = removed.len(), "removed documents this user may no longer see");
            self.forget_cached(&removed);
        }
        Ok(wanted)
    }
}
