//! Logging in and refreshing tokens. A failed login is answered the same for an unknown user and a wrong
//! password; too many failures are answered 429 with `Retry-After`, and a login that found the server busy
//! checking other passwords 503 with `Retry-After: 1`. Refreshing is never throttled: a device holding a
//! valid refresh token stays signed in whatever is tried against its user's password.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use crate::AppState;
use crate::accounts::{LoginError, Tokens};

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// A name for this device the user will recognise in a list of their devices ("李四的手机").
    pub device_name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenAnswer {
    /// Sent as `Authorization: Bearer …` (or `?access_token=` from a browser).
    pub access_token: String,
    /// Exchanged once for new tokens at `/api/v1/auth/refresh`; a second use signs the device out.
    pub refresh_token: String,
    /// Seconds the access token lasts.
    pub expires_in: u64,
    pub device_id: String,
    pub user: UserAnswer,
    /// The user's home document (`automerge:` URL): sync it first; it lists every document they may see.
    pub home_document: String,
}

/// Who logged in, as the access rules see them.
#[derive(Serialize, ToSchema)]
pub struct UserAnswer {
    /// Also their person id in the directory.
    pub username: String,
    pub name: String,
    pub unit: String,
    /// `desk`, `leader`, `unit_officer`, `field`, `admin`.
    pub roles: Vec<String>,
}

impl TokenAnswer {
    async fn of(t: Tokens, state: &AppState) -> Result<Self, ApiError> {
        let home = state.hub.home_of(&t.user.username).await.map_err(|e| ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            reason: format!("cannot look up the home document: {e}"),
        })?;
        Ok(Self {
            home_document: home.url(),
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_in: t.expires_in,
            device_id: t.device_id,
            user: UserAnswer {
                username: t.user.username,
                name: t.display_name,
                unit: t.user.unit,
                roles: t.user.roles.iter().map(|r| r.code().to_owned()).collect(),
            },
        })
    }
}

fn refused(e: LoginError) -> Response {
    let status = match &e {
        LoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        LoginError::Busy { .. } | LoginError::Account(_) => StatusCode::SERVICE_UNAVAILABLE,
        LoginError::Disabled => StatusCode::FORBIDDEN,
        _ => StatusCode::UNAUTHORIZED,
    };
    let mut response = ApiError { status, reason: e.to_string() }.into_response();
    if let LoginError::Throttled { retry_after_secs } | LoginError::Busy { retry_after_secs } = e
        && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Logs in on a new device.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 429, body = ErrorBody, description = "too many failed logins; see Retry-After"),
              (status = 503, body = ErrorBody, description = "busy checking other logins; see Retry-After")))]
pub async fn login(
    State(state): State<AppState>,
    address: Option<Extension<ConnectInfo<SocketAddr>>>,
    Json(request): Json<LoginRequest>,
) -> Response {
    let address = address.map(|Extension(ConnectInfo(a))| a.ip());
    match state.accounts.login(request.username.trim(), request.password, &request.device_name, address).await {
        Ok(tokens) => match TokenAnswer::of(tokens, &state).await {
            Ok(answer) => Json(answer).into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => refused(e),
    }
}

/// Exchanges a refresh token for new tokens.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn refresh(State(state): State<AppState>, Json(request): Json<RefreshRequest>) -> Response {
    match state.accounts.refresh(request.refresh_token.trim()).await {
        Ok(tokens) => match TokenAnswer::of(tokens, &state).await {
            Ok(answer) => Json(answer).into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => refused(e),
    }
}

/// Signs this device out: its tokens stop working at once (its push subscriptions with them), as when an
/// administrator revokes it. The phone forgets its tokens whether or not it reached the server.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody)))]
pub async fn logout(caller: Caller, State(state): State<AppState>) -> Response {
    match state.accounts.revoke_device(&caller.principal.device_id, "signed out on the device").await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError { status: StatusCode::SERVICE_UNAVAILABLE, reason: e.to_string() }.into_response(),
    }
}
