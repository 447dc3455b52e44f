//! The sync loop: one WebSocket session speaks the automerge-repo protocol with the server; a supervisor
//! reconnects with exponential backoff and jitter.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use automerge::sync::State as SyncState;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use zhiban_model::refusal::Refusal;
use zhiban_model::wire::PROTOCOL_VERSION;
use zhiban_model::{DocumentId, Message, PeerMetadata};

use crate::client::{ConnectionState, Inner};
use crate::error::ClientError;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// One connected session with the server.
struct Session<'a> {
    inner: &'a Inner,
    socket: Socket,
    server_peer: String,
    states: HashMap<DocumentId, SyncState>,
    settled: HashSet<DocumentId>,
    unavailable: HashSet<DocumentId>,
}

/// Opens the socket with this phone's access token, if it has one. `Ok(None)`: the server refused the token.
async fn open_socket(url: &url::Url, token: Option<&str>) -> Result<Option<Socket>, ClientError> {
    let unreachable = |reason: String| ClientError::Unreachable { url: url.to_string(), reason };
    let mut request = url.as_str().into_client_request().map_err(|e| unreachable(e.to_string()))?;
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().map_err(|_| ClientError::Protocol("unusable token".into()))?;
        request.headers_mut().insert("authorization", value);
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
        Err(_) => Err(unreachable(format!("no answer within {} seconds", CONNECT_TIMEOUT.as_secs()))),
        Ok(Ok((socket, _))) => Ok(Some(socket)),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) if response.status().as_u16() == 401 => Ok(None),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
    }
}

async fn connect(inner: &Inner) -> Result<Session<'_>, ClientError> {
    let url = inner.server.clone().ok_or(ClientError::NoServer)?;
    let unreachable = |reason: String| ClientError::Unreachable { url: url.to_string(), reason };
    let token = inner.access_token()?;
    let mut socket = match open_socket(&url, token.as_deref()).await? {
        Some(socket) => socket,
        // The access token expired (a long offline shift): refresh once and try again.
        None => {
            inner.refresh_tokens().await?;
            let token = inner.access_token()?;
            open_socket(&url, token.as_deref())
                .await?
                .ok_or_else(|| ClientError::LoginRequired("the server refused the new access token".to_owned()))?
        }
    };
    let join = Message::Join {
        sender_id: inner.peer_id.clone(),
        supported_protocol_versions: vec![PROTOCOL_VERSION.to_owned()],
        peer_metadata: Some(PeerMetadata { storage_id: Some(inner.storage_id.clone()), is_ephemeral: false }),
    };
    socket.send(WsMessage::Binary(join.encode().into())).await.map_err(|e| unreachable(e.to_string()))?;
    let server_peer = loop {
        let frame = tokio::time::timeout(CONNECT_TIMEOUT, socket.next())
            .await
            .map_err(|_| unreachable("the server did not answer `join`".to_owned()))?;
        match frame {
            Some(Ok(WsMessage::Binary(frame))) => match decode(&frame)? {
                Message::Peer { sender_id, .. } => break sender_id,
                Message::Error { message, refusals, .. } => return Err(server_error(message, &refusals)),
                other => {
                    return Err(ClientError::Protocol(format!("expected `peer`, got `{}`", other.type_name())));
                }
            },
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(unreachable(e.to_string())),
            None => return Err(unreachable("the server closed the connection during the handshake".to_owned())),
        }
    };
    Ok(Session {
        inner,
        socket,
        server_peer,
        states: HashMap::new(),
        settled: HashSet::new(),
        unavailable: HashSet::new(),
    })
}

/// The server's `error` for the whole connection: a session that ended (signed out, revoked, the account
/// disabled) wants a new login, and trying again cannot help; anything else is retried.
fn server_error(message: String, refusals: &[Refusal]) -> ClientError {
    if refusals.iter().any(|r| r.rule == zhiban_model::wire::SESSION_ENDED_RULE) {
        ClientError::LoginRequired(message)
    } else {
        ClientError::ServerError(message)
    }
}

fn decode(frame: &[u8]) -> Result<Message, ClientError> {
    Message::decode(frame, usize::MAX).map_err(|e| ClientError::Protocol(e.to_string()))
}

