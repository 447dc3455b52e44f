//! One peer's WebSocket: the `join` → `peer` handshake, then messages until either side closes. Anything
//! malformed gets an `error` message naming the problem and the connection is closed; other peers carry on.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket};
use futures_util::{SinkExt, StreamExt};
use zhiban_model::wire::PROTOCOL_VERSION;
use zhiban_model::{DocumentId, Message, PeerMetadata};

use super::ephemeral::{self, EphemeralAllowance};
use super::hub::{Hub, SyncError};
use super::outbound::{Outbound, Outgoing};
use crate::accounts::Principal;

/// Default for `--max-documents-per-connection`: a desk's phone, which syncs every document its home lists,
/// may legitimately hold a few thousand incidents; each document a connection syncs stays in memory while
/// the connection is open.
pub const DEFAULT_MAX_DOCUMENTS_PER_CONNECTION: usize = 20_000;
/// Default for `--max-missing-documents-per-connection`.
pub const DEFAULT_MAX_MISSING_DOCUMENTS_PER_CONNECTION: usize = 1_000;
/// Default for `--max-changes-per-message`: a phone offline for a day sends a few hundred.
pub const DEFAULT_MAX_CHANGES_PER_MESSAGE: usize = 10_000;
/// Default for `--max-connections-per-user`: a person's phones, tablets and browser tabs (each tab of the web
/// app has its own socket).
pub const DEFAULT_MAX_CONNECTIONS_PER_USER: usize = 20;

/// A peer that connects must say `join` within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// What one connection may send and how long it may stay silent.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Largest frame accepted.
    pub max_frame_bytes: usize,
    /// The server pings a peer this often; a peer silent for three intervals is gone (a phone that lost
    /// its network without closing) and its connection is dropped.
    pub keepalive: Duration,
    /// Distinct documents one connection may sync or request.
    pub max_documents: usize,
    /// Requests for documents nobody has that one connection may have open; each keeps a place in memory
    /// (so the peer hears if the document appears), and a peer asking for random ids must not fill it.
    pub max_missing_documents: usize,
    /// Changes one sync message may bring.
    pub max_changes_per_message: usize,
    /// Sync connections one user may have open at once on this server (each server counts its own).
    pub max_connections_per_user: usize,
}

