//! The client's public face: documents that work offline, and their sync status.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use automerge::transaction::Transaction;
use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};
use serde_json::Value;
use tokio::sync::{Notify, broadcast};
use url::Url;
use zhiban_model::DocumentId;
use zhiban_model::json::{self, JsonError};
use zhiban_model::refusal::Refusal;

use crate::error::ClientError;
use crate::local_store::LocalStore;
use crate::server_url::sync_url;
use crate::sync;

/// Name of the local database inside the data folder.
const LOCAL_DB: &str = "zhiban-client.db";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not trying (no sync running).
    Idle,
    Connecting,
    Online,
    /// The last attempt failed; the reason says why, and the loop retries.
    Offline {
        reason: String,
    },
    /// The server wants a new login (the device was signed out, or the account disabled). Local changes are
    /// kept; sync waits for `Client::login`.
    LoginRequired {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentStatus {
    pub id: DocumentId,
    /// Changes made here that the server has not yet confirmed it stored.
    pub pending_changes: usize,
}

/// A document whose local changes the server refused: they stay on this phone, are not sent again, and
/// wait for the user to discard them (`Client::discard_local_changes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedDocument {
    pub id: DocumentId,
    /// The server's message, as it said it (English, each reason with its rule).
    pub reason: String,
    /// The same as data: each reason's rule, the part of the document, and the reason in Chinese and English.
    pub refusals: Vec<Refusal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    pub connection: ConnectionState,
    /// Documents with changes waiting for the server (refused ones included).
    pub pending: Vec<DocumentStatus>,
    /// Documents whose changes the server refused.
    pub refused: Vec<RefusedDocument>,
    pub documents_held: usize,
}

impl SyncStatus {
    pub fn pending_changes(&self) -> usize {
        self.pending.iter().map(|d| d.pending_changes).sum()
    }
}

pub(crate) struct Inner {
    state: Mutex<State>,
    pub(crate) server: Option<Url>,
    pub(crate) peer_id: String,
    pub(crate) storage_id: String,
    changed: broadcast::Sender<DocumentId>,
    pub(crate) local_change: Notify,
    /// A new login: a sync loop waiting for one goes on.
    pub(crate) login_changed: Notify,
    connection: Mutex<ConnectionState>,
}

struct State {
    store: LocalStore,
    /// Documents already read from the store.
    docs: HashMap<DocumentId, Automerge>,
    /// The actor this phone writes every change under: one per device and user, kept in the local store,
    /// so the server's actor binding sees one author per phone, not one per app start.
    actor: ActorId,
}

/// The local setting holding this phone's actor id (hex).
pub(crate) const ACTOR: &str = "actor";

impl State {
    /// Compaction only saves space: a failure is logged, and the change that triggered it stays saved.
    fn compact(&mut self, id: DocumentId) {
        if let Err(e) = self.store.compact_if_needed(id) {
            tracing::warn!(document = %id, error = %e, "local compaction failed; chunks kept");
        }
    }

    fn doc(&mut self, id: DocumentId) -> Result<Option<&mut Automerge>, ClientError> {
        if !self.docs.contains_key(&id) {
            match self.store.load(id)? {
                Some(doc) => {
                    self.docs.insert(id, doc.with_actor(self.actor.clone()));
                }
                None => return Ok(None),
            }
        }
        Ok(self.docs.get_mut(&id))
    }

    /// A new document, written under this phone's actor.
    fn new_doc(&self) -> Automerge {
        Automerge::new().with_actor(self.actor.clone())
    }

    /// Writes under a new actor from now on, kept for the next start: another user logged in on this phone
    /// (a shared duty phone), and an actor belongs to one user.
    fn new_actor(&mut self) -> Result<(), ClientError> {
        let actor = ActorId::random();
        self.store.set_settings(&[(ACTOR, &actor.to_hex_string())])?;
        self.actor = actor;
        self.docs.clear();
        Ok(())
    }
}

