//! A simulated phone: one WebSocket to the server as one person, speaking the automerge-repo protocol as
//! the app does. It syncs its home document and, when following, fetches every document the home lists and
//! keeps each up to date, answering the server's sync messages. Each document's first full arrival is
//! reported, so a workload can time how long a change took to reach every phone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use automerge::sync::{State as SyncState, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use tokio::sync::{mpsc, watch};
use zhiban_model::documents::home::Home;
use zhiban_model::{DocumentId, Message};
use zhiban_tests::RawPeer;
use zhiban_tests::peer::Received;

use super::city::Credentials;

/// A document first held whole by a phone.
#[derive(Debug)]
pub struct Arrival {
    pub document: DocumentId,
    pub at: Instant,
}

/// How a phone's life ended.
#[derive(Debug)]
pub enum Ended {
    /// The workload told it to stop.
    Stopped,
    /// The server closed the socket or sent an error: the reason.
    Dropped(String),
}

struct Held {
    doc: Automerge,
    state: SyncState,
    arrived: bool,
}

impl Held {
    fn new() -> Self {
        Self { doc: Automerge::new(), state: SyncState::new(), arrived: false }
    }

    /// Whether this copy holds every change the server said it has.
    fn has_theirs(&self) -> bool {
        self.state.their_heads.as_deref().is_some_and(|theirs| holds_all(&self.doc, theirs))
    }
}

fn holds_all(doc: &Automerge, heads: &[ChangeHash]) -> bool {
    heads.iter().all(|h| doc.get_change_by_hash(h).is_some())
}

pub struct SimPhone {
    peer: RawPeer,
    credentials: Credentials,
    docs: HashMap<DocumentId, Held>,
    /// Fetch what the home lists (a phone in use), or keep to the home alone (an idle phone).
    follow: bool,
}

impl SimPhone {
    /// Connects and joins as `credentials`' person.
    pub async fn connect(sync_url: &str, credentials: Credentials, follow: bool) -> anyhow::Result<Self> {
        let peer = RawPeer::join(sync_url).await.with_context(|| format!("{} joining", credentials.person))?;
        Ok(Self { peer, credentials, docs: HashMap::new(), follow })
    }

    pub fn person(&self) -> &str {
        &self.credentials.person
    }

    /// Asks for the home document and syncs until the phone holds it whole (and, when following, every
    /// document it lists).
    pub async fn open_home(&mut self, wait: Duration) -> anyhow::Result<()> {
        let home = self.credentials.home;
        self.request(home).await?;
        let deadline = Instant::now() + wait;
        loop {
            let home_whole = self.docs.get(&home).is_some_and(|h| h.arrived);
            if home_whole && (!self.follow || self.docs.values().all(|h| h.arrived)) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            anyhow::ensure!(!left.is_zero(), "{} did not have its home within {wait:?}", self.person());
            match self.peer.recv(left).await {
                Received::Nothing => {}
                received => {
                    if let Some(reason) = self.handle(received, None).await? {
                        anyhow::bail!("{}: {reason}", self.person());
                    }
                }
            }
        }
    }

    /// Stays connected, answering the server and reporting arrivals, until `stop` turns true.
    pub async fn live(
        mut self,
        arrivals: Option<mpsc::UnboundedSender<Arrival>>,
        mut stop: watch::Receiver<bool>,
    ) -> (Self, Ended) {
        loop {
            if *stop.borrow() {
                return (self, Ended::Stopped);
            }
            let received = tokio::select! {
                received = self.peer.recv(Duration::from_secs(3600)) => received,
                _ = stop.changed() => continue,
            };
            match self.handle(received, arrivals.as_ref()).await {
                Ok(None) => {}
                Ok(Some(reason)) => return (self, Ended::Dropped(reason)),
                Err(e) => return (self, Ended::Dropped(format!("{e:#}"))),
            }
        }
    }

    /// Sends `request` for a document this phone does not hold.
    async fn request(&mut self, id: DocumentId) -> anyhow::Result<()> {
        let held = self.docs.entry(id).or_insert_with(Held::new);
        let data = held.doc.generate_sync_message(&mut held.state).map(|m| m.encode()).unwrap_or_default();
        let message = Message::Request {
            sender_id: self.peer.peer_id.clone(),
            target_id: self.peer.server_id.clone(),
            document_id: id,
            data,
        };
        self.peer.send(&message).await
    }

