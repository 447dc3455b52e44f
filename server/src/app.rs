//! The HTTP application: routes and shared state. `app()` builds the router so tests can drive it without a
//! socket; `launch_with_tcp_listener` serves it on a listener the caller chose (port 0 in tests).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::accounts::{AccountPolicy, Accounts};
use crate::clock::{Clock, SystemClock};
use crate::office::{DutyRules, Office};
use crate::sync::connection::{
    DEFAULT_MAX_CHANGES_PER_MESSAGE, DEFAULT_MAX_CONNECTIONS_PER_USER, DEFAULT_MAX_DOCUMENTS_PER_CONNECTION,
    DEFAULT_MAX_MISSING_DOCUMENTS_PER_CONNECTION,
};
use crate::sync::{ConnectionLimits, Hub, HubConfig, connection};
use crate::{projection, store};

/// Read and write buffer of each sync socket.
const SOCKET_BUFFER_BYTES: usize = 16 * 1024;

/// How a server is set up; every field has a default suitable for one duty office.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Largest WebSocket frame accepted from a peer.
    pub max_frame_bytes: usize,
    /// How often the server pings each peer; three silent intervals and the peer is dropped.
    pub keepalive: Duration,
    /// Distinct documents one sync connection may sync or request; past it the connection is closed.
    pub max_documents_per_connection: usize,
    /// Requests for documents that do not exist one connection may have open; past it the connection is closed.
    pub max_missing_documents_per_connection: usize,
    /// Changes one sync message may bring; a message with more is refused whole and the connection closed.
    pub max_changes_per_message: usize,
    /// Sync connections one user may have open at once on this server; one more is refused at `join`.
    pub max_connections_per_user: usize,
    /// Bytes one person's attachment uploads (whole or under way) may take; past it an upload is refused.
    pub attachment_quota_bytes: u64,
    pub hub: HubConfig,
    /// The office's rules and numbers (grade thresholds, deadlines, calendar).
    pub rules: DutyRules,
    /// Token lifetimes and login throttling.
    pub accounts: AccountPolicy,
    /// The office's time, given once for the whole server: deadlines and escalations, what the API and the
    /// console call overdue, receipt and storage times, token expiry and throttling. Tests give one they move.
    pub clock: Arc<dyn Clock>,
    /// Where push requests may go beyond public `https` addresses (`--allow-outbound`); nowhere by default.
    pub outbound: crate::push::OutboundPolicy,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            database_url: "sqlite://zhiban-data/zhiban.db".to_owned(),
            max_frame_bytes: zhiban_model::DEFAULT_MAX_FRAME_BYTES,
            keepalive: Duration::from_secs(30),
            max_documents_per_connection: DEFAULT_MAX_DOCUMENTS_PER_CONNECTION,
            max_missing_documents_per_connection: DEFAULT_MAX_MISSING_DOCUMENTS_PER_CONNECTION,
            max_changes_per_message: DEFAULT_MAX_CHANGES_PER_MESSAGE,
            max_connections_per_user: DEFAULT_MAX_CONNECTIONS_PER_USER,
            attachment_quota_bytes: crate::attachments::DEFAULT_QUOTA_BYTES,
            hub: HubConfig::default(),
            rules: DutyRules::default(),
            accounts: AccountPolicy::default(),
            clock: Arc::new(SystemClock),
            outbound: crate::push::OutboundPolicy::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub limits: ConnectionLimits,
    pub accounts: Accounts,
    /// Bytes one person's attachment uploads may take (`ServerConfig::attachment_quota_bytes`).
    pub attachment_quota_bytes: u64,
    /// Where push endpoints may point (`ServerConfig::outbound`), checked when one is registered.
    pub outbound: Arc<crate::push::OutboundPolicy>,
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/sync", get(sync_socket))
        .merge(crate::console::routes())
        .merge(crate::api::routes())
        .merge(crate::attachments::routes())
        .with_state(state)
}

/// How long the health check waits for the database.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

