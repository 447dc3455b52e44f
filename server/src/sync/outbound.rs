//! A connection's outgoing queue. Bounded, so one slow phone cannot make the server hold unbounded memory:
//! when its queue is full the connection is closed, and the phone catches up when it reconnects.

use std::sync::Arc;

use crate::accounts::Principal;
use tokio::sync::{Notify, mpsc};
use zhiban_model::access::Viewer;
use zhiban_model::{Message, PeerId};

pub type ConnectionId = u64;

/// Frames a connection may have waiting before it counts as too slow.
pub const QUEUE_FRAMES: usize = 4096;

#[derive(Debug)]
pub enum Outgoing {
    Frame(Vec<u8>),
    /// A WebSocket ping, to learn whether the peer is still there.
    Ping,
    /// Send this error, then close.
    CloseWith(Vec<u8>),
}

#[derive(Clone)]
pub struct Outbound {
    pub connection: ConnectionId,
    pub peer_id: PeerId,
    /// Who logged in on this connection: what they may see and change, and whose the changes it delivers are.
    pub principal: Arc<Principal>,
    /// The same person as the access rules see them.
    pub viewer: Arc<Viewer>,
    queue: mpsc::Sender<Outgoing>,
    overflowed: Arc<Notify>,
    /// Told when the server ends the connection (`close_now`): the connection stops reading the peer, so
    /// nothing more it sends is looked at, even if it never answers the close.
    ended: Arc<Notify>,
}

/// What a connection's reading loop waits on besides the peer: the queue overflowing, the server ending it.
pub struct Endings {
    pub overflowed: Arc<Notify>,
    pub ended: Arc<Notify>,
}

impl Outbound {
    pub fn new(
        connection: ConnectionId,
        peer_id: PeerId,
        principal: Principal,
    ) -> (Self, mpsc::Receiver<Outgoing>, Endings) {
        let (queue, receiver) = mpsc::channel(QUEUE_FRAMES);
        let endings = Endings { overflowed: Arc::new(Notify::new()), ended: Arc::new(Notify::new()) };
        let viewer = Arc::new(principal.viewer());
        let principal = Arc::new(principal);
        let outbound = Self {
            connection,
            peer_id,
            principal,
            viewer,
            queue,
            overflowed: endings.overflowed.clone(),
            ended: endings.ended.clone(),
        };
        (outbound, receiver, endings)
    }

    /// Queues a message without waiting; a full queue closes the connection.
    pub fn send(&self, message: &Message) {
        match self.queue.try_send(Outgoing::Frame(message.encode())) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(peer = %self.peer_id, "peer is not reading; closing its connection");
                self.overflowed.notify_one();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    pub fn ping(&self) {
        // A full queue means the connection is about to be closed anyway.
        let _ = self.queue.try_send(Outgoing::Ping);
    }

    /// Queues an error and a close without waiting (from inside a document's lock), and ends the connection:
    /// nothing more the peer sends is read. If the queue is full the connection is closed as too slow, which
    /// ends it as surely.
    pub fn close_now(&self, error: Message) {
        if self.queue.try_send(Outgoing::CloseWith(error.encode())).is_err() {
            self.overflowed.notify_one();
        }
        self.ended.notify_one();
    }

    /// Queues an error and a close, waiting a little for room so the peer learns why; a peer that is not
    /// reading does not get to hold the connection open.
    pub async fn close_with(&self, error: Message) {
        let frame = Outgoing::CloseWith(error.encode());
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.queue.send(frame)).await;
    }
}
