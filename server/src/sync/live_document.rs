//! One document held in memory: the Automerge document, which stored chunks it contains, and the sync state
//! of every peer that uses it.

use std::collections::{BTreeSet, HashMap};

use automerge::sync::{Message as SyncMessage, State as SyncState};
use automerge::{Automerge, ChangeHash};
use zhiban_model::{DocumentId, Message, PeerId};

use zhiban_model::access::Audience;
use zhiban_model::documents::DocumentError;

use super::first_answers::FirstAnswers;
use super::outbound::{ConnectionId, Outbound};
use crate::office::TypedDocument;
use crate::store::{ChunkSeq, Store, StoreError, StoredChunk};

pub struct PeerSync {
    pub outbound: Outbound,
    pub state: SyncState,
}

impl PeerSync {
    pub fn new(outbound: &Outbound) -> Self {
        Self { outbound: outbound.clone(), state: SyncState::new() }
    }
}

pub struct LiveDocument {
    pub id: DocumentId,
    loaded: bool,
    /// Set while memory may hold changes the store does not; a document left so is reloaded.
    unstored: bool,
    pub doc: Automerge,
    /// Chunks of the store this document contains; compaction replaces exactly these.
    pub stored: BTreeSet<ChunkSeq>,
    pub peers: HashMap<ConnectionId, PeerSync>,
    /// The document read as its type, as last checked; `None` when the document changed since.
    pub typed: Option<Result<TypedDocument, DocumentError>>,
    /// Who may read the document, with the heads it was worked out for: asked for every peer's request,
    /// and an instruction to a thousand people is costly to work out a thousand times.
    audience: Option<(Vec<ChangeHash>, Audience)>,
    /// For a home document: checked against every document's audience since it was loaded.
    pub home_reconciled: bool,
    /// The last first answer to a peer, for the next peer asking from the same state.
    first_answers: FirstAnswers,
    /// Highest ephemeral `count` relayed per (sender, session), to drop repeats; at most
    /// `EPHEMERAL_SESSIONS_REMEMBERED` entries.
    ephemeral_seen: HashMap<(PeerId, String), u64>,
}

/// (sender, session) pairs one document remembers for dropping repeated ephemeral messages. Past it the
/// memory starts again: a peer making up session ids cannot grow it, and a repeat after that is relayed once
/// more, which presence messages (where the latest wins) take in their stride.
const EPHEMERAL_SESSIONS_REMEMBERED: usize = 1024;

impl LiveDocument {
    pub fn new(id: DocumentId) -> Self {
        Self {
            id,
            loaded: false,
            unstored: false,
            doc: Automerge::new(),
            stored: BTreeSet::new(),
            peers: HashMap::new(),
            typed: None,
            audience: None,
            home_reconciled: false,
            first_answers: FirstAnswers::default(),
            ephemeral_seen: HashMap::new(),
        }
    }

    /// Loads the document from the store unless it is loaded already; true when it (re)loaded.
    pub async fn ensure_loaded(&mut self, store: &dyn Store) -> Result<bool, StoreError> {
        if self.unstored {
            self.reset();
        }
        if self.loaded {
            return Ok(false);
        }
        let chunks = store.load(self.id).await?;
        let mut doc = Automerge::new();
        let mut stored = BTreeSet::new();
        for chunk in chunks {
            apply_chunk(&mut doc, self.id, &chunk)?;
            stored.insert(chunk.seq);
        }
        self.doc = doc;
        self.stored = stored;
        self.loaded = true;
        self.typed = None;
        self.home_reconciled = false;
        Ok(true)
    }

    /// The document read as its type (cached until it changes).
    pub fn typed(&mut self) -> &Result<TypedDocument, DocumentError> {
        let doc = &self.doc;
        self.typed.get_or_insert_with(|| TypedDocument::read(doc))
    }

    /// Who may read the document as it is now.
    pub fn audience(&mut self) -> &Audience {
        let heads = self.doc.get_heads();
        if self.audience.as_ref().is_none_or(|(worked_out_for, _)| *worked_out_for != heads) {
            let audience = match self.typed() {
                Ok(typed) => Audience::of(typed),
                // A document that does not read as the office's: administrators only.
                Err(_) => Audience::Administrators,
            };
            self.audience = Some((heads, audience));
        }
        &self.audience.as_ref().expect("worked out just above").1
    }

    pub fn begin_unstored(&mut self) {
        self.unstored = true;
    }

    pub fn end_unstored(&mut self) {
        self.unstored = false;
    }