impl Session<'_> {
    /// Sends the server whatever it is owed for `id`.
    async fn offer(&mut self, id: DocumentId) -> Result<(), ClientError> {
        let state = self.states.entry(id).or_default();
        let Some((data, is_empty)) = self.inner.next_message(id, state)? else { return Ok(()) };
        self.settled.remove(&id);
        let sender_id = self.inner.peer_id.clone();
        let target_id = self.server_peer.clone();
        let message = if is_empty {
            Message::Request { sender_id, target_id, document_id: id, data }
        } else {
            Message::Sync { sender_id, target_id, document_id: id, data }
        };
        self.send(message).await
    }

    async fn offer_all(&mut self) -> Result<(), ClientError> {
        for id in self.inner.sync_targets()? {
            self.offer(id).await?;
        }
        Ok(())
    }

    async fn send(&mut self, message: Message) -> Result<(), ClientError> {
        let sent = self.socket.send(WsMessage::Binary(message.encode().into())).await;
        sent.map_err(|e| self.lost(e))
    }

    /// The connection broke mid-session.
    fn lost(&self, e: tokio_tungstenite::tungstenite::Error) -> ClientError {
        let url = self.inner.server.as_ref().map(|u| u.to_string()).unwrap_or_default();
        ClientError::Unreachable { url, reason: e.to_string() }
    }

    /// Handles one frame from the server. `Ok(false)` when the server closed the connection.
    async fn handle(
        &mut self,
        frame: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<bool, ClientError> {
        let frame = match frame {
            None | Some(Ok(WsMessage::Close(_))) => return Ok(false),
            Some(Err(e)) => return Err(self.lost(e)),
            Some(Ok(WsMessage::Binary(frame))) => frame,
            Some(Ok(_)) => return Ok(true),
        };
        match decode(&frame)? {
            Message::Sync { document_id, data, .. } => {
                let state = self.states.entry(document_id).or_default();
                let settled = self.inner.receive(document_id, state, &data)?;
                self.unavailable.remove(&document_id);
                self.offer(document_id).await?;
                if settled {
                    self.settled.insert(document_id);
                }
                if self.inner.home_document()? == Some(document_id) {
                    for id in self.inner.follow_home(document_id)? {
                        self.offer(id).await?;
                    }
                }
            }
            Message::DocUnavailable { document_id, .. } => {
                self.unavailable.insert(document_id);
                // Changes made here for a document the server will not take: kept aside, shown, not resent.
                if self.inner.has_unsent(document_id)? {
                    let refusal = crate::home::access_ended();
                    self.inner.refuse(document_id, &refusal.reason.clone(), &[refusal])?;
                }
            }
            // One document refused: remember it, carry on with the others.
            Message::Error { message, document_id: Some(id), refusals, .. } => {
                self.inner.refuse(id, &message, &refusals)?;
                self.settled.remove(&id);
            }
            Message::Error { message, refusals, .. } => return Err(server_error(message, &refusals)),
            _ => {}
        }
        Ok(true)
    }

    fn all_settled(&self, targets: &[DocumentId]) -> bool {
        targets.iter().all(|id| self.settled.contains(id) || self.unavailable.contains(id))
    }
}

/// Syncs until every local change is confirmed and every document has the server's heads.
pub(crate) async fn sync_until_settled(inner: &Inner, timeout: Duration) -> Result<(), ClientError> {
    let deadline = Instant::now() + timeout;
    inner.set_connection(ConnectionState::Connecting);
    let result = tokio::time::timeout_at(deadline, async {
        let mut session = connect(inner).await?;
        inner.set_connection(ConnectionState::Online);
        session.offer_all().await?;
        loop {
            let targets = inner.sync_targets()?;
            if session.all_settled(&targets) && inner.pending_total()? == 0 {
                let _ = session.socket.close(None).await;
                // Everything else is in; changes the server refused are still waiting for the user.
                let refused = inner.refused()?;
                if !refused.is_empty() {
                    return Err(ClientError::ChangesRefused(refused));
                }
                return Ok(());
            }
            let frame = session.socket.next().await;
            if !session.handle(frame).await? {
                return Err(ClientError::ServerError("connection closed before sync finished".to_owned()));
            }
        }
    })
    .await;
    let result = match result {
        Ok(result) => result,
        Err(_) => Err(ClientError::Timeout(timeout.as_secs(), inner.pending_total().unwrap_or(0))),
    };
    inner.set_connection(match &result {
        Ok(()) => ConnectionState::Idle,
        Err(e) => ConnectionState::Offline { reason: e.to_string() },
    });
    result
}

/// A session that lasted this long counts as healthy: the next failure starts the backoff afresh. A server
/// that accepts and then refuses at once (a change it rejects) is retried with growing pauses.
const HEALTHY_SESSION: Duration = Duration::from_secs(10);

/// Keeps a session open, sending local changes as they are made, and reconnects after any failure.
pub(crate) async fn sync_forever(inner: Arc<Inner>) {
    let mut backoff = BACKOFF_FIRST;
    loop {
        inner.set_connection(ConnectionState::Connecting);
        let started = Instant::now();
        let result = async {
            let mut session = connect(&inner).await?;
            inner.set_connection(ConnectionState::Online);
            session.offer_all().await?;
            loop {
                tokio::select! {
                    frame = session.socket.next() => {
                        if !session.handle(frame).await? {
                            return Err(ClientError::ServerError("the server closed the connection".to_owned()));
                        }
                    }
                    () = inner.local_change.notified() => session.offer_all().await?,
                }
            }
        }
        .await;
        let reason = match result {
            Ok(()) => "session ended".to_owned(),
            // Trying again cannot help: say so once, keep every local change, and wait for a new login.
            Err(ClientError::LoginRequired(reason)) => {
                tracing::warn!(%reason, "login required; sync waits for a new login");
                let waiting = inner.login_changed.notified();
                inner.set_connection(ConnectionState::LoginRequired { reason });
                waiting.await;
                backoff = BACKOFF_FIRST;
                continue;
            }
            Err(e) => e.to_string(),
        };
        if started.elapsed() >= HEALTHY_SESSION {
            backoff = BACKOFF_FIRST;
        }
        tracing::info!(%reason, retry_in_ms = backoff.as_millis() as u64, "sync disconnected");
        inner.set_connection(ConnectionState::Offline { reason });
        tokio::time::sleep(with_jitter(backoff)).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Between half and all of `base`, so that phones cut off together do not come back together.
fn with_jitter(base: Duration) -> Duration {
    let half = base / 2;
    half + Duration::from_millis(rand::random_range(0..=half.as_millis() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_half_and_whole() {
        for _ in 0..1000 {
            let d = with_jitter(Duration::from_secs(8));
            assert!(d >= Duration::from_secs(4) && d <= Duration::from_secs(8));
        }
    }
}
