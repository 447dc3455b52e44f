//! The hub: every document some peer is using, loaded on demand and evicted when idle.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::ReadDoc;
use automerge::sync::{Message as SyncMessage, SyncDoc};
use tokio::sync::broadcast;
use zhiban_model::access::Viewer;
use zhiban_model::refusal::{Refusal, in_english};
use zhiban_model::{DocumentId, Message, PeerId};

use super::actor_owners::ActorOwners;
use super::changed::{Changed, WATCH_BACKLOG};
use super::incoming;
use super::live_document::{LiveDocument, PeerSync};
use super::outbound::{ConnectionId, Outbound};
use super::receipts::{Delivery, receipts};
use super::sessions::LiveSessions;
use super::user_connections::UserConnections;
use crate::accounts::Principal;
use crate::alerts;
use crate::clock::Clock;
use crate::homes::DocumentAudience;
use crate::office::{Office, TypedDocument, check_change};
use crate::projection;
use crate::store::retry::while_unreachable;
use crate::store::{ChangeNotice, GroupCommitter, NewChunk, Store, StoreError};

#[derive(Debug, Clone)]
pub struct HubConfig {
    /// A document nobody is connected to leaves memory after this long unused.
    pub idle_eviction: Duration,
    /// At most this many documents in memory; beyond it the least recently used idle ones leave first.
    pub max_loaded_documents: usize,
    /// Compact a document once it has this many stored chunks.
    pub compact_after_chunks: usize,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self { idle_eviction: Duration::from_secs(300), max_loaded_documents: 10_000, compact_after_chunks: 64 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("sync message for document {document} does not decode: {reason}")]
    BadSyncMessage { document: DocumentId, reason: String },
    #[error("sync message for document {document} cannot be used, nothing from it was stored: {reason}")]
    UnusableSyncMessage { document: DocumentId, reason: String },
    #[error("a change for document {document} does not apply, nothing from this message was stored: {reason}")]
    ChangeRejected { document: DocumentId, reason: String },
    #[error(
        "a sync message for document {document} carries {changes} changes, more than the {limit} one message may \
         carry; nothing of it was stored; ask an administrator to raise --max-changes-per-message"
    )]
    TooManyChanges { document: DocumentId, changes: usize, limit: usize },
    #[error("document {document}: the change was refused and nothing of it was stored: {}", in_english(.refusals))]
    ChangeRefused { document: DocumentId, refusals: Vec<Refusal> },
    #[error("the server cannot load document {document} from its store; an operator must look at it: {source}")]
    Load {
        document: DocumentId,
        #[source]
        source: StoreError,
    },
    #[error("the server could not store a change for document {document}; send it again later: {source}")]
    Store {
        document: DocumentId,
        #[source]
        source: StoreError,
    },
}

impl SyncError {
    /// The reasons of a refused change, each with its rule and part; none for the other errors.
    pub fn refusals(&self) -> &[Refusal] {
        match self {
            SyncError::ChangeRefused { refusals, .. } => refusals,
            _ => &[],
        }
    }
}

pub(super) struct Slot {
    pub(super) live: tokio::sync::Mutex<LiveDocument>,
    /// Milliseconds since the hub started, at last use.
    last_used: AtomicU64,
}

pub struct Hub {
    store: Arc<dyn Store>,
    office: Office,
    /// The author of the server's own changes (ledger numbers, receipt times); one per process, so two
    /// servers sharing a database never write changes under the same actor.
    actor: automerge::ActorId,
    committer: GroupCommitter,
    config: HubConfig,
    peer_id: PeerId,
    storage_id: String,
    /// For idle eviction, on the machine's clock: how long a document sat unused in memory is a real
    /// duration, not office time.
    started: Instant,
    documents: Mutex<HashMap<DocumentId, Arc<Slot>>>,
    next_connection: AtomicU64,
    /// Home document ids already looked up, by person.
    homes: Mutex<HashMap<String, DocumentId>>,
    /// Which user each actor id belongs to, as far as this server has read.
    actor_owners: ActorOwners,
    /// Sync connections open per user, for `--max-connections-per-user`.
    user_connections: Arc<UserConnections>,
    /// Sync connections open, by the session they were opened with, to end when it ends or changes.
    sessions: Arc<LiveSessions>,
    /// Told when the directory changed (here or elsewhere), for a task that re-judges every connection
    /// (not inline: the change that prompts it holds the directory's lock).
    directory_changed: Arc<tokio::sync::Notify>,
    /// People whose homes' alert lists may have changed, for a task that rewrites them (not inline: the
    /// change that prompts it may hold the very home's lock).
    pub(super) alert_lists: tokio::sync::mpsc::UnboundedSender<Vec<String>>,
    /// Stored changes, for the console's live pages.
    watchers: broadcast::Sender<Changed>,
}