    /// Handles one thing from the server; `Some(reason)` when the connection is over.
    async fn handle(
        &mut self,
        received: Received,
        arrivals: Option<&mpsc::UnboundedSender<Arrival>>,
    ) -> anyhow::Result<Option<String>> {
        let (id, data) = match received {
            Received::Message(Message::Sync { document_id, data, .. }) => (document_id, data),
            Received::Message(Message::Error { message, document_id, .. }) => {
                return Ok(Some(format!("server error about {document_id:?}: {message}")));
            }
            // A listed document this server has not stored (yet): not waited for.
            Received::Message(Message::DocUnavailable { document_id, .. }) => {
                self.docs.remove(&document_id);
                return Ok(None);
            }
            Received::Message(_) | Received::Nothing => return Ok(None),
            Received::Other(text) => return Ok(Some(format!("a frame that is not a protocol message: {text}"))),
            Received::Closed => return Ok(Some("the server closed the connection".into())),
        };
        let held = self.docs.entry(id).or_insert_with(Held::new);
        first_arrivals::receive(held, &data)?;
        if let Some(reply) = held.doc.generate_sync_message(&mut held.state) {
            self.peer.send_sync(id, reply.encode()).await?;
        }
        let held = self.docs.get_mut(&id).context("the document just received")?;
        if !held.arrived && held.has_theirs() && !held.doc.get_heads().is_empty() {
            held.arrived = true;
            if let Some(arrivals) = arrivals {
                let _ = arrivals.send(Arrival { document: id, at: Instant::now() });
            }
        }
        if id == self.credentials.home && self.follow {
            self.follow_home().await?;
        }
        Ok(None)
    }

    /// Asks for every document the home lists that this phone does not hold yet.
    async fn follow_home(&mut self) -> anyhow::Result<()> {
        let Some(held) = self.docs.get(&self.credentials.home) else { return Ok(()) };
        let home: Home = match autosurgeon::hydrate(&held.doc) {
            Ok(home) => home,
            // Half a home (a sync still under way): read it again with the next message.
            Err(_) => return Ok(()),
        };
        let missing: Vec<DocumentId> = home
            .documents
            .keys()
            .filter_map(|id| id.parse::<DocumentId>().ok())
            .filter(|id| !self.docs.contains_key(id))
            .collect();
        for id in missing {
            self.request(id).await?;
        }
        Ok(())
    }
}

/// A thousand phones on one machine receiving the same first message for a new document (the server
/// answers them all from the same state with the same bytes) would each rebuild the same document, which
/// Automerge does slowly (it rebuilds every change to check its hash): on real phones that work is spread over
/// a thousand devices, here it took most of the two cores from the server being measured. So the first
/// phone's result is kept and copied to the others that start from the same state with the same bytes.
mod first_arrivals {
    use std::sync::{LazyLock, Mutex};

    use automerge::Automerge;
    use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};

    use super::Held;

    struct Arrived {
        data: Vec<u8>,
        before: SyncState,
        doc: Automerge,
        after: SyncState,
    }

    /// The last few documents' first arrivals.
    static RECENT: LazyLock<Mutex<Vec<Arrived>>> = LazyLock::new(|| Mutex::new(Vec::new()));
    const KEPT: usize = 16;

    pub fn receive(held: &mut Held, data: &[u8]) -> anyhow::Result<()> {
        let fresh = held.doc.get_heads().is_empty();
        if fresh {
            let recent = RECENT.lock().map_err(|_| anyhow::anyhow!("a phone panicked"))?;
            if let Some(arrived) = recent.iter().find(|a| a.data == data && a.before == held.state) {
                held.doc = arrived.doc.clone();
                held.state = arrived.after.clone();
                return Ok(());
            }
        }
        let before = fresh.then(|| held.state.clone());
        held.doc.receive_sync_message(&mut held.state, SyncMessage::decode(data)?)?;
        if let Some(before) = before
            && !held.doc.get_heads().is_empty()
        {
            let mut recent = RECENT.lock().map_err(|_| anyhow::anyhow!("a phone panicked"))?;
            if recent.len() >= KEPT {
                recent.remove(0);
            }
            recent.push(Arrived { data: data.to_vec(), before, doc: held.doc.clone(), after: held.state.clone() });
        }
        Ok(())
    }
}