/// Serves one peer, on which `principal` logged in.
pub async fn serve(socket: WebSocket, hub: Arc<Hub>, limits: ConnectionLimits, principal: Principal) {
    let ConnectionLimits {
        max_frame_bytes,
        keepalive,
        max_documents,
        max_missing_documents,
        max_changes_per_message,
        max_connections_per_user,
    } = limits;
    // Counted from the upgrade until this function returns or unwinds: the guard is dropped either way.
    let seat = hub.user_connections().open(&principal.username, max_connections_per_user);
    let (mut sink, mut stream) = socket.split();
    let server_id = hub.peer_id().clone();
    let error = |target: Option<String>, message: String| Message::Error {
        sender_id: Some(server_id.clone()),
        target_id: target,
        message,
        document_id: None,
        refusals: Vec::new(),
    };

    // Handshake.
    let first = tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.next()).await;
    let joined = match first {
        Ok(Some(Ok(WsMessage::Binary(frame)))) => match Message::decode(&frame, max_frame_bytes) {
            Ok(Message::Join { sender_id, supported_protocol_versions, .. }) => {
                if supported_protocol_versions.iter().any(|v| v == PROTOCOL_VERSION) {
                    Ok(sender_id)
                } else {
                    Err(format!(
                        "unsupported protocol versions {supported_protocol_versions:?}; this server speaks version {PROTOCOL_VERSION}"
                    ))
                }
            }
            Ok(other) => Err(format!("expected `join` first, got `{}`", other.type_name())),
            Err(e) => Err(format!("cannot read the first message: {e}")),
        },
        Ok(Some(Ok(WsMessage::Text(_)))) => Err("frames must be binary CBOR, not text".to_owned()),
        Ok(Some(Ok(_))) => Err("expected a binary `join` message first".to_owned()),
        Ok(Some(Err(e))) => Err(format!("cannot read from the socket: {e}")),
        Ok(None) => return,
        Err(_) => Err(format!("no `join` within {} seconds", HANDSHAKE_TIMEOUT.as_secs())),
    };
    // Refused in answer to `join`, not with HTTP 429 before the upgrade: a browser's WebSocket hides the
    // status of a refused upgrade from scripts, and automerge-repo's adapter in Node throws it unhandled,
    // while an `error` message is logged by the adapter with its text (and shown by our phones) before it
    // retries on its usual interval.
    let joined = joined.and_then(|peer_id| match &seat {
        Some(_) => Ok(peer_id),
        None => Err(format!(
            "more than {max_connections_per_user} connections for user {}; close the app on another device or ask \
             an administrator to raise --max-connections-per-user",
            principal.username
        )),
    });
    let peer_id = match joined {
        Ok(peer_id) => peer_id,
        Err(reason) => {
            tracing::info!(%reason, "refused a connection at the handshake");
            let _ = sink.send(WsMessage::Binary(error(None, reason).encode().into())).await;
            let _ = sink.close().await;
            return;
        }
    };

    let connection = hub.next_connection_id();
    let (outbound, mut queue, endings) = Outbound::new(connection, peer_id.clone(), principal);
    let writer = tokio::spawn(async move {
        while let Some(out) = queue.recv().await {
            match out {
                Outgoing::Frame(frame) => {
                    if sink.send(WsMessage::Binary(frame.into())).await.is_err() {
                        break;
                    }
                }
                Outgoing::Ping => {
                    if sink.send(WsMessage::Ping(Default::default())).await.is_err() {
                        break;
                    }
                }
                Outgoing::CloseWith(frame) => {
                    let _ = sink.send(WsMessage::Binary(frame.into())).await;
                    let _ = sink.close().await;
                    break;
                }
            }
        }
    });
    outbound.send(&Message::Peer {
        sender_id: hub.peer_id().clone(),
        target_id: peer_id.clone(),
        selected_protocol_version: PROTOCOL_VERSION.to_owned(),
        peer_metadata: Some(PeerMetadata { storage_id: Some(hub.storage_id().to_owned()), is_ephemeral: false }),
    });
    // Listed from here, so a sign-out or a change of rights ends this connection wherever it is made.
    let session = hub.sessions().register(&outbound, &hub.office().directory());
    let principal = &outbound.principal;
    tracing::debug!(peer = %peer_id, connection, user = %principal.username, device = %principal.device_id, "peer joined");

    let mut departure = Departure { hub: hub.clone(), connection, documents: HashSet::new() };
    let documents = &mut departure.documents;
    let mut unavailable: HashSet<DocumentId> = HashSet::new();
    let mut refused: HashSet<DocumentId> = HashSet::new();
    let mut ephemeral_allowance = EphemeralAllowance::default();
    let mut last_heard = tokio::time::Instant::now();
    let mut ping = tokio::time::interval_at(last_heard + keepalive, keepalive);
    let outcome: Result<(), String> = loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            () = endings.overflowed.notified() => break Err("the peer did not read its messages in time".to_owned()),
            // The server ended the connection and queued why (`Outbound::close_now`).
            () = endings.ended.notified() => break Ok(()),
            _ = ping.tick() => {
                if last_heard.elapsed() >= keepalive * 3 {
                    break Err(format!("nothing heard from the peer for {:.1} s", last_heard.elapsed().as_secs_f64()));
                }
                outbound.ping();
                continue;
            }
        };
        last_heard = tokio::time::Instant::now();
        let frame = match frame {
            None | Some(Ok(WsMessage::Close(_))) => break Ok(()),
            Some(Err(e)) => break Err(format!("cannot read from the socket: {e}")),
            Some(Ok(WsMessage::Text(_))) => break Err("frames must be binary CBOR, not text".to_owned()),
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            Some(Ok(WsMessage::Binary(frame))) => frame,
        };
        let message = match Message::decode(&frame, max_frame_bytes) {
            Ok(message) => message,
            Err(e) => break Err(e.to_string()),
        };
        if let Some(sender) = message.sender_id()
            && sender != peer_id
        {
            break Err(format!("senderId {sender:?} is not the peer that joined ({peer_id:?})"));
        }
        let is_request = matches!(message, Message::Request { .. });
        match message {
            Message::Sync { document_id, data, .. } | Message::Request { document_id, data, .. } => {
                // The peer was told; what it sends for that document until it reconnects is not looked at,
                // so a phone holding a refused change does not loop on it.
                if refused.contains(&document_id) {
                    continue;
                }
                // Refused before the hub sees it: nothing of this message is loaded or stored.
                if !documents.contains(&document_id) && documents.len() >= max_documents {
                    break Err(format!(
                        "more than {max_documents} documents on one connection; ask an administrator to raise \
                         --max-documents-per-connection"
                    ));
                }
                documents.insert(document_id);
                match hub.receive_sync(&outbound, document_id, &data, is_request, max_changes_per_message).await {
                    Ok(true) => {
                        unavailable.remove(&document_id);
                    }
                    Ok(false) => {
                        unavailable.insert(document_id);
                        if unavailable.len() > max_missing_documents {
                            break Err(format!(
                                "more than {max_missing_documents} requests for documents that do not exist; ask \
                                 an administrator to raise --max-missing-documents-per-connection"
                            ));
                        }
                    }
                    // One document's change refused: the peer hears why, its other documents carry on.
                    Err(e @ SyncError::ChangeRefused { .. }) => {
                        tracing::info!(peer = %peer_id, document = %document_id, reason = %e, "change refused");
                        refused.insert(document_id);
                        outbound.send(&Message::Error {
                            sender_id: Some(hub.peer_id().clone()),
                            target_id: Some(peer_id.clone()),
                            message: e.to_string(),
                            document_id: Some(document_id),
                            refusals: e.refusals().to_vec(),
                        });
                    }
                    Err(e) => break Err(e.to_string()),
                }
            }
            Message::Ephemeral { document_id, session_id, count, data, .. } => {
                if let Some(reason) = ephemeral::too_large(&data) {
                    break Err(reason);
                }
                // Over the rate: dropped, as presence is (the next message carries the latest state).
                if ephemeral_allowance.take() {
                    hub.relay_ephemeral(&outbound, document_id, &session_id, count, &data).await;
                }
            }
            Message::Leave { .. } => break Ok(()),
            Message::Error { message, .. } => {
                tracing::info!(peer = %peer_id, %message, "peer reported an error");
                break Ok(());
            }
            // The server never asks peers for documents, and does not gossip remote heads.
            Message::DocUnavailable { .. }
            | Message::RemoteSubscriptionChange { .. }
            | Message::RemoteHeadsChanged { .. } => {}
            Message::Join { .. } => break Err("`join` was already received on this connection".to_owned()),
            Message::Peer { .. } => break Err("`peer` is the server's answer; a client must not send it".to_owned()),
        }
    };

    hub.disconnect(connection, std::mem::take(documents)).await;
    // Unlisted first: the list holds a sender of this connection's queue, and the writer below ends only
    // when every sender is gone (kept, each closed connection held its seat until the writer timed out).
    drop(session);
    match outcome {
        Ok(()) => drop(outbound),
        Err(reason) => {
            tracing::info!(peer = %peer_id, %reason, "closing connection");
            outbound.close_with(error(Some(peer_id.clone()), reason)).await;
            drop(outbound);
        }
    }
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(5), writer).await.is_err() {
        abort.abort();
    }
}

/// Forgets the connection in every document it used even if its task ends by a panic, so that those
/// documents can still leave memory.
struct Departure {
    hub: Arc<Hub>,
    connection: super::outbound::ConnectionId,
    documents: HashSet<DocumentId>,
}

impl Drop for Departure {
    fn drop(&mut self) {
        if self.documents.is_empty() {
            return;
        }
        let (hub, connection, documents) = (self.hub.clone(), self.connection, std::mem::take(&mut self.documents));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { hub.disconnect(connection, documents).await });
        }
    }
}