/// What keeping a change found: who the document was for before and after, and whose homes' lists of
/// open alerts it changed.
pub(super) struct Kept {
    audience_before: Option<DocumentAudience>,
    audience: Option<DocumentAudience>,
    alert_lists_changed: Vec<String>,
}

impl Hub {
    /// Starts the hub with its writer, notice and eviction tasks on the current runtime.
    pub async fn start(store: Arc<dyn Store>, office: Office, config: HubConfig) -> Result<Arc<Self>, StoreError> {
        let storage_id = store.storage_id().await?;
        let suffix = format!("{:016x}", rand::random::<u64>());
        let (alert_lists, people_to_refresh) = tokio::sync::mpsc::unbounded_channel();
        let hub = Arc::new(Self {
            committer: GroupCommitter::start(store.clone()),
            store,
            office,
            actor: automerge::ActorId::random(),
            config,
            peer_id: format!("zhiban-server-{suffix}"),
            storage_id,
            started: Instant::now(),
            documents: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(1),
            homes: Mutex::new(HashMap::new()),
            actor_owners: ActorOwners::default(),
            user_connections: Arc::default(),
            sessions: Arc::default(),
            directory_changed: Arc::default(),
            alert_lists,
            watchers: broadcast::channel(WATCH_BACKLOG).0,
        });
        tokio::spawn(super::homes::refresh_alert_lists(Arc::downgrade(&hub), people_to_refresh));
        if let Some(notices) = hub.store.change_notices() {
            tokio::spawn(follow_other_servers(Arc::downgrade(&hub), notices));
        }
        tokio::spawn(evict_periodically(Arc::downgrade(&hub)));
        tokio::spawn(follow_the_directory(Arc::downgrade(&hub), hub.directory_changed.clone()));
        Ok(hub)
    }

    pub fn peer_id(&self) -> &PeerId {
        &self.peer_id
    }

    pub fn storage_id(&self) -> &str {
        &self.storage_id
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub fn office(&self) -> &Office {
        &self.office
    }

    pub(super) fn actor(&self) -> &automerge::ActorId {
        &self.actor
    }

    /// Now, by the office's clock (the server's one clock, which tests move): receipt times in the change
    /// log and on acknowledgements, and "now" for the API and the console.
    pub fn now_millis(&self) -> i64 {
        self.clock().now_millis()
    }

    /// Now in the office's time zone, by the same clock.
    pub fn office_now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.clock().office_now()
    }

    pub fn clock(&self) -> &dyn Clock {
        &**self.office.clock()
    }

    pub(super) fn committer(&self) -> &GroupCommitter {
        &self.committer
    }

    /// Why changes cannot be stored now, while the last commit failed and none succeeded since.
    pub fn write_problem(&self) -> Option<String> {
        self.committer.failing()
    }

    pub(super) fn homes_known(&self) -> std::sync::MutexGuard<'_, HashMap<String, DocumentId>> {
        self.homes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn user_connections(&self) -> &Arc<UserConnections> {
        &self.user_connections
    }

    pub fn sessions(&self) -> &Arc<LiveSessions> {
        &self.sessions
    }