    /// Loads the chunks other servers added since we last looked.
    pub async fn catch_up(&mut self, store: &dyn Store) -> Result<bool, StoreError> {
        if !self.loaded {
            return Ok(false);
        }
        let in_store = store.chunk_seqs(self.id).await?;
        let missing: Vec<ChunkSeq> = in_store.iter().copied().filter(|s| !self.stored.contains(s)).collect();
        let before = self.doc.get_heads();
        // Only chunks actually read count as held: one compacted away meanwhile by another server is
        // replaced by its snapshot, which that server announces and the next catch-up reads.
        let mut held: BTreeSet<ChunkSeq> = in_store.iter().copied().filter(|s| self.stored.contains(s)).collect();
        for chunk in store.chunks(self.id, &missing).await? {
            apply_chunk(&mut self.doc, self.id, &chunk)?;
            held.insert(chunk.seq);
        }
        self.stored = held;
        let changed = self.doc.get_heads() != before;
        if changed {
            self.typed = None;
        }
        Ok(changed)
    }

    /// Forgets what is in memory (after a rejected or unstored change): the next use reloads from the store.
    /// Peers stay, with fresh sync states, so they are brought back in line.
    pub fn reset(&mut self) {
        self.loaded = false;
        self.unstored = false;
        self.doc = Automerge::new();
        self.typed = None;
        self.home_reconciled = false;
        self.stored.clear();
        for peer in self.peers.values_mut() {
            peer.state = SyncState::new();
        }
    }

    /// Whether anyone ever stored anything in this document.
    pub fn exists(&self) -> bool {
        !self.doc.get_heads().is_empty()
    }

    /// Sends each peer whatever sync message it is owed. Only call once every change in the document is
    /// stored: this is where the durability contract is kept.
    pub fn send_sync_messages(&mut self, server_peer: &PeerId) {
        for peer in self.peers.values_mut() {
            if let Some(message) = self.first_answers.generate(&self.doc, &mut peer.state) {
                send(self.id, server_peer, peer, message);
            }
        }
    }

    /// Answers one peer only: after a message that brought nothing new, the others are owed nothing, and
    /// asking Automerge for each of them would cost a bloom filter per peer per message.
    ///
    /// A pure acknowledgement (our heads as last sent, no changes, nothing needed) is not sent: while other
    /// phones keep writing, the two sides' heads rarely match, and answering every acknowledgement with
    /// another kept each connection in a ping-pong of messages that each cost a bloom filter over the
    /// history. Whatever the peer lacks still goes out: changes, needs, and every change of our heads.
    pub fn answer(&mut self, server_peer: &PeerId, connection: ConnectionId) {
        let Some(peer) = self.peers.get_mut(&connection) else { return };
        // The first answer always goes: it is how the peer learns our heads.
        let answered_before = peer.state.have_responded;
        let heads_last_sent = peer.state.last_sent_heads.clone();
        if let Some(message) = self.first_answers.generate(&self.doc, &mut peer.state) {
            let pure_ack = answered_before
                && message.changes.is_empty()
                && message.need.is_empty()
                && message.heads == heads_last_sent;
            if !pure_ack {
                send(self.id, server_peer, peer, message);
            }
        }
    }

    /// Relays an ephemeral message to the document's other peers, once per (sender, session, count), and only
    /// from a peer of the document: one that passed the read check (a peer told the document is unavailable
    /// is not one) and has not lost access since.
    pub fn relay_ephemeral(
        &mut self,
        from: ConnectionId,
        sender_id: &PeerId,
        session_id: &str,
        count: u64,
        data: &[u8],
    ) {
        if !self.peers.contains_key(&from) {
            return;
        }
        let key = (sender_id.clone(), session_id.to_owned());
        if self.ephemeral_seen.get(&key).is_some_and(|seen| *seen >= count) {
            return;
        }
        if self.ephemeral_seen.len() >= EPHEMERAL_SESSIONS_REMEMBERED && !self.ephemeral_seen.contains_key(&key) {
            self.ephemeral_seen.clear();
        }
        self.ephemeral_seen.insert(key, count);
        for (connection, peer) in &self.peers {
            if *connection == from {
                continue;
            }
            peer.outbound.send(&Message::Ephemeral {
                sender_id: sender_id.clone(),
                target_id: peer.outbound.peer_id.clone(),
                document_id: self.id,
                session_id: session_id.to_owned(),
                count,
                data: data.to_vec(),
            });
        }
    }

    pub fn remove_peer(&mut self, connection: ConnectionId) {
        if let Some(peer) = self.peers.remove(&connection) {
            self.ephemeral_seen.retain(|(sender, _), _| *sender != peer.outbound.peer_id);
        }
    }
}

fn send(id: DocumentId, server_peer: &PeerId, peer: &PeerSync, message: SyncMessage) {
    peer.outbound.send(&Message::Sync {
        sender_id: server_peer.clone(),
        target_id: peer.outbound.peer_id.clone(),
        document_id: id,
        data: message.encode(),
    });
}

fn apply_chunk(doc: &mut Automerge, id: DocumentId, chunk: &StoredChunk) -> Result<(), StoreError> {
    doc.load_incremental(&chunk.data)
        .map(|_| ())
        .map_err(|e| StoreError::Corrupt(format!("document {id}, chunk {}: {e}", chunk.seq)))
}
