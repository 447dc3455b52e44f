//! Registering a device for push alerts, and the server's VAPID public key (what a browser or UnifiedPush
//! distributor needs to subscribe).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use crate::AppState;
use crate::push::{PushError, Subscription, VapidKeys, subscriptions};

impl From<PushError> for ApiError {
    fn from(e: PushError) -> Self {
        let status = match &e {
            PushError::BadSubscription(_) | PushError::EndpointRefused(_) => StatusCode::BAD_REQUEST,
            PushError::EndpointTaken => StatusCode::CONFLICT,
            PushError::NoKeys => StatusCode::NOT_FOUND,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError { status, reason: e.to_string() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VapidPublicKey {
    /// base64url of the uncompressed P-256 point: `applicationServerKey` for `pushManager.subscribe`.
    pub public_key: String,
}

/// The server's VAPID public key.
#[utoipa::path(get, path = "/api/v1/push/vapid-public-key", tag = "push",
    responses((status = 200, body = VapidPublicKey), (status = 404, body = ErrorBody, description = "no keys made yet")))]
pub async fn vapid_public_key(State(state): State<AppState>) -> ApiResult<VapidPublicKey> {
    let keys = VapidKeys::load(&state.hub.office().database).await?.ok_or(PushError::NoKeys)?;
    Ok(Json(VapidPublicKey { public_key: keys.public_key() }))
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub endpoint: String,
    pub device_id: String,
}

/// Registers this device's push subscription (or moves one of the caller's endpoints to it). The endpoint
/// must be `https` to a public address (after resolving its host) unless the operator allowed its host or
/// network with `--allow-outbound`; a device keeps its newest ten subscriptions.
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "push", request_body = Subscription,
    responses((status = 200, body = Registered),
        (status = 400, body = ErrorBody, description = "malformed, or an endpoint the server may not send to"),
        (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the endpoint is registered to another person")))]
pub async fn subscribe(
    caller: Caller,
    State(state): State<AppState>,
    Json(subscription): Json<Subscription>,
) -> ApiResult<Registered> {
    let database = &state.hub.office().database;
    let (username, device_id) = (&caller.principal.username, &caller.principal.device_id);
    subscriptions::register(database, &state.outbound, username, device_id, &subscription).await?;
    Ok(Json(Registered { endpoint: subscription.endpoint, device_id: caller.principal.device_id }))
}