    pub fn next_connection_id(&self) -> ConnectionId {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// Every document stored from now on, by id and kind (for the console's live pages).
    pub fn watch(&self) -> broadcast::Receiver<Changed> {
        self.watchers.subscribe()
    }

    pub(super) fn tell_watchers(&self, changed: Changed) {
        // Nobody watching is not an error.
        let _ = self.watchers.send(changed);
    }

    pub fn loaded_documents(&self) -> usize {
        self.lock_documents().len()
    }

    fn lock_documents(&self) -> std::sync::MutexGuard<'_, HashMap<DocumentId, Arc<Slot>>> {
        // A panic while holding this lock leaves the map itself consistent.
        self.documents.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub(super) fn slot(&self, id: DocumentId) -> Arc<Slot> {
        let slot = self
            .lock_documents()
            .entry(id)
            .or_insert_with(|| {
                Arc::new(Slot { live: tokio::sync::Mutex::new(LiveDocument::new(id)), last_used: AtomicU64::new(0) })
            })
            .clone();
        slot.last_used.store(self.now(), Ordering::Relaxed);
        slot
    }

    fn existing_slot(&self, id: DocumentId) -> Option<Arc<Slot>> {
        self.lock_documents().get(&id).cloned()
    }

    /// Applies a `sync` or `request` from a peer. New changes are stored before any peer hears of them.
    /// Returns false when the peer asked for a document nobody has. A message bringing more than
    /// `max_changes` changes is refused whole.
    pub async fn receive_sync(
        &self,
        from: &Outbound,
        document_id: DocumentId,
        data: &[u8],
        is_request: bool,
        max_changes: usize,
    ) -> Result<bool, SyncError> {
        let mut message = SyncMessage::decode(data)
            .map_err(|e| SyncError::BadSyncMessage { document: document_id, reason: e.to_string() })?;
        if let Some(reason) = incoming::unusable_bloom_filter(&message) {
            return Err(SyncError::UnusableSyncMessage { document: document_id, reason });
        }
        incoming::sort_hashes(&mut message);
        // Each chunk holds at least one change: too many is refused before the document is even locked.
        if message.changes.len() > max_changes {
            return Err(SyncError::TooManyChanges {
                document: document_id,
                changes: message.changes.len(),
                limit: max_changes,
            });
        }
        let slot = self.slot(document_id);
        let mut guard = slot.live.lock().await;
        let live = &mut *guard;
        let reloaded = live
            .ensure_loaded(&*self.store)
            .await
            .map_err(|source| SyncError::Load { document: document_id, source })?;

        // The person's own home: brought in line with what they may see when first used after loading.
        if !live.home_reconciled
            && let Ok(home) = self.home_of(&from.viewer.person).await
            && home == document_id
            && let Err(e) = self.reconcile_home(live, &from.viewer).await
        {
            tracing::warn!(user = %from.viewer.person, error = %e, "cannot bring the home document up to date");
        }
        // A document this person may not see is answered as one that does not exist, and nothing they send
        // for it is looked at.
        if live.exists() && !self.may_read(&from.viewer, live) {
            live.peers.remove(&from.connection);
            from.send(&Message::DocUnavailable {
                sender_id: self.peer_id.clone(),
                target_id: from.peer_id.clone(),
                document_id,
            });
            return Ok(false);
        }

        let before = live.doc.get_heads();
        // Read as its type once per change, not once per message: taken here, put back if nothing changed.
        live.typed();
        let before_typed = live.typed.take().unwrap_or(Ok(TypedDocument::Empty));
        // Until the new changes are stored, memory is ahead of the store: if this task dies in between (a
        // panic in Automerge), the next use reloads rather than announce what was never stored.
        live.begin_unstored();
        let peer = live.peers.entry(from.connection).or_insert_with(|| PeerSync::new(from));
        if let Err(e) = live.doc.receive_sync_message(&mut peer.state, message) {
            live.reset();
            return Err(SyncError::ChangeRejected { document: document_id, reason: e.to_string() });
        }
        let brought_changes = live.doc.get_heads() != before;
        // One chunk may be a whole document of many changes (a V2 message): counted again once applied,
        // before anything is checked or stored.
        if brought_changes {
            let changes = live.doc.get_changes_meta(&before).len();
            if changes > max_changes {
                live.reset();
                return Err(SyncError::TooManyChanges { document: document_id, changes, limit: max_changes });
            }
        }
        let kept = if brought_changes {
            Some(self.keep_changes(live, &before, before_typed, &from.viewer, &from.principal).await?)
        } else {
            live.typed = Some(before_typed);
            None
        };
        live.end_unstored();

        if is_request && !live.exists() {
            from.send(&Message::DocUnavailable {
                sender_id: self.peer_id.clone(),
                target_id: from.peer_id.clone(),
                document_id,
            });
            return Ok(false);
        }
        if let Some(kept) = kept {
            self.after_kept(live, kept).await;
        }
        // A reload may have brought other servers' changes that this document's other peers have not heard of.
        let others_owed = brought_changes || (reloaded && live.peers.len() > 1);
        if others_owed {
            live.send_sync_messages(&self.peer_id);
        } else {
            live.answer(&self.peer_id, from.connection);
        }
        if live.stored.len() >= self.config.compact_after_chunks {
            self.compact(live).await;
        }
        Ok(true)
    }

    /// New changes in `live` since `before`, written by `principal`: passed through the gate with their
    /// rights, the server's own fields added, stored with the projection and their authorship in one chunk,
    /// and the alerts they raise or answer recorded. On a refusal or a failure to store, memory goes back to
    /// what is stored. The caller ends the unstored state and then calls `after_kept`.
    pub(super) async fn keep_changes(
        &self,
        live: &mut LiveDocument,
        before: &[automerge::ChangeHash],
        before_typed: Result<TypedDocument, zhiban_model::documents::DocumentError>,
        viewer: &Viewer,
        principal: &Principal,
    ) -> Result<Kept, SyncError> {
        let document_id = live.id;
        // Only a change can move the document between homes; worked out for nothing else.
        let audience_before = DocumentAudience::of(&before_typed);
        if let Err(refusals) = check_change(&before_typed, live.typed(), &self.office.directory(), Some(viewer)) {
            live.reset();
            return Err(SyncError::ChangeRefused { document: document_id, refusals });
        }
        // What the person delivered, told apart from what the server writes on top of it below.
        let (delivered, under_server_actor) = {
            let changes = live.doc.get_changes_meta(before);
            let delivered: BTreeSet<automerge::ChangeHash> = changes.iter().map(|change| change.hash).collect();
            (delivered, changes.iter().any(|change| *change.actor == self.actor))
        };
        if under_server_actor {
            live.reset();
            return Err(SyncError::ChangeRefused {
                document: document_id,
                refusals: vec![Refusal::new(
                    "actor.server",
                    "changes under the server's own actor id are written only by the server; a device writes under its own actor ids",
                    "以服务器自身执行者编号写入的修改只能由服务器写入；设备应以自己的执行者编号写入",
                )],
            });
        }
        self.amend(live).await;
        // The author's changes, the server's own fields and the document's projection: one chunk, one
        // transaction.
        let data = live.doc.save_after(before);
        let now = self.now_millis();
        let receipts = receipts(&live.doc, before, Delivery::Person { by: principal, changes: &delivered }, now);
        // Authorship: an actor id belongs to the first user who wrote under it, and the server's to the server.
        let database = &self.office.database;
        let checked = while_unreachable("a change's authorship check", || async {
            self.actor_owners.foreign(database, &receipts).await.map_err(StoreError::from)
        });
        match checked.await {
            Ok(foreign) if foreign.is_empty() => {}
            Ok(foreign) => {
                live.reset();
                return Err(SyncError::ChangeRefused {
                    document: document_id,
                    refusals: vec![Refusal::new(
                        "actor.owner",
                        format!(
                            "changes under actor {} belong to another user or to the server; a device writes under its own actor ids",
                            foreign.join(", ")
                        ),
                        format!(
                            "执行者 {} 的修改属于其他用户或服务器；设备应以自己的执行者编号写入",
                            foreign.join("、")
                        ),
                    )],
                });
            }
            Err(source) => {
                live.reset();
                return Err(SyncError::Store { document: document_id, source });
            }
        }
        let typed = live.typed().clone();
        let projection = typed.as_ref().ok().and_then(|t| projection::projection_of(t, &self.office));
        let audience = DocumentAudience::of(&typed);
        let chunk = NewChunk { document_id, data, projection, receipts, audience: audience.clone() };
        // Held, unannounced, while the database is away: the author's socket stays open meanwhile.
        match while_unreachable("a change", || self.committer.append(chunk.clone())).await {
            Ok(seq) => {
                live.stored.insert(seq);
            }
            Err(source) => {
                live.reset();
                return Err(SyncError::Store { document: document_id, source });
            }
        }
        let alert_lists_changed = self.alert_on_change(document_id, &before_typed, &typed).await;
        if let Ok(TypedDocument::Directory(directory)) = typed {
            self.office.set_directory(directory);
        }
        Ok(Kept { audience_before, audience, alert_lists_changed })
    }

    /// After a change is stored: peers who lost access are dropped, the homes of who gained or lost the
    /// document follow (listing the alerts it raised in the same write) before anyone hears of the change,
    /// and the console's live pages are told.
    pub(super) async fn after_kept(&self, live: &mut LiveDocument, kept: Kept) {
        self.drop_peers_who_lost_access(live);
        let changed = (kept.audience_before.as_ref(), kept.audience.as_ref());
        if let Err(e) = self.update_homes(live.id, changed, kept.alert_lists_changed).await {
            tracing::warn!(document = %live.id, error = %e, "cannot update the home documents");
        }
        let kind = live.typed().as_ref().ok().and_then(TypedDocument::kind).unwrap_or("document");
        if matches!(live.typed(), Ok(TypedDocument::Directory(_))) {
            self.directory_changed.notify_one();
        }
        self.tell_watchers(Changed { document: Some(live.id), kind });
    }

    fn may_read(&self, viewer: &Viewer, live: &mut LiveDocument) -> bool {
        live.audience().includes(viewer, &*self.office.directory())
    }

    /// After a change (an incident flagged sensitive, a recipient removed), the peers who may no longer see
    /// the document hear nothing more of it: their connection is closed, and on reconnecting their home
    /// document tells their phone to remove its copy.
    fn drop_peers_who_lost_access(&self, live: &mut LiveDocument) {
        let lost: Vec<ConnectionId> = {
            let directory = self.office.directory();
            if live.typed().is_err() {
                return;
            }
            let audience = live.audience().clone();
            live.peers
                .iter()
                .filter(|(_, peer)| !audience.includes(&peer.outbound.viewer, &*directory))
                .map(|(connection, _)| *connection)
                .collect()
        };
        for connection in lost {
            if let Some(peer) = live.peers.remove(&connection) {
                tracing::info!(document = %live.id, user = %peer.outbound.principal.username, "access ended; closing the connection");
                let refusal = Refusal::new(
                    "read",
                    format!("your access to document {} ended; your phone removes its copy", live.id),
                    format!("您对文档 {} 的访问权限已结束；手机将删除本地副本", live.id),
                );
                peer.outbound.close_now(Message::Error {
                    sender_id: Some(self.peer_id.clone()),
                    target_id: Some(peer.outbound.peer_id.clone()),
                    message: refusal.reason.clone(),
                    document_id: Some(live.id),
                    refusals: vec![refusal],
                });
            }
        }
    }

    /// What a stored change means for alerts: a new instruction alerts its recipients, and its
    /// acknowledgements stop their escalation; a new or upgraded serious incident alerts the desk and the
    /// leader on duty; receipts in a home stop their person's escalations. Failures are logged: the change
    /// is stored whatever happens to its alert. Returns the people whose homes' lists of open alerts
    /// changed: those just called, and those whose alerts were answered.
    async fn alert_on_change(
        &self,
        document: DocumentId,
        before: &Result<TypedDocument, zhiban_model::documents::DocumentError>,
        after: &Result<TypedDocument, zhiban_model::documents::DocumentError>,
    ) -> Vec<String> {
        let now = self.now_millis();
        let office = &self.office;
        // Whether the change raised an alert, and whose alerts it answered.
        let outcome = match (before, after) {
            (before, Ok(TypedDocument::Instruction(after))) => {
                let before = match before {
                    Ok(TypedDocument::Instruction(b)) => Some(b),
                    _ => None,
                };
                let raised = if before.is_none() {
                    alerts::raise_for_instruction(office, document, after, now).await.map(|id| id.is_some())
                } else {
                    Ok(false)
                };
                match raised {
                    Ok(raised) => alerts::acknowledged_instruction(office, document, before, after)
                        .await
                        .map(|answered| (raised, answered)),
                    Err(e) => Err(e),
                }
            }
            (before, Ok(TypedDocument::Incident(after))) => {
                let before = match before {
                    Ok(TypedDocument::Incident(b)) => Some(b),
                    _ => None,
                };
                alerts::raise_for_incident(office, document, before, after, now)
                    .await
                    .map(|raised| (!raised.is_empty(), Vec::new()))
            }
            (before, Ok(TypedDocument::Home(after))) => {
                let before = match before {
                    Ok(TypedDocument::Home(b)) => Some(b),
                    _ => None,
                };
                alerts::acknowledged_in_home(office, before, after, now).await.map(|answered| (false, answered))
            }
            _ => Ok((false, Vec::new())),
        };
        let (raised, mut people) = match outcome {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!(%document, error = %e, "cannot update alerts for a stored change");
                return Vec::new();
            }
        };
        // A new alert's first calls, claimed now rather than at the scheduler's next tick (which pushes
        // them): the homes that list the document list its alert in the same write.
        if raised {
            match alerts::scheduler::claim_due(&office.database, now).await {
                Ok(called) => people.extend(called),
                Err(e) => {
                    tracing::warn!(%document, error = %e, "cannot claim the new alert's calls; the scheduler will")
                }
            }
        }
        people
    }

