//! Who is calling: every API route but logging in needs an access token (`Authorization: Bearer …`, or
//! `?access_token=` from a browser), and answers only with what that person may see, by the same rules as
//! sync. A document they may not see is answered as one that does not exist.

use std::collections::HashSet;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use zhiban_model::DocumentId;
use zhiban_model::access::{Audience, Viewer};
use zhiban_model::documents::Known;
use zhiban_model::documents::directory::Role;

use super::error::ApiError;
use crate::AppState;
use crate::accounts::{AuthError, Principal};
use crate::homes::audiences;

pub struct Caller {
    pub principal: Principal,
    pub viewer: Viewer,
}

/// The access token a request carries: `Authorization: Bearer …`, or `?access_token=` for browsers, which
/// cannot set headers on a WebSocket.
pub fn access_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    bearer.or_else(|| {
        url::form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == "access_token").map(|(_, v)| v.into_owned())
    })
}

/// What a request without a usable token is told.
pub fn refusal(e: Option<AuthError>) -> ApiError {
    match e {
        None => ApiError {
            status: StatusCode::UNAUTHORIZED,
            reason: "log in first: send an access token (`Authorization: Bearer …`, or `?access_token=` from a \
                     browser) from /api/v1/auth/login"
                .into(),
        },
        Some(e @ AuthError::Database(_)) => ApiError { status: StatusCode::SERVICE_UNAVAILABLE, reason: e.to_string() },
        Some(e) => ApiError { status: StatusCode::UNAUTHORIZED, reason: e.to_string() },
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = access_token(&parts.headers, parts.uri.query()).ok_or_else(|| refusal(None))?;
        let principal = state.accounts.authenticate(&token).await.map_err(|e| refusal(Some(e)))?;
        let viewer = principal.viewer();
        Ok(Self { principal, viewer })
    }
}

impl Caller {
    /// Refuses (as not found) a document this caller may not see.
    pub async fn check(&self, state: &AppState, id: DocumentId, what: &str) -> Result<(), ApiError> {
        let audience = audiences::of(&state.hub.office().database, id).await?;
        let directory = state.hub.office().directory();
        match audience {
            Some(a) if a.audience.includes(&self.viewer, &*directory) => Ok(()),
            _ => Err(ApiError::not_found(format!("no {what} {}", id.url()))),
        }
    }

    /// The documents this caller may see, or `None` when they see everything (the desk, leaders).
    pub async fn visible(&self, state: &AppState) -> Result<Option<HashSet<String>>, ApiError> {
        if self.viewer.sees_everything() {
            return Ok(None);
        }
        let directory = state.hub.office().directory();
        let all = audiences::all(&state.hub.office().database).await?;
        Ok(Some(
            all.into_iter()
                .filter(|(_, a)| a.audience.includes(&self.viewer, &*directory))
                .map(|(id, _)| id.to_string())
                .collect(),
        ))
    }

    /// Whether this caller may see the score of `unit`: the desk and leaders any unit's, a unit's duty officers
    /// those of the units they oversee. Field reporters and administrators none.
    pub fn sees_scores_of(&self, state: &AppState, unit: &str) -> bool {
        self.viewer.sees_everything()
            || (self.viewer.has(Role::UnitOfficer) && state.hub.office().directory().is_within(unit, &self.viewer.unit))
    }

    /// Whether this caller may see the roster of `unit` (and who is on duty there).
    pub fn sees_rosters_of(&self, state: &AppState, unit: &str) -> bool {
        Audience::Unit { unit: unit.to_owned() }.includes(&self.viewer, &*state.hub.office().directory())
    }
}