async fn health(State(state): State<AppState>) -> Response {
    let store = state.hub.store();
    // A monitor asks often and must hear promptly: a database that does not answer is reported as such.
    let counted = match tokio::time::timeout(HEALTH_TIMEOUT, store.document_count()).await {
        Ok(counted) => counted.map_err(|e| e.to_string()),
        Err(_) => Err(format!("the database did not answer within {} s", HEALTH_TIMEOUT.as_secs())),
    };
    // Reads may work while every change is refused (a full disk): that is not healthy either.
    let counted = counted.and_then(|documents| match state.hub.write_problem() {
        None => Ok(documents),
        Some(reason) => Err(format!(
            "changes cannot be stored: {reason}; they are refused (phones keep them) until a write succeeds"
        )),
    });
    match counted {
        Ok(documents) => Json(json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "backend": store.backend(),
            "documents_stored": documents,
            "documents_loaded": state.hub.loaded_documents(),
            // The directory changes are checked against, as this server holds it.
            "directory_units": state.hub.office().directory().units.len(),
        }))
        .into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "degraded",
                "version": env!("CARGO_PKG_VERSION"),
                "backend": store.backend(),
                "reason": reason,
            })),
        )
            .into_response(),
    }
}

async fn sync_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    // Every byte on the socket belongs to a logged-in person on a registered device. A phone with a stale
    // token is told so (401) and refreshes.
    let principal = match crate::api::caller::access_token(&headers, query.as_deref()) {
        None => return crate::api::caller::refusal(None).into_response(),
        Some(token) => match state.accounts.authenticate(&token).await {
            Ok(principal) => principal,
            Err(e) => return crate::api::caller::refusal(Some(e)).into_response(),
        },
    };
    // The socket layer's own cap is twice ours, so that a frame just over our limit still reaches us and
    // the peer gets an `error` message saying why, rather than a bare close.
    let socket_cap = state.limits.max_frame_bytes.saturating_mul(2);
    ws.max_message_size(socket_cap)
        .max_frame_size(socket_cap)
        // The socket layer's buffers default to 128 KiB each way; with ten thousand idle phones connected
        // that was most of the server's memory, and a phone's messages are mostly far smaller.
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .on_upgrade(move |socket| connection::serve(socket, state.hub, state.limits, principal))
}

/// Opens the store, starts the hub and serves on `listener` until `shutdown` completes.
pub async fn launch_with_tcp_listener(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The one clock: the store, the office (and through it the hub, the scheduler, the API and the console)
    // and the accounts all read "now" from it.
    let clock = config.clock.clone();
    let store = store::open_with_clock(&config.database_url, clock.clone()).await?;
    tracing::info!(backend = store.backend(), address = %listener.local_addr()?, "zhiban-server serving");
    let office = Office::with_clock(store.database(), config.rules.clone(), clock.clone());
    projection::load_directory(&*store, &office).await?;
    let backfilled = crate::homes::audiences::backfill(&*store, &office.database).await?;
    if backfilled > 0 {
        tracing::info!(documents = backfilled, "worked out who older documents are for");
    }
    let hub = Hub::start(store, office, config.hub.clone()).await?;
    let outbound = Arc::new(config.outbound.clone());
    let scheduler = crate::alerts::scheduler::spawn(hub.office().clone(), hub.clone(), outbound.clone());
    // Partial attachment uploads left 24 h are removed, by the same clock.
    let attachment_expiry = crate::attachments::spawn_expiry(hub.clone());
    let limits = ConnectionLimits {
        max_frame_bytes: config.max_frame_bytes,
        keepalive: config.keepalive,
        max_documents: config.max_documents_per_connection,
        max_missing_documents: config.max_missing_documents_per_connection,
        max_changes_per_message: config.max_changes_per_message,
        max_connections_per_user: config.max_connections_per_user,
    };
    let accounts = Accounts::new(hub.store().database(), clock, config.accounts.clone());
    let state = AppState { hub, limits, accounts, attachment_quota_bytes: config.attachment_quota_bytes, outbound };
    // With the peer's address, for throttling failed logins per address.
    let served = axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    // Escalations wait in the database for the next server; this one calls nobody once stopped.
    scheduler.abort();
    attachment_expiry.abort();
    served?;
    // Give in-flight commits a moment; every confirmed change is already durable.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}