    /// Writes the fields only the server writes (an instruction's ledger number, acknowledgement receipt
    /// times) as the server's own change, before the phone's changes are stored, so both go in one chunk.
    /// If the ledger cannot be reached the phone's change is stored without them; the next change retries.
    async fn amend(&self, live: &mut LiveDocument) {
        let document = live.id;
        let Ok(typed) = live.typed().clone() else { return };
        let now = self.office_now();
        match self.office.amend(&typed, now).await {
            Ok(None) => {}
            Ok(Some(amended)) => {
                live.doc.set_actor(self.actor.clone());
                let mut tx = live.doc.transaction();
                match autosurgeon::reconcile(&mut tx, &amended) {
                    Ok(()) => {
                        tx.commit();
                        live.typed = Some(Ok(TypedDocument::Instruction(amended)));
                    }
                    Err(e) => {
                        tx.rollback();
                        tracing::error!(%document, error = %e, "cannot write the server's fields into the instruction");
                    }
                }
            }
            Err(e) => tracing::warn!(%document, error = %e, "cannot amend the instruction now"),
        }
    }

    /// Writes a snapshot in place of the document's chunks. A failure loses nothing: the chunks stay.
    async fn compact(&self, live: &mut LiveDocument) {
        let snapshot = live.doc.save();
        let replaces: Vec<_> = live.stored.iter().copied().collect();
        match self.store.compact(live.id, &snapshot, &replaces).await {
            Ok(seq) => {
                live.stored.clear();
                live.stored.insert(seq);
            }
            Err(e) => tracing::warn!(document = %live.id, error = %e, "compaction failed; chunks kept"),
        }
    }