/// A handle on an offline-first document store and its sync. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl Client {
    /// Opens (or creates) the client's data folder. `server` is the server's base URL, if any.
    pub fn open(data_dir: &Path, server: Option<&str>) -> Result<Self, ClientError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| ClientError::DataFolder { path: data_dir.display().to_string(), source })?;
        let server = server.map(sync_url).transpose()?;
        let mut store = LocalStore::open(&data_dir.join(LOCAL_DB))?;
        let storage_id = store.storage_id()?;
        let actor = match store.setting(ACTOR)?.and_then(|hex| ActorId::try_from(hex.as_str()).ok()) {
            Some(actor) => actor,
            None => {
                let actor = ActorId::random();
                store.set_settings(&[(ACTOR, &actor.to_hex_string())])?;
                actor
            }
        };
        let (changed, _) = broadcast::channel(1024);
        Ok(Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State { store, docs: HashMap::new(), actor }),
                server,
                peer_id: format!("zhiban-client-{:016x}", rand::random::<u64>()),
                storage_id,
                changed,
                local_change: Notify::new(),
                login_changed: Notify::new(),
                connection: Mutex::new(ConnectionState::Idle),
            }),
        })
    }

    /// Creates a document from a JSON object; stored locally at once. Returns its id.
    pub fn create_document(&self, initial: &Value) -> Result<DocumentId, ClientError> {
        let id = DocumentId::random();
        let mut doc = self.inner.lock().new_doc();
        let mut tx = doc.transaction();
        json::put_root(&mut tx, initial)?;
        // Even an empty document gets a change, as the JavaScript repo's `create()` does: a document with
        // no heads looks to every peer like one that does not exist.
        let hash = match tx.commit().0 {
            Some(hash) => hash,
            None => doc.empty_commit(automerge::transaction::CommitOptions::default()),
        };
        let hashes = vec![hash];
        let data = doc.save_after(&[]);
        {
            let mut state = self.inner.lock();
            state.store.save_changes(id, &data, &hashes)?;
            state.docs.insert(id, doc);
        }
        self.inner.announce_local_change(id);
        Ok(id)
    }

    /// Makes a change with `edit`; it is committed to the local store before this returns.
    pub fn change<F>(&self, id: DocumentId, edit: F) -> Result<(), ClientError>
    where
        F: FnOnce(&mut Transaction<'_>) -> Result<(), JsonError>,
    {
        self.change_with(id, |tx| edit(tx).map_err(ClientError::from))
    }

    /// Makes a change with `edit`, which may read the document in the same transaction (hydrate, apply an
    /// operation, reconcile back); committed to the local store before this returns. An error rolls it back.
    pub(crate) fn change_with<T, F>(&self, id: DocumentId, edit: F) -> Result<T, ClientError>
    where
        F: FnOnce(&mut Transaction<'_>) -> Result<T, ClientError>,
    {
        let value = {
            let mut guard = self.inner.lock();
            let state = &mut *guard;
            let doc = state.doc(id)?.ok_or(ClientError::NotHere(id, self.inner.server.is_some()))?;
            let before = doc.get_heads();
            let mut tx = doc.transaction();
            let value = match edit(&mut tx) {
                Ok(value) => value,
                Err(e) => {
                    tx.rollback();
                    return Err(e);
                }
            };
            let (hash, _) = tx.commit();
            let Some(hash) = hash else { return Ok(value) };
            let data = doc.save_after(&before);
            if let Err(e) = state.store.save_changes(id, &data, &[hash]) {
                // Not saved: forget the in-memory edit too, so what the app sees is what is on disk.
                state.docs.remove(&id);
                return Err(e);
            }
            state.compact(id);
            value
        };
        self.inner.announce_local_change(id);
        Ok(value)
    }

    /// Creates a document whose first change is written by `fill` (a typed document reconciled in);
    /// stored locally at once.
    pub(crate) fn create_with<F>(&self, fill: F) -> Result<DocumentId, ClientError>
    where
        F: FnOnce(&mut Transaction<'_>) -> Result<(), ClientError>,
    {
        let id = DocumentId::random();
        let mut doc = self.inner.lock().new_doc();
        let mut tx = doc.transaction();
        fill(&mut tx)?;
        let hash = match tx.commit().0 {
            Some(hash) => hash,
            None => doc.empty_commit(automerge::transaction::CommitOptions::default()),
        };
        let data = doc.save_after(&[]);
        {
            let mut state = self.inner.lock();
            state.store.save_changes(id, &data, &[hash])?;
            state.docs.insert(id, doc);
        }
        self.inner.announce_local_change(id);
        Ok(id)
    }

    /// Reads this phone's copy of a document with `read`.
    pub(crate) fn read_with<T, F>(&self, id: DocumentId, read: F) -> Result<T, ClientError>
    where
        F: FnOnce(&Automerge) -> Result<T, ClientError>,
    {
        let mut state = self.inner.lock();
        let doc = state.doc(id)?.ok_or(ClientError::NotHere(id, self.inner.server.is_some()))?;
        read(doc)
    }

    /// Runs `work` on the local store (settings, attachment bytes), under the client's lock.
    pub(crate) fn with_store<T>(
        &self,
        work: impl FnOnce(&mut LocalStore) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        self.inner.with_store(work)
    }

    /// The server's HTTP base URL (`http://host:port/`), for the JSON API beside the sync socket.
    pub(crate) fn http_base(&self) -> Result<Url, ClientError> {
        let server = self.inner.server.as_ref().ok_or(ClientError::NoServer)?;
        Ok(crate::server_url::http_base(server))
    }

    /// Sets the value at `path` (`/a/b/0` or `a.b.0`; `-` appends to a list).
    pub fn set_path(&self, id: DocumentId, path: &str, value: &Value) -> Result<(), ClientError> {
        self.change(id, |tx| json::set_path(tx, path, value))
    }

    pub fn delete_path(&self, id: DocumentId, path: &str) -> Result<(), ClientError> {
        self.change(id, |tx| json::delete_path(tx, path))
    }

    /// The document as JSON, from this phone's copy.
    pub fn get_json(&self, id: DocumentId) -> Result<Value, ClientError> {
        let mut state = self.inner.lock();
        let doc = state.doc(id)?.ok_or(ClientError::NotHere(id, self.inner.server.is_some()))?;
        Ok(json::to_json(doc))
    }

    pub fn heads(&self, id: DocumentId) -> Result<Vec<ChangeHash>, ClientError> {
        let mut state = self.inner.lock();
        let doc = state.doc(id)?.ok_or(ClientError::NotHere(id, false))?;
        Ok(doc.get_heads())
    }

    pub fn documents(&self) -> Result<Vec<DocumentId>, ClientError> {
        self.inner.lock().store.document_ids()
    }

    pub fn holds(&self, id: DocumentId) -> Result<bool, ClientError> {
        self.inner.lock().store.contains(id)
    }

    pub fn status(&self) -> Result<SyncStatus, ClientError> {
        let state = self.inner.lock();
        let pending = state
            .store
            .pending_counts()?
            .into_iter()
            .map(|(id, pending_changes)| DocumentStatus { id, pending_changes })
            .collect();
        let refused = state.store.refused()?;
        Ok(SyncStatus {
            connection: self.inner.connection_state(),
            pending,
            refused,
            documents_held: state.store.document_ids()?.len(),
        })
    }

    /// Gives up this phone's copy of a document, with any changes the server has not stored (the way out of
    /// a refusal), and asks for the server's copy at the next sync.
    pub fn discard_local_changes(&self, id: DocumentId) -> Result<(), ClientError> {
        let mut state = self.inner.lock();
        state.docs.remove(&id);
        let access_ended = state
            .store
            .refused()?
            .iter()
            .any(|refused| refused.id == id && refused.refusals.iter().any(|r| r.rule == crate::home::ACCESS_RULE));
        if access_ended {
            // The server will not give it back: nothing to ask for.
            state.store.remove(id)?;
        } else {
            state.store.discard(id)?;
        }
        drop(state);
        self.inner.local_change.notify_one();
        Ok(())
    }

    /// Hears of every document that changed, here or from the server.
    pub fn subscribe(&self) -> broadcast::Receiver<DocumentId> {
        self.inner.changed.subscribe()
    }

    /// Connects, exchanges everything, and returns once the server has confirmed every local change and
    /// this phone holds everything the server has of its documents.
    pub async fn sync_once(&self, timeout: Duration) -> Result<(), ClientError> {
        sync::sync_until_settled(&self.inner, timeout).await
    }

    /// Asks for a document this phone does not hold at the next sync (an alert's, when the push came
    /// offline); a sync running now fetches it at once.
    pub fn want(&self, id: DocumentId) -> Result<(), ClientError> {
        if !self.holds(id)? {
            self.inner.lock().store.want(id)?;
            self.inner.local_change.notify_one();
        }
        Ok(())
    }

    /// Fetches a document this phone does not hold yet. `Unavailable` if the server does not have it.
    pub async fn fetch(&self, id: DocumentId, timeout: Duration) -> Result<(), ClientError> {
        if self.holds(id)? {
            return Ok(());
        }
        self.inner.lock().store.want(id)?;
        let result = self.sync_once(timeout).await;
        if self.holds(id)? {
            return Ok(());
        }
        self.inner.lock().store.forget_wanted(id)?;
        result?;
        Err(ClientError::Unavailable(id))
    }

    /// Keeps syncing in the background, reconnecting with backoff, until the handle is dropped.
    pub fn keep_syncing(&self) -> SyncHandle {
        let inner = self.inner.clone();
        SyncHandle { task: tokio::spawn(async move { sync::sync_forever(inner).await }) }
    }
}

/// Stops the background sync when dropped.
pub struct SyncHandle {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the sync loop needs from the client; all of it under the one lock, never held across an await.
impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic mid-edit leaves the cache possibly ahead of the store; the store is the truth.
        self.state.lock().unwrap_or_else(|poisoned| {
            let mut state = poisoned.into_inner();
            state.docs.clear();
            state
        })
    }

    fn announce_local_change(&self, id: DocumentId) {
        let _ = self.changed.send(id);
        self.local_change.notify_one();
    }

    pub(crate) fn with_store<T>(
        &self,
        work: impl FnOnce(&mut LocalStore) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        work(&mut self.lock().store)
    }

    pub(crate) fn new_actor(&self) -> Result<(), ClientError> {
        self.lock().new_actor()
    }

    pub(crate) fn set_connection(&self, state: ConnectionState) {
        *self.connection.lock().unwrap_or_else(|p| p.into_inner()) = state;
    }

    pub(crate) fn connection_state(&self) -> ConnectionState {
        self.connection.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Documents to sync, most important first (below), less those whose changes the server refused (sending them again would only be refused again).
    pub(crate) fn sync_targets(&self) -> Result<Vec<DocumentId>, ClientError> {
        let home = self.home_document()?;
        let state = self.lock();
        let refused: HashSet<DocumentId> = state.store.refused()?.into_iter().map(|refused| refused.id).collect();
        // Most important first, since one socket sends in order and a phone may have only seconds: the home
        // (what is new for this person), then this phone's unsent changes (acknowledgements, reports), then
        // documents asked for (an alert's), then everything else held.
        let mut ids: Vec<DocumentId> = home.into_iter().collect();
        ids.extend(state.store.pending_counts()?.into_iter().map(|(id, _)| id));
        ids.extend(state.store.wanted()?);
        ids.extend(state.store.document_ids()?);
        let mut seen = HashSet::new();
        ids.retain(|id| !refused.contains(id) && seen.insert(*id));
        Ok(ids)
    }

    /// Reads a held document (`None` if this phone does not hold it).
    pub(crate) fn read_doc<T>(
        &self,
        id: DocumentId,
        read: impl FnOnce(&Automerge) -> T,
    ) -> Result<Option<T>, ClientError> {
        let mut state = self.lock();
        Ok(state.doc(id)?.map(|doc| read(doc)))
    }

    /// Drops removed documents from memory and tells subscribers.
    pub(crate) fn forget_cached(&self, ids: &[DocumentId]) {
        let mut state = self.lock();
        for id in ids {
            state.docs.remove(id);
        }
        drop(state);
        for id in ids {
            let _ = self.changed.send(*id);
        }
    }

    /// The server refused this document's changes: keep them, stop sending them, tell the user.
    pub(crate) fn refuse(&self, id: DocumentId, message: &str, refusals: &[Refusal]) -> Result<(), ClientError> {
        tracing::warn!(document = %id, reason = %message, "the server refused this document's changes");
        self.lock().store.refuse(id, message, refusals)?;
        let _ = self.changed.send(id);
        Ok(())
    }

    pub(crate) fn refused(&self) -> Result<Vec<RefusedDocument>, ClientError> {
        self.lock().store.refused()
    }

    /// The next sync message for the server, and whether this phone holds nothing of the document yet
    /// (then it goes as a `request`).
    pub(crate) fn next_message(
        &self,
        id: DocumentId,
        sync_state: &mut SyncState,
    ) -> Result<Option<(Vec<u8>, bool)>, ClientError> {
        let mut state = self.lock();
        let empty = Automerge::new();
        let doc: &Automerge = match state.doc(id)? {
            Some(doc) => doc,
            None => &empty,
        };
        let is_empty = doc.get_heads().is_empty();
        Ok(doc.generate_sync_message(sync_state).map(|m| (m.encode(), is_empty)))
    }

    /// Applies the server's sync message, stores what it brought, and clears the outbox of every change
    /// the server's heads now include. Returns whether the document is settled (same heads both sides).
    pub(crate) fn receive(&self, id: DocumentId, sync_state: &mut SyncState, data: &[u8]) -> Result<bool, ClientError> {
        let message = SyncMessage::decode(data)
            .map_err(|e| ClientError::Protocol(format!("sync message for {id} does not decode: {e}")))?;
        let mut guard = self.lock();
        let state = &mut *guard;
        if !state.docs.contains_key(&id) {
            let doc = match state.store.load(id)? {
                Some(doc) => doc.with_actor(state.actor.clone()),
                None => state.new_doc(),
            };
            state.docs.insert(id, doc);
        }
        let Some(doc) = state.docs.get_mut(&id) else { return Ok(false) };
        let before = doc.get_heads();
        if let Err(e) = doc.receive_sync_message(sync_state, message) {
            state.docs.remove(&id);
            return Err(ClientError::Protocol(format!("the server sent a change for {id} that does not apply: {e}")));
        }
        let doc = &state.docs[&id];
        let after = doc.get_heads();
        let mut changed = false;
        if after != before {
            let data = doc.save_after(&before);
            if let Err(e) = state.store.save_changes(id, &data, &[]) {
                state.docs.remove(&id);
                return Err(e);
            }
            changed = true;
        }
        let doc = &state.docs[&id];
        let mut settled = false;
        if let Some(their_heads) = &sync_state.their_heads
            && their_heads.iter().all(|h| doc.get_change_by_hash(h).is_some())
        {
            let pending = state.store.pending(id)?;
            if !pending.is_empty() {
                let not_on_server: HashSet<ChangeHash> =
                    doc.get_changes(their_heads).iter().map(|c| c.hash()).collect();
                let confirmed: Vec<ChangeHash> = pending.into_iter().filter(|h| !not_on_server.contains(h)).collect();
                state.store.confirm(id, &confirmed)?;
            }
            let mut ours = doc.get_heads();
            let mut theirs = their_heads.clone();
            ours.sort();
            theirs.sort();
            settled = ours == theirs;
        }
        if changed {
            state.compact(id);
            drop(guard);
            let _ = self.changed.send(id);
        }
        Ok(settled)
    }

    pub(crate) fn has_unsent(&self, id: DocumentId) -> Result<bool, ClientError> {
        Ok(!self.lock().store.pending(id)?.is_empty())
    }

    /// Changes waiting for the server, less those it refused (they wait for the user instead).
    pub(crate) fn pending_total(&self) -> Result<usize, ClientError> {
        let state = self.lock();
        let refused: HashSet<DocumentId> = state.store.refused()?.into_iter().map(|refused| refused.id).collect();
        Ok(state.store.pending_counts()?.iter().filter(|(id, _)| !refused.contains(id)).map(|(_, n)| n).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_offers_the_home_then_unsent_changes_then_documents_asked_for_then_the_rest() {
        let folder = tempfile::tempdir().expect("folder");
        let client = Client::open(folder.path(), None).expect("client");
        let confirmed = client.create_document(&serde_json::json!({"n": 1})).expect("create");
        let heads = client.heads(confirmed).expect("heads");
        client.inner.lock().store.confirm(confirmed, &heads).expect("confirmed by the server");
        let unsent = client.create_document(&serde_json::json!({"n": 2})).expect("create");
        let asked_for = DocumentId::random();
        client.want(asked_for).expect("want");
        let home = DocumentId::random();
        let home_text = home.to_string();
        client
            .inner
            .with_store(|store| store.set_settings(&[(crate::home::HOME_DOCUMENT, home_text.as_str())]))
            .expect("home");
        assert_eq!(client.inner.sync_targets().expect("targets"), vec![home, unsent, asked_for, confirmed]);
    }
}
