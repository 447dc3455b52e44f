//! API errors: a status and a JSON body with a reason a person can act on.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong and what to do about it.
    pub error: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub reason: String,
}

impl ApiError {
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, reason: reason.into() }
    }

    pub fn not_found(reason: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, reason: reason.into() }
    }

    /// A view this person's roles do not open at all (not one document they may not see: that is not found).
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self { status: StatusCode::FORBIDDEN, reason: reason.into() }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::warn!(error = %e, "API query failed");
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            reason: format!("the database did not answer; try again shortly ({e})"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.reason })).into_response()
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;
