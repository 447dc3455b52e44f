//! A bare automerge-repo peer that sends whatever a test tells it to, good or bad, and reads frames back.

use std::time::Duration;

use automerge::Automerge;
use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use zhiban_model::wire::PROTOCOL_VERSION;
use zhiban_model::{DocumentId, Message, PeerMetadata};

pub struct RawPeer {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub peer_id: String,
    /// The server's peer id, once joined.
    pub server_id: String,
}

/// What came back from the server.
#[derive(Debug)]
pub enum Received {
    Message(Message),
    /// A frame that is not a protocol message.
    Other(String),
    Closed,
    Nothing,
}

impl RawPeer {
    /// Opens the socket without saying anything.
    pub async fn connect(sync_url: &str) -> anyhow::Result<Self> {
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(usize::MAX >> 1))
            .max_frame_size(Some(usize::MAX >> 1));
        let (socket, _) = tokio_tungstenite::connect_async_with_config(sync_url, Some(config), false).await?;
        Ok(Self { socket, peer_id: format!("raw-{:08x}", rand::random::<u32>()), server_id: String::new() })
    }

    /// Connects and completes the `join` → `peer` handshake.
    pub async fn join(sync_url: &str) -> anyhow::Result<Self> {
        let mut peer = Self::connect(sync_url).await?;
        let join = Message::Join {
            sender_id: peer.peer_id.clone(),
            supported_protocol_versions: vec![PROTOCOL_VERSION.to_owned()],
            peer_metadata: Some(PeerMetadata { storage_id: None, is_ephemeral: true }),
        };
        peer.send(&join).await?;
        match peer.recv(Duration::from_secs(5)).await {
            Received::Message(Message::Peer { sender_id, selected_protocol_version, target_id, .. }) => {
                anyhow::ensure!(
                    selected_protocol_version == PROTOCOL_VERSION,
                    "server chose {selected_protocol_version}"
                );
                anyhow::ensure!(target_id == peer.peer_id, "peer message addressed to {target_id}");
                peer.server_id = sender_id;
                Ok(peer)
            }
            other => anyhow::bail!("expected `peer`, got {other:?}"),
        }
    }

    pub async fn send(&mut self, message: &Message) -> anyhow::Result<()> {
        self.send_frame(message.encode()).await
    }

    /// A `sync` message for `document_id` from this peer to the server.
    pub async fn send_sync(&mut self, document_id: DocumentId, data: Vec<u8>) -> anyhow::Result<()> {
        let message =
            Message::Sync { sender_id: self.peer_id.clone(), target_id: self.server_id.clone(), document_id, data };
        self.send(&message).await
    }

    pub async fn send_frame(&mut self, frame: Vec<u8>) -> anyhow::Result<()> {
        self.socket.send(WsMessage::Binary(frame.into())).await?;
        Ok(())
    }

    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.socket.send(WsMessage::Text(text.into())).await?;
        Ok(())
    }

    /// The next frame within `wait`.
    pub async fn recv(&mut self, wait: Duration) -> Received {
        loop {
            let frame = match tokio::time::timeout(wait, self.socket.next()).await {
                Err(_) => return Received::Nothing,
                Ok(frame) => frame,
            };
            return match frame {
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => Received::Closed,
                Some(Ok(WsMessage::Binary(bytes))) => match Message::decode(&bytes, usize::MAX) {
                    Ok(message) => Received::Message(message),
                    Err(e) => Received::Other(e.to_string()),
                },
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => continue,
                Some(Ok(WsMessage::Text(text))) => Received::Other(text.to_string()),
            };
        }
    }

    /// Asks for document `id` and takes it whole: the document and the sync state to go on from, or `None`
    /// when the server answers that it is not there (or not for this peer). Other messages are passed over.
    pub async fn fetch(&mut self, id: DocumentId) -> anyhow::Result<Option<(Automerge, SyncState)>> {
        let mut doc = Automerge::new();
        let mut state = SyncState::new();
        let first = doc.generate_sync_message(&mut state).ok_or_else(|| anyhow::anyhow!("no request to send"))?;
        let request = Message::Request {
            sender_id: self.peer_id.clone(),
            target_id: self.server_id.clone(),
            document_id: id,
            data: first.encode(),
        };
        self.send(&request).await?;
        loop {
            match self.recv(Duration::from_secs(10)).await {
                Received::Message(Message::Sync { data, document_id, .. }) if document_id == id => {
                    doc.receive_sync_message(&mut state, SyncMessage::decode(&data)?)?;
                    if let Some(message) = doc.generate_sync_message(&mut state) {
                        self.send_sync(id, message.encode()).await?;
                    }
                    if state.their_heads.as_deref() == Some(&doc.get_heads()[..]) {
                        return Ok(Some((doc, state)));
                    }
                }
                Received::Message(Message::DocUnavailable { document_id, .. }) if document_id == id => return Ok(None),
                Received::Message(_) => {}
                other => anyhow::bail!("the server stopped answering: {other:?}"),
            }
        }
    }

    /// Sends sync messages for `id` until the server's heads include every change of `doc` (which by the
    /// durability contract means it is committed). Returns how many sync messages came back.
    pub async fn push_until_confirmed(
        &mut self,
        id: DocumentId,
        doc: &mut Automerge,
        state: &mut SyncState,
    ) -> anyhow::Result<usize> {
        let mut received = 0;
        loop {
            if let Some(message) = doc.generate_sync_message(state) {
                self.send_sync(id, message.encode()).await?;
            }
            // Cheap test first: the server's heads name our newest change. Otherwise ask the change graph.
            let ours = doc.get_heads();
            if state
                .their_heads
                .as_deref()
                .is_some_and(|theirs| ours.iter().all(|h| theirs.contains(h)) || crate::covers(doc, theirs))
            {
                return Ok(received);
            }
            match self.recv(Duration::from_secs(30)).await {
                Received::Message(Message::Sync { data, document_id, .. }) if document_id == id => {
                    received += 1;
                    doc.receive_sync_message(state, SyncMessage::decode(&data)?)?;
                }
                Received::Message(Message::Error { message, .. }) => anyhow::bail!("server error: {message}"),
                Received::Message(_) => {}
                other => anyhow::bail!("server stopped answering: {other:?}"),
            }
        }
    }

    /// Expects an `error` message followed by the server closing; returns the error's text.
    pub async fn expect_error_then_close(&mut self) -> anyhow::Result<String> {
        let message = match self.recv(Duration::from_secs(5)).await {
            Received::Message(Message::Error { message, .. }) => message,
            other => anyhow::bail!("expected an `error` message, got {other:?}"),
        };
        match self.recv(Duration::from_secs(5)).await {
            Received::Closed => Ok(message),
            other => anyhow::bail!("expected the server to close after `{message}`, got {other:?}"),
        }
    }
}