    pub async fn relay_ephemeral(
        &self,
        from: &Outbound,
        document_id: DocumentId,
        session_id: &str,
        count: u64,
        data: &[u8],
    ) {
        if let Some(slot) = self.existing_slot(document_id) {
            slot.live.lock().await.relay_ephemeral(from.connection, &from.peer_id, session_id, count, data);
        }
    }

    /// Forgets a closed connection in every document it used.
    pub async fn disconnect(&self, connection: ConnectionId, documents: impl IntoIterator<Item = DocumentId>) {
        for id in documents {
            if let Some(slot) = self.existing_slot(id) {
                slot.live.lock().await.remove_peer(connection);
                slot.last_used.store(self.now(), Ordering::Relaxed);
            }
        }
    }

    /// Another server wrote to a document: load what it wrote and pass it on to our peers.
    async fn catch_up(&self, id: DocumentId) {
        // The directory another process changed: changes are checked against what is stored, whether or
        // not the document is in memory here.
        if let Ok(Some(directory)) = projection::directory_id(&self.office.database).await
            && directory == id
        {
            match projection::load_directory(&*self.store, &self.office).await {
                Ok(()) => self.directory_changed.notify_one(),
                Err(e) => tracing::warn!(error = %e, "cannot load the directory another process changed"),
            }
        }
        let Some(slot) = self.existing_slot(id) else { return };
        let mut guard = slot.live.lock().await;
        let live = &mut *guard;
        let before = live.doc.get_heads();
        // Changes a peer sent us before their parents arrived wait in Automerge's queue, unstored; another
        // server's chunk may now complete them, and they must be stored before anyone hears of them.
        let had_orphans = !live.doc.get_missing_deps(&[]).is_empty();
        match live.catch_up(&*self.store).await {
            Ok(true) => {
                if had_orphans {
                    let data = live.doc.save_after(&before);
                    // The projection follows below, in its own transaction, as for another server's chunk.
                    match self
                        .committer
                        .append(NewChunk {
                            document_id: id,
                            data,
                            projection: None,
                            receipts: Vec::new(),
                            audience: None,
                        })
                        .await
                    {
                        Ok(seq) => {
                            live.stored.insert(seq);
                        }
                        Err(e) => {
                            tracing::warn!(document = %id, error = %e, "cannot store completed changes; reloading");
                            live.reset();
                            return;
                        }
                    }
                }
                // Projection is idempotent: both servers may write the same rows.
                if let Ok(typed) = live.typed().clone()
                    && let Err(e) = projection::project(&self.office, id, &typed).await
                {
                    tracing::warn!(document = %id, error = %e, "projection after catch-up failed");
                }
                // Another server's change may have taken the document from some of our peers (a reporter
                // taken off an incident): they hear nothing more of it, as when the change is made here.
                self.drop_peers_who_lost_access(live);
                live.send_sync_messages(&self.peer_id);
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(document = %id, error = %e, "cannot load another server's changes"),
        }
    }

    /// Ends the connections of `people` (everyone's when `None`) whose session ended or changed.
    async fn recheck_sessions(&self, people: Option<&[String]>) {
        match self.sessions.recheck(&self.office.database, people, &self.peer_id).await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "ended connections whose session ended or changed"),
            Err(e) => tracing::warn!(error = %e, "cannot check whose sessions still stand; the next notice asks again"),
        }
    }

    /// Drops idle documents nobody is connected to; beyond the cap, the least recently used go first.
    pub fn evict_idle(&self) -> usize {
        let now = self.now();
        let idle_ms = self.config.idle_eviction.as_millis() as u64;
        let mut documents = self.lock_documents();
        let mut idle: Vec<(u64, DocumentId)> = Vec::new();
        for (id, slot) in documents.iter() {
            // In use by a task right now, or by a connected peer: stays.
            if Arc::strong_count(slot) > 1 {
                continue;
            }
            let Ok(live) = slot.live.try_lock() else { continue };
            if live.peers.is_empty() {
                idle.push((slot.last_used.load(Ordering::Relaxed), *id));
            }
        }
        idle.sort();
        let over_cap = documents.len().saturating_sub(self.config.max_loaded_documents);
        let mut evicted = 0;
        for (i, (last_used, id)) in idle.into_iter().enumerate() {
            if i < over_cap || now.saturating_sub(last_used) >= idle_ms {
                documents.remove(&id);
                evicted += 1;
            }
        }
        evicted
    }
}

async fn follow_other_servers(hub: std::sync::Weak<Hub>, mut notices: broadcast::Receiver<ChangeNotice>) {
    loop {
        let notice = notices.recv().await;
        let Some(hub) = hub.upgrade() else { return };
        match notice {
            Ok(ChangeNotice::Document(id)) => {
                hub.catch_up(id).await;
                hub.tell_watchers(Changed { document: Some(id), kind: "document" });
            }
            Ok(ChangeNotice::Sessions(people)) => hub.recheck_sessions(Some(&people)).await,
            // Missed notices (lagged or reconnected): every loaded document and every session may be behind.
            Ok(ChangeNotice::Everything) | Err(broadcast::error::RecvError::Lagged(_)) => {
                hub.recheck_sessions(None).await;
                let ids: Vec<DocumentId> = hub.lock_documents().keys().copied().collect();
                for id in ids {
                    hub.catch_up(id).await;
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// After each change of the directory: connections whose person's line changed are ended, and every
/// loaded document's peers are judged again (a unit moved under another changes who oversees it).
async fn follow_the_directory(hub: std::sync::Weak<Hub>, changed: Arc<tokio::sync::Notify>) {
    loop {
        changed.notified().await;
        let Some(hub) = hub.upgrade() else { return };
        let ended = hub.sessions.directory_changed(&hub.office.directory(), &hub.peer_id);
        if ended > 0 {
            tracing::info!(ended, "the directory changed; ended the connections of people whose line changed");
        }
        let slots: Vec<Arc<Slot>> = hub.lock_documents().values().cloned().collect();
        for slot in slots {
            let mut live = slot.live.lock().await;
            if !live.peers.is_empty() {
                hub.drop_peers_who_lost_access(&mut live);
            }
        }
    }
}

async fn evict_periodically(hub: std::sync::Weak<Hub>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        let evicted = hub.evict_idle();
        if evicted > 0 {
            tracing::debug!(evicted, "evicted idle documents");
        }
    }
}
